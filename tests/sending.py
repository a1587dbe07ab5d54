"""Fakes for the sending side: time that moves only when slept, and a recording channel."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.calendar import wall_clock_after
from bot.clock import FixedClock
from bot.ports import Pace, SendResult
from bot.replies import Reply


class FakeTime:
    """Monotonic seconds and a `sleep` that only moves them (and the domain clock along)."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.origin = clock.now()
        self.seconds = 0.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.seconds

    async def sleep(self, seconds: float) -> None:
        self.seconds += max(seconds, 0.0)
        self.slept += max(seconds, 0.0)
        self.clock.set(wall_clock_after(self.origin, seconds=self.seconds))
        await asyncio.sleep(0)  # let other tasks run, as a real sleep would


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
        self, recipient: str, reply: Reply, key: str, pace: Pace | None = None
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
