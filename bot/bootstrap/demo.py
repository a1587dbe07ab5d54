"""`sopbot demo`: the real bot against the Bot API stand-in, offline, printed or in a browser."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bot.bootstrap.running import until_stopped

if TYPE_CHECKING:
    from bot.workflow.model import Case


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
        await until_stopped()
