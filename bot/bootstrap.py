"""The composition root: wires settings, SOP, storage, clock and services together.

Storage (and, later, the channel adapters) are imported inside functions so that the core
never depends on them at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import failpoints
from bot.admin import Admin
from bot.auditkey import load_audit_key
from bot.clock import SystemClock
from bot.config import Settings
from bot.delivery import Delivery
from bot.documents import DocumentSettings
from bot.documents.service import CaseDocuments
from bot.errors import SopFileError
from bot.inbox import InboxWorker
from bot.pacing import Pacer, send_limits
from bot.periodic import Periodic
from bot.ports import ChannelSender, Clock, FileStore, UnitOfWorkFactory, UpdateHandler
from bot.preflight import (
    check_webhook,
    dashboard_listener,
    listen_errors,
    sop_file_error,
    webhook_listener,
    whatsapp_listener,
)
from bot.runtime import Runtime
from bot.sop.loader import load_sop
from bot.sop.model import Sop
from bot.startup import Patience, when_ready
from bot.workers import Workers
from bot.workflow.service import Workflow

if TYPE_CHECKING:
    from bot.chat.core import ChatCore
    from bot.workflow.model import Case
    from handlers.telegram.app import TelegramChannel
    from handlers.whatsapp.app import WhatsAppChannel

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
    from storage.uow import uow_factory

    try:
        sop = load_sop(settings.sopbot_sop_file)
    except SopFileError as error:
        raise sop_file_error(error) from error
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
                await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
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

    Telegram (long polling or webhook) when TELEGRAM_BOT_TOKEN is set, WhatsApp (its webhook)
    when WHATSAPP_* are: either alone or both, with one inbox worker and one outbox sender.
    """
    failpoints.arm(settings.sopbot_failpoint)
    app = await build_app(settings, wait=True)
    core = build_chat(app)
    try:
        channels = build_channels(core, settings)
        async with running(app, channels, webhook=webhook, dashboard=dashboard):
            await _stopped()
    finally:
        await app.close()


@dataclass
class Service:
    """A running bot: its runtime, and the webhook apps it serves (by channel)."""

    runtime: Runtime
    webhooks: dict[str, Any] = field(default_factory=dict)


@dataclass
class Channels:
    """The configured channels' adapters and senders."""

    telegram: TelegramChannel | None = None
    whatsapp: WhatsAppChannel | None = None

    def handlers(self) -> dict[str, UpdateHandler]:
        """Each channel's part of handling a stored update."""
        found: dict[str, UpdateHandler] = {}
        if self.telegram is not None:
            found["telegram"] = self.telegram.adapter
        if self.whatsapp is not None:
            found["whatsapp"] = self.whatsapp.adapter
        return found

    def senders(self) -> dict[str, ChannelSender]:
        """Each channel's sender of outbox messages."""
        found: dict[str, ChannelSender] = {}
        if self.telegram is not None:
            found["telegram"] = self.telegram.sender
        if self.whatsapp is not None:
            found["whatsapp"] = self.whatsapp.sender
        return found


def build_channels(
    core: ChatCore,
    settings: Settings,
    *,
    telegram_requests: Callable[[], Any] | None = None,
    whatsapp_session: Any = None,
    rate_limit: bool = True,
) -> Channels:
    """The adapters of every configured channel.

    Tests and the demo reach the platforms' stand-ins through `telegram_requests` (a factory of
    PTB request objects: sending and long polling need one each) and `whatsapp_session`.
    """
    channels = Channels()
    if settings.telegram_bot_token is not None:
        from handlers.telegram.app import build_telegram

        request = telegram_requests() if telegram_requests else None
        updates = telegram_requests() if telegram_requests else None
        channels.telegram = build_telegram(
            core, settings, request=request, updates_request=updates, rate_limit=rate_limit
        )
    if settings.whatsapp_enabled:
        from handlers.whatsapp.app import build_whatsapp

        channels.whatsapp = build_whatsapp(core, settings, session=whatsapp_session)
    return channels


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


def build_runtime(app: App, channels: Channels, *, pacer: Pacer | None = None) -> Runtime:
    """The inbox worker, the outbox sender and the periodic work of one process."""
    from storage.db import is_transient
    from storage.liveness import liveness_for

    liveness = liveness_for(app.engine)
    workers = Workers(liveness)
    delivery = Delivery(
        app.uow,
        app.clock,
        channels.senders(),
        pacer=pacer,
        alert_roles=app.sop.notices.delivery_failed,
        workers=workers,
    )
    inbox = InboxWorker(
        app.uow,
        app.clock,
        app.sop,
        channels.handlers(),
        workers=workers,
        transient=is_transient,
        on_committed=delivery.wake,
    )
    return Runtime(inbox, delivery, Periodic(app.workflow, None), liveness)


@asynccontextmanager
async def running(
    app: App,
    channels: Channels,
    *,
    webhook: bool = False,
    dashboard: bool = False,
    pacer: Pacer | None = None,
    rate_limit: bool = True,
    telegram_listener: Any = None,
    poll_timeout: int | None = None,
    serve_webhooks: bool = True,
) -> AsyncIterator[Service]:
    """The runtime, the receivers and the webhook servers while the block runs.

    Stopping goes the other way: receivers first, then the runtime's loops, then the clients
    they send through. `telegram_listener` (a listening socket) serves the Telegram webhook,
    for tests on port 0; tests that call the webhooks in-process pass `serve_webhooks=False`
    and use the `Service`'s apps.
    """
    settings = app.settings
    if pacer is None and rate_limit:
        pacer = Pacer(send_limits(settings))
    from handlers.webhooks import webhook_app

    runtime = build_runtime(app, channels, pacer=pacer)
    async with AsyncExitStack() as stack:
        inbounds: dict[tuple[str, int], list[Any]] = {}
        if channels.telegram is not None:
            await stack.enter_async_context(
                _telegram_bot(channels.telegram, settings, app.clock, webhook, inbounds)
            )
        if channels.whatsapp is not None:
            stack.push_async_callback(channels.whatsapp.close)
            address = (settings.whatsapp_webhook_listen, settings.whatsapp_webhook_port)
            inbounds.setdefault(address, []).append(
                channels.whatsapp.webhook.inbound(settings.whatsapp_webhook_path)
            )
        await runtime.start()
        stack.push_async_callback(runtime.stop)
        stack.enter_context(_scheduled(runtime, settings.sopbot_sweep_seconds))
        if channels.telegram is not None and not webhook:
            await stack.enter_async_context(
                _polling(channels.telegram, runtime, poll_timeout)
            )
        service = Service(runtime)
        for (host, port), routes in inbounds.items():
            web = webhook_app(routes, runtime.inbox)
            service.webhooks.update({route.channel: web for route in routes})
            if serve_webhooks:
                listener = (webhook_listener if routes[0].channel == "telegram"
                            else whatsapp_listener)(settings)  # fmt: skip
                with listen_errors(listener):
                    await stack.enter_async_context(
                        _serve_webhooks(web, routes, host, port, telegram_listener)
                    )
        if dashboard:
            with listen_errors(dashboard_listener(settings)):
                await stack.enter_async_context(run_dashboard(app))
        yield service


@contextmanager
def _scheduled(runtime: Runtime, seconds: int) -> Iterator[None]:
    """APScheduler ticks the periodic work; a tick that overruns is skipped, not stacked."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler(timezone="Asia/Jakarta")
    scheduler.add_job(
        runtime.tick, "interval", seconds=seconds, coalesce=True, max_instances=1,
        misfire_grace_time=seconds,
    )  # fmt: skip
    scheduler.start()
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)


@asynccontextmanager
async def _telegram_bot(
    channel: TelegramChannel,
    settings: Settings,
    clock: Clock,
    webhook: bool,
    inbounds: dict[tuple[str, int], list[Any]],
) -> AsyncIterator[None]:
    """Telegram's Bot while the block runs, with the webhook registered or removed."""
    from handlers.telegram.app import set_commands
    from handlers.telegram.startup import initialize, webhook_errors
    from handlers.telegram.webhook import inbound

    application = channel.application
    options = _webhook_options(settings) if webhook else {}
    # getMe: a rejected token stops here; a Bot API that does not answer is waited for.
    await initialize(application, settings.telegram_base_url, Patience(clock.now))
    async with application:
        await set_commands(application)
        if webhook:
            with webhook_errors():
                await application.bot.set_webhook(**options)
            address = (settings.telegram_webhook_listen, settings.telegram_webhook_port)
            inbounds.setdefault(address, []).append(inbound(options, channel))
        else:
            await application.bot.delete_webhook(drop_pending_updates=False)
        yield


@asynccontextmanager
async def _polling(
    channel: TelegramChannel, runtime: Runtime, poll_timeout: int | None
) -> AsyncIterator[None]:
    """Long polling while the block runs; each batch stored before it is confirmed."""
    import asyncio

    from handlers.telegram.receiver import LONG_POLL_SECONDS, TelegramPolling

    polling = TelegramPolling(
        channel.application.bot, runtime.inbox, timeout=poll_timeout or LONG_POLL_SECONDS
    )
    task = asyncio.create_task(polling.run(), name="telegram polling")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


@asynccontextmanager
async def _serve_webhooks(
    web: Any, routes: list[Any], host: str, port: int, listener: Any
) -> AsyncIterator[None]:
    from handlers.whatsapp.server import serving

    what = "the webhooks of " + ", ".join(route.channel for route in routes)
    sock = listener if listener is not None and routes[0].channel == "telegram" else None
    async with serving(web, host, port, sock, what=what):
        yield


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


def _webhook_options(settings: Settings) -> dict[str, Any]:
    """setWebhook's arguments: the URL, the secret Telegram echoes, the updates we handle."""
    check_webhook(settings)
    assert settings.telegram_webhook_url and settings.telegram_webhook_secret is not None
    from handlers.telegram.receiver import ALLOWED_UPDATES

    return {
        "url": settings.telegram_webhook_url,
        # Telegram echoes it in X-Telegram-Bot-Api-Secret-Token; other requests are refused.
        "secret_token": settings.telegram_webhook_secret.get_secret_value(),
        "allowed_updates": list(ALLOWED_UPDATES),
        "drop_pending_updates": False,
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
