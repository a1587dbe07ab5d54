"""Apply Alembic migrations, from the CLI or from inside a running event loop."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration built in code: no alembic.ini is needed."""
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
        await connection.run_sync(_upgrade_connection, revision, sop_code)


def _upgrade_connection(connection: Connection, revision: str, sop_code: str | None) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    config.attributes["sop_code"] = sop_code
    command.upgrade(config, revision)
