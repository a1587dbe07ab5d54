"""Pacing outgoing API calls under a platform's limits, on an injectable clock.

Telegram allows about 30 messages a second per bot and about one a second per chat; a burst
beyond either draws 429 answers. python-telegram-bot's AIORateLimiter paces the overall rate
but not a private chat, so the outbox sender asks a `Pacer` before every call it makes. Tests
give it a fake monotonic clock and a fake `sleep` that moves that clock: nothing really waits.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bot.config import Settings
from bot.ports import Pace

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]


@dataclass(frozen=True)
class SendLimits:
    """How many calls per window overall, and how many seconds between two calls to one chat."""

    overall: int = 30
    window: float = 1.0
    per_chat: float = 1.0
    margin: float = 0.01  # slack against rounding and the platform's own clock

    def __post_init__(self) -> None:
        if self.overall < 1 or self.window <= 0 or self.per_chat < 0 or self.margin < 0:
            raise ValueError(f"invalid send limits: {self}")


def send_limits(settings: Settings) -> SendLimits:
    """The limits configured by SOPBOT_SEND_PER_SECOND and SOPBOT_SEND_CHAT_SECONDS."""
    return SendLimits(settings.sopbot_send_per_second, 1.0, settings.sopbot_send_chat_seconds)


class Pacer:
    """Waits before each call until both limits allow it, then counts the call."""

    def __init__(
        self,
        limits: SendLimits | None = None,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits or SendLimits()
        self.configured = self.limits.overall  # for the whole bot, however many workers
        self.monotonic = monotonic
        self.sleep = sleep
        self._recent: deque[float] = deque()  # the last `overall` calls, oldest first
        self._next: dict[str, float] = {}  # chat -> earliest time of its next call

    def share(self, workers: int) -> None:
        """Of several workers each sends its share of the configured overall limit, so that
        together they keep within the platform's."""
        self.limits = replace(self.limits, overall=max(1, self.configured // max(1, workers)))

    def ready_at(self, chat: str) -> float:
        """The earliest monotonic time a call to `chat` may be made (per-chat limit only)."""
        return self._next.get(chat, float("-inf"))

    def hold(self, chat: str, seconds: float) -> None:
        """Make no call to `chat` for `seconds` (the platform said retry_after)."""
        self._next[chat] = max(self.ready_at(chat), self.monotonic() + seconds)

    def pace(self, chat: str) -> Pace:
        """The hook a sender awaits before each call to `chat`."""

        async def wait() -> None:
            await self.acquire(chat)

        return wait

    async def acquire(self, chat: str) -> None:
        """Wait until a call to `chat` keeps within both limits, then count it."""
        limits = self.limits
        while True:
            now = self.monotonic()
            while self._recent and self._recent[0] <= now - limits.window:
                self._recent.popleft()
            at = self.ready_at(chat)
            if len(self._recent) >= limits.overall:
                at = max(at, self._recent[0] + limits.window + limits.margin)
            if at <= now:
                break
            await self.sleep(at - now)
        self._recent.append(now)
        self._next[chat] = now + limits.per_chat + limits.margin
