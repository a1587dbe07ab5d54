"""The baseline: a bare python-telegram-bot echo bot, in-process or as its own process.

It answers a text with the same text and one inline button, and a button press with
answerCallbackQuery and a new message: the least any bot does for the same traffic.

As a process (`python -m bench.echo URL`) it polls the Bot API at URL, as `sopbot run` would.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from handlers.telegram.standin import StandIn

TOKEN = "1:BENCH"
BUTTON = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        update.effective_message.text or "-", reply_markup=BUTTON
    )


async def _pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    await query.answer()
    await context.bot.send_message(update.effective_chat.id, f"tombol {query.data}")


def build(base_url: str, request: HTTPXRequest | None = None,
          updates: HTTPXRequest | None = None) -> Application:  # type: ignore[type-arg]  # fmt: skip
    """The echo bot's Application on a Bot API at `base_url` (…/bot)."""
    builder = Application.builder().token(TOKEN).base_url(base_url)
    builder = builder.base_file_url(base_url.replace("/bot", "/file/bot"))
    if request is not None and updates is not None:
        builder = builder.request(request).get_updates_request(updates)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    app.add_handler(CallbackQueryHandler(_pressed))
    return app


@asynccontextmanager
async def in_process(standin: StandIn) -> AsyncIterator[None]:
    """The echo bot polling `standin` in this process while the block runs."""

    def request() -> HTTPXRequest:
        return HTTPXRequest(httpx_kwargs={"transport": standin.transport})

    app = build("http://standin/bot", request(), request())
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=1)
    standin.attach(app)
    try:
        yield
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


if __name__ == "__main__":
    build(sys.argv[1]).run_polling(timeout=10, close_loop=False)
