"""Flood control: Telegram's 429 "Too Many Requests" on sending methods."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from handlers.telegram.standin.model import ApiError, RateLimits


class FloodControl:
    """Sliding-window limits per chat and overall, on an injectable monotonic clock."""

    def __init__(self, clock: Callable[[], float], limits: RateLimits | None = None) -> None:
        self.clock = clock
        self.limits = limits
        self.rejected = 0
        self._overall: deque[float] = deque()
        self._per_chat: dict[int, deque[float]] = {}

    def admit(self, chat_id: int) -> None:
        """Count one message to `chat_id`, or raise the 429 Telegram would answer."""
        limits = self.limits
        if limits is None:
            return
        now = self.clock()
        chat = self._per_chat.setdefault(chat_id, deque())
        for window in (chat, self._overall):
            while window and window[0] <= now - limits.window:
                window.popleft()
        for window, limit in ((chat, limits.per_chat), (self._overall, limits.overall)):
            if len(window) >= limit:
                self.rejected += 1
                wait = max(1, math.ceil(window[0] + limits.window - now))
                raise ApiError(
                    429, f"Too Many Requests: retry after {wait}", {"retry_after": wait}
                )
        chat.append(now)
        self._overall.append(now)
