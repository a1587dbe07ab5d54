"""SQLite has one writer; reading goes beside it, never behind it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest

from bot.calendar import HolidayOverride
from storage.uow import ReadingUnitWrote
from tests.telegram_office import running_office

NEW_DAY = HolidayOverride(date(2027, 1, 4), "Libur uji", True)
# A guard, not a clock: a reader held behind the writer would wait for it forever.
GUARD_SECONDS = 10


@pytest.fixture
async def office(tmp_path):
    async with running_office(tmp_path, with_a_case=True) as office:
        yield office


async def beside_an_update(factory: Any, read: Callable[[], Awaitable[None]]) -> list[str]:
    """Run `read` while an update holds the writer with a holiday written, not committed;
    what finished first. A read held behind the writer would hit the guard instead."""
    wrote, read_done = asyncio.Event(), asyncio.Event()
    order: list[str] = []

    async def update() -> None:
        async with factory.atomic() as uow:
            await uow.holidays.put(NEW_DAY)
            await uow.session.flush()
            wrote.set()
            await asyncio.wait_for(read_done.wait(), GUARD_SECONDS)
            order.append("writer committed")
            await uow.commit()

    async def reader() -> None:
        await asyncio.wait_for(wrote.wait(), GUARD_SECONDS)
        await read()
        order.append("reader done")
        read_done.set()

    await asyncio.gather(update(), reader())
    return order


async def test_a_reader_reads_the_last_commit_while_an_update_holds_the_writer(office):
    factory, workflow = office.app.uow, office.app.workflow
    before = len(await workflow.waiting())

    async def dashboard() -> None:
        async with factory.reading() as uow:
            assert NEW_DAY not in await uow.holidays.list()  # not committed yet
        assert len(await workflow.waiting()) == before

    assert await beside_an_update(factory, dashboard) == ["reader done", "writer committed"]
    async with factory.reading() as uow:
        assert NEW_DAY in await uow.holidays.list()


async def test_a_reader_cannot_write_and_leaves_its_connection_to_the_writer(office):
    factory = office.app.uow

    with pytest.raises(ReadingUnitWrote):
        async with factory.reading() as uow:
            await uow.holidays.put(NEW_DAY)
            await uow.session.flush()

    for _ in range(3):  # the pool hands back the reader's connections: each writes again
        async with factory() as uow:
            await uow.holidays.put(NEW_DAY)
            await uow.commit()
    async with factory.reading() as uow:
        assert NEW_DAY in await uow.holidays.list()


async def test_inside_an_update_reading_sees_what_the_update_wrote(office):
    factory = office.app.uow
    async with factory.atomic() as update:
        await update.holidays.put(NEW_DAY)
        async with factory.reading() as uow:
            assert NEW_DAY in await uow.holidays.list()
        await update.rollback()
    async with factory.reading() as uow:
        assert NEW_DAY not in await uow.holidays.list()


async def test_the_dashboards_and_the_admins_lists_read_beside_an_update(office):
    app = office.app

    async def lists() -> None:
        (case,) = await app.workflow.cases()
        assert (await app.workflow.get(case.ref)).id == case.id
        assert (await app.workflow.roster()).people
        assert await app.admin.people()

    assert await beside_an_update(app.uow, lists) == ["reader done", "writer committed"]
