"""The outbox sender: delivers queued messages through each person's channel.

Every outgoing message was written to the outbox in the transaction that caused it; this
drains it. A failed send is retried later or given up, never lost, and a delivered one is
marked with the platform's message id so it is not sent again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.calendar import wall_clock_after
from bot.ports import ChannelSender, Clock, QueuedMessage, SendResult, UnitOfWorkFactory

logger = logging.getLogger(__name__)

BATCH = 50
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


class Delivery:
    """Drains due outbox rows through the channel senders, in queue order."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, senders: dict[str, ChannelSender]
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.senders = senders

    async def drain(self) -> DrainReport:
        """Send everything that is due now; return what happened."""
        sent = retried = failed = 0
        async with self.uow() as uow:
            due = await uow.outbox.due(self.clock.now(), BATCH)
            routes = {m.id: await uow.people.identities_of(m.recipient_id) for m in due}
        for message in due:
            outcome = await self._deliver(message, routes[message.id])
            sent += outcome == "sent"
            retried += outcome == "retry"
            failed += outcome == "dead"
        return DrainReport(sent, retried, failed)

    async def _deliver(self, message: QueuedMessage, identities: list[tuple[str, str]]) -> str:
        route = next(((ch, ext) for ch, ext in identities if ch in self.senders), None)
        if route is None:
            await self._record(message, SendResult(False, permanent=True, error="no channel"))
            return "dead"
        channel, external_id = route
        try:
            result = await self.senders[channel].send(external_id, message.reply, message.key)
        except Exception as error:  # a sender bug must not stop the queue; the row says why
            logger.exception("sending outbox message %s failed", message.id)
            result = SendResult(False, error=repr(error))
        await self._record(message, result, channel)
        if result.ok:
            return "sent"
        return "dead" if result.permanent or message.attempts + 1 >= MAX_ATTEMPTS else "retry"

    async def _record(self, message: QueuedMessage, result: SendResult, channel: str = "") -> None:
        now = self.clock.now()
        async with self.uow() as uow:
            if result.ok:
                await uow.outbox.mark_sent(message.id, channel, result.message_id, now)
            elif result.permanent or message.attempts + 1 >= MAX_ATTEMPTS:
                logger.warning("giving up on outbox message %s: %s", message.id, result.error)
                await uow.outbox.give_up(message.id, result.error or "gagal")
            else:
                await uow.outbox.retry_later(message.id, retry_at(now, result, message.attempts),
                                             result.error or "")  # fmt: skip
            await uow.commit()


def retry_at(now: datetime, result: SendResult, attempts: int) -> datetime:
    """When to try again: the platform's retry_after, else exponential backoff (wall clock)."""
    seconds = result.retry_after if result.retry_after is not None else min(2**attempts * 5, 3600)
    return wall_clock_after(now, seconds=seconds)
