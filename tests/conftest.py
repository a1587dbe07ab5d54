"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

Each backend is migrated once per session with `storage.migrate`; tests then get a clean copy.
SQLite: the migrated template file is copied into the test's tmp_path (about 0.2 ms, against
about 90 ms for a fresh migration). PostgreSQL: a database of its own for the session
(`sopbot_test_<hex>`, so `database_url` alone is enough to reach it), emptied with DELETE and
sequence resets before each test (about 15 ms, against about 230 ms to create, migrate and drop a
schema per test).

PostgreSQL is `TEST_DATABASE_URL` (default below). When it does not answer, its tests are skipped,
unless `SOPBOT_REQUIRE_POSTGRES=1` (CI), which makes them fail instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import pytest
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from bot.audit import GENESIS
from storage import uow as storage_uow
from storage.db import make_engine, make_session_factory
from storage.files import LocalFileStore
from storage.migrate import upgrade
from storage.models import Base
from tests.fakes import TEST_AUDIT_KEY, FakeDB, MemoryFileStore, fake_uow_factory
from tests.office import Office

DEFAULT_TEST_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT_SECONDS = 5

T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a private loop, away from pytest-asyncio's loops."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session."""
    path = tmp_path_factory.mktemp("sqlite-template") / "sopbot.sqlite3"
    _run(upgrade(_sqlite_url(path)))
    return path


async def _admin_execute(url: str, statement: str) -> None:
    engine = make_engine(
        url,
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"timeout": CONNECT_TIMEOUT_SECONDS},
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def without_postgres(reason: str) -> NoReturn:
    """Skip a PostgreSQL test where no server answers; fail it where CI requires one
    (SOPBOT_REQUIRE_POSTGRES=1), so that CI never passes on SQLite alone."""
    if os.environ.get("SOPBOT_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason}; SOPBOT_REQUIRE_POSTGRES=1 requires it", pytrace=False)
    pytest.skip(f"{reason}; set TEST_DATABASE_URL to run the PostgreSQL tests")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this session, migrated to head, dropped at the end."""
    server_url = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
    shown = make_url(server_url).render_as_string(hide_password=True)
    try:
        _run(_admin_execute(server_url, "SELECT 1"))
    except Exception as error:  # whatever the cause, there is no usable server
        without_postgres(f"PostgreSQL at {shown} is not reachable "
                         f"({type(error).__name__}: {error})")  # fmt: skip
    name = f"sopbot_test_{uuid.uuid4().hex[:16]}"
    # Identifiers cannot be bound; `name` is generated above, never input.
    _run(_admin_execute(server_url, f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        _run(upgrade(url))
        yield url
    finally:
        _run(_admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _empty_postgres(url: str) -> None:
    """Delete every row, restart every sequence and put back the audit chain's head."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())
            await connection.execute(
                text(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c "
                    "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
                )
            )
            await connection.execute(
                insert(Base.metadata.tables["audit_head"]).values(
                    id=1, last_hash=GENESIS, last_id=0
                )
            )
    finally:
        await engine.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty, migrated database: a fresh SQLite file, or the emptied session database."""
    if request.param == "sqlite":
        path = tmp_path / "sopbot.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return _sqlite_url(path)
    url: str = request.getfixturevalue("postgres_url")
    await _empty_postgres(url)
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database, disposed after the test."""
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test database."""
    return make_session_factory(engine)


@pytest.fixture
def uow_factory(
    session_factory: async_sessionmaker[AsyncSession],
) -> Callable[[], storage_uow.SqlAlchemyUnitOfWork]:
    """Makes a new unit of work on the test database each call."""
    return storage_uow.uow_factory(session_factory, TEST_AUDIT_KEY)


@pytest.fixture
def file_store(tmp_path: Path) -> LocalFileStore:
    """A file store in the test's temporary directory."""
    return LocalFileStore(tmp_path / "data")


@pytest.fixture
def db() -> FakeDB:
    """Committed state of the in-memory fakes (service tests without a database)."""
    return FakeDB()


@pytest.fixture
async def office(db: FakeDB) -> Office:
    """The default SOP's office on fakes; database tests override this fixture."""
    return await Office(fake_uow_factory(db), MemoryFileStore()).hire()
