"""Clocks: the only place the core learns the current time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")


class SystemClock:
    """Wall-clock time in Asia/Jakarta."""

    def now(self) -> datetime:
        return datetime.now(JAKARTA)


class FixedClock:
    """A clock that moves only when told to (tests, `sopbot remind --at`)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            at = at.replace(tzinfo=JAKARTA)
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        """Jump to `at` (naive times are read as Asia/Jakarta)."""
        self._at = at if at.tzinfo else at.replace(tzinfo=JAKARTA)

    def advance(self, **kwargs: float) -> None:
        """Move forward by a wall-clock amount (timedelta keyword arguments)."""
        self._at = self._at + timedelta(**kwargs)
