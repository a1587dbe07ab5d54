"""Outbox drain throughput against the Bot API stand-in, as ratios of a same-process baseline.

    .venv/bin/python -m bench.drain_throughput [--messages 300] [--chats 50]

Baseline: python-telegram-bot's `send_message` in a plain loop against the in-process stand-in,
no database and no limits: the ceiling for one sequential sender on this machine. Then the
outbox drain on a fresh SQLite database (claim with a lease, send, record each result in its
own transaction): unpaced, and paced under Telegram's limits on a fake clock (the stand-in
enforcing 1/s per chat and 30/s overall on the same clock), whose wall time is pure overhead.
Absolute numbers depend on the machine; the ratios are what to compare between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.clock import JAKARTA, FixedClock
from bot.delivery import Delivery
from bot.pacing import Pacer
from bot.ports import OutgoingMessage, UnitOfWorkFactory
from bot.replies import Reply
from handlers.telegram.sender import TelegramSender
from handlers.telegram.standin import RateLimits, StandIn
from storage.db import make_engine, make_session_factory, sqlite_url_for
from storage.files import LocalFileStore
from storage.migrate import upgrade
from storage.uow import uow_factory
from tests.sending import FakeTime

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def bot_on(standin: StandIn) -> Bot:
    request = HTTPXRequest(httpx_kwargs={"transport": standin.transport})
    return Bot("123:BENCH", base_url="http://standin/bot", request=request)


def chats_of(standin: StandIn, chats: int) -> list[int]:
    ids = [7000 + index for index in range(chats)]
    for chat in ids:
        standin.user(chat, f"user{chat}", started=True)
    return ids


async def baseline(messages: int, chats: int) -> float:
    """Seconds for `messages` plain send_message calls."""
    standin = StandIn()
    ids = chats_of(standin, chats)
    async with bot_on(standin) as bot:
        start = time.perf_counter()
        for index in range(messages):
            await bot.send_message(ids[index % chats], "Pesan uji")
        return time.perf_counter() - start


async def queued(uow: UnitOfWorkFactory, ids: list[int], messages: int) -> None:
    async with uow() as unit:
        people = []
        for chat in ids:
            person = await unit.people.add(f"user{chat}", ["tkksd"])
            await unit.people.bind_identity(person.id, "telegram", str(chat))
            people.append(person.id)
        for index in range(messages):
            message = OutgoingMessage(
                people[index % len(people)], Reply("chat.no_tasks"), f"b{index}"
            )
            await unit.outbox.add(message, MONDAY)
        await unit.commit()


async def drained(messages: int, chats: int, paced: bool) -> tuple[float, float, int]:
    """Wall seconds of one drain, simulated seconds, and the 429s it drew."""
    with tempfile.TemporaryDirectory(prefix="sopbot-bench-") as data:
        url = sqlite_url_for(Path(data))
        await upgrade(url)
        engine = make_engine(url)
        try:
            return await _drain(uow_factory(make_session_factory(engine)), Path(data),
                                messages, chats, paced)  # fmt: skip
        finally:
            await engine.dispose()


async def _drain(
    uow: UnitOfWorkFactory, data: Path, messages: int, chats: int, paced: bool
) -> tuple[float, float, int]:
    clock = FixedClock(MONDAY)
    fake = FakeTime(clock)
    limits = RateLimits(per_chat=1, overall=30, window=1.0) if paced else None
    standin = StandIn(rate_limits=limits, clock=fake.monotonic)
    await queued(uow, chats_of(standin, chats), messages)
    pacer = Pacer(monotonic=fake.monotonic, sleep=fake.sleep) if paced else None
    async with bot_on(standin) as bot:
        sender = TelegramSender(bot, LocalFileStore(data))
        delivery = Delivery(uow, clock, {"telegram": sender}, pacer=pacer)
        start = time.perf_counter()
        report = await delivery.drain()
        wall = time.perf_counter() - start
    assert report.sent == messages, report
    return wall, fake.seconds, standin.rate_limited


async def best(run: Callable[[], Awaitable[float]], repeat: int) -> float:
    return min([await run() for _ in range(repeat)])


async def main(messages: int, chats: int, repeat: int) -> None:
    base = await best(lambda: baseline(messages, chats), repeat)
    say(f"{messages} messages to {chats} chats, best of {repeat}")
    say(f"baseline  PTB send_message loop, no database   {messages / base:8.0f} msg/s   1.00")
    for paced in (False, True):
        runs = [await drained(messages, chats, paced) for _ in range(repeat)]
        wall, simulated, rejected = min(runs)
        label = "paced (fake clock)" if paced else "unpaced           "
        line = f"drain     {label}, SQLite       {messages / wall:8.0f} msg/s   {base / wall:.2f}"
        if paced:
            line += f"   last send at {simulated:.1f} s simulated, 429s: {rejected}"
        say(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.chats, args.repeat))
