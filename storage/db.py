"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

logger = logging.getLogger(__name__)

SQLITE_FILENAME = "sopbot.sqlite3"
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA busy_timeout=5000",
    "PRAGMA foreign_keys=ON",
)


def sqlite_url_for(data_dir: Path) -> str:
    """URL of the embedded SQLite database in `data_dir`, creating the directory."""
    data_dir.mkdir(parents=True, exist_ok=True)
    url = URL.create("sqlite+aiosqlite", database=str(data_dir / SQLITE_FILENAME))
    return url.render_as_string()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url`, configured for safe concurrent use on its backend."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, **kwargs)
    if backend == "postgresql":
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    raise ValueError(f"unsupported database backend: {backend}")


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions bound to `engine` whose objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def _sqlite_engine(url: str, **kwargs: Any) -> AsyncEngine:
    engine = create_async_engine(url, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Take the write lock up front: concurrent writers queue on busy_timeout instead of
        # failing with "database is locked" when a read transaction tries to upgrade.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


# Failures that pass by trying again. PostgreSQL: connection exceptions (class 08), a
# serialization failure, a deadlock, a lock timeout, the server shutting down or too busy.
_RETRY_STATES = frozenset({"40001", "40P01", "55P03", "57P01", "57P03", "53300"})
# SQLite: another writer holds the lock longer than busy_timeout.
_RETRY_SQLITE = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})


def is_transient(error: BaseException) -> bool:
    """Whether a database failure may pass by itself: a lock held too long, a lost connection,
    a conflict with a concurrent transaction. Such an update is tried again, not given up; a
    missing table or a broken query is not."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        orig = error.orig
        state = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
        if state.startswith("08") or state in _RETRY_STATES:
            return True
        if getattr(orig, "sqlite_errorname", None) in _RETRY_SQLITE:
            return True
        return isinstance(orig, (ConnectionError, TimeoutError, OSError))
    return isinstance(error, (ConnectionError, TimeoutError))
