"""Building the python-telegram-bot Application: handlers registered here, in order.

The Application only dispatches stored updates to our handlers (`adapter.TelegramAdapter.handle`)
and holds the Bot: no Updater (our `receiver.TelegramPolling` or the webhook route receives,
storing before confirming), and no job queue (the runtime ticks the periodic work).
"""

from __future__ import annotations

from dataclasses import dataclass

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
from bot.texts import t
from handlers.telegram.adapter import CHANNEL, TelegramAdapter
from handlers.telegram.sender import TelegramSender

# Bounded, and longer than a slow answer of a busy Bot API: a send that times out may have
# arrived, so it is sent again and may arrive twice. A slow chat holds up only itself.
CONNECT_SECONDS = 5.0
READ_SECONDS = 15.0

MENU = ("tugas", "baru", "status", "riwayat", "lapor", "laporan", "batal", "bantuan", "sop",
        "saluran")  # fmt: skip


@dataclass
class TelegramChannel:
    """Everything the runtime needs of Telegram."""

    application: Application  # type: ignore[type-arg]
    adapter: TelegramAdapter
    sender: TelegramSender
    name: str = CHANNEL


def build_telegram(
    core: ChatCore,
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limit: bool = True,
) -> TelegramChannel:
    """The Application with our adapter's bound methods as handlers.

    `rate_limit` adds PTB's overall limiter (the outbox paces each chat itself); tests that
    run without limits pass False.
    """
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder: ApplicationBuilder = (  # type: ignore[type-arg]
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .updater(None)
        .job_queue(None)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    else:
        builder = builder.connect_timeout(CONNECT_SECONDS).read_timeout(READ_SECONDS)
        builder = builder.write_timeout(READ_SECONDS)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=0))
    application = builder.build()
    adapter = TelegramAdapter(core)
    adapter.application = application
    # Button presses first: a callback query is never a message.
    application.add_handler(CallbackQueryHandler(adapter.on_button))
    private = filters.ChatType.PRIVATE
    application.add_handler(
        MessageHandler(
            private & (filters.TEXT | filters.Document.ALL | filters.PHOTO), adapter.on_message
        )
    )
    application.add_error_handler(adapter.on_error)
    return TelegramChannel(application, adapter, TelegramSender(application.bot, core.files))


async def set_commands(application: Application) -> None:  # type: ignore[type-arg]
    """The command menu Telegram shows beside the text field."""
    await application.bot.set_my_commands(
        [BotCommand(command, t(f"command.{command}")) for command in MENU]
    )
