"""The cost of one update on the durable path, and the per-process cache that keeps it low."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import calendar
from bot.errors import UserNotFound
from storage.db import make_engine, make_session_factory
from storage.uow import uow_factory as make_uow_factory
from tests.fakes import TEST_AUDIT_KEY
from tests.telegram_office import running_office

ROSTER_TABLES = ("people", "person_roles", "channel_identities", "delegations")


@pytest.fixture
async def office(tmp_path):
    async with running_office(tmp_path, with_a_case=True) as office:
        yield office


@contextmanager
def transactions(engine: AsyncEngine) -> Iterator[list[list[str]]]:
    """The statements of each transaction begun on `engine` while the block runs.

    The listeners stay attached afterwards, idle: removing one while the driver's thread runs
    the event would change the listener list under it."""
    seen: list[list[str]] = []
    recording = [True]

    def on_begin(_connection: Any) -> None:
        if recording[0]:
            seen.append([])

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if recording[0] and seen and not statement.startswith("BEGIN"):  # SQLite's, at begin
            seen[-1].append(" ".join(statement.split()))

    sync = engine.sync_engine
    event.listen(sync, "begin", on_begin)
    event.listen(sync, "before_cursor_execute", on_statement)
    try:
        yield seen
    finally:
        recording[0] = False


def inbox_side(seen: list[list[str]]) -> list[list[str]]:
    """The transactions that store, claim or handle the update (the outbox's are the rest)."""
    return [tx for tx in seen if any(" inbox" in s and "outbox" not in s for s in tx)]


async def test_an_update_is_stored_and_claimed_in_one_transaction_and_handled_in_another(office):
    await office.settle()

    with transactions(office.app.engine) as seen:
        await office.say("kabag", "/tugas")

    store, handle = inbox_side(seen)
    assert store[0].startswith("INSERT INTO inbox")
    assert any(s.startswith("UPDATE inbox SET status") for s in store)  # claimed as it came
    assert any(s.startswith("UPDATE inbox SET payload") for s in handle)  # done, in its commit
    assert any(s.startswith("INSERT INTO outbox") for s in handle)
    # The answer is claimed for the sender in the update's own commit: no claiming round.
    claiming = [tx for tx in seen if any(s.startswith("UPDATE outbox SET status=?, lease_until")
                                         for s in tx)]  # fmt: skip
    assert claiming == [handle]


async def test_the_roster_and_holidays_come_from_the_process_cache_when_unchanged(office):
    await office.say("kabag", "/tugas")  # the cache is filled

    with transactions(office.app.engine) as seen:
        await office.say("kabag", "/tugas")

    handle = inbox_side(seen)[-1]
    cached = (*ROSTER_TABLES, "holiday_overrides")
    reads = [s for s in handle if s.startswith("SELECT")]
    assert not [s for s in reads if any(f"FROM {t} " in f"{s} " for t in cached)]
    assert sum("FROM cache_versions" in s for s in handle) == 1


@pytest.fixture
async def second_process(database_url):
    """Another process's units of work: its own engine, pool and cache."""
    engine = make_engine(database_url)
    yield make_uow_factory(make_session_factory(engine), TEST_AUDIT_KEY)
    await engine.dispose()


async def people_seen(uow_factory) -> list[str]:
    async with uow_factory() as uow:
        return [person.name for person in await uow.people.list()]


async def test_a_person_added_by_another_process_is_seen_at_the_next_transaction(
    uow_factory, second_process
):
    before = await people_seen(uow_factory)  # cached here

    async with second_process() as uow:
        await uow.people.add("Rina Marlina, S.E.", ["tkksd"])
        await uow.commit()

    assert (before, await people_seen(uow_factory)) == ([], ["Rina Marlina, S.E."])


async def test_a_holiday_set_by_another_process_is_seen_at_the_next_transaction(
    uow_factory, second_process
):
    from datetime import date

    from bot.calendar import HolidayOverride

    async with uow_factory() as uow:
        before = await uow.holidays.list()

    async with second_process() as uow:
        await uow.holidays.put(HolidayOverride(date(2026, 3, 9), "Cuti bersama daerah", True))
        await uow.commit()

    async with uow_factory() as uow:
        after = await uow.holidays.list()
    assert (before, [h.name for h in after]) == ([], ["Cuti bersama daerah"])


async def test_a_change_rolled_back_never_reaches_the_cache(uow_factory):
    async with uow_factory() as uow:
        person = await uow.people.add("Siti Rahmawati, S.H.", ["ketua_tim"])
        assert [p.name for p in await uow.people.list()] == ["Siti Rahmawati, S.H."]
        await uow.rollback()

    assert await people_seen(uow_factory) == []
    async with uow_factory() as uow:
        with pytest.raises(UserNotFound):
            await uow.people.get(person.id)


async def test_only_the_unit_that_queues_the_answer_opens_a_savepoint(office):
    await office.say("kabag", "/tugas")

    with transactions(office.app.engine) as seen:
        await office.say("kabag", "/tugas")

    handle = inbox_side(seen)[-1]
    savepoints = [s for s in handle if "SAVEPOINT" in s]
    assert savepoints == ["SAVEPOINT sa_savepoint_1", "RELEASE SAVEPOINT sa_savepoint_1"]
    opened = handle.index(savepoints[0])
    assert handle[opened + 1].startswith("INSERT INTO outbox")


async def test_a_unit_inside_an_update_left_without_commit_undoes_only_its_writes(uow_factory):
    async with uow_factory.atomic() as update:
        kept = await update.people.add("Rina Marlina, S.E.", ["tkksd"])
        async with uow_factory() as reading:
            assert [p.name for p in await reading.people.list()] == ["Rina Marlina, S.E."]
        async with uow_factory() as outer:
            async with uow_factory() as inner:
                await inner.people.add("Budi Santoso", ["tkksd"])  # begins both savepoints
                await inner.commit()
            await outer.people.add("Dewi Lestari", ["tkksd"])
        async with uow_factory() as committed:
            await committed.people.add("Agus Salim", ["tkksd"])
            await committed.commit()
        async with uow_factory() as after_commit:
            await after_commit.people.add("Sri Wahyuni", ["tkksd"])
            await after_commit.rollback()
        await update.commit()

    assert kept.id is not None
    assert sorted(await people_seen(uow_factory)) == ["Agus Salim", "Rina Marlina, S.E."]


async def test_an_update_reads_the_pending_question_once(office):
    await office.say("kabag", "/tugas")

    with transactions(office.app.engine) as seen:
        await office.say("kabag", "/tugas")

    handle = inbox_side(seen)[-1]
    assert sum("FROM pending_prompts" in s for s in handle) == 1


async def test_a_question_cleared_in_a_unit_left_without_commit_is_read_again(uow_factory):
    from datetime import UTC, datetime

    from bot.ports import Prompt

    asked = Prompt("note", {"case_id": 7, "_tag": 3}, datetime(2026, 3, 2, 9, tzinfo=UTC))
    async with uow_factory.atomic() as update:
        person = await update.people.add("Rina Marlina, S.E.", ["tkksd"])
        await update.prompts.put(person.id, asked)
        kept = await update.prompts.get(person.id)
        kept.data["case_id"] = 8  # a caller's change reaches neither the row nor the next read
        async with uow_factory() as answering:
            await answering.prompts.clear(person.id)
            assert await answering.prompts.get(person.id) is None
        again = await update.prompts.get(person.id)
        await update.commit()

    assert again is not None and again.data == {"case_id": 7, "_tag": 3}


def claims_outbox_rows(statement: str) -> bool:
    return statement.startswith("SELECT outbox.") and "FROM outbox AS earlier" in statement


async def test_the_sender_takes_no_turn_of_the_writer_to_find_nothing_to_send(office):
    """After a chat's messages are sent, and at each idle look, a reader checks for rows to
    claim first: no claiming transaction finds nothing."""
    await office.settle()

    with transactions(office.app.engine) as seen:
        await office.say("kabag", "/tugas")
        office.runtime.delivery.wakeup.wake(look=False)  # as the idle poll would
        await office.settle()

    claiming = [tx for tx in seen if any(claims_outbox_rows(s) for s in tx)]
    assert claiming  # the answer was claimed, in the update's transaction
    for tx in claiming:
        assert any(s.startswith("UPDATE outbox SET status=?, lease_until") for s in tx)


async def test_the_national_holidays_are_loaded_when_the_worker_starts_not_by_an_update(tmp_path):
    calendar._national_holidays.cache_clear()
    async with running_office(tmp_path) as office:
        await office.settle()
        await office.runtime.stop()  # waits for the loading begun at start
        year = office.clock.now().year
        hits = calendar._national_holidays.cache_info().hits

        calendar._national_holidays(year)
        calendar._national_holidays(year + 1)

    assert calendar._national_holidays.cache_info().hits == hits + 2


@pytest.fixture
async def stored_case(uow_factory, file_store):
    from tests.office import Office

    office = await Office(uow_factory, file_store).hire()
    return await office.open()


async def test_a_case_read_again_in_one_transaction_is_not_loaded_again(
    uow_factory, stored_case, engine
):
    with transactions(engine) as seen:
        async with uow_factory.atomic() as update:
            first = await update.cases.get(stored_case.id)
            first.partner = "diubah oleh pemanggil"  # a caller's change stays its own
            async with uow_factory.reading() as reading:
                again = await reading.cases.get(stored_case.id)
            await update.commit()

    assert sum("FROM step_runs" in s for tx in seen for s in tx) == 1
    assert again.partner == stored_case.partner and again.version == stored_case.version


async def test_a_case_saved_in_a_unit_left_without_commit_is_read_as_stored(
    uow_factory, stored_case
):
    async with uow_factory.atomic() as update:
        await update.cases.get(stored_case.id)
        async with uow_factory() as inner:
            changing = await inner.cases.get(stored_case.id)
            changing.partner = "Pemerintah Kota Lain"
            await inner.cases.save(changing)
        again = await update.cases.get(stored_case.id)
        await update.commit()

    assert again.partner == stored_case.partner and again.version == stored_case.version


async def test_a_case_saved_in_the_same_transaction_is_read_with_the_change(
    uow_factory, stored_case
):
    async with uow_factory.atomic() as update:
        case = await update.cases.get(stored_case.id)
        case.partner = "Pemerintah Kota Lain"
        await update.cases.save(case)
        again = await update.cases.get(stored_case.id)
        await update.commit()

    assert again.partner == "Pemerintah Kota Lain" and again.version == stored_case.version + 1


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_case_another_transaction_changed_meanwhile_is_loaded_again(
    uow_factory, stored_case, second_process
):
    async def another_worker() -> None:
        async with second_process() as other:
            changing = await other.cases.get(stored_case.id)
            changing.partner = "Pemerintah Kota Lain"
            await other.cases.save(changing)
            await other.commit()

    async with uow_factory.atomic() as update:
        await update.cases.get(stored_case.id)
        # Outside this update's context, as another worker's transaction would be.
        await asyncio.create_task(another_worker(), context=contextvars.Context())
        again = await update.cases.get(stored_case.id)

    assert again.partner == "Pemerintah Kota Lain" and again.version == stored_case.version + 1
