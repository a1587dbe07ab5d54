"""The SQLAlchemy unit of work: one session, one transaction, audit chain written at commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import AuditKey
from bot.errors import ConcurrentUpdate
from bot.ports import (
    AuditLog,
    CaseRepository,
    ChatWindowRepository,
    DelegationRepository,
    DocumentRepository,
    HolidayRepository,
    InboxRepository,
    InviteFailureRepository,
    InviteRepository,
    LoginCodeRepository,
    OutboxRepository,
    PeopleRepository,
    PromptRepository,
    ReminderRepository,
    UpdateLog,
)
from storage.audit_log import SqlAuditLog
from storage.cases import SqlCaseRepository
from storage.chats import SqlChatWindowRepository, SqlInboxRepository
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


class SqlAlchemyUnitOfWork:
    """`async with uow:` opens a transaction; leaving it without `commit()` rolls back."""

    # Typed as the ports (Protocol attributes are invariant); the SQL classes add a few extras.
    session: AsyncSession
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

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], audit_key: AuditKey | None = None
    ) -> None:
        self._session_factory = session_factory
        self._audit_key = audit_key

    async def __aenter__(self) -> SqlAlchemyUnitOfWork:
        """Open a session and the repositories bound to it."""
        session = self.session = self._session_factory()
        self.cases = SqlCaseRepository(session)
        self.people = SqlPeopleRepository(session)
        self.delegations = SqlDelegationRepository(session)
        self.invites = SqlInviteRepository(session)
        self.invite_failures = SqlInviteFailureRepository(session)
        self.login_codes = SqlLoginCodeRepository(session)
        self.holidays = SqlHolidayRepository(session)
        self.documents = SqlDocumentRepository(session)
        self.outbox = SqlOutboxRepository(session)
        self.reminders = SqlReminderRepository(session)
        self.audit = self._audit = SqlAuditLog(session, self._audit_key)
        self.updates = SqlUpdateLog(session)
        self.prompts = SqlPromptRepository(session)
        self.windows = SqlChatWindowRepository(session)
        self.inbox = SqlInboxRepository(session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Roll back whatever was not committed and release the connection."""
        try:
            await self.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        """Write the buffered audit entries onto the chain and commit everything."""
        try:
            await self.session.flush()
            await self._audit.write_pending()
            await self.session.commit()
        except IntegrityError as error:
            if is_race(error):
                logger.info("Commit lost a race: %s", error.orig)
                raise ConcurrentUpdate(str(error.orig)) from error
            raise

    async def rollback(self) -> None:
        """Undo everything since the last commit, buffered audit entries included."""
        self._audit.discard()
        await self.session.rollback()


def uow_factory(
    session_factory: async_sessionmaker[AsyncSession], audit_key: AuditKey | None = None
) -> Callable[[], SqlAlchemyUnitOfWork]:
    """A factory of fresh units of work on `session_factory` (bot.ports.UnitOfWorkFactory).

    `audit_key` keys the audit entries they write; the bot always passes one (bootstrap).
    """
    return partial(SqlAlchemyUnitOfWork, session_factory, audit_key)
