"""The bot's periodic work, one core call per tick: reminders, the daily digest, failure counts.

The scheduler of `sopbot run` calls `Periodic.tick` every SOPBOT_SWEEP_SECONDS (its sender then
sends what was queued); `sopbot remind` calls it once with a clock set to `--at`, and drains the
outbox itself. Nothing here is kept in memory between ticks: the rows are the
state, so a restart, or a second process ticking too, loses and repeats nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.alerts import report_waiting
from bot.delivery import Delivery, DrainReport
from bot.digest import queue_digest
from bot.ports import Clock
from bot.reminders import SweepReport, sweep
from bot.workflow.service import Workflow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickReport:
    swept: SweepReport = field(default_factory=SweepReport)
    digests: int = 0
    drained: DrainReport = field(default_factory=DrainReport)
    failures_told: int = 0
    packages: int = 0  # records packages asked for in chat, built and queued


class Periodic:
    """Sweeps reminders, queues the daily digest and failure counts, then drains the outbox
    (when given a `delivery`: `sopbot remind`)."""

    def __init__(
        self,
        workflow: Workflow,
        delivery: Delivery | None,
        clock: Clock | None = None,
        exports: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self.workflow = workflow
        self.delivery = delivery
        self.clock = clock or workflow.clock
        # Builds the records packages asked for in chat (`Records.process_exports`).
        self.exports = exports

    async def tick(self) -> TickReport:
        """One round; a failing sweep or digest is logged and the outbox is drained anyway."""
        wf = self.workflow
        swept, digests = SweepReport(), 0
        try:
            swept = await sweep(
                wf.uow, wf.sops, self.clock, wf.calendar, generated=wf.generated, queued=wf.clock
            )
        except Exception:  # the queue must still drain; the rows stay pending for next time
            logger.exception("reminder sweep failed")
        try:
            digests = await queue_digest(wf.uow, wf.sops, self.clock, wf.calendar, wf.clock)
        except Exception:
            logger.exception("daily digest failed")
        told = 0
        try:
            told = await report_waiting(wf.uow, wf.sops, self.clock)
        except Exception:
            logger.exception("counting failures for the admins failed")
        packages = 0
        if self.exports is not None:
            try:
                packages = await self.exports()
            except Exception:  # the requests stay leased and are taken again later
                logger.exception("building records packages failed")
        drained = await self.delivery.drain() if self.delivery is not None else DrainReport()
        return TickReport(swept, digests, drained, told, packages)
