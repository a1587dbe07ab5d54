"""The outbox sender on real databases: claims with leases, two drainers, a restart."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot.delivery import Delivery
from bot.ports import OutgoingMessage
from bot.replies import Reply
from storage.db import make_engine, make_session_factory
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

    async def send(self, recipient, reply, key, pace=None):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0)
        return await super().send(recipient, reply, key, pace)


async def test_two_drainers_at_once_send_each_message_once(office):
    channel = YieldingChannel(FakeTime(office.clock))
    drainers = [Delivery(office.uow, office.clock, {CHANNEL: channel}, batch=3) for _ in range(2)]

    reports = await asyncio.gather(*(d.drain() for d in drainers))

    assert sum(r.sent for r in reports) == 20
    assert Counter(call.key for call in channel.calls) == Counter(f"m{i}" for i in range(20))


async def test_a_restarted_drainer_sends_what_the_dead_one_left_after_its_lease(
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
        await time.sleep(300)
        after_lease = await again.drain()
    finally:
        await restarted.dispose()

    assert during_lease.sent == 0 and after_lease.sent > 0
    assert Counter(call.key for call in channel.calls) == Counter(f"m{i}" for i in range(20))
