"""The daily digest: at the start of office hours, what is open, who is awaited, what is late.

It goes to the holders of the SOP's `notices.digest` roles (SOP 54: the Kabag and the Sekda), once
per working day: its outbox key carries the date, so a second sweep that day, a restart or a
second process queues nothing new.
"""

from __future__ import annotations

from datetime import datetime

from bot.address import address
from bot.fmt import format_date, format_datetime, format_minutes
from bot.ports import Clock, OutgoingMessage, UnitOfWorkFactory
from bot.reminders import CalendarSource
from bot.replies import Reply
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry
from bot.texts import t
from bot.workflow.model import Person, Roster
from bot.workflow.queries import WaitingItem, waiting_items


def digest_key(day: datetime, person_id: int) -> str:
    """The idempotency key of one person's digest of one day."""
    return f"digest:{day.date().isoformat()}:{person_id}"


async def queue_digest(
    uow: UnitOfWorkFactory,
    sops: Sop | SopRegistry,
    clock: Clock,
    calendar: CalendarSource,
    queued: Clock | None = None,
) -> int:
    """Queue today's digest for whoever has not got it yet, in office hours; how many queued.

    `queued` stamps the messages, as in `bot.reminders.sweep`.
    """
    now = clock.now()
    queued_at = (queued or clock).now()
    registry = SopRegistry.of(sops)
    sop = registry.default
    if not any(s.notices.digest for s in registry.current):
        return 0
    async with uow() as unit:
        office = await calendar(unit)
        if not office.is_office_time(now):
            return 0
        roster = await unit.people.roster()
        todo = [
            p
            for p in _readers(registry, roster)
            if not await unit.outbox.exists(digest_key(now, p.id))
        ]
        if not todo:
            return 0
        cases = await unit.cases.list(active_only=True)
        items = waiting_items(cases, registry, roster, office, now)
        if not items:
            return 0  # nothing open: no message
        for person in todo:
            # Each reader hears of the SOPs whose digest names one of their roles.
            theirs = [i for i in items if _reads(person, registry.newest(i.sop_code))]
            counted = len({i.case_id for i in theirs})
            reply = digest_reply(person, theirs, counted, now, sop)
            await unit.outbox.add(
                OutgoingMessage(person.id, reply, digest_key(now, person.id)), queued_at
            )
        await unit.commit()
    return len(todo)


def digest_reply(
    person: Person, items: list[WaitingItem], cases: int, now: datetime, sop: Sop
) -> Reply:
    """One person's digest: counts, then one line per waiting task, most overdue first."""
    overdue = sum(1 for item in items if item.overdue_minutes > 0)
    waiting = sum(1 for item in items if item.run_version is not None)
    lines = "\n".join(_line(item) for item in items)
    return Reply(
        "digest.text",
        {"address": address(person, sop), "date": format_date(now.date()), "cases": cases,
         "waiting": waiting, "overdue": overdue, "lines": lines},
    )  # fmt: skip


def _line(item: WaitingItem) -> str:
    who = ", ".join(item.waiting_for)
    if item.due_at is None:
        return t("digest.line_held", ref=item.case_ref, subject=item.subject,
                 number=item.step_number, who=who)  # fmt: skip
    params = {"ref": item.case_ref, "subject": item.subject, "number": item.step_number,
              "who": who, "due": format_datetime(item.due_at)}  # fmt: skip
    if item.overdue_minutes > 0:
        return t("digest.line_late", late=format_minutes(item.overdue_minutes), **params)
    return t("digest.line", **params)


def _readers(sops: SopRegistry, roster: Roster) -> list[Person]:
    roles = dict.fromkeys(role for sop in sops.current for role in sop.notices.digest)
    people = {p.id: p for role in roles for p in roster.holders(role)}
    return list(people.values())


def _reads(person: Person, sop: Sop) -> bool:
    return bool(person.roles & set(sop.notices.digest))
