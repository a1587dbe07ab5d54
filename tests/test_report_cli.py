"""`sopbot report`: the compliance report of a case or a period, written as .docx or .csv."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pytest
from docx import Document
from typer.testing import CliRunner, Result

from bot.bootstrap import App, build_app
from bot.cli import app
from bot.clock import JAKARTA, FixedClock
from bot.config import Settings, load_settings
from bot.texts import t
from bot.workflow.commands import OpenCase
from tests.docx_reading import text

T = TypeVar("T")


@pytest.fixture(autouse=True)
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A private data directory and working directory; no settings from outside."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOPBOT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def sopbot(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def on_app(body: Callable[[App], Awaitable[T]], at: datetime) -> T:
    async def main() -> T:
        application = await build_app(load_settings(), FixedClock(at))
        try:
            return await body(application)
        finally:
            await application.close()

    return asyncio.run(main())


def open_case(subject: str, at: datetime) -> str:
    """The Kabag opens a case at `at`; its reference."""

    async def body(application: App) -> str:
        people = await application.admin.people()
        kabag = next((p for p in people if "kabag" in p.roles), None)
        if kabag is None:
            kabag = await application.admin.add_person("Drs. Budi Santoso, M.Si.", ["kabag"])
        facts = {"disposisi_walikota": "Disposisi No. 005/123-Tapem"}
        command = OpenCase(kabag.id, "Pemerintah Kota Bandung", "pemda", subject, facts)
        result = await application.workflow.open_case(command)
        assert result.case is not None
        return result.case.ref

    return on_app(body, at)


@pytest.fixture
def case_ref() -> str:
    return open_case("Kerja sama pengelolaan sampah", datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA))


def test_report_of_a_case_writes_its_docx_and_prints_a_summary(case_ref, tmp_path):
    result = sopbot("report", case_ref)

    assert result.exit_code == 0, result.output
    written = tmp_path / "laporan-kepatuhan-KB-2026-0001.docx"
    assert result.stdout.splitlines()[-1] == t("cli.report_written", path=written.name)
    assert result.stdout.startswith("Laporan kepatuhan SOP perkara KB-2026-0001 (berjalan)")
    assert "Perkara KB-2026-0001: Kerja sama pengelolaan sampah" in text(written.read_bytes())


def test_report_to_a_csv_file_writes_one_row_per_step_run(case_ref, tmp_path):
    result = sopbot("report", case_ref, "--out", "kb.csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "kb.csv").read_text("utf-8-sig"))))
    assert [(r["perkara"], r["kode_langkah"], r["menit_mutu_baku"]) for r in rows] == [
        ("KB-2026-0001", "penugasan", "15")
    ]


def test_report_all_in_a_period_covers_only_the_cases_opened_in_it(tmp_path):
    open_case("Kerja sama A", datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA))
    open_case("Kerja sama B", datetime(2026, 3, 9, 9, 0, tzinfo=JAKARTA))

    result = sopbot("report", "--all", "--from", "2026-03-05", "--until", "2026-03-31")

    assert result.exit_code == 0, result.output
    written = tmp_path / "laporan-kepatuhan-2026-03-05-2026-03-31.docx"
    summary = Document(io.BytesIO(written.read_bytes())).tables[1]
    assert [row.cells[0].text for row in summary.rows] == ["Perkara", "KB-2026-0002"]


def test_report_without_a_case_or_all_prints_the_usage():
    result = sopbot("report")

    assert result.exit_code == 2
    assert t("cli.report_usage") in result.stderr


def test_report_of_an_unknown_case_is_refused_in_indonesian(case_ref):
    result = sopbot("report", "KB-2026-0099")

    assert result.exit_code == 1
    assert result.stderr == t("error.case_not_found", ref="KB-2026-0099") + "\n"
