"""A readable account of one case: its data, its step runs, returns and deviations."""

from __future__ import annotations

from bot.fmt import format_datetime
from bot.sop.model import Sop
from bot.table import table
from bot.texts import t
from bot.workflow.model import Case, Roster


def describe(case: Case, sop: Sop, roster: Roster) -> str:
    """A readable account of a case for the terminal."""
    kind = sop.partner_kinds.get(case.partner_kind, case.partner_kind)
    status = t(f"status.{case.status}")
    if case.cancel_reason:
        status = t("casefile.cancelled", status=status, reason=case.cancel_reason)
    lines = [
        t("casefile.header", ref=case.ref, subject=case.subject, partner=case.partner,
          kind=kind, status=status, opened=format_datetime(case.created_at),
          by=roster.name(case.created_by)),
        "",
    ]  # fmt: skip
    rows = []
    for run in case.runs:
        step = sop.step(run.step_code)
        who = roster.name(run.decided_by or run.assignee_id)
        if run.acting_for:
            who += f" ({(run.delegation_kind or '').upper()} {roster.name(run.acting_for)})"
        rows.append(
            [
                str(step.number),
                f"{step.code}#{run.round}",
                who,
                run.started_at.strftime("%d-%m %H:%M"),
                run.due_at.strftime("%d-%m %H:%M"),
                run.finished_at.strftime("%d-%m %H:%M") if run.finished_at else "-",
                t(f"outcome.{run.outcome}") if run.outcome else t("casefile.running"),
                (run.note or "")[:60],
            ]
        )
    lines.append(table(rows, t("casefile.columns").split("|")))
    if case.deviations:
        lines += ["", t("casefile.deviations")]
        lines += [
            t("casefile.deviation", number=sop.step(d.step_code).number, detail=d.detail,
              reason=d.reason or t("casefile.no_reason"))
            for d in case.deviations
        ]  # fmt: skip
    return "\n".join(lines)
