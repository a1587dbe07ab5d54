"""`sopbot report`: the compliance report of one case or of a period, as .docx or .csv."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.bootstrap import App
from bot.cli.common import fail, parse_day, with_app
from bot.documents.render import BuiltDocument
from bot.documents.report_docx import report_caption
from bot.documents.settings import DocumentSettings
from bot.reports.figures import CaseReport
from bot.reports.service import Reports
from bot.texts import t


def report(
    case: str | None = typer.Argument(None, help="Nomor perkara, mis. KB-2026-0001."),
    all_cases: bool = typer.Option(False, "--all", help="Semua perkara (dalam periode)."),
    start: str | None = typer.Option(None, "--from", help="Dibuka sejak (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", help="Dibuka sampai (YYYY-MM-DD)."),
    out: Path | None = typer.Option(None, "--out", help="Berkas hasil: .docx atau .csv."),
    sop_code: str | None = typer.Option(None, "--sop", help="Hanya perkara SOP ini (kode)."),
) -> None:
    """Write the compliance report of CASE, or with --all of every case opened in a period."""
    if (case is None) == (not all_cases) or (case is not None and (start or until)):
        raise fail(t("cli.report_usage"), 2)
    first = parse_day(start) if start else None
    last = parse_day(until) if until else None
    as_csv = out is not None and out.suffix.lower() == ".csv"

    async def body(app: App) -> tuple[BuiltDocument, CaseReport | None]:
        reports = Reports(app.workflow, DocumentSettings.from_settings(app.settings))
        sop = app.registry.find(sop_code) if sop_code else None
        if sop_code and sop is None:
            codes = ", ".join(s.code for s in app.registry.current)
            raise fail(t("invalid.sop", value=sop_code, choices=codes), 2)
        if case:
            sop = app.workflow.sops.for_case(await app.workflow.get(case))
        figures = await reports.case(case) if case else await reports.period(first, last, sop)
        built = reports.csv(figures) if as_csv else reports.docx(figures, sop=sop)
        return built, figures if isinstance(figures, CaseReport) else None

    built, one = with_app(body)
    target = out or Path(built.filename)
    target.write_bytes(built.data)
    if one is not None:
        typer.echo(report_caption(one))
    typer.echo(t("cli.report_written", path=target))
