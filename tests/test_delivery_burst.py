"""A burst of 300 queued messages drained against the Bot API stand-in with its limits on.

The stand-in answers 429 beyond 1 message a second per chat or 30 a second overall, counted on
a monotonic clock that is the test's fake time; the sender's pacer sleeps on the same clock, so
ten simulated seconds pass in a moment. The burst is drained once for the whole module.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
import pytest_asyncio
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.clock import JAKARTA, FixedClock
from bot.delivery import Delivery, DrainReport
from bot.pacing import Pacer
from bot.ports import OutgoingMessage, UnitOfWorkFactory
from bot.replies import Reply
from handlers.telegram.sender import TelegramSender
from handlers.telegram.standin import ApiCall, RateLimits, StandIn
from storage.db import make_engine, make_session_factory
from storage.files import LocalFileStore
from storage.uow import uow_factory
from tests.sending import FakeTime

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHATS = 50
BURST = 300
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)


@dataclass(frozen=True)
class Burst:
    report: DrainReport
    calls: list[ApiCall]
    rate_limited: int
    simulated_seconds: float
    delivered: int


async def queue_burst(uow: UnitOfWorkFactory, standin: StandIn) -> None:
    """50 officials with a chat each, and 300 messages to them queued round-robin."""
    async with uow() as unit:
        people = []
        for index in range(CHATS):
            person = await unit.people.add(f"Pejabat {index}", ["tkksd"])
            standin.user(5000 + index, f"Pejabat{index}", started=True)
            await unit.people.bind_identity(person.id, "telegram", str(5000 + index))
            people.append(person.id)
        for index in range(BURST):
            message = OutgoingMessage(people[index % CHATS], Reply("chat.no_tasks"), f"b{index}")
            await unit.outbox.add(message, MONDAY)
        await unit.commit()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def burst(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Burst]:
    folder = tmp_path_factory.mktemp("burst")
    shutil.copyfile(sqlite_template, folder / "sopbot.sqlite3")
    engine = make_engine(f"sqlite+aiosqlite:///{folder / 'sopbot.sqlite3'}")
    clock = FixedClock(MONDAY)
    time = FakeTime(clock)
    standin = StandIn(rate_limits=RateLimits(per_chat=1, overall=30, window=1.0),
                      clock=time.monotonic)  # fmt: skip
    uow = uow_factory(make_session_factory(engine))
    await queue_burst(uow, standin)
    request = HTTPXRequest(httpx_kwargs={"transport": standin.transport})
    async with Bot("123:TEST", base_url="http://standin/bot", request=request) as bot:
        sender = TelegramSender(bot, LocalFileStore(folder / "files"))
        pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)
        report = await Delivery(uow, clock, {"telegram": sender}, pacer=pacer).drain()
    await engine.dispose()
    delivered = sum(len(standin.sent_to(5000 + index)) for index in range(CHATS))
    yield Burst(report, standin.calls_to("sendMessage"), standin.rate_limited, time.seconds,
                delivered)  # fmt: skip


async def test_a_burst_of_300_messages_draws_no_429(burst):
    assert burst.rate_limited == 0
    assert all(call.ok for call in burst.calls)


async def test_a_burst_keeps_every_chat_a_second_apart(burst):
    per_chat: dict[object, list[float]] = {}
    for call in burst.calls:
        per_chat.setdefault(call.params["chat_id"], []).append(call.at)

    gaps = [b - a for times in per_chat.values() for a, b in pairwise(times)]

    assert len(per_chat) == CHATS and min(gaps) >= 1.0


async def test_a_burst_sends_no_more_than_thirty_messages_in_any_second(burst):
    times = [call.at for call in burst.calls]

    busiest = max(sum(1 for t in times if start - 1.0 < t <= start) for start in times)

    assert busiest <= 30


async def test_a_burst_delivers_each_message_once(burst):
    assert burst.report == DrainReport(sent=BURST)
    assert burst.delivered == BURST


async def test_a_burst_takes_the_time_the_limits_demand_and_no_more(burst):
    # 300 messages at 30 a second: about ten seconds of simulated time, none really waited.
    assert 9.0 <= burst.simulated_seconds <= 11.0
