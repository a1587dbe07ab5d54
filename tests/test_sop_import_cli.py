"""`sopbot sop import FILE [-o OUT.yaml]` end to end with typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.config import Settings
from bot.sop.loader import load_sop
from bot.texts import t
from tests.sop_documents import SHAPES, SOP54_TEXT, plain_docx, sop54, sop_docx


@pytest.fixture(autouse=True)
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A private working directory; no `.env` and no SOPBOT_* settings from outside."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOPBOT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def sopbot(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def document(workdir: Path) -> Path:
    path = workdir / "sop54.docx"
    path.write_bytes(sop_docx(sop54(SHAPES)))
    return path


def test_import_writes_a_draft_that_sop_show_accepts(document: Path, workdir: Path):
    imported = sopbot("sop", "import", str(document), "-o", str(workdir / "draft.yaml"))

    shown = sopbot("sop", "show", str(workdir / "draft.yaml"))

    assert imported.exit_code == 0, imported.output
    assert shown.exit_code == 0, shown.output
    assert "Pelaksanaan Koordinasi Penyiapan Rancangan Kesepakatan Bersama" in shown.output


def test_import_prints_the_periksa_list_with_the_lines_of_the_draft(document: Path, workdir: Path):
    out = workdir / "draft.yaml"

    result = sopbot("sop", "import", str(document), "-o", str(out))

    lines = out.read_text(encoding="utf-8").splitlines()
    listed = [row for row in result.output.splitlines() if row.startswith("  baris ")]
    assert listed and len(listed) == sum(row.count("# PERIKSA:") for row in lines)
    number = int(listed[0].split()[1].rstrip(":"))
    assert "# PERIKSA:" in lines[number - 1]


def test_without_o_the_draft_goes_beside_the_document(workdir: Path):
    (workdir / "sop54.txt").write_bytes(SOP54_TEXT.read_bytes())

    result = sopbot("sop", "import", "sop54.txt")

    assert result.exit_code == 0, result.output
    assert [s.number for s in load_sop(workdir / "sop54.yaml").steps] == [1, 2, 3, 4, 5, 7, 8, 10]


def test_without_o_an_existing_draft_is_not_overwritten(workdir: Path):
    (workdir / "sop54.txt").write_bytes(SOP54_TEXT.read_bytes())
    (workdir / "sop54.yaml").write_text("# my edits\n", encoding="utf-8")

    result = sopbot("sop", "import", "sop54.txt")

    assert result.exit_code == 1
    assert (workdir / "sop54.yaml").read_text(encoding="utf-8") == "# my edits\n"


def test_o_dash_prints_the_draft_and_the_list_goes_to_stderr(document: Path):
    result = CliRunner().invoke(app, ["sop", "import", str(document), "-o", "-"])

    assert result.exit_code == 0
    assert result.stdout.startswith("# ") and "steps:" in result.stdout
    assert "PERIKSA" in result.stderr


def test_a_document_that_is_not_an_sop_table_exits_2_saying_what_was_expected(workdir: Path):
    (workdir / "nota.docx").write_bytes(plain_docx(["NOTA DINAS", "Perihal: rapat"]))

    result = sopbot("sop", "import", "nota.docx", "-o", "nota.yaml")

    assert result.exit_code == 2
    assert t("import.refused.no_table") in result.output
    assert not (workdir / "nota.yaml").exists()
