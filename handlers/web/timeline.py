"""A case's timeline and documents as rows for the dashboard pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.fmt import format_datetime, format_minutes
from bot.sop.model import Sop
from bot.texts import t
from bot.workflow.model import Case, Roster
from bot.workflow.queries import WaitingItem


@dataclass(frozen=True)
class DocumentLink:
    """A stored document of a case, as listed on its page."""

    label: str
    filename: str
    sha256: str


def minutes(value: int) -> str:
    """Working minutes, readable (`2 jam 5 menit`)."""
    return format_minutes(value)


def page(case: Case, sop: Sop, roster: Roster, waiting: list[WaitingItem]) -> dict[str, Any]:
    """Partner, status, one row per step run (lateness of open ones as of now), deviations."""
    overdue = {item.step_code: item.overdue_minutes for item in waiting}
    rows = []
    for run in case.runs:
        step = sop.step(run.step_code)
        late = run.late_minutes if not run.is_open else overdue.get(run.step_code, 0)
        who = roster.name(run.decided_by or run.assignee_id)
        if who == "-" and run.is_open:
            who = sop.roles[step.performer].title
        rows.append(
            {
                "step": f"{step.number}. {step.title}" + (f" ({run.round})" * (run.round > 1)),
                "who": who,
                "started": format_datetime(run.started_at),
                "due": format_datetime(run.due_at),
                "finished": format_datetime(run.finished_at) if run.finished_at else "-",
                "outcome": t(f"outcome.{run.outcome}") if run.outcome else t("web.running"),
                "late": bool(late),
                "lateness": t("web.late", late=minutes(late)) if late else t("web.on_time"),
                "note": run.note or "",
            }
        )
    kind = sop.partner_kinds.get(case.partner_kind, case.partner_kind)
    deviations = [
        t(
            "web.deviation",
            number=sop.step(d.step_code).number,
            detail=d.detail,
            reason=d.reason or t("web.no_reason"),
        )
        for d in case.deviations
    ]
    return {
        "partner": t("web.partner", partner=case.partner, kind=kind),
        "status": t("web.status", status=t(f"status.{case.status}")),
        "rows": rows,
        "deviations": deviations,
    }


def documents(case: Case, sop: Sop) -> list[DocumentLink]:
    """Each document recorded on the case (its latest version)."""
    return [
        DocumentLink(sop.artifact_label(value.key), value.filename, value.value)
        for value in case.artifacts.values()
        if value.filename and value.document_id is not None
    ]
