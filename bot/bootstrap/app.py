"""What every command needs: settings, SOP, database, files, services; logging; senders."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.admin import Admin
from bot.auditkey import load_audit_key
from bot.clock import SystemClock
from bot.config import Settings
from bot.documents import DocumentSettings
from bot.documents.service import CaseDocuments
from bot.errors import SopFileError
from bot.ports import ChannelSender, Clock, FileStore, UnitOfWorkFactory
from bot.preflight import sop_file_error, sop_setting
from bot.records.service import Records
from bot.sop.loader import load_sops
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry, SopVersion
from bot.startup import Patience, when_ready
from bot.workers import Workers
from bot.workflow.service import Workflow

if TYPE_CHECKING:
    from bot.chat.core import ChatCore

logger = logging.getLogger(__name__)


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
    records: Records | None = None  # the agenda register's uses, records packages
    sops: SopRegistry | None = None  # every SOP and version; None: only `sop`

    @property
    def registry(self) -> SopRegistry:
        """Every SOP the deployment runs, in every version its cases run on."""
        return self.sops or SopRegistry.of(self.sop)

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


# The least a library logs, whatever the level asked for. A security setting: httpx logs every
# request URL at INFO, and a Bot API URL contains the bot token; httpcore logs request and
# response headers at DEBUG; python-telegram-bot and pywa log every update they receive at
# DEBUG, and aiosqlite (SQLAlchemy at INFO) every statement with its parameters, the stored
# webhook updates among them: an update can carry an invite code (`/start CODE`). Alembic's and
# APScheduler's INFO lines say nothing to an operator and would bury a start-up problem's two
# lines.
QUIET_LOGGERS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "hpack": logging.WARNING,
    "telegram": logging.INFO,
    "pywa": logging.INFO,
    "pywa_async": logging.INFO,
    "aiosqlite": logging.INFO,
    "sqlalchemy": logging.WARNING,
    "alembic": logging.WARNING,
    "apscheduler": logging.WARNING,
}


def configure_logging(level: int | str = logging.INFO) -> None:
    """Log to stderr at `level`, keeping the libraries in QUIET_LOGGERS quieter."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(level)
    for name, floor in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(root.level, floor))


async def build_app(
    settings: Settings, clock: Clock | None = None, *, migrate: bool = True, wait: bool = False
) -> App:
    """Everything a command or the bot needs, on the configured database.

    A bad setting is a `StartupError`. A database that does not answer is one too, unless
    `wait`: then it is awaited (`sopbot run`).
    """
    from storage.db import database_errors, database_label, make_engine, make_session_factory
    from storage.db import ping as ping_database
    from storage.files import LocalFileStore, usable_data_dir
    from storage.migrate import upgrade
    from storage.records import is_busy
    from storage.sop_versions import sync_versions
    from storage.uow import uow_factory

    try:
        loaded = load_sops(settings.sopbot_sop_file, settings.sopbot_sop_dir)
    except SopFileError as error:
        raise sop_file_error(error, sop_setting(error, settings.sopbot_sop_dir)) from error
    clock = clock or SystemClock()
    usable_data_dir(settings.sopbot_data_dir)
    audit_key = load_audit_key(settings.sopbot_audit_key, settings.sopbot_data_dir)
    engine = make_engine(database_url(settings))
    setting = "DATABASE_URL" if settings.database_url else "SOPBOT_DATA_DIR"
    try:
        patience = Patience(clock.now) if wait else None
        await when_ready(database_label(engine), lambda: ping_database(engine, setting), patience)
        if migrate:
            with database_errors(engine, setting):
                await upgrade(engine, sop_code=loaded[0].sop.code)
    except BaseException:
        await engine.dispose()
        raise
    register_wait = settings.sopbot_register_wait_seconds
    sessions = make_session_factory(engine)
    try:
        with database_errors(engine, setting):
            # A changed SOP file becomes its SOP's next version; running cases keep theirs.
            sops = await sync_versions(sessions, loaded, clock.now())
    except BaseException:
        await engine.dispose()
        raise
    sop = sops.default
    uow = uow_factory(sessions, audit_key, register_wait=register_wait)
    files = LocalFileStore(Path(settings.sopbot_data_dir))
    generated = frozenset().union(*(CaseDocuments.generated(s) for s in sops.every))
    hours, ramadan = settings.office_hours, settings.ramadan
    records = Records(
        uow, sops, clock, files, DocumentSettings.from_settings(settings),
        audit_key=audit_key, hours=hours, ramadan=ramadan, busy=is_busy,
    )  # fmt: skip
    # A case that finishes issues its lembar persetujuan in the same transaction.
    workflow = Workflow(uow, sops, clock, hours, ramadan, files, generated, [records.on_events])
    admin = Admin(uow, sops, clock, settings.sopbot_invite_ttl_hours, audit_key)
    return App(settings, sop, clock, uow, files, workflow, admin, engine, records, sops)


async def stored_versions(app: App, code: str) -> list[SopVersion]:
    """Every stored version of an SOP, oldest first (`sopbot sop versions`)."""
    from storage.db import make_session_factory
    from storage.sop_versions import list_versions

    return await list_versions(make_session_factory(app.engine), code)


def build_chat(app: App) -> ChatCore:
    """The conversation core over the wired services."""
    from bot.chat.core import ChatCore
    from bot.uploads import UploadPolicy

    policy = UploadPolicy.from_settings(
        app.settings.sopbot_upload_types, app.settings.sopbot_max_upload_mb
    )
    documents = CaseDocuments(
        app.workflow, app.files, DocumentSettings.from_settings(app.settings), app.records
    )
    return ChatCore(app.workflow, app.admin, app.files, policy, documents)


def build_dashboard(app: App) -> Any:
    """The read-only web dashboard (a Starlette app) over the wired services."""
    from handlers.web.app import WebConfig
    from handlers.web.app import build_dashboard as build

    secret = app.settings.sopbot_web_secret
    if secret is None:
        raise ValueError("the dashboard needs SOPBOT_WEB_SECRET")
    documents = CaseDocuments(
        app.workflow, app.files, DocumentSettings.from_settings(app.settings), app.records
    )
    config = WebConfig(
        secret.get_secret_value(),
        app.settings.sopbot_web_session_hours * 3600,
        app.settings.sopbot_web_secure_cookie,
    )
    return build(app.workflow, documents, app.files, config)


@asynccontextmanager
async def run_dashboard(app: App) -> AsyncIterator[None]:
    """Serve the dashboard on SOPBOT_WEB_LISTEN:SOPBOT_WEB_PORT while the block runs."""
    from handlers.whatsapp.server import serving

    listen, port = app.settings.sopbot_web_listen, app.settings.sopbot_web_port
    async with serving(build_dashboard(app), listen, port, what="the dashboard"):
        logger.info("dashboard at %s", app.settings.sopbot_web_url)
        yield


@asynccontextmanager
async def channel_senders(app: App) -> AsyncIterator[dict[str, ChannelSender]]:
    """Senders of the configured channels, to drain the outbox outside `sopbot run`."""
    async with AsyncExitStack() as stack:
        senders: dict[str, ChannelSender] = {}
        if app.settings.telegram_bot_token is not None:
            senders.update(await stack.enter_async_context(_telegram_sender(app)))
        if app.settings.whatsapp_enabled:
            senders.update(await stack.enter_async_context(_whatsapp_sender(app)))
        yield senders


@asynccontextmanager
async def _telegram_sender(app: App) -> AsyncIterator[dict[str, ChannelSender]]:
    from telegram import Bot

    from handlers.telegram.adapter import CHANNEL
    from handlers.telegram.sender import TelegramSender
    from handlers.telegram.startup import initialize

    token = app.settings.telegram_bot_token
    assert token is not None
    bot = Bot(
        token.get_secret_value(),
        base_url=app.settings.telegram_base_url,
        base_file_url=app.settings.telegram_base_file_url,
    )
    await initialize(bot, app.settings.telegram_base_url, None)
    async with bot:
        yield {CHANNEL: TelegramSender(bot, app.files)}


@asynccontextmanager
async def _whatsapp_sender(app: App) -> AsyncIterator[dict[str, ChannelSender]]:
    import httpx

    from handlers.whatsapp.app import API_TIMEOUT, template_spec, whatsapp_client
    from handlers.whatsapp.sender import CHANNEL, WhatsAppSender

    async with httpx.AsyncClient(timeout=API_TIMEOUT) as session:
        wa = whatsapp_client(app.settings, session)
        spec = template_spec(app.settings)
        yield {CHANNEL: WhatsAppSender(wa, app.files, app.uow, app.clock, spec)}


@asynccontextmanager
async def worker(app: App) -> AsyncIterator[Workers]:
    """This process as a worker holding its liveness lock while the block runs (`sopbot
    remind` beside `sopbot run`: neither takes over what the other is sending)."""
    from storage.liveness import liveness_for

    liveness = liveness_for(app.engine)
    await liveness.start()
    try:
        yield Workers(liveness)
    finally:
        await liveness.stop()


