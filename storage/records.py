"""The agenda register (numbers per document kind and year) and queued records packages.

A number is taken by raising the kind's counter row in the issuing transaction (one upsert on
both databases). The row stays locked until that transaction ends, so a concurrent issuer waits
for it and takes the next number; a rollback gives the number back. Numbers are therefore
consecutive, and the register's unique key refuses a duplicate outright.
"""

from __future__ import annotations

import builtins
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotFound, RegisterBusy
from bot.ports import ExportRequest, RegisterEntry
from storage.sql import rowcount, table, upsert_insert

logger = logging.getLogger(__name__)

_counters = table("agenda_counters")
_register = table("agenda_register")
_exports = table("export_requests")

DEFAULT_WAIT_SECONDS = 5.0
# Waiting for a lock that is not given in time: PostgreSQL lock_not_available, deadlock,
# serialization failure; SQLite busy or locked.
_BUSY_STATES = frozenset({"55P03", "40P01", "40001"})
_BUSY_SQLITE = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})


def is_busy(error: BaseException) -> bool:
    """Whether `error` is a lock not given in time: the register (or the whole SQLite database)
    held by another transaction longer than the wait allows."""
    if not isinstance(error, DBAPIError):
        return False
    orig = error.orig
    state = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    return state in _BUSY_STATES or getattr(orig, "sqlite_errorname", None) in _BUSY_SQLITE


class SqlRegisterRepository:
    """The buku agenda in SQL (bot.ports.RegisterRepository)."""

    def __init__(self, session: AsyncSession, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> None:
        self._session = session
        self._wait_ms = max(1, int(wait_seconds * 1000))

    async def take(self, kind: str, year: int) -> int:
        """The next number of `kind` in `year`, held by this transaction until it ends.

        RegisterBusy when another transaction holds the counter longer than the wait allows.
        """
        insert_row = upsert_insert(self._session, _counters).values(
            kind=kind, year=year, last_number=1
        )
        statement = insert_row.on_conflict_do_update(
            index_elements=[_counters.c.kind, _counters.c.year],
            set_={"last_number": _counters.c.last_number + 1},
        ).returning(_counters.c.last_number)
        postgres = self._session.get_bind().dialect.name == "postgresql"
        try:
            if postgres:
                before = await self._session.scalar(select(func.current_setting("lock_timeout")))
                await self._set_lock_timeout(f"{self._wait_ms}ms")
            number = int((await self._session.execute(statement)).scalar_one())
            if postgres:
                await self._set_lock_timeout(str(before))
        except DBAPIError as error:
            if is_busy(error):
                logger.warning("agenda register %s/%s busy: %s", kind, year, error.orig)
                raise RegisterBusy(kind=kind) from error
            raise
        return number

    async def _set_lock_timeout(self, value: str) -> None:
        # Local to the transaction; restored after the counter is taken.
        await self._session.execute(select(func.set_config("lock_timeout", value, True)))

    async def add(self, entry: RegisterEntry) -> RegisterEntry:
        """Write an issued number with its naskah."""
        values = {
            "kind": entry.kind,
            "year": entry.year,
            "number": entry.number,
            "nomor": entry.nomor,
            "issued_at": entry.issued_at,
            "issued_by": entry.issued_by,
            "hal": entry.hal,
            "case_id": entry.case_id,
            "case_ref": entry.case_ref,
            "sha256": entry.sha256,
            "filename": entry.filename,
            "details": dict(entry.details),
            "status": entry.status,
        }
        result = await self._session.execute(
            insert(_register).values(**values).returning(_register.c.id)
        )
        return await self.get(int(result.scalar_one()))

    async def cancel(
        self, entry_id: int, at: datetime, reason: str, by: int | None
    ) -> RegisterEntry:
        """Mark an issued number cancelled; it stays in the register and is never given again."""
        result = await self._session.execute(
            update(_register)
            .where(_register.c.id == entry_id, _register.c.status == "issued")
            .values(status="cancelled", cancelled_at=at, cancelled_by=by, cancel_reason=reason)
        )
        if rowcount(result) == 0:
            await self.get(entry_id)  # NotFound if there is no such entry
        return await self.get(entry_id)

    async def get(self, entry_id: int) -> RegisterEntry:
        """One entry by id."""
        statement = select(_register).where(_register.c.id == entry_id)
        row = (await self._session.execute(statement)).first()
        if row is None:
            raise NotFound()
        return _entry(row)

    async def list(
        self, kind: str | None = None, year: int | None = None, case_id: int | None = None
    ) -> builtins.list[RegisterEntry]:
        """Entries by kind, year and number (each filter optional)."""
        statement = select(_register).order_by(
            _register.c.kind, _register.c.year, _register.c.number
        )
        if kind is not None:
            statement = statement.where(_register.c.kind == kind)
        if year is not None:
            statement = statement.where(_register.c.year == year)
        if case_id is not None:
            statement = statement.where(_register.c.case_id == case_id)
        return [_entry(row) for row in await self._session.execute(statement)]


def _entry(row: Any) -> RegisterEntry:
    return RegisterEntry(
        kind=row.kind,
        year=row.year,
        number=row.number,
        nomor=row.nomor,
        issued_at=row.issued_at,
        hal=row.hal,
        case_id=row.case_id,
        case_ref=row.case_ref,
        issued_by=row.issued_by,
        sha256=row.sha256,
        filename=row.filename,
        details=dict(row.details or {}),
        status=row.status,
        cancelled_at=row.cancelled_at,
        cancelled_by=row.cancelled_by,
        cancel_reason=row.cancel_reason,
        id=row.id,
    )


class SqlExportRequestRepository:
    """Records packages asked for in chat (bot.ports.ExportRequestRepository)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, request: ExportRequest) -> ExportRequest:
        """Queue a request."""
        result = await self._session.execute(
            insert(_exports)
            .values(
                case_id=request.case_id,
                kind=request.kind,
                requested_by=request.requested_by,
                requested_at=request.requested_at,
                status="pending",
            )
            .returning(_exports.c.id)
        )
        return ExportRequest(
            request.case_id,
            request.kind,
            request.requested_by,
            request.requested_at,
            id=int(result.scalar_one()),
        )

    async def pending(self, case_id: int, kind: str, person_id: int) -> ExportRequest | None:
        """A request of that person for that case and kind not built yet."""
        row = (
            await self._session.execute(
                select(_exports).where(
                    _exports.c.case_id == case_id,
                    _exports.c.kind == kind,
                    _exports.c.requested_by == person_id,
                    _exports.c.status.in_(("pending", "building")),
                )
            )
        ).first()
        return _request(row) if row is not None else None

    async def claim(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> builtins.list[ExportRequest]:
        """Take pending requests (and ones whose builder died), leased until `lease_until`."""
        statement = (
            select(_exports)
            .where(
                or_(
                    _exports.c.status == "pending",
                    (_exports.c.status == "building") & (_exports.c.lease_until <= now),
                )
            )
            .order_by(_exports.c.id)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        rows = (await self._session.execute(statement)).all()
        if rows:
            await self._session.execute(
                update(_exports)
                .where(_exports.c.id.in_([row.id for row in rows]))
                .values(
                    status="building", lease_until=lease_until, attempts=_exports.c.attempts + 1
                )
            )
        return [
            ExportRequest(
                row.case_id,
                row.kind,
                row.requested_by,
                row.requested_at,
                "building",
                row.attempts + 1,
                id=row.id,
            )
            for row in rows
        ]

    async def finish(
        self, request_id: int, status: str, at: datetime, sha256: str | None, error: str | None
    ) -> None:
        """Close a request: done (with the package) or failed (with the error)."""
        await self._session.execute(
            update(_exports)
            .where(_exports.c.id == request_id)
            .values(status=status, finished_at=at, sha256=sha256, error=error, lease_until=None)
        )


def _request(row: Any) -> ExportRequest:
    return ExportRequest(
        row.case_id,
        row.kind,
        row.requested_by,
        row.requested_at,
        row.status,
        row.attempts,
        row.sha256,
        row.id,
    )
