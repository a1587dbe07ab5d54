"""The bot's long-running work in one process: the inbox worker, the outbox sender, the tick.

Receivers (Telegram polling, the webhooks) only store updates and wake the inbox worker; the
worker handles different chats' updates side by side (each chat's in order) and wakes the
sender when a commit queued messages; the sender sends each chat's messages in its own task.
The periodic tick (reminders, the digest, failure counts) is triggered from outside, by the
scheduler in `bot.bootstrap`. A worker of several (`sopbot run --worker`) runs the same loops
with no receiver.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot import calendar
from bot.delivery import Delivery
from bot.inbox import InboxWorker
from bot.periodic import Periodic, TickReport
from bot.ports import Liveness

logger = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0
# How often a worker of several recounts the running workers to take its share of the send
# limit: workers start and stop at any time, and until they recount they may together send
# more than the platform allows.
SHARE_SECONDS = 5.0


class Runtime:
    """Starts and stops the loops; tells when they are all idle (tests and the demo wait)."""

    def __init__(
        self,
        inbox: InboxWorker,
        delivery: Delivery,
        periodic: Periodic,
        liveness: Liveness | None = None,
    ) -> None:
        self.inbox = inbox
        self.delivery = delivery
        self.periodic = periodic
        self.liveness = liveness
        self._tasks: list[asyncio.Task[None]] = []
        self._sharing: asyncio.Task[None] | None = None
        self._warming: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Take this worker's liveness lock, then run the inbox worker and the sender."""
        if self.liveness is not None:
            await self.liveness.start()
            await self.share_send_limit()
        self._tasks = [
            asyncio.create_task(self.inbox.run(), name="sopbot inbox"),
            asyncio.create_task(self.delivery.run(), name="sopbot outbox"),
        ]
        if self.liveness is not None and self.delivery.pacer is not None:
            self._sharing = asyncio.create_task(self._share_often(), name="sopbot send share")
        self.inbox.wake()  # updates stored before a restart
        self.delivery.wake()
        self._warming = asyncio.create_task(
            asyncio.to_thread(calendar.warm, self.inbox.clock.now()), name="sopbot warm-up"
        )

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop in order: the update being handled is finished, then what it queued is sent,
        within `grace` seconds; what is still held then is taken over by the next worker."""
        if self._warming is not None:
            try:
                await self._warming
            except Exception:  # the first update that needs the holidays loads them
                logger.warning("loading the national holidays ahead failed", exc_info=True)
            self._warming = None
        if self._sharing is not None:
            self._sharing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sharing
            self._sharing = None
        if self._tasks:
            inbox, delivery = self._tasks
            self.inbox.wakeup.stop()
            await asyncio.wait([inbox], timeout=grace)
            self.delivery.wake()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.delivery.wakeup.quiet.wait(), timeout=grace)
            self.delivery.wakeup.stop()
            await asyncio.wait([delivery], timeout=grace)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self.liveness is not None:
            await self.liveness.stop()

    async def share_send_limit(self) -> int:
        """Split the overall send limit among the workers that run now; how many they are."""
        if self.liveness is None or self.delivery.pacer is None:
            return 1
        workers = await self.liveness.alive_count()
        self.delivery.pacer.share(workers)
        return workers

    async def _share_often(self) -> None:
        while True:
            await asyncio.sleep(SHARE_SECONDS)
            try:
                await self.share_send_limit()
            except Exception:  # the share of the last count stays
                logger.warning("could not count the running workers", exc_info=True)

    async def tick(self) -> TickReport:
        """Reminders, the digest and failure counts; their messages go out at once."""
        report = await self.periodic.tick()
        self.delivery.wake()
        return report

    @property
    def idle(self) -> bool:
        """Whether nothing is being handled or sent, and nothing due waits."""
        return self.inbox.wakeup.idle and self.delivery.wakeup.idle

    def empty(self) -> bool:
        """The same as `idle` (the Bot API stand-in's settle() asks this)."""
        return self.idle

    async def join(self) -> None:
        """Wait until every loop is idle."""
        while True:
            busy = [w for w in (self.inbox.wakeup, self.delivery.wakeup) if not w.idle]
            if not busy:
                return
            await busy[0].quiet.wait()
