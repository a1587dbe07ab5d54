"""The SQLAlchemy unit of work: one session, one transaction, audit chain written at commit.

On SQLite every transaction takes the database's write lock (`BEGIN IMMEDIATE`), so a process
sends its transactions through one writer: an asyncio lock (`WriterLock`) lets one transaction
of the process run at a time and queues the others on the event loop, instead of letting them
spin on SQLite's busy timeout in their driver threads. Other processes (`sopbot remind`) still
wait on the busy timeout. PostgreSQL needs no such lock. Reading does not go through the
writer: `factory.reading()` opens a deferred transaction in a session that refuses writes,
which reads the last commit from the WAL while the writer works.

`factory.atomic()` opens the one transaction of an incoming update. Every unit the update's
code opens inside it (`factory()`) is a savepoint of that transaction: its commit releases the
savepoint, leaving it rolls the savepoint back, and nothing is durable until the update's own
commit. The current update's transaction is found through a context variable, so the core's
services keep opening units as they always did.

Most such units only read (the person, the pending question, a case). Their savepoint is begun
only when the unit is about to write (any statement other than a plain SELECT, or a flush of
ORM objects), for it and every unit around it that has none yet, outermost first: a unit that
only read costs no SAVEPOINT and no ROLLBACK TO, and one that writes is undone as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from bot.audit import AuditKey
from bot.errors import ConcurrentUpdate
from bot.ports import (
    AuditLog,
    CaseRepository,
    ChatWindowRepository,
    DelegationRepository,
    DocumentRepository,
    ExportRequestRepository,
    HolidayRepository,
    InboxRepository,
    IncidentRepository,
    InviteFailureRepository,
    InviteRepository,
    LoginCodeRepository,
    OutboxRepository,
    PeopleRepository,
    PromptRepository,
    RegisterRepository,
    ReminderRepository,
    UpdateLog,
)
from storage.audit_log import SqlAuditLog
from storage.cache import SharedCache, TxCache
from storage.cases import SqlCaseRepository
from storage.chats import (
    SqlChatWindowRepository,
    SqlInboxRepository,
    SqlIncidentRepository,
)
from storage.db import READING, reading_sessions
from storage.records import (
    DEFAULT_WAIT_SECONDS,
    SqlExportRequestRepository,
    SqlRegisterRepository,
)
from storage.repositories import (
    SqlDelegationRepository,
    SqlDocumentRepository,
    SqlHolidayRepository,
    SqlInviteRepository,
    SqlOutboxRepository,
    SqlPeopleRepository,
    SqlPromptRepository,
    SqlReminderRepository,
    SqlUpdateLog,
)
from storage.security import SqlInviteFailureRepository, SqlLoginCodeRepository
from storage.sql import is_race

logger = logging.getLogger(__name__)

_current: ContextVar[SqlAlchemyUnitOfWork | None] = ContextVar("sopbot_update_uow", default=None)
_UPDATE_UNIT = "sopbot_update_unit"  # Session.info key: the update's outermost unit


class ReadingUnitWrote(RuntimeError):
    """A unit opened with `reading()` tried to write: on SQLite it would write without the
    writer's turn. A programming error, never an answer to a person."""


def _writing(session: Session) -> None:
    """A write is about to run in the session: begin the savepoints it must be inside of."""
    if session.info.get(READING):
        raise ReadingUnitWrote("a unit opened with reading() tried to write")
    unit = session.info.get(_UPDATE_UNIT)
    if isinstance(unit, SqlAlchemyUnitOfWork):
        unit.begin_pending(session)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    statement = state.statement
    if not state.is_select or getattr(statement, "_for_update_arg", None) is not None:
        _writing(state.session)


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, *_: object) -> None:
    if session.new or session.dirty or session.deleted:
        _writing(session)


class WriterLock:
    """One transaction of the process at a time; a task that holds it may take it again (a
    unit opened inside another one of the same task would otherwise wait for itself)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._depth = 0

    async def acquire(self) -> None:
        """Wait for the writer's turn (at once if this task has it)."""
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            self._depth += 1
            return
        await self._lock.acquire()
        self._owner, self._depth = task, 1

    def release(self) -> None:
        """Give the turn back once this task's outermost unit is done."""
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()


class SqlAlchemyUnitOfWork:
    """`async with uow:` opens a transaction; leaving it without `commit()` rolls back.

    Inside `SqlUnitOfWorkFactory.atomic()` it opens a savepoint of that transaction instead.
    """

    # Typed as the ports (Protocol attributes are invariant); the SQL classes add a few extras.
    session: AsyncSession
    cache: TxCache
    cases: CaseRepository
    people: PeopleRepository
    delegations: DelegationRepository
    invites: InviteRepository
    invite_failures: InviteFailureRepository
    login_codes: LoginCodeRepository
    holidays: HolidayRepository
    documents: DocumentRepository
    outbox: OutboxRepository
    reminders: ReminderRepository
    audit: AuditLog
    updates: UpdateLog
    prompts: PromptRepository
    windows: ChatWindowRepository
    inbox: InboxRepository
    incidents: IncidentRepository
    register: RegisterRepository
    exports: ExportRequestRepository

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        audit_key: AuditKey | None = None,
        outer: SqlAlchemyUnitOfWork | None = None,
        register_wait: float = DEFAULT_WAIT_SECONDS,
        writer: WriterLock | None = None,
        shared: SharedCache | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._audit_key = audit_key
        self._outer = outer
        self._register_wait = register_wait
        self._savepoint: SessionTransaction | None = None
        self._writer = writer if outer is None else None
        self._shared = shared
        # On the outermost unit: the units inside it whose savepoint is not begun yet (they
        # have not written), outermost first.
        self._pending: list[SqlAlchemyUnitOfWork] = []
        self._root: SqlAlchemyUnitOfWork = outer._root if outer is not None else self

    def begin_pending(self, session: Session) -> None:
        """Begin the savepoints of the units waiting for one, outermost first (sync: called
        from the session's events, before the write runs)."""
        while self._pending:
            unit = self._pending.pop(0)
            unit._savepoint = session.begin_nested()

    async def __aenter__(self) -> SqlAlchemyUnitOfWork:
        """Open a session (or a savepoint of the update's one) and the repositories on it."""
        if self._outer is not None:
            session = self._outer.session
            self._root._pending.append(self)
            self.cache = self._outer.cache
        else:
            if self._writer is not None:
                await self._writer.acquire()
            session = self._session_factory()
            session.info[_UPDATE_UNIT] = self
            self.cache = TxCache(session, self._shared)
        self.session = session
        self.cases = SqlCaseRepository(session, self.cache)
        self.people = SqlPeopleRepository(session, self.cache)
        self.delegations = SqlDelegationRepository(session, self.cache)
        self.invites = SqlInviteRepository(session)
        self.invite_failures = SqlInviteFailureRepository(session)
        self.login_codes = SqlLoginCodeRepository(session)
        self.holidays = SqlHolidayRepository(session, self.cache)
        self.documents = SqlDocumentRepository(session)
        self.outbox = SqlOutboxRepository(session)
        self.reminders = SqlReminderRepository(session)
        self.audit = self._audit = SqlAuditLog(session, self._audit_key)
        self.updates = SqlUpdateLog(session)
        self.prompts = SqlPromptRepository(session, self.cache)
        self.windows = SqlChatWindowRepository(session)
        self.inbox = SqlInboxRepository(session)
        self.incidents = SqlIncidentRepository(session)
        self.register = SqlRegisterRepository(session, self._register_wait)
        self.exports = SqlExportRequestRepository(session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Roll back whatever was not committed and release the connection."""
        if self._outer is not None:
            self._audit.discard()
            if self._savepoint is not None:  # it wrote, and that is undone
                self.cache.rolled_back()
            self._forget()
            await self._end_savepoint(commit=False)
            return
        try:
            await self.rollback()
        finally:
            try:
                await self.session.close()
            finally:
                if self._writer is not None:
                    self._writer.release()

    async def commit(self) -> None:
        """Write the buffered audit entries onto the chain and commit everything."""
        try:
            await self.session.flush()
            await self._audit.write_pending()
            if self._outer is not None:
                self._forget()
                await self._end_savepoint(commit=True)
            else:
                await self.session.commit()
        except IntegrityError as error:
            if is_race(error):
                logger.info("Commit lost a race: %s", error.orig)
                raise ConcurrentUpdate(str(error.orig)) from error
            raise

    async def rollback(self) -> None:
        """Undo everything since the last commit, buffered audit entries included."""
        self._audit.discard()
        self.cache.rolled_back()
        if self._outer is not None:
            self._forget()
            await self._end_savepoint(commit=False)
            return
        await self.session.rollback()

    def _forget(self) -> None:
        """A nested unit that committed or rolled back: later writes are its parent's."""
        if self in self._root._pending:
            self._root._pending.remove(self)

    async def _end_savepoint(self, *, commit: bool) -> None:
        """Release (commit) or roll back this unit's savepoint, if it wrote and began one."""
        savepoint, self._savepoint = self._savepoint, None
        if savepoint is None or not savepoint.is_active:
            return
        await self.session.run_sync(
            lambda _: savepoint.commit() if commit else savepoint.rollback()
        )


class SqlUnitOfWorkFactory:
    """Makes units of work (bot.ports.UnitOfWorkFactory); see the module's note on atomic().

    `audit_key` keys the audit entries they write; the bot always passes one (bootstrap).
    `register_wait` is how long taking an agenda number may wait for the register (seconds).
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        audit_key: AuditKey | None = None,
        register_wait: float = DEFAULT_WAIT_SECONDS,
    ) -> None:
        self._session_factory = session_factory
        self._audit_key = audit_key
        self._register_wait = register_wait
        self._readers = reading_sessions(session_factory)
        self._writer = WriterLock() if self._readers is not None else None
        self._shared = SharedCache()

    def __call__(self) -> SqlAlchemyUnitOfWork:
        """A new unit: a transaction of its own, or a savepoint inside `atomic()`."""
        return SqlAlchemyUnitOfWork(
            self._session_factory, self._audit_key, _current.get(), self._register_wait,
            self._writer, self._shared,
        )  # fmt: skip

    def reading(self) -> SqlAlchemyUnitOfWork:
        """A unit that only reads: on SQLite it takes no writer's turn and reads the last
        commit, so it never waits for an update being handled (a write in it is refused by
        the database). Inside `atomic()` it is the update's savepoint as any other unit."""
        outer = _current.get()
        if outer is not None or self._readers is None:
            return self()
        return SqlAlchemyUnitOfWork(
            self._readers, self._audit_key, None, self._register_wait, None, self._shared
        )

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[SqlAlchemyUnitOfWork]:
        """The one transaction of an update; units opened inside it become its savepoints."""
        if _current.get() is not None:
            raise RuntimeError("atomic() blocks do not nest")
        async with SqlAlchemyUnitOfWork(
            self._session_factory, self._audit_key, register_wait=self._register_wait,
            writer=self._writer, shared=self._shared,
        ) as uow:  # fmt: skip
            token = _current.set(uow)
            try:
                yield uow
            finally:
                _current.reset(token)


def uow_factory(
    session_factory: async_sessionmaker[AsyncSession],
    audit_key: AuditKey | None = None,
    register_wait: float = DEFAULT_WAIT_SECONDS,
) -> SqlUnitOfWorkFactory:
    """A factory of fresh units of work on `session_factory` (bot.ports.UnitOfWorkFactory)."""
    return SqlUnitOfWorkFactory(session_factory, audit_key, register_wait)
