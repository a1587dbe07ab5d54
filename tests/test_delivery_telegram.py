"""The outbox drained by the real Telegram sender against the Bot API stand-in: its errors.

The stand-in enforces Telegram's flood limits on a monotonic clock that is the test's fake
time; the sender's pacer sleeps on the same clock, so nothing really waits. The burst of 300
messages is in `test_delivery_burst.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.clock import JAKARTA, FixedClock
from bot.delivery import Delivery, DrainReport
from bot.pacing import Pacer
from bot.ports import OutgoingMessage
from bot.replies import Reply
from handlers.telegram.sender import TelegramSender
from handlers.telegram.standin import RateLimits, StandIn
from tests.office import Office
from tests.sending import FakeTime

CHANNEL = "telegram"
# PTB warns about its own RetryAfter.retry_after type while building the 429 error.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)

# The limits have nothing to do with the database: SQLite keeps these tests quick.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@dataclass
class Post:
    office: Office
    standin: StandIn
    delivery: Delivery
    time: FakeTime
    chats: dict[str, int]

    async def queue(self, who: str, key: str) -> None:
        async with self.office.uow() as uow:
            message = OutgoingMessage(self.office.ids[who], Reply("chat.no_tasks"), key)
            await uow.outbox.add(message, self.office.clock.now())
            await uow.commit()

    def sent_to(self, who: str) -> list[int]:
        return [m.message_id for m in self.standin.sent_to(self.chats[who])]


@pytest.fixture
async def post(uow_factory, file_store) -> AsyncIterator[Post]:
    clock = FixedClock(MONDAY)
    time = FakeTime(clock)
    office = await Office(uow_factory, file_store, clock).hire()
    standin = StandIn(rate_limits=RateLimits(per_chat=1, overall=30, window=1.0),
                      clock=time.monotonic)  # fmt: skip
    chats: dict[str, int] = {}
    async with office.uow() as uow:
        for index, (key, person_id) in enumerate(office.ids.items()):
            chats[key] = 5000 + index
            standin.user(chats[key], key, started=True)
            await uow.people.bind_identity(person_id, CHANNEL, str(chats[key]))
        await uow.commit()
    request = HTTPXRequest(httpx_kwargs={"transport": standin.transport})
    bot = Bot("123:TEST", base_url="http://standin/bot", base_file_url="http://standin/file/bot",
              request=request)  # fmt: skip
    async with bot:
        pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)
        delivery = Delivery(office.uow, clock, {CHANNEL: TelegramSender(bot, file_store)},
                            pacer=pacer, alert_roles=("admin",))  # fmt: skip
        yield Post(office, standin, delivery, time, chats)


@sqlite_only
async def test_a_429_from_telegram_defers_the_message_until_retry_after(post):
    post.standin.fail_next("sendMessage", status=429)
    await post.queue("ketua", "a")
    first = await post.delivery.drain()
    await post.time.sleep(1)

    second = await post.delivery.drain()

    assert (first, second) == (DrainReport(deferred=1), DrainReport(sent=1))
    assert len(post.sent_to("ketua")) == 1


@sqlite_only
async def test_a_bad_gateway_is_retried_and_delivered_once(post):
    post.standin.fail_next("sendMessage", status=502)
    await post.queue("ketua", "a")
    await post.delivery.drain()
    await post.time.sleep(5)

    await post.delivery.drain()

    assert len(post.sent_to("ketua")) == 1


@sqlite_only
async def test_a_lost_connection_is_retried_and_delivered_once(post):
    post.standin.fail_next("sendMessage", error="connect")
    await post.queue("ketua", "a")
    await post.delivery.drain()
    await post.time.sleep(5)

    await post.delivery.drain()

    assert len(post.sent_to("ketua")) == 1


@sqlite_only
async def test_a_send_whose_answer_was_lost_is_sent_once_more_as_possibly_doubled(post):
    post.standin.fail_next("sendMessage", error="timeout", delivered=True)
    await post.queue("ketua", "a")
    first = await post.delivery.drain()

    await post.time.sleep(3600)
    later = await post.delivery.drain()

    assert (first, later) == (DrainReport(sent=1, retried=1, doubtful=1), DrainReport())
    assert len(post.sent_to("ketua")) == 2


@sqlite_only
async def test_a_send_lost_twice_is_sent_until_an_answer_says_it_arrived(post):
    post.standin.fail_next("sendMessage", 2, error="timeout", delivered=True)
    await post.queue("ketua", "a")
    await post.delivery.drain()
    await post.time.sleep(3600)

    later = await post.delivery.drain()

    assert later == DrainReport(sent=1, doubtful=1)
    assert len(post.sent_to("ketua")) == 3  # each copy after an answer that never came


@sqlite_only
async def test_a_send_refused_then_lost_is_not_taken_as_delivered(post):
    post.standin.fail_next("sendMessage", error="timeout", delivered=False)
    post.standin.fail_next("sendMessage", error="timeout", delivered=False)
    await post.queue("ketua", "a")
    await post.delivery.drain()
    await post.time.sleep(3600)

    await post.delivery.drain()

    assert len(post.sent_to("ketua")) == 1


@sqlite_only
async def test_a_person_who_blocked_the_bot_is_reported_to_the_admin_in_chat(post):
    post.standin.user(post.chats["ketua"], "ketua").block()
    await post.queue("ketua", "a")

    report = await post.delivery.drain()

    [alert] = post.standin.sent_to(post.chats["admin"])
    assert report == DrainReport(sent=1, failed=1)
    assert "Siti Rahmawati, S.H." in alert.text and "blocked" in alert.text
