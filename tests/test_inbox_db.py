"""The inbox on real databases: stored once, claimed in order per chat, taken from the dead."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.clock import JAKARTA
from bot.ports import ChatRoute, Claim, InboundUpdate, OutgoingMessage
from bot.replies import Reply

AT = datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)
LEASE = AT + timedelta(minutes=5)


def update(update_id: str, chat: str) -> InboundUpdate:
    return InboundUpdate("telegram", update_id, {"update_id": update_id}, AT, f"telegram:{chat}")


async def store(uow_factory, *updates: InboundUpdate) -> list[bool]:
    async with uow_factory() as uow:
        added = [await uow.inbox.add(u) for u in updates]
        await uow.commit()
    return added


async def claim(
    uow_factory, worker: str = "w1", *, at: datetime = AT, dead=(), limit: int = 1
) -> list[str]:
    async with uow_factory() as uow:
        claimed = await uow.inbox.claim(Claim(worker, at, LEASE, frozenset(dead)), limit)
        await uow.commit()
    return [u.update_id for u in claimed]


async def test_an_update_is_stored_once_and_a_redelivery_is_not_stored_again(uow_factory):
    first = await store(uow_factory, update("1", "a"))

    again = await store(uow_factory, update("1", "a"))

    assert (first, again) == ([True], [False])
    assert await claim(uow_factory) == ["1"]


async def test_updates_are_claimed_in_arrival_order(uow_factory):
    await store(uow_factory, update("1", "a"), update("2", "b"), update("3", "c"))

    claimed = await claim(uow_factory, limit=10)

    assert claimed == ["1", "2", "3"]


async def test_a_chats_later_update_waits_while_another_worker_handles_its_first(uow_factory):
    await store(uow_factory, update("1", "a"), update("2", "b"), update("3", "a"))
    await claim(uow_factory, "w1")

    others = await claim(uow_factory, "w2", limit=10)

    assert others == ["2"]


async def test_a_chats_next_update_is_claimed_once_its_first_is_done(uow_factory):
    await store(uow_factory, update("1", "a"), update("2", "a"))
    await claim(uow_factory)
    async with uow_factory() as uow:
        await uow.inbox.finish(1, "done", AT)
        await uow.commit()

    assert await claim(uow_factory) == ["2"]


async def test_a_done_update_keeps_no_payload(uow_factory, engine):
    await store(uow_factory, update("1", "a"))
    await claim(uow_factory)

    async with uow_factory() as uow:
        await uow.inbox.finish(1, "done", AT)
        await uow.commit()

    async with engine.connect() as connection:
        row = (await connection.exec_driver_sql("SELECT status, payload FROM inbox")).one()
    assert row.status == "done" and row.payload in ({}, "{}")


async def test_an_update_held_by_a_dead_worker_is_claimed_again_at_once(uow_factory):
    await store(uow_factory, update("1", "a"))
    await claim(uow_factory, "dead")

    while_alive = await claim(uow_factory, "w2")
    after_death = await claim(uow_factory, "w2", dead=["dead"])

    async with uow_factory() as uow:
        [stored] = await uow.inbox.claim(Claim("w3", AT, LEASE, frozenset({"w2"})), 1)
    assert (while_alive, after_death) == ([], ["1"])
    assert stored.attempts == 3


async def test_an_update_whose_lease_ran_out_is_claimed_again(uow_factory):
    await store(uow_factory, update("1", "a"))
    await claim(uow_factory, "stuck")

    assert await claim(uow_factory, "w2", at=LEASE) == ["1"]


async def test_an_update_waiting_for_a_retry_holds_back_its_chats_later_ones(uow_factory):
    await store(uow_factory, update("1", "a"), update("2", "a"), update("3", "b"))
    await claim(uow_factory)
    async with uow_factory() as uow:
        await uow.inbox.retry_later(1, AT + timedelta(seconds=30), "database is locked")
        await uow.commit()

    now = await claim(uow_factory, "w2", limit=10)
    later = await claim(uow_factory, "w2", at=AT + timedelta(seconds=31), limit=10)

    assert (now, later) == (["3"], ["1"])


async def test_a_claim_takes_only_the_first_unfinished_update_of_each_chat(uow_factory):
    await store(uow_factory, update("1", "a"), update("2", "a"), update("3", "b"))

    first = await claim(uow_factory, "w1", limit=10)
    meanwhile = await claim(uow_factory, "w2", limit=10)
    async with uow_factory() as uow:
        await uow.inbox.finish(1, "done", AT)
        await uow.commit()
    after = await claim(uow_factory, "w2", limit=10)

    assert (first, meanwhile, after) == (["1", "3"], [], ["2"])


async def test_the_workers_holding_updates_are_listed(uow_factory):
    await store(uow_factory, update("1", "a"), update("2", "b"))
    await claim(uow_factory, "w1")

    async with uow_factory() as uow:
        assert await uow.inbox.claimers() == ["w1"]


@pytest.mark.parametrize("notices", [0, 2])
async def test_an_answer_goes_before_the_notices_its_update_queued_for_the_same_chat(
    uow_factory, notices
):
    person = await person_id(uow_factory)
    async with uow_factory() as uow:
        await uow.outbox.add(OutgoingMessage(person, Reply("chat.no_tasks"), "older"), AT)
        since = await uow.outbox.newest()
        for n in range(notices):
            await uow.outbox.add(OutgoingMessage(person, Reply("chat.no_tasks"), f"n{n}"), AT)
        chat = ChatRoute("telegram", "1001")
        answers = [OutgoingMessage(person, Reply("chat.no_tasks"), f"a{i}", chat=chat)
                   for i in range(2)]  # fmt: skip
        await uow.outbox.add_ahead(answers, AT, since)
        await uow.commit()

    async with uow_factory() as uow:
        claimed = await uow.outbox.claim(Claim("w1", AT, LEASE), 10)

    assert [m.key for m in claimed] == ["older", "a0", "a1", *(f"n{n}" for n in range(notices))]


async def person_id(uow_factory) -> int:
    async with uow_factory() as uow:
        person = await uow.people.add("Drs. Budi Santoso, M.Si.", ["kabag"])
        await uow.people.bind_identity(person.id, "telegram", "1001")
        await uow.commit()
    return person.id
