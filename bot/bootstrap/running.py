"""`sopbot run`: the channels, the runtime's loops, the receivers and the webhook servers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot import failpoints
from bot.bootstrap.app import App, build_app, build_chat, run_dashboard
from bot.config import Settings
from bot.delivery import Delivery
from bot.inbox import InboxWorker
from bot.pacing import Pacer, send_limits
from bot.periodic import Periodic
from bot.ports import ChannelSender, Clock, UpdateHandler
from bot.preflight import (
    check_webhook,
    dashboard_listener,
    listen_errors,
    webhook_listener,
    whatsapp_listener,
)
from bot.runtime import Runtime
from bot.startup import Patience
from bot.workers import Workers

if TYPE_CHECKING:
    from bot.chat.core import ChatCore
    from handlers.telegram.app import TelegramChannel
    from handlers.whatsapp.app import WhatsAppChannel

logger = logging.getLogger(__name__)


async def run_bot(
    settings: Settings, *, webhook: bool = False, dashboard: bool = False, worker: bool = False
) -> None:
    """`sopbot run`: migrate, then serve every configured channel until stopped.

    Telegram (long polling or webhook) when TELEGRAM_BOT_TOKEN is set, WhatsApp (its webhook)
    when WHATSAPP_* are: either alone or both, with one inbox worker and one outbox sender.
    `worker` (`sopbot run --worker`): handle the inbox, send the outbox and tick, but receive
    nothing: no polling, no webhook served, the webhook registration left as it is.
    """
    failpoints.arm(settings.sopbot_failpoint)
    app = await build_app(settings, wait=True)
    core = build_chat(app)
    try:
        channels = build_channels(core, settings)
        async with running(
            app, channels, webhook=webhook, dashboard=dashboard, receive=not worker
        ):
            await until_stopped()
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
        alert_roles=app.registry.notice_roles("delivery_failed"),
        workers=workers,
    )
    inbox = InboxWorker(
        app.uow,
        app.clock,
        app.registry,
        channels.handlers(),
        workers=workers,
        transient=is_transient,
        on_committed=delivery.wake,
        handoff=delivery,
        concurrency=app.settings.sopbot_concurrency,
    )
    exports = app.records.process_exports if app.records is not None else None
    return Runtime(inbox, delivery, Periodic(app.workflow, None, exports=exports), liveness)


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
    receive: bool = True,
) -> AsyncIterator[Service]:
    """The runtime, the receivers and the webhook servers while the block runs.

    Stopping goes the other way: receivers first, then the runtime's loops, then the clients
    they send through. `telegram_listener` (a listening socket) serves the Telegram webhook,
    for tests on port 0; tests that call the webhooks in-process pass `serve_webhooks=False`
    and use the `Service`'s apps. Without `receive` (a worker of several) nothing is received:
    only the stored updates are handled, the outbox sent and the periodic work ticked.
    """
    settings = app.settings
    if pacer is None and rate_limit:
        pacer = Pacer(send_limits(settings))
    from handlers.webhooks import webhook_app

    runtime = build_runtime(app, channels, pacer=pacer)
    if not receive:
        await refuse_second_sqlite_worker(app)
    async with AsyncExitStack() as stack:
        inbounds: dict[tuple[str, int], list[Any]] = {}
        if channels.telegram is not None:
            await stack.enter_async_context(
                _telegram_bot(channels.telegram, settings, app.clock, webhook, inbounds, receive)
            )
        if channels.whatsapp is not None:
            stack.push_async_callback(channels.whatsapp.close)
        if channels.whatsapp is not None and receive:
            address = (settings.whatsapp_webhook_listen, settings.whatsapp_webhook_port)
            inbounds.setdefault(address, []).append(
                channels.whatsapp.webhook.inbound(settings.whatsapp_webhook_path)
            )
        await runtime.start()
        stack.push_async_callback(runtime.stop)
        stack.enter_context(_scheduled(runtime, settings.sopbot_sweep_seconds, app))
        if channels.telegram is not None and not webhook and receive:
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


async def refuse_second_sqlite_worker(app: App) -> None:
    """More than one worker needs PostgreSQL: SQLite has one writer, on one machine."""
    from bot.startup import StartupError
    from storage.liveness import FileLiveness, liveness_for

    liveness = liveness_for(app.engine)
    if isinstance(liveness, FileLiveness) and await liveness.others_alive():
        raise StartupError(
            "DATABASE_URL", "startup.worker.sqlite", "startup.worker.sqlite_fix",
            path=app.engine.url.database,
        )  # fmt: skip


@contextmanager
def _scheduled(runtime: Runtime, seconds: int, app: App) -> Iterator[None]:
    """APScheduler ticks the periodic work; a tick that overruns is skipped, not stacked, and
    of several workers only one ticks at a time (the others skip that round)."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from storage.liveness import exclusively

    async def tick() -> None:
        async with exclusively(app.engine, "tick") as mine:
            if mine:
                await runtime.tick()

    scheduler = AsyncIOScheduler(timezone="Asia/Jakarta")
    scheduler.add_job(
        tick, "interval", seconds=seconds, coalesce=True, max_instances=1,
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
    receive: bool = True,
) -> AsyncIterator[None]:
    """Telegram's Bot while the block runs, with the webhook registered or removed (a worker
    that receives nothing leaves both as the receiver set them)."""
    from handlers.telegram.app import set_commands
    from handlers.telegram.startup import initialize, webhook_errors
    from handlers.telegram.webhook import inbound

    application = channel.application
    options = _webhook_options(settings) if webhook else {}
    # getMe: a rejected token stops here; a Bot API that does not answer is waited for.
    await initialize(application, settings.telegram_base_url, Patience(clock.now))
    async with application:
        if not receive:
            yield
            return
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


async def until_stopped() -> None:
    """Wait for SIGINT or SIGTERM."""
    import asyncio
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


