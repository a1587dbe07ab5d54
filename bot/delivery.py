"""The outbox sender: delivers queued messages through each chat's channel.

Every outgoing message — an answer to the person who wrote, the edit of a pressed message, a
notification, a reminder, a document — was written to the outbox in the transaction that caused
it; this sends it. Rows are claimed as `sending` with a lease and this worker's name (in order
per chat: a chat's later row is never taken past an earlier unsent one), sent outside any
transaction, and each result recorded. The update's transaction itself claims what it queued
for this process's sender (`claim_in`, handed over by `hand` after the commit), so an answer
costs no claiming transaction of its own; the sender's claims take everything else.

Chats are sent to concurrently, each in its own order, within the overall limit (`bot.pacing`):
a chat that is slow, throttled or failing holds up only itself. A send that failed before it
reached the platform (refused connection, connect timeout, a 5xx, a 429) is tried again with
backoff, a 429's retry_after holding that chat only. A send whose outcome is unknown (the request
went out and its answer was lost, or the worker sending it died) may have arrived: it is tried
again (at once the first time, then with backoff) and logged as possibly doubled; taking it as
sent could lose it. A permanent failure (the person blocked the bot) gives up and tells the
SOP's `notices.delivery_failed` roles.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from bot import cards, failpoints
from bot.calendar import wall_clock_after
from bot.pacing import Pacer
from bot.ports import (
    ChannelSender,
    ChatRoute,
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
from bot.workers import Wakeup, Workers

logger = logging.getLogger(__name__)

BATCH = 50
MAX_BATCHES = 100  # per drain; the next tick goes on
MAX_ATTEMPTS = 12  # with the backoff below: about two and a half hours of retrying
LEASE_SECONDS = 600.0  # far longer than a claimed batch takes, at one message a second per chat
CONCURRENT_CHATS = 32
IDLE_POLL_SECONDS = 2.0  # how often an idle sender looks for rows queued by other processes
ALERT_PREFIX = "delivery-failed:"
# Recording a send's outcome when the database is busy: tried again for about half a minute,
# holding only that chat, rather than leaving the chat's rows leased for LEASE_SECONDS.
RECORD_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


@dataclass(frozen=True)
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0  # handed back unsent: the chat was throttled or an earlier one failed
    doubtful: int = 0  # sent again after an attempt whose outcome was unknown

    def __add__(self, other: DrainReport) -> DrainReport:
        return DrainReport(
            self.sent + other.sent,
            self.retried + other.retried,
            self.failed + other.failed,
            self.deferred + other.deferred,
            self.doubtful + other.doubtful,
        )


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent | retry | deferred | dead | foreign
    retry_at: datetime | None = None


Claimed = tuple[QueuedMessage, ChatRoute | None]


class Delivery:
    """Sends due outbox rows through the channel senders, paced, in queue order per chat."""

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
        workers: Workers | None = None,
        concurrency: int = CONCURRENT_CHATS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.uow = uow
        self.sleep = sleep
        self.clock = clock
        self.senders = senders
        self.pacer = pacer
        self.alert_roles = tuple(alert_roles)
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.workers = workers or Workers()
        self._slots = asyncio.Semaphore(concurrency)
        self.wakeup = Wakeup()
        self._chats: dict[str, asyncio.Task[DrainReport]] = {}
        # Rows claimed and not yet sent: at most one batch, so that of several workers each
        # takes a part of a backlog instead of the first one holding all of it.
        self._held: dict[asyncio.Task[DrainReport], int] = {}
        self._looping = False  # run() is on: rows claimed elsewhere may be handed to it

    def pace(self, channel: str, external_id: str) -> Pace | None:
        """The pacing hook for a call to a chat outside the outbox, so it shares the limit."""
        return self.pacer.pace(ChatRoute(channel, external_id).key) if self.pacer else None

    def wake(self) -> None:
        """Something was queued: look for due rows now."""
        self.wakeup.wake()

    async def drain(self) -> DrainReport:
        """Send everything that is due now, chats side by side; return what happened."""
        total = DrainReport()
        for _ in range(MAX_BATCHES):
            claimed = await self._claim()
            if not claimed:
                break
            reports = await asyncio.gather(
                *(self._send_chat(rows) for rows in _by_chat(claimed).values())
            )
            batch = sum(reports, DrainReport())
            total += batch
            if batch == DrainReport():  # only rows for channels this process does not serve
                break
        return total

    async def run(self) -> None:
        """Until stopped: claim what is due, send each chat in a task of its own, wait.

        Stopped, it lets the chats it holds finish; cancelled, it gives them up (their rows
        are taken over, as in doubt, by the next worker).
        """
        self._looping = True
        try:
            while not self.wakeup.stopping:
                look = self.wakeup.woken
                self.wakeup.begin()
                room = self._room()
                # Woken by a queued message: claim. Woken by a chat's end or by the idle poll:
                # claim only if a reader saw rows to take, so an empty look takes no turn of
                # the writer.
                take = room > 0 and (look or await self._claimable_seen())
                claimed = await self._claim_safely(room) if take else []
                self._send_each_chat(claimed)
                if claimed:
                    continue
                self.wakeup.rest(idle=not self._chats)
                await self.wakeup.wait(await self._next_wait())
            await asyncio.gather(*self._chats.values(), return_exceptions=True)
        finally:
            self._looping = False
            for task in self._chats.values():
                task.cancel()
            await asyncio.gather(*self._chats.values(), return_exceptions=True)

    async def claim_in(self, uow: UnitOfWork) -> list[Claimed]:
        """Claim due rows in the caller's transaction, to be handed over after its commit.

        An update's transaction claims the messages it queued this way, while this process's
        sender runs: they go out without a claiming transaction of their own."""
        room = self._room()
        if not self._looping or self.wakeup.stopping or room <= 0:
            return []
        return await self._claim_rows(uow, room, wait=False)

    def hand(self, claimed: Sequence[Claimed]) -> None:
        """Send rows claimed by `claim_in` once the transaction that claimed them committed.

        A sender stopped meanwhile leaves them to the next worker, as a crash would."""
        failpoints.reached("outbox.claimed")
        if not self._looping:
            return
        self.wakeup.quiet.clear()
        self._send_each_chat(list(claimed))

    def _room(self) -> int:
        return self.batch - sum(self._held.values())

    def _send_each_chat(self, claimed: list[Claimed]) -> None:
        for chat, rows in _by_chat(claimed).items():
            task = asyncio.create_task(self._send_chat(rows), name=f"send {chat}")
            self._chats[chat] = task
            self._held[task] = len(rows)
            task.add_done_callback(partial(self._done, chat))

    def _done(self, chat: str, task: asyncio.Task[DrainReport]) -> None:
        # The chat's next rows may have been claimed, in a task of their own, before this one
        # ended: only this task leaves the table.
        if self._chats.get(chat) is task:
            del self._chats[chat]
        self._held.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            logger.error("sending to %s failed", chat, exc_info=task.exception())
        self.wakeup.wake(look=False)  # the chat's next rows may be due now

    async def _claimable_seen(self) -> bool:
        """Whether a reader sees rows to claim: due ones, or rows another worker holds (it may
        be gone). Unsure when the database cannot be read: then the claim finds out."""
        try:
            async with self.uow.reading() as uow:
                due = await uow.outbox.next_due()
                holders = await uow.outbox.claimers()
        except Exception:
            logger.warning("could not read the outbox", exc_info=True)
            return True
        others = any(worker != self.workers.name for worker in holders)
        return others or (due is not None and due <= self.clock.now())

    async def _next_wait(self) -> float:
        """Seconds until the next pending row is due, at most IDLE_POLL_SECONDS.

        A row due already was not claimed because an earlier row of its chat is in flight:
        the end of that chat's task wakes the loop, so it need not look sooner.
        """
        try:
            async with self.uow.reading() as uow:
                due = await uow.outbox.next_due()
        except Exception:
            logger.warning("could not read the outbox's next due time", exc_info=True)
            return IDLE_POLL_SECONDS
        if due is None:
            return IDLE_POLL_SECONDS
        left = (due - self.clock.now()).total_seconds()
        return IDLE_POLL_SECONDS if left <= 0 else min(left, IDLE_POLL_SECONDS)

    async def _claim_safely(self, limit: int | None = None) -> list[Claimed]:
        try:
            return await self._claim(limit)
        except Exception:  # the database may be busy or away: the rows wait, nothing is lost
            logger.warning("claiming outbox rows failed; trying again", exc_info=True)
            await self.wakeup.wait(IDLE_POLL_SECONDS)
            return []

    async def _claim(self, limit: int | None = None) -> list[Claimed]:
        async with self.uow() as uow:
            claimed = await self._claim_rows(uow, limit or self.batch)
            await uow.commit()
        if claimed:
            failpoints.reached("outbox.claimed")
        return claimed

    async def _claim_rows(
        self, uow: UnitOfWork, limit: int, wait: bool = True
    ) -> list[Claimed]:
        now = self.clock.now()
        claim = await self.workers.claim(now, self.lease_seconds, await uow.outbox.claimers())
        due = await uow.outbox.claim(claim, limit, wait)
        return [(m, await self._route(uow, m)) for m in due]

    async def _route(self, uow: UnitOfWork, message: QueuedMessage) -> ChatRoute | None:
        """The answer's own chat, or the person's preferred account on a channel served here."""
        if message.chat is not None:
            return message.chat
        assert message.recipient_id is not None
        identities = await uow.people.identities_of(message.recipient_id)
        return next(
            (ChatRoute(ch, ext) for ch, ext in identities if ch in self.senders), None
        )

    async def _send_chat(self, rows: list[Claimed]) -> DrainReport:
        """One chat's rows in queue order; a row that must wait holds back the ones after it."""
        counts: Counter[str] = Counter()
        async with self._slots:
            for index, (message, route) in enumerate(rows):
                outcome = await self._deliver(message, route)
                counts[outcome.kind] += 1
                counts["doubtful"] += int(outcome.kind == "sent" and message.doubtful)
                if outcome.retry_at is not None and index + 1 < len(rows):
                    rest = [m.id for m, _ in rows[index + 1 :]]
                    await self._release(rest, outcome.retry_at)
                    counts["deferred"] += len(rest)
                    break
        return DrainReport(
            counts["sent"], counts["retry"], counts["dead"], counts["deferred"], counts["doubtful"]
        )

    async def _deliver(self, message: QueuedMessage, route: ChatRoute | None) -> Outcome:
        if route is None:  # the person never registered a chat account
            unreachable = SendResult(False, permanent=True, error=t("delivery.no_account"))
            return await self._record(message, unreachable)
        sender = self.senders.get(route.channel)
        if sender is None:  # an answer on a channel another process serves
            await self._release([message.id], wall_clock_after(self.clock.now(), seconds=30))
            return Outcome("foreign")
        pace = self.pacer.pace(route.key) if self.pacer else None
        try:
            reply, edit_ref = await self._edit_of(message, route)
        except Exception as error:  # nothing was sent: tried again later, like a failed send
            logger.warning("finding the card of outbox message %s failed", message.id,
                           exc_info=True)  # fmt: skip
            return await self._record(message, SendResult(False, error=repr(error)))
        try:
            result = await sender.send(route.external_id, reply, message.key, pace, edit_ref)
        except Exception as error:  # a sender bug must not stop the queue; the row says why
            logger.exception("sending outbox message %s failed", message.id)
            result = SendResult(False, error=repr(error))
        failpoints.reached("outbox.sent")
        if result.retry_after is not None and self.pacer is not None:
            self.pacer.hold(route.key, result.retry_after)
        outcome = await self._record(message, result, route.channel)
        failpoints.reached("outbox.marked")
        return outcome

    async def _edit_of(self, message: QueuedMessage, route: ChatRoute) -> tuple[Reply, str | None]:
        """What to send and which message it edits: a card's edit goes to its newest delivered
        copy; a closed question keeps its text there and loses its buttons."""
        target = cards.edit_target(message.edit_ref or "")
        if target is None:
            return message.reply, message.edit_ref
        card, fallback = target
        async with self.uow.reading() as uow:
            copy = await uow.outbox.card_copy(card, route.channel)
        if copy is None:
            return message.reply, fallback
        platform_id, shown = copy
        reply = message.reply
        if reply.text_key == cards.CLOSED:
            reply = replace(shown, choices=(), files=(), edit_only=True)
        return reply, f"{route.external_id}:{platform_id}"

    async def _record(
        self, message: QueuedMessage, result: SendResult, channel: str = ""
    ) -> Outcome:
        """Record the outcome; a busy or briefly absent database is waited for."""
        for delay in RECORD_DELAYS:
            try:
                return await self._record_once(message, result, channel)
            except Exception:
                logger.warning("recording outbox message %s failed; trying again in %s s",
                               message.id, delay, exc_info=True)  # fmt: skip
                await self.sleep(delay)
        return await self._record_once(message, result, channel)

    async def _record_once(
        self, message: QueuedMessage, result: SendResult, channel: str
    ) -> Outcome:
        now = self.clock.now()
        later = retry_at(now, result, message.attempts)
        async with self.uow() as uow:
            if result.unknown and message.attempts + 1 < MAX_ATTEMPTS:
                # It may have arrived, or not: sent again (at once the first time), it may
                # arrive twice, which is logged; taken as sent, it might never arrive.
                at = now if not message.doubtful else later
                logger.warning("outcome of outbox message %s unknown; sending it again "
                               "(it may arrive twice)", message.key)  # fmt: skip
                await uow.outbox.retry_later(message.id, at, result.error or "", doubtful=True)
                outcome = Outcome("retry", at)
            elif result.ok or result.unknown:
                if message.doubtful:
                    logger.warning("outbox message %s sent again after an unknown outcome: "
                                   "possibly doubled", message.key)  # fmt: skip
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

    async def _release(self, ids: list[int], at: datetime) -> None:
        """Hand rows back unsent, due at `at`."""
        async with self.uow() as uow:
            await uow.outbox.release(ids, at)
            await uow.commit()

    async def _give_up(
        self, uow: UnitOfWork, message: QueuedMessage, error: str, now: datetime
    ) -> None:
        """Stop sending a message and tell the SOP's delivery_failed roles (once a day)."""
        logger.warning("giving up on outbox message %s: %s", message.id, error)
        await uow.outbox.give_up(message.id, error)
        if message.key.startswith(ALERT_PREFIX) or message.recipient_id is None:
            return  # an undeliverable alert is not alerted about; nor an unknown sender
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


def _by_chat(claimed: list[Claimed]) -> dict[str, list[Claimed]]:
    """Claimed rows grouped by the chat they go to, each group in queue order."""
    chats: dict[str, list[Claimed]] = {}
    for message, route in claimed:
        key = route.key if route is not None else f"nobody:{message.id}"
        chats.setdefault(key, []).append((message, route))
    return chats


def retry_at(now: datetime, result: SendResult, attempts: int) -> datetime:
    """When to try again: the platform's retry_after, else exponential backoff (wall clock)."""
    seconds = result.retry_after if result.retry_after is not None else min(2**attempts * 5, 3600)
    return wall_clock_after(now, seconds=max(seconds, 1))
