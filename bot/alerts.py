"""System failures told to the admins: one notice per kind per quarter hour, with a count.

A failure the bot could not handle (a bug, a database that stayed away) is counted per kind
(the exception and where it was raised). The first of a kind is told at once, with its trace;
the ones that follow within the quarter hour are only counted, and the periodic tick tells the
count, with the first of their traces, once the quarter hour is over.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import replace
from datetime import datetime
from pathlib import PurePath

from bot.calendar import wall_clock_after
from bot.fmt import format_datetime
from bot.ports import Clock, Incident, OutgoingMessage, UnitOfWork, UnitOfWorkFactory
from bot.replies import Reply
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry

WINDOW_SECONDS = 15 * 60
TRACE_CHARS = 3000


def failure_kind(error: BaseException) -> str:
    """The exception's type and the last place in sopbot's own code it passed through:
    `KeyError at chat/buttons.py:120` (a library's frames would lump unrelated failures)."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "site-packages" not in f.filename] or frames
    where = ""
    if ours:
        last = ours[-1]
        where = f" at {'/'.join(PurePath(last.filename).parts[-2:])}:{last.lineno}"
    return f"{type(error).__name__}{where}"[:200]


def trace_of(error: BaseException) -> str:
    """The end of the formatted traceback, short enough for one chat message."""
    return "".join(traceback.format_exception(error))[-TRACE_CHARS:]


async def record_failure(
    uow: UnitOfWork, sops: Sop | SopRegistry, kind: str, trace: str, now: datetime
) -> None:
    """Count a failure; tell the admins at once unless they heard of this kind lately."""
    incident = await uow.incidents.get(kind)
    quiet_since = wall_clock_after(now, seconds=-WINDOW_SECONDS)
    if incident is None or incident.notified_at is None or incident.notified_at <= quiet_since:
        count = 1 + (incident.suppressed if incident else 0)
        since = (incident.notified_at if incident and incident.suppressed else None) or now
        await _notify(uow, sops, kind, count, since, trace, now)
        total = (incident.total if incident else 0) + 1
        await uow.incidents.put(Incident(kind, now, 0, trace, total))
        return
    first = incident.trace if incident.suppressed else trace
    counted = replace(incident, suppressed=incident.suppressed + 1, total=incident.total + 1)
    await uow.incidents.put(replace(counted, trace=first))


async def report_waiting(uow: UnitOfWorkFactory, sops: Sop | SopRegistry, clock: Clock) -> int:
    """Tell the counts of the kinds whose quarter hour is over; how many kinds were told."""
    now = clock.now()
    async with uow() as unit:
        waiting = await unit.incidents.waiting(wall_clock_after(now, seconds=-WINDOW_SECONDS))
        for incident in waiting:
            since, count = incident.notified_at or now, incident.suppressed
            await _notify(unit, sops, incident.kind, count, since, incident.trace, now)
            await unit.incidents.put(replace(incident, notified_at=now, suppressed=0))
        await unit.commit()
    return len(waiting)


async def _notify(
    uow: UnitOfWork,
    sops: Sop | SopRegistry,
    kind: str,
    count: int,
    since: datetime,
    trace: str,
    now: datetime,
) -> None:
    """Tell every holder of a role any SOP names for `system_failure` (a failure belongs to
    no SOP), once each."""
    roster = await uow.people.roster()
    reply = Reply(
        "alert.failure",
        {"kind": kind, "count": count, "since": format_datetime(since), "trace": trace},
    )
    tag = hashlib.sha256(kind.encode()).hexdigest()[:16]
    for role in SopRegistry.of(sops).notice_roles("system_failure"):
        for admin in roster.holders(role):
            key = f"incident:{tag}:{now.isoformat()}:{admin.id}"  # one message per person
            await uow.outbox.add(OutgoingMessage(admin.id, reply, key), now)
