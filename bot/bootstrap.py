"""The composition root: wires settings, SOP, storage, clock and services together.

Storage (and, later, the channel adapters) are imported inside functions so that the core
never depends on them at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.admin import Admin
from bot.auditkey import load_audit_key
from bot.clock import SystemClock
from bot.config import Settings
from bot.delivery import Delivery
from bot.documents import DocumentSettings
from bot.documents.service import CaseDocuments
from bot.ports import ChannelSender, Clock, FileStore, UnitOfWorkFactory
from bot.sop.loader import load_sop
from bot.sop.model import Sop
from bot.workflow.service import Workflow

if TYPE_CHECKING:
    from bot.chat.core import ChatCore
    from bot.workflow.model import Case

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
# webhook updates among them: an update can carry an invite code (`/start CODE`).
QUIET_LOGGERS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "hpack": logging.WARNING,
    "telegram": logging.INFO,
    "pywa": logging.INFO,
    "pywa_async": logging.INFO,
    "aiosqlite": logging.INFO,
    "sqlalchemy": logging.WARNING,
}


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr at `level`, keeping the libraries in QUIET_LOGGERS quieter."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    for name, floor in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(level, floor))


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
    audit_key = load_audit_key(settings.sopbot_audit_key, settings.sopbot_data_dir)
    engine = make_engine(database_url(settings))
    if migrate:
        await upgrade(engine)
    uow = uow_factory(make_session_factory(engine), audit_key)
    files = LocalFileStore(Path(settings.sopbot_data_dir))
    generated = CaseDocuments.generated(sop)
    workflow = Workflow(uow, sop, clock, settings.office_hours, settings.ramadan, files, generated)
    admin = Admin(uow, sop, clock, settings.sopbot_invite_ttl_hours, audit_key)
    return App(settings, sop, clock, uow, files, workflow, admin, engine)


def build_chat(app: App) -> ChatCore:
    """The conversation core over the wired services."""
    from bot.chat.core import ChatCore
    from bot.uploads import UploadPolicy

    policy = UploadPolicy.from_settings(
        app.settings.sopbot_upload_types, app.settings.sopbot_max_upload_mb
    )
    documents = CaseDocuments(
        app.workflow, app.files, DocumentSettings.from_settings(app.settings)
    )
    return ChatCore(app.workflow, app.admin, app.files, policy, documents)


async def run_bot(settings: Settings, *, webhook: bool = False, dashboard: bool = False) -> None:
    """`sopbot run`: migrate, then serve every configured channel until stopped.

    Telegram (long polling or webhook) when TELEGRAM_BOT_TOKEN is set, WhatsApp (its webhook
    under uvicorn) when WHATSAPP_* are: either alone, or both with one outbox drainer.
    """
    app = await build_app(settings)
    core = build_chat(app)
    try:
        async with AsyncExitStack() as stack:
            delivery = None
            if settings.telegram_bot_token is not None:
                delivery = await stack.enter_async_context(
                    run_telegram(core, settings, webhook=webhook)
                )
            if settings.whatsapp_enabled:
                await stack.enter_async_context(run_whatsapp(core, settings, delivery))
            if dashboard:
                await stack.enter_async_context(run_dashboard(app))
            await _stopped()
    finally:
        await app.close()


@asynccontextmanager
async def run_telegram(
    core: ChatCore, settings: Settings, *, webhook: bool = False
) -> AsyncIterator[Delivery]:
    """Serve Telegram by long polling or webhook while the block runs; yields its drainer."""
    from handlers.telegram.app import build_telegram

    application, adapter = build_telegram(core, settings)
    updater = application.updater
    assert updater is not None
    async with application:
        # post_init runs only under run_polling/run_webhook, which would start a loop of
        # their own; the database is bound to this one, so the steps are taken by hand.
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        if webhook:
            await updater.start_webhook(**_webhook_options(settings))
        else:
            await updater.start_polling(drop_pending_updates=False)
        try:
            yield adapter.delivery
        finally:
            await updater.stop()
            await application.stop()


@asynccontextmanager
async def run_whatsapp(
    core: ChatCore, settings: Settings, delivery: Delivery | None = None
) -> AsyncIterator[None]:
    """Serve the WhatsApp webhook while the block runs.

    With Telegram's `delivery` its job queue sweeps reminders and drains the outbox for both
    channels; alone, WhatsApp ticks the same periodic work itself.
    """
    import asyncio

    from bot.periodic import Periodic
    from handlers.whatsapp.app import build_whatsapp
    from handlers.whatsapp.server import serving

    channel = build_whatsapp(core, settings, delivery=delivery)
    ticking = None
    if delivery is None:
        periodic = Periodic(core.workflow, channel.delivery)
        ticking = asyncio.create_task(_every(settings.sopbot_sweep_seconds, periodic.tick))
    try:
        listen, port = settings.whatsapp_webhook_listen, settings.whatsapp_webhook_port
        async with serving(channel.app, listen, port):
            yield
    finally:
        if ticking is not None:
            ticking.cancel()
        await channel.close()


def build_dashboard(app: App) -> Any:
    """The read-only web dashboard (a Starlette app) over the wired services."""
    from handlers.web.app import WebConfig
    from handlers.web.app import build_dashboard as build

    secret = app.settings.sopbot_web_secret
    if secret is None:
        raise ValueError("the dashboard needs SOPBOT_WEB_SECRET")
    documents = CaseDocuments(
        app.workflow, app.files, DocumentSettings.from_settings(app.settings)
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


async def _every(seconds: float, work: Callable[[], Awaitable[object]]) -> None:
    """Run `work` every `seconds` until cancelled; a failure is logged, not fatal."""
    import asyncio

    while True:
        await asyncio.sleep(seconds)
        try:
            await work()
        except Exception:
            logger.exception("periodic work failed")


def _webhook_options(settings: Settings) -> dict[str, Any]:
    if not settings.telegram_webhook_url or settings.telegram_webhook_secret is None:
        raise ValueError("webhook mode needs TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET")
    from urllib.parse import urlparse

    return {
        "listen": settings.telegram_webhook_listen,
        "port": settings.telegram_webhook_port,
        "url_path": urlparse(settings.telegram_webhook_url).path.lstrip("/"),
        "webhook_url": settings.telegram_webhook_url,
        # Telegram echoes it in X-Telegram-Bot-Api-Secret-Token; PTB rejects requests without it.
        "secret_token": settings.telegram_webhook_secret.get_secret_value(),
    }


async def _stopped() -> None:
    """Wait for SIGINT or SIGTERM."""
    import asyncio
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


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

    token = app.settings.telegram_bot_token
    assert token is not None
    bot = Bot(
        token.get_secret_value(),
        base_url=app.settings.telegram_base_url,
        base_file_url=app.settings.telegram_base_file_url,
    )
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


async def run_demo(out: Path, say: Callable[[str], None], data_dir: Path) -> Case:
    """`sopbot demo`: the real bot against the Bot API stand-in, one whole case, offline."""
    from handlers.telegram.demo import run_demo as play_demo

    return await play_demo(out, say, data_dir)


@asynccontextmanager
async def interactive_demo(
    say: Callable[[str], None], data_dir: Path, host: str, port: int
) -> AsyncIterator[str]:
    """`sopbot demo --interactive`: the bot against the stand-in, played from a local page."""
    import socket

    from handlers.telegram.interactive import build_play, open_stage
    from handlers.whatsapp.server import serving

    stage = await open_stage(data_dir, say)
    try:
        listener = socket.create_server((host, port))
        url = f"http://{host}:{listener.getsockname()[1]}/"
        async with serving(build_play(stage), host, port, listener, what="the interactive demo"):
            yield url
    finally:
        await stage.stop()


async def run_interactive(
    say: Callable[[str], None], data_dir: Path, host: str, port: int
) -> None:
    """Serve the interactive demo until SIGINT or SIGTERM."""
    from bot.texts import t

    async with interactive_demo(say, data_dir, host, port) as url:
        say(t("cli.demo_interactive", url=url))
        await _stopped()
