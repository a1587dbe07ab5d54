"""`sopbot demo`: the real bot against the Bot API stand-in, offline, printed or in a browser."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.bootstrap.app import App, build_app, build_chat
from bot.bootstrap.running import Service, build_channels, running, until_stopped

if TYPE_CHECKING:
    from bot.workflow.model import Case
    from handlers.telegram.demo import Stage
    from handlers.telegram.standin import StandIn


@asynccontextmanager
async def against_standin(
    app: App,
    standin: StandIn,
    *,
    webhook: bool = False,
    listener: Any = None,
    whatsapp_session: Any = None,
) -> AsyncIterator[Service]:
    """The real bot on `app`, every loop of `sopbot run`, reaching the stand-in in-process.

    Without rate limits: the stand-in enforces none unless asked. The stand-in's settle()
    then also waits for the bot's inbox and outbox to go idle. With WhatsApp configured its
    webhook is not served: callers post to the service's app in-process.
    """
    from telegram.request import HTTPXRequest

    core = build_chat(app)

    def requests() -> HTTPXRequest:
        return HTTPXRequest(httpx_kwargs={"transport": standin.transport})

    channels = build_channels(
        core, app.settings, telegram_requests=requests, whatsapp_session=whatsapp_session,
        rate_limit=False,
    )  # fmt: skip
    async with running(
        app, channels, webhook=webhook, rate_limit=False, telegram_listener=listener,
        poll_timeout=1, serve_webhooks=webhook,
    ) as service:  # fmt: skip
        standin.attach(service.runtime)
        yield service




@asynccontextmanager
async def staged(stage: Stage) -> AsyncIterator[Stage]:
    """The demo's stage with the real bot started on its settings, clock and stand-in."""
    app = await build_app(stage.settings(), stage.clock)
    try:
        async with against_standin(app, stage.standin) as service:
            stage.app, stage.service = app, service
            yield stage
    finally:
        await app.close()


async def run_demo(out: Path, say: Callable[[str], None], data_dir: Path) -> Case:
    """`sopbot demo`: the real bot against the Bot API stand-in, one whole case, offline; then,
    restarted with a second SOP beside it, a case of that SOP opened."""
    from handlers.telegram.demo import Stage, perform, second_act, second_sops

    stage = Stage(say, data_dir)
    async with staged(stage):
        case = await perform(stage, out)
    stage.sop_dir = second_sops(data_dir)
    async with staged(stage):
        await second_act(stage)
    return case


@asynccontextmanager
async def interactive_demo(
    say: Callable[[str], None], data_dir: Path, host: str, port: int
) -> AsyncIterator[str]:
    """`sopbot demo --interactive`: the bot against the stand-in, played from a local page."""
    import socket

    from handlers.telegram.demo import Stage, register
    from handlers.telegram.interactive import build_play
    from handlers.whatsapp.server import serving

    async with staged(Stage(say, data_dir)) as stage:
        await register(stage)
        listener = socket.create_server((host, port))
        url = f"http://{host}:{listener.getsockname()[1]}/"
        async with serving(build_play(stage), host, port, listener, what="the interactive demo"):
            yield url


async def run_interactive(
    say: Callable[[str], None], data_dir: Path, host: str, port: int
) -> None:
    """Serve the interactive demo until SIGINT or SIGTERM."""
    from bot.texts import t

    async with interactive_demo(say, data_dir, host, port) as url:
        say(t("cli.demo_interactive", url=url))
        await until_stopped()
