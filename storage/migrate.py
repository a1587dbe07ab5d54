"""Apply Alembic migrations, from the CLI or from inside a running event loop.

A database already at the newest revision, as at every start but the first after an upgrade,
is recognised from the revision it records and the migration files' text, without Alembic:
importing Alembic and its scripts took about a tenth of a start-up.
"""

from __future__ import annotations

import asyncio
import logging
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.db import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


_REVISION = re.compile(r"^revision\b[^=]*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\b[^=]*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)


@cache
def head_revision() -> str:
    """The newest revision of the migration files (the one no other revises), from their text."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if (found := _REVISION.search(source)) is not None:
            revisions.add(found.group(1))
        if (down := _DOWN.search(source)) is not None:
            revised.add(down.group(1))
    (head,) = revisions - revised
    return head


async def _recorded_revision(connection: AsyncConnection) -> str | None:
    """The revision the database records, None before the first migration."""
    try:
        async with connection.begin_nested():
            found = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    except DBAPIError:  # no table yet
        return None
    return None if found is None else str(found)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration built in code: no alembic.ini is needed."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(
    url_or_engine: str | AsyncEngine, revision: str = "head", *, sop_code: str | None = None
) -> None:
    """Migrate the database to `revision` in one transaction.

    `sop_code`: the SOP the deployment runs, which cases from before several SOPs belong to.
    """
    if isinstance(url_or_engine, AsyncEngine):
        await _upgrade_engine(url_or_engine, revision, sop_code)
        return
    engine = make_engine(url_or_engine)
    try:
        await _upgrade_engine(engine, revision, sop_code)
    finally:
        await engine.dispose()


def upgrade_sync(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`; for callers without an event loop."""
    asyncio.run(upgrade(url, revision))


# Several workers started at once migrate one after another: the first applies what is
# pending, the others then find the database at head.
_MIGRATION_LOCK = 0x5067_6F62_6D69


async def _upgrade_engine(engine: AsyncEngine, revision: str, sop_code: str | None) -> None:
    logger.debug("Migrating %s to %s", engine.url.render_as_string(), revision)
    async with engine.begin() as connection:
        if engine.url.get_backend_name() == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
            )
        if revision == "head" and await _recorded_revision(connection) == head_revision():
            return
        await connection.run_sync(_upgrade_connection, revision, sop_code)


def _upgrade_connection(connection: Connection, revision: str, sop_code: str | None) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    config.attributes["sop_code"] = sop_code
    command.upgrade(config, revision)
