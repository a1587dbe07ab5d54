"""This process as a worker: its name on the rows it claims, and who else is gone."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import datetime

from bot.calendar import wall_clock_after
from bot.ports import Claim, Liveness


class Workers:
    """Builds claims; with no liveness locks (tests on fakes) only leases free rows."""

    def __init__(self, liveness: Liveness | None = None, name: str = "local") -> None:
        self.liveness = liveness
        self.name = liveness.worker if liveness is not None else name

    async def claim(
        self, now: datetime, lease_seconds: float, claimers: Sequence[str]
    ) -> Claim:
        """A claim by this worker at `now`, freeing the rows of claimers that are gone."""
        dead: frozenset[str] = frozenset()
        others = [w for w in claimers if w != self.name]
        if others and self.liveness is not None:
            dead = await self.liveness.dead(others)
        lease = wall_clock_after(now, seconds=lease_seconds)
        return Claim(self.name, now, lease, dead)


class Wakeup:
    """Wakes a worker's loop when there is work, and tells whether the loop is idle."""

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self.quiet = asyncio.Event()  # set while the loop waits with nothing to do
        self.quiet.set()
        self.stopping = False  # the loop finishes what it holds and takes nothing new
        self._look = False  # a wake since the loop began looking asked it to look for work

    @property
    def idle(self) -> bool:
        """Whether the loop waits with nothing claimed and nothing in flight."""
        return self.quiet.is_set()

    def wake(self, look: bool = True) -> None:
        """There may be work: the loop looks now. Without `look` the work was handed to the
        loop already and it need not look for more."""
        self.quiet.clear()
        self._look = self._look or look
        self._wake.set()

    def stop(self) -> None:
        """Ask the loop to finish what it holds and end."""
        self.stopping = True
        self._wake.set()

    @property
    def woken(self) -> bool:
        """Whether a wake asking to look came since the loop last began looking."""
        return self._look

    def begin(self) -> None:
        """The loop starts looking: a wake from now on means another round."""
        self._wake.clear()
        self._look = False

    def rest(self, idle: bool) -> None:
        """The loop found nothing more to do (`idle`), unless woken meanwhile."""
        if idle and not self._wake.is_set():
            self.quiet.set()

    async def wait(self, seconds: float) -> None:
        """Until woken, or `seconds` passed."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
