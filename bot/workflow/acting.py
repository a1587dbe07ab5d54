"""Plt./Plh.: work meant for an official who is away goes to whoever acts for them that day.

Tasks, reminders and escalations addressed to an official with a delegation in force on the
day they are sent (`sopbot delegate`) go to the acting official, who may act on them; the
official is told once per task that it went there. Pure: callers queue what these return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.address import address
from bot.fmt import format_date
from bot.ports import OutgoingMessage
from bot.replies import Reply
from bot.sop.model import Sop
from bot.texts import t
from bot.workflow.model import Case, Delegation, Roster, StepRun


@dataclass(frozen=True)
class Route:
    """Where a message for `holder_id` goes on a day: to them, or to their Plt./Plh."""

    holder_id: int
    recipient_id: int
    delegation: Delegation | None = None

    @property
    def acting(self) -> bool:
        """Whether the message goes to an acting official instead of the holder."""
        return self.delegation is not None


def route(holder_id: int, roster: Roster, day: date) -> Route:
    """The recipient of a message for `holder_id` on `day` (the delegation table decides)."""
    delegation = roster.standing_in(holder_id, day)
    if delegation is None:
        return Route(holder_id, holder_id)
    return Route(holder_id, delegation.deputy_id, delegation)


def kind_label(kind: str | None) -> str:
    """`Plt.` or `Plh.` as printed before a jabatan."""
    return f"{(kind or 'plh').capitalize()}."


def addressed(reply: Reply, where: Route, roster: Roster, title: str) -> Reply:
    """The reply addressed to the acting official: `Joko Susilo (Plh. Kepala Bagian …)`."""
    if where.delegation is None:
        return reply
    name = t(
        "acting.addressee",
        kind=kind_label(where.delegation.kind),
        title=title,
        holder=roster.name(where.holder_id),
    )
    return Reply(reply.text_key, {**reply.params, "address": name}, reply.choices, reply.files)


def notice_key(case: Case, run: StepRun, delegation: Delegation) -> str:
    """One notice per task and delegation: the holder is told once, not at every reminder."""
    return f"{case.ref}:{run.step_code}:{run.round}:acting:{delegation.id}"


def holder_notice(
    case: Case, run: StepRun, where: Route, sop: Sop, roster: Roster
) -> OutgoingMessage | None:
    """The message telling the absent holder who has their task, or None when not routed."""
    delegation = where.delegation
    if delegation is None:
        return None
    step = sop.step(run.step_code)
    reply = Reply(
        "acting.holder_notice",
        {"address": address(roster.person(where.holder_id), sop), "ref": case.ref,
         "subject": case.subject,
         "number": step.number, "title": step.title, "kind": kind_label(delegation.kind),
         "deputy": roster.name(delegation.deputy_id), "starts": format_date(delegation.starts),
         "ends": format_date(delegation.ends)},
    )  # fmt: skip
    return OutgoingMessage(where.holder_id, reply, notice_key(case, run, delegation))


def audit_data(run: StepRun, where: Route, roster: Roster, why: str) -> dict[str, object]:
    """What the audit trail records of a routed task: both officials, by id and by name."""
    assert where.delegation is not None
    return {
        "step_code": run.step_code,
        "round": run.round,
        "why": why,  # task | reminder | escalation
        "holder_id": where.holder_id,
        "holder": roster.name(where.holder_id),
        "deputy_id": where.recipient_id,
        "deputy": roster.name(where.recipient_id),
        "kind": where.delegation.kind,
        "delegation_id": where.delegation.id,
    }
