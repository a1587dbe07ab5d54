"""The reminder sweep: claim the reminders that are due and queue their messages, atomically.

Reminder rows are written with the task they belong to (`bot.workflow.deadlines`). A sweep, run
every SOPBOT_SWEEP_SECONDS by the bot's job queue or once by `sopbot remind`, claims the due rows
and queues one outbox message per row in a single transaction: a crash before the commit leaves
every row pending, after it every message is queued, so nothing is lost and nothing is sent twice.

A bot that was down finds several rows of one task due at once: each person gets only the latest
of them (it says how late the task is by now); the older ones are marked superseded, unsent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from bot import failpoints
from bot.address import address
from bot.calendar import OfficeCalendar
from bot.clock import JAKARTA
from bot.fmt import format_datetime, format_minutes
from bot.ports import AuditEntry, Clock, OutgoingMessage, Reminder, UnitOfWork, UnitOfWorkFactory
from bot.replies import Reply
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry
from bot.texts import t
from bot.views import ViewContext, task_view
from bot.workflow import acting, rules
from bot.workflow.model import Case, StepRun

logger = logging.getLogger(__name__)

# The office calendar as of the sweep's transaction (holiday overrides are in the database).
CalendarSource = Callable[[UnitOfWork], Awaitable[OfficeCalendar]]

BATCH = 200


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did."""

    claimed: int = 0
    queued: int = 0
    superseded: int = 0
    cancelled: int = 0  # the task had ended meanwhile
    quiet: bool = False  # outside office hours: nothing was claimed


async def sweep(
    uow: UnitOfWorkFactory,
    sops: Sop | SopRegistry,
    clock: Clock,
    calendar: CalendarSource,
    *,
    generated: frozenset[str] = frozenset(),
    batch: int = BATCH,
    queued: Clock | None = None,
) -> SweepReport:
    """Claim every reminder due now and queue its message, all in one transaction.

    `queued` stamps the queued messages (they are due from then): the real clock, when
    `clock` is the time a sweep is run "as of" (`sopbot remind --at`).
    """
    now = clock.now()
    queued_at = (queued or clock).now()
    async with uow() as unit:
        office = await calendar(unit)
        if not office.is_office_time(now):
            return SweepReport(quiet=True)  # quiet hours: they wait for the next opening
        claimed: list[Reminder] = []
        while len(found := await unit.reminders.claim_due(now, batch)) == batch:
            claimed += found
        claimed += found
        if not claimed:
            return SweepReport()
        registry = SopRegistry.of(sops)
        view = ViewContext(registry.default, await unit.people.roster(), office, now, generated)
        report = await _queue(unit, claimed, view, queued_at, registry)
        failpoints.reached("reminder.claimed")
        await unit.commit()
    failpoints.reached("reminder.queued")
    logger.info("reminder sweep at %s: %s", now.isoformat(), report)
    return report


async def _queue(
    uow: UnitOfWork,
    claimed: list[Reminder],
    base: ViewContext,
    queued_at: datetime,
    sops: SopRegistry,
) -> SweepReport:
    """Queue the latest reminder per task and person, each read against its case's SOP
    version; close every claimed row."""
    assert base.now is not None
    now = base.now
    latest, older = latest_per_task(claimed)
    cases: dict[int, Case] = {}
    sent: list[int] = []
    ended: list[int] = []
    for reminder in latest:
        if reminder.case_id not in cases:
            cases[reminder.case_id] = await uow.cases.get(reminder.case_id)
        case = cases[reminder.case_id]
        view = replace(base, sop=sops.for_case(case))
        run = next((r for r in case.runs if r.id == reminder.step_run_id), None)
        if run is None or not run.is_open or not case.is_active:
            ended.append(reminder.id or 0)
            continue
        # Plt./Plh.: a performer or superior away today is reached through who acts for them.
        where = acting.route(
            reminder.recipient_id, view.roster, now.astimezone(JAKARTA).date()
        )
        await uow.outbox.add(reminder_message(case, run, reminder, view, where), queued_at)
        performer = view.sop.step(run.step_code).performer
        why = (
            "reminder" if _performs(reminder.recipient_id, run, performer, view) else "escalation"
        )
        await _tell_holder_once(uow, case, run, where, view, queued_at, why)
        sent.append(reminder.id or 0)
    await uow.reminders.mark(sent, "sent", now)
    await uow.reminders.mark(older, "superseded", now)
    await uow.reminders.mark(ended, "cancelled", now)
    return SweepReport(len(claimed), len(sent), len(older), len(ended))


async def _tell_holder_once(
    uow: UnitOfWork,
    case: Case,
    run: StepRun,
    where: acting.Route,
    view: ViewContext,
    queued_at: datetime,
    why: str,
) -> None:
    """The absent official hears once per task that it went to their Plt./Plh. (audited)."""
    notice = acting.holder_notice(case, run, where, view.sop, view.roster)
    if notice is None or await uow.outbox.exists(notice.key):
        return
    assert view.now is not None
    await uow.outbox.add(notice, queued_at)
    data = acting.audit_data(run, where, view.roster, why)
    uow.audit.append(AuditEntry(view.now, "TaskDelegated", None, case.ref, data))


def latest_per_task(claimed: Iterable[Reminder]) -> tuple[list[Reminder], list[int]]:
    """The latest due reminder per task and person, and the ids of the older ones."""
    latest: dict[tuple[int, int], Reminder] = {}
    older: list[int] = []
    for reminder in sorted(claimed, key=lambda r: (r.due_at, r.id or 0)):
        key = (reminder.step_run_id, reminder.recipient_id)
        if key in latest:
            older.append(latest[key].id or 0)
        latest[key] = reminder
    return list(latest.values()), older


def reminder_message(
    case: Case,
    run: StepRun,
    reminder: Reminder,
    view: ViewContext,
    where: acting.Route | None = None,
) -> OutgoingMessage:
    """The performer gets the task with its buttons; a superior gets an escalation notice.

    `where` sends it to the Plt./Plh. of an absent recipient (`acting.route`).
    """
    where = where or acting.Route(reminder.recipient_id, reminder.recipient_id)
    step = view.sop.step(run.step_code)
    missing = rules.missing_for_completion(case, step, view.sop)
    missing_text = (
        t("reminder.missing", missing=rules.labels(missing, view.sop)) if missing else ""
    )
    state = deadline_state(run.due_at, view)
    key = f"reminder:{reminder.id}"
    if _performs(reminder.recipient_id, run, step.performer, view):
        # The catalogue strips trailing newlines: the blank line before the task is added here.
        intro = t("reminder.intro", state=state, missing=missing_text) + "\n\n"
        title = view.sop.roles[step.performer].title
        reply = acting.addressed(task_view(case, run, view, intro), where, view.roster, title)
        return OutgoingMessage(where.recipient_id, reply, key)
    reply = Reply(
        "reminder.escalation",
        {"address": address(view.roster.person(reminder.recipient_id), view.sop),
         "number": step.number,
         "title": step.title, "ref": case.ref, "subject": case.subject,
         "partner": case.partner, "performer": _performer(run, step.performer, view),
         "state": state, "missing": missing_text},
    )  # fmt: skip
    reply = acting.addressed(reply, where, view.roster, _title_of(reminder.recipient_id, view))
    return OutgoingMessage(where.recipient_id, reply, key)


def _title_of(person_id: int, view: ViewContext) -> str:
    """The jabatan a superior holds in the SOP (their first role in the file's order)."""
    person = view.roster.person(person_id)
    roles = person.roles if person else frozenset()
    return next((role.title for key, role in view.sop.roles.items() if key in roles), "")


def deadline_state(due: datetime, view: ViewContext) -> str:
    """How the deadline stands now: time left, reached, or how late (office time)."""
    assert view.calendar is not None and view.now is not None
    calendar, now = view.calendar, view.now
    shown = format_datetime(due)
    if now < due:
        left = format_minutes(calendar.elapsed_minutes(now, due))
        return t("reminder.state_before", due=shown, left=left)
    late = calendar.elapsed_minutes(due, now)
    if late == 0:
        return t("reminder.state_due", due=shown)
    return t("reminder.state_late", due=shown, late=format_minutes(late))


def _performs(person_id: int, run: StepRun, role: str, view: ViewContext) -> bool:
    if run.assignee_id is not None:
        return person_id == run.assignee_id
    person = view.roster.person(person_id)
    return person is not None and role in person.roles


def _performer(run: StepRun, role: str, view: ViewContext) -> str:
    title = view.sop.roles[role].title
    if run.assignee_id is None:
        return title
    return f"{view.roster.name(run.assignee_id)} ({title})"
