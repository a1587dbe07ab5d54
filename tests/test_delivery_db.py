"""The outbox sender on real databases: claims with leases, two drainers, a restart."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from bot.delivery import LEASE_SECONDS, Delivery
from bot.pacing import Pacer
from bot.ports import OutgoingMessage
from bot.replies import Reply
from bot.runtime import Runtime
from bot.workers import Workers
from storage.db import make_engine, make_session_factory
from storage.liveness import liveness_for
from storage.sql import table
from storage.uow import uow_factory as make_uow_factory
from tests.office import Office
from tests.sending import Crash, FakeChannel, FakeTime

CHANNEL = "telegram"
PEOPLE = ("kabag", "ketua", "sekda", "walikota", "tkksd")


@pytest.fixture
async def office(uow_factory, file_store) -> Office:
    office = await Office(uow_factory, file_store).hire()
    async with office.uow() as uow:
        for who in PEOPLE:
            await uow.people.bind_identity(office.ids[who], CHANNEL, who)
        for index in range(20):
            message = OutgoingMessage(
                office.ids[PEOPLE[index % 5]], Reply("chat.no_tasks"), f"m{index}"
            )
            await uow.outbox.add(message, office.clock.now())
        await uow.commit()
    return office


class YieldingChannel(FakeChannel):
    """A channel whose every send gives the event loop away, as a network call would."""

    async def send(self, recipient, reply, key, pace=None, edit_ref=None):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0)
        return await super().send(recipient, reply, key, pace, edit_ref)


async def doubtful(office: Office) -> set[str]:
    """Keys of the messages sent again after an attempt whose outcome was unknown."""
    async with office.uow() as uow:
        rows = await uow.session.execute(  # type: ignore[attr-defined]
            select(table("outbox").c.key).where(table("outbox").c.doubtful)
        )
        return {key for (key,) in rows}


async def test_two_drainers_at_once_send_each_message_once(office):
    channel = YieldingChannel(FakeTime(office.clock))
    drainers = [Delivery(office.uow, office.clock, {CHANNEL: channel}, batch=3) for _ in range(2)]

    reports = await asyncio.gather(*(d.drain() for d in drainers))

    assert sum(r.sent for r in reports) == 20
    assert Counter(call.key for call in channel.calls) == Counter(f"m{i}" for i in range(20))


async def test_a_restarted_drainer_sends_what_the_dead_one_left_doubles_only_the_doubtful(
    office, database_url
):
    time = FakeTime(office.clock)
    channel = FakeChannel(time, script={"sekda": [Crash()]})
    with pytest.raises(Crash):
        await Delivery(office.uow, office.clock, {CHANNEL: channel}).drain()

    restarted = make_engine(database_url)  # a new process: new connections, nothing in memory
    try:
        uow = make_uow_factory(make_session_factory(restarted))
        again = Delivery(uow, office.clock, {CHANNEL: channel})
        during_lease = await again.drain()
        await time.sleep(LEASE_SECONDS)
        after_lease = await again.drain()
    finally:
        await restarted.dispose()

    sent = Counter(call.key for call in channel.calls)
    doubled = {key for key, count in sent.items() if count > 1}
    assert during_lease.sent == 0 and after_lease.sent > 0
    assert set(sent) == {f"m{i}" for i in range(20)}
    assert doubled <= await doubtful(office)


async def test_a_dead_workers_rows_are_taken_over_at_once_a_live_ones_are_not(office, engine):
    time = FakeTime(office.clock)
    channel = FakeChannel(time, script={"sekda": [Crash()]})
    first, second = liveness_for(engine), liveness_for(engine)
    await first.start()
    await second.start()
    dying = Delivery(office.uow, office.clock, {CHANNEL: channel}, workers=Workers(first))
    other = Delivery(office.uow, office.clock, {CHANNEL: channel}, workers=Workers(second))
    with pytest.raises(Crash):
        await dying.drain()

    while_alive = await other.drain()
    await first.stop()  # its process is gone: the lock goes with it
    after_death = await other.drain()
    await second.stop()

    assert while_alive.sent == 0 and after_death.sent > 0
    assert {call.key for call in channel.calls} == {f"m{i}" for i in range(20)}


async def test_workers_that_run_together_share_the_overall_send_limit(office, engine):
    time = FakeTime(office.clock)
    liveness = [liveness_for(engine) for _ in range(3)]
    runtimes = []
    for each in liveness:
        await each.start()
        pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)
        delivery = Delivery(office.uow, office.clock, {}, pacer=pacer, workers=Workers(each))
        runtimes.append(Runtime(None, delivery, None, each))  # type: ignore[arg-type]

    shares = [await r.share_send_limit() for r in runtimes]
    limits = [r.delivery.pacer.limits.overall for r in runtimes]  # type: ignore[union-attr]
    await liveness[2].stop()  # one process ends: the others take its share back
    after = await runtimes[0].share_send_limit()

    assert shares == [3, 3, 3] and limits == [10, 10, 10]
    assert after == 2 and runtimes[0].delivery.pacer.limits.overall == 15  # type: ignore[union-attr]
    for each in liveness[:2]:
        await each.stop()


@pytest.mark.postgres
async def test_a_postgres_worker_checks_the_others_on_the_connection_it_holds(postgres_url):
    own = make_engine(postgres_url, pool_size=1, max_overflow=0, pool_timeout=2)
    shared = make_engine(postgres_url)
    first, second = liveness_for(own), liveness_for(shared)
    await first.start()  # holds the only connection its pool has
    await second.start()
    try:
        while_alive = await asyncio.wait_for(first.dead([second.worker]), timeout=10)
        await second.stop()
        after_death = await asyncio.wait_for(first.dead([second.worker]), timeout=10)
    finally:
        await second.stop()
        await first.stop()
        await own.dispose()
        await shared.dispose()

    assert (while_alive, after_death) == (frozenset(), frozenset({second.worker}))


class HeldChannel(FakeChannel):
    """A channel whose sends wait until released, as a slow or throttled one does."""

    def __init__(self, time: FakeTime) -> None:
        super().__init__(time)
        self.release = asyncio.Event()
        self.waiting = 0

    async def send(self, recipient, reply, key, pace=None, edit_ref=None):  # type: ignore[no-untyped-def]
        self.waiting += 1
        await self.release.wait()
        return await super().send(recipient, reply, key, pace, edit_ref)


async def test_a_running_sender_holds_one_batch_and_leaves_the_rest_to_the_other_workers(office):
    time = FakeTime(office.clock)
    slow = HeldChannel(time)
    first = Delivery(office.uow, office.clock, {CHANNEL: slow}, batch=3)
    first.wake()  # as a starting runtime does: the rows queued before are claimed at once
    running = asyncio.create_task(first.run())
    other = YieldingChannel(time)
    second = Delivery(office.uow, office.clock, {CHANNEL: other}, batch=3)
    try:
        for _ in range(1000):  # until its three chats' sends wait (no time passes)
            if slow.waiting == 3:
                break
            await asyncio.sleep(0)
        meanwhile = await second.drain()
    finally:
        slow.release.set()
        first.wakeup.stop()
        await running
    await second.drain()

    # The first holds one batch (three chats' first rows); the second sends the two other
    # chats' rows at once, and each chat's later rows once its first has gone.
    assert slow.waiting == 3 and meanwhile.sent == 8
    assert sorted(c.key for c in slow.calls + other.calls) == sorted(f"m{i}" for i in range(20))


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_an_updates_own_claim_takes_nothing_while_another_claimer_holds_the_lock(office):
    from datetime import timedelta

    from bot.ports import Claim

    now = office.clock.now()
    holding, release = asyncio.Event(), asyncio.Event()

    async def sender_claiming() -> int:
        async with office.uow() as uow:
            taken = await uow.outbox.claim(Claim("sender", now, now + timedelta(minutes=10)), 5)
            holding.set()
            await release.wait()
            await uow.commit()
            return len(taken)

    sender = asyncio.create_task(sender_claiming())
    await holding.wait()
    async with office.uow() as update:  # an update's transaction: it does not wait
        in_update = await update.outbox.claim(Claim("worker", now, now), 5, wait=False)
        await update.commit()
    release.set()
    by_sender = await sender
    async with office.uow() as later:
        gone = frozenset({"sender"})  # the lock is free again: everything can be taken
        after = await later.outbox.claim(Claim("worker", now, now, gone), 50, wait=False)
        await later.commit()

    assert (in_update, by_sender, len(after)) == ([], 5, 20)
