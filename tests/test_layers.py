"""The import rules of STYLE §1, checked by walking every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHANNEL_OR_ORM = ("telegram", "pywa", "sqlalchemy", "alembic", "asyncpg", "aiosqlite", "httpx")


def imported_modules(path: Path, *, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def files_in(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def offenders(paths: list[Path], forbidden: tuple[str, ...], *, top_level_only=False) -> list:
    found = []
    for path in paths:
        for name in imported_modules(path, top_level_only=top_level_only):
            if name.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_the_core_imports_no_channel_library_no_orm_and_no_outer_layer():
    core = [p for p in files_in("bot") if "bootstrap" not in p.parts]

    found = offenders(core, (*CHANNEL_OR_ORM, "handlers", "storage"))

    assert found == []


def test_bootstrap_imports_storage_and_handlers_only_inside_functions():
    found = offenders(
        sorted((ROOT / "bot" / "bootstrap").glob("*.py")), ("handlers", "storage"),
        top_level_only=True,
    )  # fmt: skip

    assert found == []


def test_storage_never_imports_the_channel_adapters():
    found = offenders(files_in("storage"), ("handlers", "telegram", "pywa"))

    assert found == []


@pytest.mark.parametrize("adapter, other", [("telegram", "whatsapp"), ("whatsapp", "telegram")])
def test_a_channel_adapter_imports_neither_storage_nor_the_other_channel(adapter, other):
    paths = files_in(f"handlers/{adapter}")

    found = [
        f
        for f in offenders(paths, ("storage",))
        + [
            f"{p.relative_to(ROOT)} imports {n}"
            for p in paths
            for n in imported_modules(p)
            if n.startswith(f"handlers.{other}")
        ]
    ]

    assert found == []


@pytest.mark.parametrize(
    "package", ["handlers/standin", "handlers/telegram/standin", "handlers/whatsapp/standin"]
)
def test_a_platform_stand_in_imports_nothing_of_the_bot_it_stands_in_for(package):
    own = package.replace("/", ".")
    paths = files_in(package)

    found = [
        f"{p.relative_to(ROOT)} imports {n}"
        for p in paths
        for n in imported_modules(p)
        if n.split(".")[0] in ("bot", "storage")
        or (n.startswith("handlers.") and not n.startswith((own, "handlers.standin")))
    ]

    assert found == []


def test_the_walk_sees_real_imports():
    names = imported_modules(ROOT / "bot" / "workflow" / "service.py")

    assert "bot.workflow.engine" in names or "bot.workflow" in names


def chat_imports(path: Path) -> set[str]:
    """The `bot.chat` modules a module of it imports, at any depth (function level too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "bot.chat":
            found.update(f"bot.chat.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.chat."):
            found.add(str(node.module))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("bot.chat."))
    return found


def test_the_chat_modules_import_each_other_in_a_tree_without_a_cycle():
    graph = {f"bot.chat.{p.stem}": chat_imports(p) for p in files_in("bot/chat")}
    cycles: list[str] = []

    def visit(module: str, path: tuple[str, ...]) -> None:
        for target in sorted(graph.get(module, ())):
            if target in path:
                cycles.append(" → ".join((*path[path.index(target) :], target)))
            elif len(path) < len(graph):
                visit(target, (*path, target))

    for module in sorted(graph):
        visit(module, (module,))

    assert cycles == []


def test_only_the_command_line_calls_the_composition_root():
    found = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in files_in("handlers") + files_in("storage")
        for name in imported_modules(p)
        if name.startswith("bot.bootstrap")
    ]

    assert found == []
