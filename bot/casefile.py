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
    lines = [
        f"{case.ref}  {case.subject}",
        f"Mitra: {case.partner} ({kind})",
        f"Status: {t(f'status.{case.status}')}"
        + (f" — {case.cancel_reason}" if case.cancel_reason else ""),
        f"Dibuat: {format_datetime(case.created_at)} oleh {roster.name(case.created_by)}",
        "",
    ]
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
                t(f"outcome.{run.outcome}") if run.outcome else "berjalan",
                (run.note or "")[:60],
            ]
        )
    lines.append(
        table(
            rows, ["No", "Langkah", "Pelaksana", "Mulai", "Batas", "Selesai", "Hasil", "Catatan"]
        )
    )
    if case.deviations:
        lines += ["", "Penyimpangan mutu baku:"]
        lines += [
            f"- langkah {sop.step(d.step_code).number}: {d.detail}"
            f" — alasan: {d.reason or 'belum dijelaskan'}"
            for d in case.deviations
        ]
    return "\n".join(lines)
