"""Write a draft as YAML with its ``# PERIKSA:`` comments at the lines they concern.

ruamel.yaml writes the comments; it is told to quote as YAML 1.1 does, because the SOP loader
reads with PyYAML (YAML 1.1), where an unquoted ``No`` or ``yes`` would be a boolean. The
``%YAML 1.1`` directive itself is left out: the file looks like the hand-written ones.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.sop.importer.steps import Check, Path

MARK = "PERIKSA:"
_SEPARATOR = f"  # {MARK} "
# Mappings written on one line ({title: …, superior: …}): the entries of these, and `when`.
_FLOW_PARENTS = frozenset({"roles", "artifacts", "reminders"})
_FLOW_WIDTH = 90  # a list of names longer than this is written one item a line
_BLANK_BEFORE = frozenset({"roles", "partner_kinds", "permissions", "reminders", "artifacts",
                           "steps", "dasar_hukum", "intake", "notices"})  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One PERIKSA comment of the written draft: its line (1-based) and its text."""

    line: int
    text: str


def write(data: dict[str, Any], checks: Sequence[Check], head: Sequence[str]) -> str:
    """The YAML text of a draft; each check a comment at the end of the line it concerns."""
    root = _commented(data, "", "")
    assert isinstance(root, CommentedMap)
    loose: list[str] = []
    by_path: dict[Path, list[str]] = {}
    for check in checks:
        text = " ".join(check.text.split())  # a comment is one line, whatever the cell held
        if text not in by_path.setdefault(check.path, []):
            by_path[check.path].append(text)
    for path, texts in by_path.items():
        if not _attach(root, path, f"{MARK} " + _SEPARATOR.join(texts)):
            loose += texts
    lines = [*head, *(f"{MARK} {text}" for text in loose)]
    if lines:
        root.yaml_set_start_comment("\n".join(" ".join(line.split()) for line in lines))
    for key in root:
        if key in _BLANK_BEFORE:
            root.yaml_set_comment_before_after_key(key, before="\n")
    yaml = YAML()
    yaml.version = (1, 1)
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(root, out)
    text = out.getvalue()
    # The loader reads YAML 1.1 whatever the directive says; the blank comment lines that the
    # "before" comments leave are made truly blank.
    text = text.removeprefix("%YAML 1.1\n---\n")
    return "\n".join("" if line.strip() == "#" else line for line in text.split("\n"))


def findings(text: str) -> list[Finding]:
    """The PERIKSA comments of a YAML text, one per check, with their line."""
    found: list[Finding] = []
    for number, line in enumerate(text.splitlines(), 1):
        if MARK not in line:
            continue
        parts = line.split(f"# {MARK}")[1:]
        found += [Finding(number, part.strip()) for part in parts if part.strip()]
    return found


def _commented(value: Any, key: str | int, container: str) -> Any:
    """Ruamel's commentable form of a value found at `key` in the mapping named `container`."""
    if isinstance(value, dict):
        mapping = CommentedMap((k, _commented(v, k, str(key))) for k, v in value.items())
        if container in _FLOW_PARENTS or key == "when":
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        items = CommentedSeq(_commented(item, index, str(key)) for index, item in enumerate(value))
        scalars = all(not isinstance(item, (dict, list)) for item in value)
        if scalars and sum(len(str(item)) + 2 for item in value) <= _FLOW_WIDTH:
            items.fa.set_flow_style()
        return items
    return value


def _attach(root: CommentedMap | CommentedSeq, path: Path, comment: str) -> bool:
    """Put the comment at the end of the path's line; False when the path is not in the file."""
    node: Any = root
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = path[-1]
    if isinstance(node, CommentedSeq) and isinstance(last, int) and last < len(node):
        item = node[last]
        if isinstance(item, CommentedMap) and not item.fa.flow_style():
            return _attach(item, (next(iter(item)),), comment)
        node.yaml_add_eol_comment(comment, last)
        return True
    if isinstance(node, CommentedMap) and last in node:
        value = node[last]
        if isinstance(value, CommentedSeq) and value and isinstance(value[0], CommentedMap):
            return _attach(value, (0,), comment)
        if isinstance(value, CommentedMap) and not value.fa.flow_style() and value:
            node.yaml_add_eol_comment(comment, last)
            return True
        node.yaml_add_eol_comment(comment, last)
        return True
    return False
