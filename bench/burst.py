"""5. An outbox burst: 10,000 messages to 500 chats under Telegram's limits.

The messages are queued in one transaction, then the outbox sender drains them with its pacer
(`Delivery.drain`, as a tick or `sopbot remind` does, again until all are sent), against the
stand-in enforcing 30 messages a second overall and one a second per chat (429 with
retry_after beyond that). Sending 10,000 at 30/s takes 5.5 minutes of real time, so the pacer
and the stand-in run on a fake clock (`tests.sending.FakeTime`): time moves only when every
task waits, which keeps the pacing exact and makes processing itself free. So the wall-clock
rate of the same drain is given too: on a real clock the burst goes at the lower of the two.
(The running bot's `Delivery.run` is not measured so: its claims, which wait on the database's
thread, let the fake clock run on as if every task slept.) Baselines: Telegram's 30 msg/s, and
python-telegram-bot's `send_message` in a plain loop (no database, no limits) for the
wall-clock rate.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.drain_throughput import MONDAY, baseline, bot_on, chats_of, queued
from bench.report import Figure, Say
from bot.clock import FixedClock
from bot.delivery import Delivery
from bot.pacing import Pacer
from handlers.telegram.sender import TelegramSender
from handlers.telegram.standin import RateLimits, StandIn
from handlers.telegram.standin.core import SENDING
from storage.db import make_engine, make_session_factory, sqlite_url_for
from storage.files import LocalFileStore
from storage.migrate import upgrade
from storage.uow import uow_factory
from tests.sending import FakeTime

PART = "5. Outbox burst"
TELEGRAM_RATE = 30.0


def busiest_second(times: list[float]) -> int:
    """The most calls within any sliding window of one second (half-open)."""
    ordered = sorted(times)
    most, left = 0, 0
    for right, at in enumerate(ordered):
        while at - ordered[left] >= 1.0:
            left += 1
        most = max(most, right - left + 1)
    return most


async def drain(messages: int, chats: int) -> tuple[float, float, int, int]:
    """Wall seconds, fake seconds from the first send to the last, 429s, and the most
    messages one chat got in any second."""
    with tempfile.TemporaryDirectory(prefix="sopbot-bench-") as data:
        url = sqlite_url_for(Path(data))
        await upgrade(url)
        engine = make_engine(url)
        try:
            uow = uow_factory(make_session_factory(engine))
            clock = FixedClock(MONDAY)
            fake = FakeTime(clock)
            limits = RateLimits(per_chat=1, overall=int(TELEGRAM_RATE), window=1.0)
            standin = StandIn(rate_limits=limits, clock=fake.monotonic)
            await queued(uow, chats_of(standin, chats), messages)
            pacer = Pacer(monotonic=fake.monotonic, sleep=fake.sleep)
            async with bot_on(standin) as bot:
                sender = TelegramSender(bot, LocalFileStore(Path(data)))
                delivery = Delivery(uow, clock, {"telegram": sender}, pacer=pacer)
                started = time.perf_counter()
                sent = 0
                while sent < messages:  # one drain sends at most MAX_BATCHES batches
                    report = await delivery.drain()
                    if report.sent == 0:
                        raise RuntimeError(f"the drain stopped at {sent} of {messages}")
                    sent += report.sent
                wall = time.perf_counter() - started
        finally:
            await engine.dispose()
    sends = [c for c in standin.calls if c.method in SENDING and c.status == 200]
    per_chat: dict[int, list[float]] = defaultdict(list)
    for call in sends:
        per_chat[int(call.params["chat_id"])].append(call.at)
    span = max(c.at for c in sends) - min(c.at for c in sends)
    most = max(busiest_second(times) for times in per_chat.values())
    return wall, span, standin.rate_limited, most


async def run(say: Say, quick: bool) -> list[Figure]:
    """The burst, and the plain send loop for the wall-clock comparison."""
    messages, chats = (300, 60) if quick else (10_000, 500)
    plain = await baseline(min(messages, 1000), chats)
    plain_rate = min(messages, 1000) / plain
    wall, span, rejected, most = await drain(messages, chats)
    rate = messages / (span + 1.0)  # the last send's second counts too
    wall_rate = messages / wall
    say(f"    {messages} messages to {chats} chats: last send {span:.1f} s (fake clock) after "
        f"the first; the drain took {wall:.1f} s of wall time")  # fmt: skip
    return [
        Figure(PART, f"{messages} messages to {chats} chats: rate on the fake clock", rate,
               "msg/s", TELEGRAM_RATE, "Telegram's limit", "≥ 90 % of 30 msg/s",
               rate >= 0.9 * TELEGRAM_RATE),
        Figure(PART, "most messages to one chat in any sliding second", most, "",
               goal="≤ 1", met=most <= 1),
        Figure(PART, "429 answers from the stand-in", rejected, "", goal="0", met=rejected == 0),
        Figure(PART, "the same drain's wall-clock rate (processing alone)", wall_rate, "msg/s",
               plain_rate, "plain PTB send loop", "≥ 30 msg/s (keeps up on a real clock)",
               wall_rate >= TELEGRAM_RATE),
    ]  # fmt: skip
