"""The outbox sender: delivers queued messages through each person's channel.

Every outgoing message was written to the outbox in the transaction that caused it; this drains
it. Rows are claimed as `sending` with a lease, so two drainers (the bot and `sopbot remind`) never
send the same row, and a drainer that dies leaves rows that are due again once the lease ends.
Calls are paced per chat and overall (`bot.pacing`). A 429 holds the chat for retry_after; a
transient failure is retried with backoff; a permanent one (the person blocked the bot) gives up
and tells the SOP's `notices.delivery_failed` roles. A chat's messages keep their order.

Where a duplicate remains possible: a send that succeeded but whose result was not recorded (the
process died in between) cannot be told from one that failed. The platform's message id is
recorded as soon as the send returns, in its own transaction, to keep that window short.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.calendar import wall_clock_after
from bot.pacing import Pacer
from bot.ports import (
    ChannelSender,
    Clock,
    OutgoingMessage,
    Pace,
    QueuedMessage,
    SendResult,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.replies import Reply
from bot.texts import t

logger = logging.getLogger(__name__)

BATCH = 50
MAX_BATCHES = 100  # per drain; the next tick goes on
MAX_ATTEMPTS = 12  # with the backoff below: about two and a half hours of retrying
LEASE_SECONDS = 300.0  # longer than a batch takes at one message a second per chat
ALERT_PREFIX = "delivery-failed:"


@dataclass(frozen=True)
class Route:
    channel: str
    external_id: str

    @property
    def chat(self) -> str:
        """The pacing key of the chat."""
        return f"{self.channel}:{self.external_id}"


@dataclass(frozen=True)
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0  # handed back unsent: the chat was throttled or an earlier one failed

    def __add__(self, other: DrainReport) -> DrainReport:
        return DrainReport(
            self.sent + other.sent,
            self.retried + other.retried,
            self.failed + other.failed,
            self.deferred + other.deferred,
        )


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent | retry | deferred | dead
    retry_at: datetime | None = None


Claimed = tuple[QueuedMessage, Route | None]


class Delivery:
    """Drains due outbox rows through the channel senders, paced, in queue order per chat."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        senders: dict[str, ChannelSender],
        *,
        pacer: Pacer | None = None,
        alert_roles: Sequence[str] = (),
        batch: int = BATCH,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.senders = senders
        self.pacer = pacer
        self.alert_roles = tuple(alert_roles)
        self.batch = batch
        self.lease_seconds = lease_seconds

    def pace(self, channel: str, external_id: str) -> Pace | None:
        """The pacing hook for a direct answer to a chat, so it shares the chat's limit."""
        return self.pacer.pace(Route(channel, external_id).chat) if self.pacer else None

    async def drain(self) -> DrainReport:
        """Send everything that is due now, batch by batch; return what happened."""
        total = DrainReport()
        for _ in range(MAX_BATCHES):
            claimed = await self._claim()
            if not claimed:
                break
            total += await self._send_all(claimed)
        return total

    async def _claim(self) -> list[Claimed]:
        now = self.clock.now()
        lease = wall_clock_after(now, seconds=self.lease_seconds)
        async with self.uow() as uow:
            due = await uow.outbox.claim(now, self.batch, lease)
            claimed = [
                (m, self._route(await uow.people.identities_of(m.recipient_id))) for m in due
            ]
            await uow.commit()
        return claimed

    def _route(self, identities: list[tuple[str, str]]) -> Route | None:
        return next((Route(ch, ext) for ch, ext in identities if ch in self.senders), None)

    async def _send_all(self, claimed: list[Claimed]) -> DrainReport:
        """One send at a time, to the chat that may receive soonest; each chat in queue order."""
        queues: dict[str, deque[tuple[QueuedMessage, Route]]] = {}
        counts: Counter[str] = Counter()
        for message, route in claimed:
            if route is None:  # the person never registered a chat account
                unreachable = SendResult(False, permanent=True, error=t("delivery.no_account"))
                counts[(await self._record(message, unreachable)).kind] += 1
            else:
                queues.setdefault(route.chat, deque()).append((message, route))
        while queues:
            chat = min(queues, key=lambda c: (self._ready_at(c), queues[c][0][0].id))
            message, route = queues[chat].popleft()
            outcome = await self._deliver(message, route)
            counts[outcome.kind] += 1
            if outcome.retry_at is not None and queues[chat]:
                # Keep the chat's order: its later messages wait behind this one.
                counts["deferred"] += await self._defer(queues[chat], outcome.retry_at)
            if not queues[chat]:
                del queues[chat]
        return DrainReport(counts["sent"], counts["retry"], counts["dead"], counts["deferred"])

    def _ready_at(self, chat: str) -> float:
        return self.pacer.ready_at(chat) if self.pacer else 0.0

    async def _deliver(self, message: QueuedMessage, route: Route) -> Outcome:
        sender = self.senders[route.channel]
        pace = self.pacer.pace(route.chat) if self.pacer else None
        try:
            result = await sender.send(route.external_id, message.reply, message.key, pace)
        except Exception as error:  # a sender bug must not stop the queue; the row says why
            logger.exception("sending outbox message %s failed", message.id)
            result = SendResult(False, error=repr(error))
        if result.retry_after is not None and self.pacer is not None:
            self.pacer.hold(route.chat, result.retry_after)
        return await self._record(message, result, route.channel)

    async def _record(
        self, message: QueuedMessage, result: SendResult, channel: str = ""
    ) -> Outcome:
        now = self.clock.now()
        later = retry_at(now, result, message.attempts)
        async with self.uow() as uow:
            if result.ok:
                await uow.outbox.mark_sent(message.id, channel, result.message_id, now)
                outcome = Outcome("sent")
            elif result.retry_after is not None:  # throttled: not the message's fault
                await uow.outbox.release([message.id], later)
                outcome = Outcome("deferred", later)
            elif result.permanent or message.attempts + 1 >= MAX_ATTEMPTS:
                await self._give_up(uow, message, result.error or "gagal", now)
                outcome = Outcome("dead")
            else:
                await uow.outbox.retry_later(message.id, later, result.error or "")
                outcome = Outcome("retry", later)
            await uow.commit()
        return outcome

    async def _defer(self, rest: deque[tuple[QueuedMessage, Route]], at: datetime) -> int:
        """Hand a chat's remaining rows back unsent, due when the failed one is tried again."""
        ids = [message.id for message, _ in rest]
        rest.clear()
        async with self.uow() as uow:
            await uow.outbox.release(ids, at)
            await uow.commit()
        return len(ids)

    async def _give_up(
        self, uow: UnitOfWork, message: QueuedMessage, error: str, now: datetime
    ) -> None:
        """Stop sending a message and tell the SOP's delivery_failed roles (once a day)."""
        logger.warning("giving up on outbox message %s: %s", message.id, error)
        await uow.outbox.give_up(message.id, error)
        if message.key.startswith(ALERT_PREFIX):
            return  # an undeliverable alert is not alerted about
        roster = await uow.people.roster()
        reply = Reply(
            "delivery.failed", {"name": roster.name(message.recipient_id), "reason": error}
        )
        for role in self.alert_roles:
            for admin in roster.holders(role):
                if admin.id != message.recipient_id:
                    day = now.date().isoformat()
                    key = f"{ALERT_PREFIX}{message.recipient_id}:{day}:{admin.id}"
                    await uow.outbox.add(OutgoingMessage(admin.id, reply, key), now)


def retry_at(now: datetime, result: SendResult, attempts: int) -> datetime:
    """When to try again: the platform's retry_after, else exponential backoff (wall clock)."""
    seconds = result.retry_after if result.retry_after is not None else min(2**attempts * 5, 3600)
    return wall_clock_after(now, seconds=max(seconds, 1))
