"""Building the python-telegram-bot Application: handlers registered here, in order."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.chat.core import ChatCore
from bot.config import Settings
from bot.delivery import Delivery
from bot.pacing import Pacer, send_limits
from bot.periodic import Periodic
from bot.texts import t
from handlers.telegram.adapter import CHANNEL, TelegramAdapter
from handlers.telegram.sender import TelegramSender

MENU = ("tugas", "baru", "status", "riwayat", "lapor", "laporan", "batal", "bantuan", "sop")


def build_telegram(
    core: ChatCore,
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limit: bool = True,
    pacer: Pacer | None = None,
) -> tuple[Application, TelegramAdapter]:  # type: ignore[type-arg]
    """The Application with our adapter's bound methods as handlers.

    `rate_limit` paces sends (PTB's limiter overall, our `Pacer` per chat); tests that run
    without limits pass False, or their own `pacer` on a fake clock.
    """
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder: ApplicationBuilder = (  # type: ignore[type-arg]
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .post_init(_set_commands)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=0))
    application = builder.build()
    if pacer is None and rate_limit:
        pacer = Pacer(send_limits(settings))
    adapter = _adapter(core, TelegramSender(application.bot, core.files), pacer)
    # Button presses first: a callback query is never a message.
    application.add_handler(CallbackQueryHandler(adapter.on_button))
    private = filters.ChatType.PRIVATE
    application.add_handler(
        MessageHandler(
            private & (filters.TEXT | filters.Document.ALL | filters.PHOTO), adapter.on_message
        )
    )
    application.add_error_handler(adapter.on_error)
    if application.job_queue is not None:
        application.job_queue.run_repeating(adapter.sweep, interval=settings.sopbot_sweep_seconds)
    return application, adapter


def _adapter(core: ChatCore, sender: TelegramSender, pacer: Pacer | None) -> TelegramAdapter:
    """The adapter, with the outbox sender and the periodic work (reminders, digest) wired."""
    alert = core.sop.notices.delivery_failed
    delivery = Delivery(core.uow, core.clock, {CHANNEL: sender}, pacer=pacer, alert_roles=alert)
    return TelegramAdapter(core, delivery, sender, Periodic(core.workflow, delivery))


async def _set_commands(application: Application) -> None:  # type: ignore[type-arg]
    await application.bot.set_my_commands(
        [BotCommand(command, t(f"command.{command}")) for command in MENU]
    )
