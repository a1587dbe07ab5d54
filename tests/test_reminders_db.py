"""Reminder rows on real databases: written with the task, claimed once, across restarts.

SQLite always, PostgreSQL when reachable; the concurrent sweepers run on PostgreSQL only
(SQLite runs one writer at a time by design: `BEGIN IMMEDIATE`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import JAKARTA, FixedClock
from bot.reminders import SweepReport, sweep
from bot.workflow import commands as c
from bot.workflow.model import Case
from storage.db import make_engine, make_session_factory
from storage.models import OutboxRow, ReminderRow
from storage.uow import uow_factory as make_uow_factory
from tests.office import Office

MEETING_OVER = datetime(2026, 3, 2, 11, 0, tzinfo=JAKARTA)


@pytest.fixture
async def office(uow_factory, file_store) -> Office:
    return await Office(uow_factory, file_store).hire()


async def meeting(office: Office) -> Case:
    """A case whose meeting (step 3) runs Monday 2 March 09:00-11:00."""
    case = await office.open()
    await office.assign_and_dispose(case)
    await office.prepare(case, meeting="2026-03-02 09:00")
    return case


async def statuses(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(ReminderRow.status, func.count()).group_by(ReminderRow.status)
        )
        return {status: count for status, count in rows}


async def reminder_messages(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxRow.key).where(OutboxRow.key.startswith("reminder:"))
        )
        return [key for (key,) in rows]


async def sweep_at(office: Office, uow, when: datetime) -> SweepReport:
    return await sweep(uow, office.sop, FixedClock(when), office.workflow.calendar)


async def test_starting_a_step_stores_its_reminders_with_it(office, engine):
    await office.open()

    assert await statuses(engine) == {"pending": 5}


async def test_a_step_whose_transaction_fails_stores_no_reminders(office, engine):
    async def boom(uow: object) -> None:
        raise RuntimeError("the update could not be stored")

    cmd = c.OpenCase(office.ids["kabag"], "Pemerintah Kota Bandung", "pemda", "Sampah",
                     {"disposisi_walikota": "Disposisi No. 1"})  # fmt: skip
    with pytest.raises(RuntimeError):
        await office.workflow.open_case(cmd, after=boom)

    assert await statuses(engine) == {}


async def test_finishing_a_step_cancels_its_reminders_in_the_same_commit(office, engine):
    case = await office.open()

    await office.assign_and_dispose(case)

    assert await statuses(engine) == {"cancelled": 5, "pending": 6}


async def test_a_due_reminder_is_claimed_and_queued_once(office, engine, uow_factory):
    await meeting(office)

    first = await sweep_at(office, uow_factory, MEETING_OVER)
    second = await sweep_at(office, uow_factory, MEETING_OVER)

    assert (first.queued, second.queued) == (1, 0)
    assert len(await reminder_messages(engine)) == 1


async def test_a_restart_between_sweeps_loses_and_repeats_nothing(office, engine, database_url):
    await meeting(office)
    await sweep_at(office, office.uow, MEETING_OVER)

    restarted = make_engine(database_url)  # a new process: new connections, nothing in memory
    try:
        uow = make_uow_factory(make_session_factory(restarted))
        again = await sweep_at(office, uow, MEETING_OVER)
        later = await sweep_at(office, uow, datetime(2026, 3, 2, 12, 0, tzinfo=JAKARTA))
    finally:
        await restarted.dispose()

    assert (again.queued, later.queued) == (0, 1)
    assert len(await reminder_messages(engine)) == 2
    assert (await statuses(engine))["sent"] == 2


async def test_an_outage_supersedes_the_older_reminders_of_a_task(office, engine, uow_factory):
    await meeting(office)

    report = await sweep_at(office, uow_factory, datetime(2026, 3, 2, 13, 30, tzinfo=JAKARTA))

    assert (report.queued, report.superseded) == (2, 1)
    assert (await statuses(engine))["superseded"] == 1


# SQLite runs one writer at a time (BEGIN IMMEDIATE): concurrent sweepers are PostgreSQL's case.
postgres_only = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@postgres_only
async def test_a_second_sweeper_skips_the_reminders_the_first_has_locked(office, uow_factory):
    for _ in range(3):
        await meeting(office)

    async with uow_factory() as first, uow_factory() as second:
        taken = await first.reminders.claim_due(MEETING_OVER, 100)
        skipped = await asyncio.wait_for(second.reminders.claim_due(MEETING_OVER, 100), 5)

    assert (len(taken), skipped) == (3, [])


@postgres_only
async def test_two_sweepers_at_once_queue_each_reminder_once(office, engine, uow_factory):
    for _ in range(6):
        await meeting(office)
    late = datetime(2026, 3, 2, 13, 30, tzinfo=JAKARTA)

    reports = await asyncio.gather(*(sweep_at(office, uow_factory, late) for _ in range(2)))

    assert sum(r.claimed for r in reports) == 18
    assert sum(r.queued for r in reports) == 12
    assert len(await reminder_messages(engine)) == 12
