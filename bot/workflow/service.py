"""The workflow service: one unit of work per request, with audit and outbox in its commit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

from bot import cards
from bot.calendar import OfficeCalendar, OfficeHours, RamadanSchedule
from bot.errors import ConcurrentUpdate
from bot.ports import AuditEntry, Clock, DocumentRecord, FileStore, UnitOfWork, UnitOfWorkFactory
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry
from bot.views import ViewContext
from bot.workflow import deadlines, engine, notify
from bot.workflow.commands import AttachDocument, Command, DocumentRef, OpenCase
from bot.workflow.events import Event
from bot.workflow.model import Case, Roster
from bot.workflow.queries import WaitingItem, waiting_items

logger = logging.getLogger(__name__)

Body = Callable[["UnitOfWork", engine.Context], Awaitable[tuple[Case, list[Event]]]]
After = Callable[["UnitOfWork"], Awaitable[None]]
# Sees every committed batch of events inside its transaction (e.g. the records kept when a
# case finishes); what it writes commits or rolls back with them.
Listener = Callable[["UnitOfWork", Case, Sequence[Event], engine.Context], Awaitable[None]]

ATTEMPTS = 3


@dataclass(frozen=True)
class UpdateKey:
    """An incoming platform update, recorded so a redelivery is processed once."""

    channel: str
    update_id: str


@dataclass(frozen=True)
class StoredFile:
    """A file already in the file store."""

    sha256: str
    size: int
    filename: str
    media_type: str


# Builds and stores a file inside the transaction that records it (see attach_stored).
Maker = Callable[["UnitOfWork", Case, engine.Context], Awaitable[StoredFile]]


@dataclass
class Result:
    case: Case | None
    events: list[Event] = field(default_factory=list)
    duplicate: bool = False


class Workflow:
    """Runs commands against cases: load, decide, record state + audit + outbox, commit."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sops: Sop | SopRegistry,
        clock: Clock,
        hours: OfficeHours | None = None,
        ramadan: RamadanSchedule | None = None,
        files: FileStore | None = None,
        generated: frozenset[str] = frozenset(),
        listeners: Sequence[Listener] = (),
    ) -> None:
        self.uow = uow
        self.sops = SopRegistry.of(sops)
        self.clock = clock
        self.hours = hours
        self.ramadan = ramadan
        self.files = files
        self.generated = generated
        self.listeners = list(listeners)

    @property
    def sop(self) -> Sop:
        """The deployment's first SOP, newest version (the only one in most deployments)."""
        return self.sops.default

    def on_case(self, ctx: engine.Context, case: Case) -> engine.Context:
        """`ctx` reading the SOP version the case runs on."""
        sop = self.sops.for_case(case)
        return ctx if ctx.sop is sop else replace(ctx, sop=sop)

    async def calendar(self, uow: UnitOfWork) -> OfficeCalendar:
        """The office calendar with the admin's current holiday overrides."""
        return OfficeCalendar(self.hours, await uow.holidays.list(), self.ramadan)

    async def context(self, uow: UnitOfWork) -> engine.Context:
        """What the engine may consult, as of now."""
        roster = await uow.people.roster()
        return engine.Context(self.sop, self.clock.now(), await self.calendar(uow), roster)

    async def open_case(
        self, cmd: OpenCase, *, update: UpdateKey | None = None, after: After | None = None
    ) -> Result:
        """Open a case with the next reference number, on the newest version of its SOP."""
        sop = self.sops.newest(cmd.sop_code) if cmd.sop_code else self.sop

        async def step(uow: UnitOfWork, ctx: engine.Context) -> tuple[Case, list[Event]]:
            ctx = replace(ctx, sop=sop)
            ref = await uow.cases.next_ref(sop.case_prefix, ctx.now.year)
            case, events = engine.open_case(cmd, ref, ctx)
            await uow.cases.add(case)
            return case, events

        return await self._transact(step, update, after)

    async def handle(
        self, cmd: Command, *, update: UpdateKey | None = None, after: After | None = None
    ) -> Result:
        """Apply a command to its case in one transaction, retrying a lost race."""
        case_id: int = getattr(cmd, "case_id")  # noqa: B009 - every case command has one

        async def step(uow: UnitOfWork, ctx: engine.Context) -> tuple[Case, list[Event]]:
            case = await uow.cases.get(case_id)
            events = engine.decide(case, cmd, self.on_case(ctx, case))
            await uow.cases.save(case)
            return case, events

        return await self._transact(step, update, after)

    async def attach(
        self,
        case_id: int,
        step_code: str,
        actor_id: int,
        artifact: str,
        data: bytes,
        filename: str,
        media_type: str,
        *,
        update: UpdateKey | None = None,
        after: After | None = None,
    ) -> Result:
        """Store an uploaded file content-addressed and record it as the step's artifact."""
        if self.files is None:
            raise RuntimeError("no file store configured")
        # Content-addressed: writing before the transaction is harmless if it rolls back.
        sha = self.files.put(data)
        stored = StoredFile(sha, len(data), filename, media_type)
        return await self.attach_stored(
            case_id, step_code, actor_id, artifact, stored, update=update, after=after
        )

    async def attach_stored(
        self,
        case_id: int,
        step_code: str,
        actor_id: int,
        artifact: str,
        stored: StoredFile | Maker,
        *,
        update: UpdateKey | None = None,
        after: After | None = None,
    ) -> Result:
        """Record a file as the step's artifact, with its metadata.

        `stored` is a file already in the file store, or a maker that builds and stores it
        inside the same transaction (a naskah taking its agenda number there).
        """

        async def step(uow: UnitOfWork, ctx: engine.Context) -> tuple[Case, list[Event]]:
            case = await uow.cases.get(case_id)
            ctx = self.on_case(ctx, case)
            file = stored if isinstance(stored, StoredFile) else await stored(uow, case, ctx)
            record = await uow.documents.add(
                DocumentRecord(
                    case_id,
                    artifact,
                    file.filename,
                    file.sha256,
                    file.size,
                    file.media_type,
                    actor_id,
                    ctx.now,
                    step_code,
                )
            )
            ref = DocumentRef(file.sha256, file.filename, file.size, file.media_type, record.id)
            cmd = AttachDocument(actor_id, case_id, step_code, None, artifact, ref)
            events = engine.decide(case, cmd, ctx)
            await uow.cases.save(case)
            return case, events

        return await self._transact(step, update, after)

    async def _transact(
        self, body: Body, update: UpdateKey | None, after: After | None = None
    ) -> Result:
        """Run `body` in a unit of work and commit state, audit and outbox together.

        `after` joins the same transaction, e.g. to clear the dialogue that led here.
        """
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self.uow() as uow:
                    if update and await uow.updates.seen(
                        update.channel, update.update_id, self.clock.now()
                    ):
                        return Result(None, duplicate=True)
                    ctx = await self.context(uow)
                    case, events = await body(uow, ctx)
                    ctx = self.on_case(ctx, case)
                    record(uow, events)
                    if after is not None:  # its messages go before the ones the events cause
                        await after(uow)
                    for listener in self.listeners:  # their notices before the events' own
                        await listener(uow, case, events, ctx)
                    view = ViewContext(ctx.sop, ctx.roster, ctx.calendar, ctx.now, self.generated)
                    messages = notify.messages_for(case, events, view)
                    for message in await cards.place(uow, messages):
                        await uow.outbox.add(message, ctx.now)
                    await schedule_reminders(uow, case, events, ctx)
                    await uow.commit()
                    return Result(case, events)
            except ConcurrentUpdate:
                logger.info("concurrent change (attempt %d of %d); retrying", attempt, ATTEMPTS)
        raise ConcurrentUpdate()

    async def get(self, ref_or_id: str | int) -> Case:
        """A case by reference (`KB-2026-0001`) or id."""
        async with self.uow.reading() as uow:
            if isinstance(ref_or_id, int) or ref_or_id.isdigit():
                return await uow.cases.get(int(ref_or_id))
            return await uow.cases.get_by_ref(ref_or_id.upper())

    async def cases(self, active_only: bool = False) -> list[Case]:
        """All cases (or only the running and waiting ones)."""
        async with self.uow.reading() as uow:
            return await uow.cases.list(active_only)

    async def roster(self) -> Roster:
        """The current people and delegations."""
        async with self.uow.reading() as uow:
            return await uow.people.roster()

    async def waiting(self) -> list[WaitingItem]:
        """What is waiting for whom across active cases, overdue first."""
        async with self.uow.reading() as uow:
            ctx = await self.context(uow)
            cases = await uow.cases.list(active_only=True)
        return waiting_items(cases, self.sops, ctx.roster, ctx.calendar, ctx.now)


async def schedule_reminders(
    uow: UnitOfWork, case: Case, events: Sequence[Event], ctx: engine.Context
) -> None:
    """Schedule a started task's reminders and cancel a finished one's, in the caller's unit."""
    changes = deadlines.changes_for(case, events, ctx.sop, ctx.roster, ctx.calendar, ctx.now)
    if changes.cancel_case and case.id is not None:
        await uow.reminders.cancel_for_case(case.id)
    for run_id in changes.cancel_runs:
        await uow.reminders.cancel_for_run(run_id)
    for reminder in changes.add:
        await uow.reminders.add(reminder, ctx.now)


def record(uow: UnitOfWork, events: Sequence[Event]) -> None:
    """One audit entry per event, in the caller's transaction."""
    for event in events:
        data = event.data()
        for key in ("case_ref", "actor_id", "at"):
            data.pop(key, None)
        uow.audit.append(AuditEntry(event.at, event.kind, event.actor_id, event.case_ref, data))
