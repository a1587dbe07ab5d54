"""The composition root: wires settings, SOP, storage, clock and services together.

Storage (and, later, the channel adapters) are imported inside functions so that the core
never depends on them at import time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.admin import Admin
from bot.clock import SystemClock
from bot.config import Settings
from bot.ports import Clock, FileStore, UnitOfWorkFactory
from bot.sop.loader import load_sop
from bot.sop.model import Sop
from bot.workflow.service import Workflow


@dataclass
class App:
    settings: Settings
    sop: Sop
    clock: Clock
    uow: UnitOfWorkFactory
    files: FileStore
    workflow: Workflow
    admin: Admin
    engine: Any

    async def close(self) -> None:
        """Release database connections."""
        await self.engine.dispose()


def database_url(settings: Settings) -> str:
    """The configured database, or SQLite (WAL) in the data directory."""
    from storage.db import sqlite_url_for

    return settings.database_url or sqlite_url_for(settings.sopbot_data_dir)


def has_database(settings: Settings) -> bool:
    """Whether a database is configured or the embedded one already exists."""
    from storage.db import SQLITE_FILENAME

    return bool(settings.database_url) or (settings.sopbot_data_dir / SQLITE_FILENAME).exists()


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr; httpx stays at WARNING because its INFO lines carry the bot token."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def build_app(
    settings: Settings, clock: Clock | None = None, *, migrate: bool = True
) -> App:
    """Everything a command or the bot needs, on the configured database."""
    from storage.db import make_engine, make_session_factory
    from storage.files import LocalFileStore
    from storage.migrate import upgrade
    from storage.uow import uow_factory

    sop = load_sop(settings.sopbot_sop_file)
    clock = clock or SystemClock()
    engine = make_engine(database_url(settings))
    if migrate:
        await upgrade(engine)
    uow = uow_factory(make_session_factory(engine))
    files = LocalFileStore(Path(settings.sopbot_data_dir))
    workflow = Workflow(uow, sop, clock, settings.office_hours, settings.ramadan, files)
    admin = Admin(uow, sop, clock, settings.sopbot_invite_ttl_hours)
    return App(settings, sop, clock, uow, files, workflow, admin, engine)
