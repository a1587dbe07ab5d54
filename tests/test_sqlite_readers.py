"""SQLite has one writer; reading goes beside it, never behind it."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from bot.calendar import HolidayOverride
from storage.uow import ReadingUnitWrote
from tests.telegram_office import TelegramOffice, open_case

NEW_DAY = HolidayOverride(date(2027, 1, 4), "Libur uji", True)
# A guard, not a clock: a reader held behind the writer would wait for it forever.
GUARD_SECONDS = 10


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start()
    await office.hire()
    await open_case(office)
    yield office
    await office.stop()


async def test_a_reader_reads_the_last_commit_while_an_update_holds_the_writer(office):
    factory, workflow = office.app.uow, office.app.workflow
    before = len(await workflow.waiting())
    wrote, read = asyncio.Event(), asyncio.Event()
    order: list[str] = []

    async def update() -> None:
        async with factory.atomic() as uow:
            await uow.holidays.put(NEW_DAY)
            await uow.session.flush()
            wrote.set()
            await asyncio.wait_for(read.wait(), GUARD_SECONDS)
            order.append("writer committed")
            await uow.commit()

    async def dashboard() -> None:
        await asyncio.wait_for(wrote.wait(), GUARD_SECONDS)
        async with factory.reading() as uow:
            assert NEW_DAY not in await uow.holidays.list()  # not committed yet
        assert len(await workflow.waiting()) == before
        order.append("reader done")
        read.set()

    await asyncio.gather(update(), dashboard())

    assert order == ["reader done", "writer committed"]
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
    factory, app = office.app.uow, office.app
    wrote, read = asyncio.Event(), asyncio.Event()

    async def update() -> None:
        async with factory.atomic() as uow:
            await uow.holidays.put(NEW_DAY)
            await uow.session.flush()
            wrote.set()
            await asyncio.wait_for(read.wait(), GUARD_SECONDS)
            await uow.commit()

    async def readers() -> None:
        await asyncio.wait_for(wrote.wait(), GUARD_SECONDS)
        (case,) = await app.workflow.cases()
        assert (await app.workflow.get(case.ref)).id == case.id
        assert (await app.workflow.roster()).people
        assert await app.admin.people()
        read.set()

    await asyncio.gather(update(), readers())
