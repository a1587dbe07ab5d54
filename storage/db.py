"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.startup import StartupError, Unreachable, reason_of
from bot.texts import t

logger = logging.getLogger(__name__)

URL_SETTING = "DATABASE_URL"
DRIVERS = {"postgresql": "asyncpg", "sqlite": "aiosqlite"}  # the async drivers sopbot ships
CONNECT_TIMEOUT_SECONDS = 10  # asyncpg's own default is 60: too long to learn a host is down

SQLITE_FILENAME = "sopbot.sqlite3"
# Execution option of SQLite connections, and Session.info key of sessions, that only read.
READING = "sopbot_reading"
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
    """An async engine for `url`, configured for safe concurrent use on its backend.

    A URL that cannot be parsed, or names a database or driver sopbot does not ship, is a
    `StartupError` on DATABASE_URL (the message never repeats the URL's password).
    """
    backend = _checked_url(url).get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, **kwargs)
    connect_args = {"timeout": CONNECT_TIMEOUT_SECONDS, **kwargs.pop("connect_args", {})}
    return create_async_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _checked_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise StartupError(
            URL_SETTING, "startup.db.unparseable", "startup.db.unparseable_fix"
        ) from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend not in DRIVERS:
        raise StartupError(
            URL_SETTING, "startup.db.backend", "startup.db.backend_fix", backend=backend
        )
    if driver != DRIVERS[backend]:
        scheme = f"{backend}+{DRIVERS[backend]}"
        example = parsed.set(drivername=scheme).render_as_string(hide_password=True)
        raise StartupError(
            URL_SETTING,
            "startup.db.driver",
            "startup.db.driver_fix",
            driver=driver,
            backend=backend,
            scheme=scheme,
            example=example,
        )
    return parsed


def database_label(engine: AsyncEngine) -> str:
    """The database as operators name it: "PostgreSQL di host:port" or "SQLite di path"."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return t("startup.service.sqlite", path=url.database)
    return t("startup.service.postgres", address=f"{url.host or 'localhost'}:{url.port or 5432}")


async def ping(engine: AsyncEngine, setting: str = URL_SETTING) -> None:
    """Connect once and run SELECT 1.

    A refused connection, an unknown host or a timeout is `Unreachable` (worth waiting for); a
    rejected password, a missing database or an unusable SQLite file is a `StartupError` on
    `setting` (SOPBOT_DATA_DIR when the database is the embedded one).
    """
    with database_errors(engine, setting):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))


@contextmanager
def database_errors(engine: AsyncEngine, setting: str = URL_SETTING) -> Iterator[None]:
    """Explain a database error raised in the block as `StartupError` or `Unreachable`."""
    try:
        yield
    except (DBAPIError, OSError) as error:
        explained = _explain(engine, setting, error)
        if explained is None:
            raise
        raise explained from error


def _explain(engine: AsyncEngine, setting: str, error: Exception) -> Exception | None:
    url, service = engine.url, database_label(engine)
    if url.get_backend_name() == "sqlite":
        return _explain_sqlite(url, setting, error, service)
    cause = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(cause, OSError):
        return Unreachable(URL_SETTING, service, reason_of(cause), "startup.db.unreachable_fix")
    detail = str(getattr(cause, "__cause__", None) or cause).strip()
    params: dict[str, Any] = {
        "service": service,
        "user": url.username or "",
        "database": url.database or "",
        "host": url.host or "localhost",
        "port": url.port or 5432,
        "detail": detail,
    }
    code = getattr(cause, "sqlstate", None)
    if code in _SERVER_BUSY:
        return Unreachable(URL_SETTING, service, detail, "startup.db.unreachable_fix")
    texts = _SQLSTATE_PROBLEMS.get(str(code))
    if texts is None:
        return None
    return StartupError(URL_SETTING, *texts, **params)


# PostgreSQL error codes (SQLSTATE) that are a setting to fix, and those that mean "wait".
_SQLSTATE_PROBLEMS = {
    # invalid_password
    "28P01": ("startup.db.password", "startup.db.password_fix"),
    # invalid_authorization_specification: no such role, or pg_hba.conf refuses it
    "28000": ("startup.db.role", "startup.db.role_fix"),
    # invalid_catalog_name
    "3D000": ("startup.db.missing", "startup.db.missing_fix"),
    # insufficient_privilege, met while creating the tables
    "42501": ("startup.db.privilege", "startup.db.privilege_fix"),
}
_SERVER_BUSY = {"57P03", "53300"}  # cannot_connect_now (starting up), too_many_connections


def _explain_sqlite(url: URL, setting: str, error: Exception, service: str) -> Exception | None:
    cause = error.orig if isinstance(error, DBAPIError) else error
    if not isinstance(cause, sqlite3.DatabaseError):
        return None
    if getattr(cause, "sqlite_errorname", None) in _RETRY_SQLITE:
        # Another process holds the write lock longer than busy_timeout: worth waiting for.
        reason = t("startup.reason.sqlite_busy")
        return Unreachable(setting, service, reason, "startup.db.sqlite_busy_fix")
    params = {"path": url.database, "detail": str(cause), "name": setting}
    message = str(cause).lower()
    if "not a database" in message or "malformed" in message:
        return StartupError(
            setting, "startup.db.sqlite_broken", "startup.db.sqlite_broken_fix", **params
        )
    if "unable to open" in message or "readonly" in message:
        return StartupError(
            setting, "startup.db.sqlite_open", "startup.db.sqlite_open_fix", **params
        )
    return None


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions bound to `engine` whose objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def reading_sessions(
    sessions: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession] | None:
    """Sessions of the same engine that only read, on SQLite; None elsewhere (PostgreSQL's
    readers never wait for its writers anyway)."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, AsyncEngine) or bind.dialect.name != "sqlite":
        return None
    return async_sessionmaker(
        bind.execution_options(**{READING: True}), expire_on_commit=False, info={READING: True}
    )


def _sqlite_engine(url: str, **kwargs: Any) -> AsyncEngine:
    from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite

    from storage.sqlite_trips import connector

    args, options = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    options.update(kwargs.pop("connect_args", {}))
    engine = create_async_engine(
        url, async_creator=lambda: connector(*args, **options), **kwargs
    )

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
        if connection.get_execution_options().get(READING):
            # A deferred transaction reads the last commit (WAL) and takes no lock: a reader
            # neither waits for the writer nor holds it up.
            connection.exec_driver_sql("BEGIN")
            return
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
