"""The laporan kepatuhan SOP as .docx, rendered from the figures in `bot.reports.figures`."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from bot.documents.context import filename, kop_context
from bot.documents.render import BuiltDocument, Image, render
from bot.documents.settings import DocumentSettings
from bot.documents.values import stamp, step_label
from bot.fmt import format_date, format_datetime, format_minutes
from bot.reports.figures import (
    CaseReport,
    DeviationFigures,
    LoopFigures,
    PeriodReport,
    RunFigures,
)
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry
from bot.texts import t
from bot.workflow.model import CaseStatus, DeviationKind

CHART_WIDTH_MM = 240


def laporan_kepatuhan(
    report: CaseReport | PeriodReport,
    sops: Sop | SopRegistry,
    settings: DocumentSettings,
    *,
    at: datetime,
    chart: bool = True,
) -> BuiltDocument:
    """The compliance report of one case or of a period, with a timeline chart per case; each
    case's steps are named as in the SOP version it runs on. The heading names what the report
    covers: the one SOP of its cases, or every SOP given, listed."""
    cases = report.cases if isinstance(report, PeriodReport) else (report,)
    registry = SopRegistry.of(sops)
    covered = _covered(report, registry)
    context: dict[str, Any] = {
        "kop": kop_context(settings),
        "covers": _covers(covered),
        "scope": _scope(report),
        "printed": format_datetime(at),
        "overview": _overview(cases, covered),
        "summary": [_summary_row(c) for c in cases],
        "cases": [_case_section(c, _sop_of(c, registry), chart) for c in cases],
    }
    data = render("laporan_kepatuhan.docx", context, directory=settings.templates_dir, at=at)
    return BuiltDocument(data, report_filename(report))


def _covered(report: CaseReport | PeriodReport, sops: SopRegistry) -> list[Sop]:
    """The SOPs a report covers: a case's own; for a period every SOP given (and any other its
    cases run on), in load order."""
    if isinstance(report, CaseReport):
        return [_sop_of(report, sops)]
    codes = [s.code for s in sops.current] + [c.sop_code for c in report.cases if c.sop_code]
    return [sops.newest(code) for code in dict.fromkeys(codes)]


def _covers(covered: list[Sop]) -> list[str]:
    """The heading's lines: the SOP, or every SOP under a line saying how many."""
    lines = [t("report.sops.line", number=s.number, title=s.title) for s in covered]
    return lines if len(covered) == 1 else [t("report.sops.all", count=len(covered)), *lines]


def _sop_of(case: CaseReport, sops: SopRegistry) -> Sop:
    try:
        return sops.version(case.sop_code, case.sop_version)
    except KeyError:  # figures made without an SOP code: the first SOP
        return sops.default


def report_filename(report: CaseReport | PeriodReport, extension: str = "docx") -> str:
    """`laporan-kepatuhan-KB-2026-0001.docx` or `laporan-kepatuhan-<from>-<until>.docx`."""
    return filename("laporan-kepatuhan", _file_key(report), extension)


def _file_key(report: CaseReport | PeriodReport) -> str:
    if isinstance(report, CaseReport):
        return report.ref
    first = report.start.isoformat() if report.start else "awal"
    last = report.until.isoformat() if report.until else report.as_of.date().isoformat()
    return f"{first}-{last}"


def _scope(report: CaseReport | PeriodReport) -> str:
    if isinstance(report, CaseReport):
        return t("report.scope.case", ref=report.ref)
    start = format_date(report.start) if report.start else t("report.scope.beginning")
    until = format_date(report.until) if report.until else t("report.scope.now")
    return t("report.scope.period", start=start, until=until, count=len(report.cases))


def _overview(cases: tuple[CaseReport, ...], covered: list[Sop]) -> list[str]:
    if not cases:
        return [t("report.overview.none")]
    done = [c for c in cases if c.status is CaseStatus.DONE]
    kinds: Counter[DeviationKind] = Counter()
    for case in cases:
        kinds.update(case.deviation_counts())
    counts = t(
        "report.overview.cases",
        count=len(cases),
        done=len(done),
        running=sum(1 for c in cases if c.is_running),
        cancelled=sum(1 for c in cases if c.status is CaseStatus.CANCELLED),
    )
    within = t(
        "report.overview.within",
        within=sum(1 for c in done if c.within_total),
        done=len(done),
        total=_totals(covered),
    )
    deviations = t(
        "report.overview.deviations",
        returns=sum(c.returns for c in cases),
        count=sum(kinds.values()),
        waktu=kinds[DeviationKind.WAKTU],
        kelengkapan=kinds[DeviationKind.KELENGKAPAN],
        output=kinds[DeviationKind.OUTPUT],
    )
    return [counts, within, deviations]


def _total(case: CaseReport) -> str:
    return t(
        "report.total",
        days=case.total_working_days,
        time=format_minutes(case.total_minutes),
    )


def _verdict(case: CaseReport) -> str:
    if case.sop_total is None:
        return "-"
    if case.within_total:
        return t("report.within")
    return t("report.over", over=format_minutes(case.over_minutes))


def _summary_row(case: CaseReport) -> dict[str, str]:
    return {
        "ref": case.ref,
        "title": f"{case.partner} — {case.subject}",
        "status": t(f"status.{case.status.value}"),
        "started": stamp(case.started_at),
        "ended": stamp(case.ended_at),
        "total": f"{_total(case)}; {_verdict(case)}",
        "returns": str(case.returns),
        "deviations": str(len(case.deviations)),
    }


def _case_section(case: CaseReport, sop: Sop, chart: bool) -> dict[str, Any]:
    from bot.reports.chart import timeline_png  # matplotlib loads only when a chart is drawn

    return {
        "ref": case.ref,
        "subject": case.subject,
        "partner": f"{case.partner} ({case.partner_kind})",
        "status": t(f"status.{case.status.value}"),
        "started": stamp(case.started_at),
        "ended": stamp(case.ended_at) if case.ended_at else t("report.not_finished"),
        "total": _total(case),
        "sop_total": case.sop_total or "-",
        "verdict": _verdict(case),
        "chart": Image(timeline_png(case), CHART_WIDTH_MM) if chart and case.runs else "",
        "runs": [_run_row(r, sop) for r in case.runs],
        "loops": [_loop_row(loop, sop) for loop in case.loops],
        "deviations": [_deviation_row(d, sop) for d in case.deviations],
    }


def _present(value: bool | None) -> str:
    return (
        t("report.open") if value is None else t("report.present" if value else "report.missing")
    )


def _run_row(run: RunFigures, sop: Sop) -> dict[str, str]:
    performer = run.performer
    if run.acting_for:
        kind = f"{(run.delegation_kind or 'plh').capitalize()}."
        performer = t("report.performer_acting", performer=performer, kind=kind,
                      holder=run.acting_for)  # fmt: skip
    actual = format_minutes(run.actual_minutes)
    if run.actual_days is not None:
        actual = t("report.actual_days", days=run.actual_days, time=actual)
    timeliness = (
        t("report.late", late=format_minutes(run.late_minutes))
        if run.late_minutes
        else t("report.on_time")
    )
    outcome = t(f"outcome.{run.outcome.value}") if run.outcome else t("report.open")
    return {
        "number": str(run.number),
        "step": step_label(sop, run.step_code, run.round),
        "performer": performer,
        "started": stamp(run.started_at),
        "due": stamp(run.due_at),
        "finished": stamp(run.finished_at),
        "mutu_baku": run.mutu_baku,
        "actual": actual,
        "kelengkapan": _present(run.kelengkapan_ok),
        "output": _present(run.output_ok),
        "remark": f"{outcome.capitalize()}; {timeliness}",
    }


def _loop_row(loop: LoopFigures, sop: Sop) -> dict[str, str]:
    return {
        "step": step_label(sop, loop.step_code, loop.round),
        "by": loop.returned_by,
        "at": stamp(loop.returned_at),
        "note": loop.note or "-",
        "back_to": step_label(sop, loop.back_to) if loop.back_to else "-",
        "resumed": stamp(loop.resumed_at) if loop.resumed_at else t("report.not_yet"),
        "duration": t(
            "report.actual_days", days=loop.working_days, time=format_minutes(loop.minutes)
        ),
    }


def _deviation_row(deviation: DeviationFigures, sop: Sop) -> dict[str, str]:
    return {
        "step": step_label(sop, deviation.step_code, deviation.round),
        "kind": t(f"report.kind.{deviation.kind.value}"),
        "detail": deviation.detail,
        "reason": deviation.reason or t("report.no_reason"),
    }


def report_caption(report: CaseReport) -> str:
    """A short chat text to send with the report file."""
    return t(
        "report.caption",
        ref=report.ref,
        status=t(f"status.{report.status.value}"),
        total=_total(report),
        sop_total=report.sop_total or "-",
        verdict=_verdict(report),
        returns=report.returns,
        deviations=len(report.deviations),
    )


def _totals(covered: list[Sop]) -> str:
    """The total mutu baku: the SOP's, or each SOP's with its number."""
    totals = [s.total_mutu_baku.text if s.total_mutu_baku else "-" for s in covered]
    if len(covered) == 1:
        return totals[0]
    return ", ".join(t("report.sops.total", total=total, number=s.number)
                     for total, s in zip(totals, covered, strict=True))  # fmt: skip
