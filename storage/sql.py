"""Small SQL helpers shared by the repositories: tables, dialect inserts, conflict mapping."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from bot.errors import ConcurrentUpdate
from storage.models import Base

# Unique constraints another transaction can win first: the service retries on ConcurrentUpdate.
# Each maps the PostgreSQL constraint name to SQLite's "UNIQUE constraint failed: ..." text.
_RACE_CONSTRAINTS = {
    "uq_cases_ref": "cases.ref",
    "uq_case_artifacts_case_id_key_version": (
        "case_artifacts.case_id, case_artifacts.key, case_artifacts.version"
    ),
    "uq_documents_case_id_kind_version": "documents.case_id, documents.kind, documents.version",
}


def table(name: str) -> Table:
    """The table called `name` in the models' metadata."""
    return Base.metadata.tables[name]


def upsert_insert(session: AsyncSession, target: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT for the session's dialect that supports ON CONFLICT clauses."""
    dialect = session.bind.dialect.name if session.bind is not None else ""
    if dialect == "postgresql":
        return postgresql.insert(target)
    if dialect == "sqlite":
        return sqlite.insert(target)
    raise NotImplementedError(f"ON CONFLICT is not supported for dialect {dialect!r}")


def is_race(error: IntegrityError) -> bool:
    """Whether the violation means another transaction got there first."""
    message = str(error.orig)
    return any(
        f'"{name}"' in message or message.endswith(f"UNIQUE constraint failed: {columns}")
        for name, columns in _RACE_CONSTRAINTS.items()
    )


async def execute(session: AsyncSession, statement: Executable, params: Any = None) -> Any:
    """Execute a Core statement; a lost race on a unique key becomes ConcurrentUpdate."""
    try:
        return await session.execute(statement, params)
    except IntegrityError as error:
        if is_race(error):
            raise ConcurrentUpdate(str(error.orig)) from error
        raise


def rowcount(result: Any) -> int:
    """Rows matched by an UPDATE/DELETE/INSERT result."""
    return cast(int, result.rowcount)
