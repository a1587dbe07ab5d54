"""Fakes for the sending side: time that moves only when slept, and a recording channel."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from dataclasses import dataclass, field

from bot.calendar import wall_clock_after
from bot.clock import FixedClock
from bot.ports import Pace, SendResult
from bot.replies import Reply


class FakeTime:
    """Monotonic seconds, and a `sleep` that moves them (and the domain clock along).

    Concurrent sleepers wake in the order of their wake-up times: time moves to the earliest
    one only after every other task had its turns to run (and perhaps go to sleep itself), as
    on a real clock, but without waiting.
    """

    QUIET_TURNS = 50  # event-loop turns other tasks get before time moves on

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.origin = clock.now()
        self.seconds = 0.0
        self.slept = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._driver: asyncio.Task[None] | None = None

    def monotonic(self) -> float:
        return self.seconds

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.seconds + max(seconds, 0.0), next(self._order), wake))
        if self._driver is None or self._driver.done():
            self._driver = asyncio.create_task(self._drive())
        await wake

    async def _drive(self) -> None:
        while self._sleepers:
            for _ in range(self.QUIET_TURNS):
                await asyncio.sleep(0)
            at, _, wake = heapq.heappop(self._sleepers)
            if at > self.seconds:
                self.slept += at - self.seconds
                self.seconds = at
                self.clock.set(wall_clock_after(self.origin, seconds=self.seconds))
            if not wake.done():
                wake.set_result(None)


@dataclass(frozen=True)
class Call:
    chat: str
    key: str
    at: float


class Crash(BaseException):
    """The process dies (not an error a sender could report)."""


@dataclass
class FakeChannel:
    """A `ChannelSender` that records each call's chat and time; results can be scripted."""

    time: FakeTime
    parts: int = 1  # API calls per message (files, then text parts)
    calls: list[Call] = field(default_factory=list)
    script: dict[str, list[SendResult | BaseException]] = field(default_factory=dict)

    async def send(
        self,
        recipient: str,
        reply: Reply,
        key: str,
        pace: Pace | None = None,
        edit_ref: str | None = None,
    ) -> SendResult:
        scripted = self.script.get(recipient)
        outcome = scripted.pop(0) if scripted else None
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome is not None and not outcome.ok:
            if pace is not None:
                await pace()
            return outcome
        for _ in range(self.parts):
            if pace is not None:
                await pace()
            self.calls.append(Call(recipient, key, self.time.monotonic()))
        return SendResult(True, message_id=str(len(self.calls)))

    def keys_to(self, chat: str) -> list[str]:
        return [c.key for c in self.calls if c.chat == chat]

    def times_to(self, chat: str) -> list[float]:
        return [c.at for c in self.calls if c.chat == chat]
