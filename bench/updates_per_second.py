"""Updates per second of the real bot against a bare echo bot, both on the Bot API stand-in.

Run: .venv/bin/python bench/updates_per_second.py [N]
Prints both rates and their ratio, measured in the same process (no absolute targets).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from bot.bootstrap.demo import staged
from handlers.telegram.demo import Stage, register
from handlers.telegram.standin import StandIn


async def echo_rate(count: int) -> float:
    """A bare python-telegram-bot echo bot: the ceiling to compare with."""
    standin = StandIn()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "-")

    def request() -> HTTPXRequest:
        return HTTPXRequest(httpx_kwargs={"transport": standin.transport})

    app = (
        Application.builder().token("1:BENCH").base_url("http://standin/bot")
        .base_file_url("http://standin/file/bot").request(request())
        .get_updates_request(request()).build()
    )  # fmt: skip
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=1)
    standin.attach(app)
    user = standin.user(1, "Ani")
    started = time.perf_counter()
    for i in range(count):
        user.send(f"halo {i}")
    await standin.settle(max_wait=120)
    elapsed = time.perf_counter() - started
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    return count / elapsed


async def sopbot_rate(count: int, text: str) -> float:
    """The real bot (SQLite, the conversation core, the outbox) answering `text`."""
    with tempfile.TemporaryDirectory() as folder:
        async with staged(Stage(lambda _: None, Path(folder))) as stage:
            await register(stage)
            user = stage.users["kabag"]
            started = time.perf_counter()
            for _ in range(count):
                user.send(text)
            await stage.standin.settle(max_wait=300)
            elapsed = time.perf_counter() - started
    return count / elapsed


async def main(count: int) -> None:
    """Measure and print."""
    baseline = await echo_rate(count)
    print(f"echo bot (baseline): {baseline:8.1f} updates/s")
    for text in ("/sop", "/tugas"):
        rate = await sopbot_rate(count, text)
        print(f"sopbot {text:<13}: {rate:8.1f} updates/s  ratio {rate / baseline:5.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
