"""The durable inbox: every incoming update is stored before it is confirmed, then handled once.

Receivers (Telegram long polling, the webhooks) store each update and only then confirm it to
the platform. The worker here claims stored updates in batches, at most one per chat (the first
unfinished update of that chat, so a chat's updates are handled strictly in order, by whichever
worker), with a lease and this worker's name, and handles the updates of different chats
concurrently, up to `concurrency` at once. Each is handled in one transaction: its state change,
audit entries, the answers to the person and every message it causes are committed together with
the update's `done`. A crash anywhere before that commit leaves the update stored and claimable
again (at once, when the dead worker's liveness lock is gone); after it, nothing is repeated.

The claim records the attempt durably before the update is handled, which is how an update
that crashes the process every time it is handled (a poison update) is recognised and given up
after MAX_ATTEMPTS. While this process's worker runs, the receiver's storing transaction claims
what it stores (and whatever else is due) for it, up to the free places: an update then costs
two commits, stored-and-claimed and handled, and reaches its handler without waiting for a
claiming round. What the store could not take (no free place, an earlier update of the chat
unfinished) is claimed by the worker's own claiming transaction, shared by a batch. An update
claimed before is handled alone, once nothing else runs: the updates that were in flight beside
a poison update when it crashed the process are each tried once more alone and finish, instead
of being crashed with it again and again.

An update that fails is never silently dropped: a passing database problem is tried again with
backoff; anything else marks it failed, tells the person honestly that their action was not
saved (quoting their words), and counts the failure for the admins (`bot.alerts`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from bot import failpoints, queued
from bot.alerts import failure_kind, record_failure, trace_of
from bot.calendar import wall_clock_after
from bot.errors import Unavailable
from bot.ports import (
    Clock,
    Envelope,
    Handled,
    InboundUpdate,
    OutgoingMessage,
    StoredUpdate,
    UnitOfWork,
    UnitOfWorkFactory,
    UpdateHandler,
)
from bot.replies import Reply
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry
from bot.workers import Wakeup, Workers

logger = logging.getLogger(__name__)

LEASE_SECONDS = 300.0
# Claims of one update before it is given up: each was a crash while handling it, or a passing
# database problem (retried with the backoff below: about ten minutes in all).
MAX_ATTEMPTS = 10
IDLE_POLL_SECONDS = 1.0  # how often an idle worker looks for updates stored by other processes
DEFAULT_CONCURRENCY = 4  # updates of different chats handled at once in one process
# The claim at which a sender whose update keeps meeting a passing problem (about six seconds
# of it) is told once that it is kept and will be handled: sooner, most such problems pass
# before anyone would notice.
TELL_WAITING_AT = 3

Transient = Callable[[BaseException], bool]


class Handoff(Protocol):
    """The outbox sender of this process, taking the messages an update queued straight from
    the update's transaction (`bot.delivery.Delivery`)."""

    async def claim_in(self, uow: UnitOfWork) -> Sequence[Any]: ...

    def hand(self, claimed: Sequence[Any]) -> None: ...


@dataclass(frozen=True)
class Received:
    """One update as a receiver got it: stored, then confirmed."""

    channel: str
    update_id: str
    payload: dict[str, object]
    chat_key: str = ""


class InboxWorker:
    """Handles stored updates, each in one transaction; different chats' concurrently."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        sop: Sop | SopRegistry,
        handlers: Mapping[str, UpdateHandler],
        *,
        workers: Workers | None = None,
        transient: Transient = lambda error: False,
        on_committed: Callable[[], None] = lambda: None,
        handoff: Handoff | None = None,
        lease_seconds: float = LEASE_SECONDS,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.sop = sop
        self.handlers = dict(handlers)
        self.workers = workers or Workers()
        self.transient = transient
        self.on_committed = on_committed
        self.handoff = handoff
        self.lease_seconds = lease_seconds
        self.concurrency = max(1, concurrency)
        self.wakeup = Wakeup()
        self._running: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()  # a handled update finished, or something was stored
        self._finished = 0  # updates finished since the last claim
        # Updates claimed before (their handling was interrupted, perhaps by a crash they
        # cause) are handled alone, after the fresh ones: an update that crashes the process
        # then counts its attempts up to MAX_ATTEMPTS without dragging others along.
        self._retried: list[StoredUpdate] = []
        self._alone: asyncio.Task[None] | None = None
        self._handed: list[StoredUpdate] = []  # claimed by a store, not yet started
        self._claiming = 0  # places asked for by claims in flight
        self._looping = False  # run() is on: a store may claim for it
        self._waiting = False  # due updates were left unclaimed (chat busy, no free place)

    @property
    def waiting_for_work(self) -> bool:
        """Whether the loop runs and waits, with nothing claimed, handed over or in flight."""
        return (self._looping and self.wakeup.idle and not self._claiming
                and not self._running and not self._handed)  # fmt: skip

    def wake(self) -> None:
        """Something was stored: look for it now."""
        self.wakeup.wake()
        self._changed.set()

    async def store(self, received: list[Received]) -> int:
        """Store a batch of updates in one transaction; how many were new (not redeliveries).

        While the worker runs, the same transaction claims for it what it can take now."""
        now = self.clock.now()
        places = self._free() if self._looping else 0
        self._claiming += places
        try:
            async with self.uow() as uow:
                new = 0
                for item in received:
                    inbound = InboundUpdate(
                        item.channel, item.update_id, dict(item.payload), now, item.chat_key
                    )
                    new += await uow.inbox.add(inbound)
                taken = await self._claim_in(uow, now, places) if new and places else []
                left = bool(taken) and await _due(uow, now)  # for the loop, once a place frees
                await uow.commit()
        finally:
            self._claiming -= places
        failpoints.reached("update.stored")
        for _ in taken:
            failpoints.reached("update.claimed")
        if taken:
            self._waiting = self._waiting or left
            self._handed.extend(taken)
            self.wakeup.wake(look=False)
            self._changed.set()
        elif new:
            self.wake()
        return new

    async def handle_due(self, look: bool = True) -> int:
        """Handle every stored update that is due now, different chats' at once; how many
        were taken. Returns when nothing is being handled and nothing more is due. Without
        `look` only what a store handed over is handled, unless a wake asks for more."""
        taken = 0
        try:
            while True:
                if self._handed:
                    handed, self._handed = self._handed, []
                    taken += len(handed)
                    self._begin(handed)
                    continue
                free = self._free()
                if self._retried and not self._running:
                    self._alone = self._start(self._retried.pop(0))
                elif look and free > 0 and self._may_claim():
                    self.wakeup.begin()
                    self._changed.clear()
                    self._finished = 0
                    self._claiming += free
                    try:
                        batch, self._waiting = await self._claim(free)
                    finally:
                        self._claiming -= free
                    taken += len(batch)
                    self._begin(batch)
                    look = False
                elif not self._running and not self._retried and not self._handed:
                    return taken
                else:
                    await self._changed.wait()
                    self._changed.clear()
                    # A wake means new updates; a finished update may free the next one of
                    # its chat, or a place, if updates were seen waiting.
                    look = self.wakeup.woken or (self._waiting and self._finished > 0)
        finally:
            if self._running:  # an error or a cancellation: what was started still ends
                await asyncio.wait(set(self._running))

    def _free(self) -> int:
        """Places for more updates now: none while one is handled alone."""
        if not self._may_claim():
            return 0
        return max(0, self.concurrency - len(self._running) - len(self._handed) - self._claiming)

    def _begin(self, claimed: list[StoredUpdate]) -> None:
        """Start the fresh updates; those claimed before wait to be handled alone."""
        for update in claimed:
            if update.attempts > 1:
                self._retried.append(update)
            else:
                self._start(update)

    def _may_claim(self) -> bool:
        """Whether more updates may be taken now: not while one is handled alone."""
        return self._alone is None and not self._retried and not self.wakeup.stopping

    def _start(self, update: StoredUpdate) -> asyncio.Task[None]:
        task = asyncio.create_task(self._handle(update), name=f"sopbot update {update.id}")
        self._running.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if task is self._alone:
            self._alone = None
        self._finished += 1
        self._changed.set()
        if not task.cancelled() and task.exception() is not None:
            logger.error("handling an update failed", exc_info=task.exception())

    async def run(self) -> None:
        """Until stopped: handle what is due, then wait to be woken (or poll)."""
        self._looping = True
        try:
            look = True
            while not self.wakeup.stopping:
                self.wakeup.begin()
                try:
                    await self.handle_due(look)
                except Exception:  # the database may be away: stored updates wait, none lost
                    logger.warning("the inbox could not be read; trying again", exc_info=True)
                self.wakeup.rest(idle=not self._running and not self._handed)
                await self.wakeup.wait(IDLE_POLL_SECONDS)
                # Woken only to start what a store claimed: no claiming round is needed.
                look = self.wakeup.woken or not self._handed
            if self._handed:  # claimed by a store just before the stop: handled, not left
                await self.handle_due(look=False)
        finally:
            self._looping = False

    async def _claim(self, limit: int) -> tuple[list[StoredUpdate], bool]:
        """Up to `limit` updates of different chats, and whether others still wait."""
        now = self.clock.now()
        async with self.uow() as uow:
            found = await self._claim_in(uow, now, limit)
            waiting = await _due(uow, now)
            await uow.commit()
        for _ in found:
            failpoints.reached("update.claimed")
        return found, waiting

    async def _claim_in(self, uow: UnitOfWork, now: datetime, limit: int) -> list[StoredUpdate]:
        claim = await self.workers.claim(now, self.lease_seconds, await uow.inbox.claimers())
        return await uow.inbox.claim(claim, limit)

    async def _handle(self, update: StoredUpdate) -> None:
        handler = self.handlers.get(update.channel)
        if handler is None:  # another process serves this channel
            await self._retry(update, wall_clock_after(self.clock.now(), seconds=30), "")
            return
        if update.attempts > MAX_ATTEMPTS:
            message = f"handling was interrupted {update.attempts - 1} times"
            await self._fail(update, handler, RuntimeError(message))
            return
        try:
            handled, claimed = await self._apply(handler, update)
        except Exception as error:
            passing = isinstance(error, Unavailable) or self.transient(error)
            if passing and update.attempts < MAX_ATTEMPTS:
                logger.warning("update %s hit a passing database problem; trying again",
                               update.update_id, exc_info=True)  # fmt: skip
                later = wall_clock_after(self.clock.now(), seconds=min(2**update.attempts, 120))
                tell = handler if update.attempts == TELL_WAITING_AT else None
                await self._retry(update, later, repr(error), tell)
            else:
                await self._fail(update, handler, error)
            return
        failpoints.reached("update.committed")
        if claimed and self.handoff is not None:
            self.handoff.hand(claimed)
        elif handled.queued:
            self.on_committed()
        if handled.after_commit is not None:
            try:
                await handled.after_commit()
            except Exception:  # the answer it announces is in the outbox already
                logger.warning("acknowledging update %s failed", update.update_id, exc_info=True)

    async def _apply(
        self, handler: UpdateHandler, update: StoredUpdate
    ) -> tuple[Handled, Sequence[Any]]:
        """Handle the update in its one transaction, marking it done in the same commit; the
        messages it queued are claimed for the sender in that commit too."""
        prepared = await handler.prepare(update)
        claimed: Sequence[Any] = ()
        with queued.watching() as watch:
            async with self.uow.atomic() as uow:
                handled = await handler.handle(update, prepared)
                await uow.inbox.finish(update.id, "done", self.clock.now())
                if watch.queued and self.handoff is not None:
                    claimed = await self.handoff.claim_in(uow)
                failpoints.reached("update.handled")
                await uow.commit()
        return replace(handled, queued=watch.queued > 0), claimed

    async def _retry(
        self, update: StoredUpdate, at: datetime, error: str, tell: UpdateHandler | None = None
    ) -> None:
        """Hand the update back until `at`; with `tell`, its sender hears that it waits."""
        async with self.uow() as uow:
            await uow.inbox.retry_later(update.id, at, error)
            if tell is not None:
                await self._tell_sender(uow, update, _envelope(tell, update), waiting=True)
            await uow.commit()
        if tell is not None:
            self.on_committed()

    async def _fail(
        self, update: StoredUpdate, handler: UpdateHandler, error: BaseException
    ) -> None:
        """Nothing of the update was saved: record why, tell the sender, count it for admins.

        Who sent it is read from the payload only here: a handled update never needs it."""
        envelope = _envelope(handler, update)
        logger.error("update %s:%s failed", update.channel, update.update_id, exc_info=error)
        now = self.clock.now()
        async with self.uow() as uow:
            await uow.inbox.finish(update.id, "failed", now, trace_of(error))
            await self._tell_sender(uow, update, envelope)
            await record_failure(uow, self.sop, failure_kind(error), trace_of(error), now)
            await uow.commit()
        self.on_committed()

    async def _tell_sender(
        self, uow: UnitOfWork, update: StoredUpdate, envelope: Envelope, waiting: bool = False
    ) -> None:
        """Tell who sent the update that it was not saved, or (`waiting`) that it is kept and
        will be handled once the problem passes."""
        chat = envelope.chat
        if chat is None:
            return
        person = await uow.people.by_identity(chat.channel, chat.external_id)
        if waiting:
            reply, key = Reply("error.still_waiting"), "still-waiting"
        elif envelope.kind == "text":
            reply = Reply("error.not_saved_text", {"text": (envelope.words or "")[:500]})
            key = "not-saved"
        else:
            reply, key = Reply(f"error.not_saved_{envelope.kind}"), "not-saved"
        message = OutgoingMessage(
            person.id if person is not None else None,
            reply,
            f"{key}:{update.channel}:{update.update_id}",
            chat=chat,
        )
        await uow.outbox.add(message, self.clock.now())


async def _due(uow: UnitOfWork, now: datetime) -> bool:
    """Whether an update due by `now` waits unclaimed."""
    due = await uow.inbox.next_due()
    return due is not None and due <= now


def _envelope(handler: UpdateHandler, update: StoredUpdate) -> Envelope:
    try:
        return handler.envelope(update.payload)
    except Exception:  # an unreadable update has nobody to answer
        logger.warning("update %s could not be read", update.update_id, exc_info=True)
        return Envelope(None)
