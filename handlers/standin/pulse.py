"""An edge-triggered wake-up: how a stand-in's settle() waits for the next change, not a clock."""

from __future__ import annotations

import asyncio


class Pulse:
    """Wakes every waiter on the next pulse(); nothing is stored between pulses."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def pulse(self) -> None:
        """Wake everyone waiting now."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float | None) -> bool:
        """Wait for the next pulse; False when `seconds` passed first (None: no limit)."""
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            return False
        return True
