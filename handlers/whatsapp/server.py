"""Serving the webhook app with uvicorn inside `sopbot run`, on the bot's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from starlette.types import ASGIApp

logger = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers (`sopbot run` owns SIGINT/SIGTERM), and with an
    event set once it listens."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            self.ready.set()


@contextlib.asynccontextmanager
async def serving(
    app: ASGIApp,
    host: str,
    port: int,
    sock: socket.socket | None = None,
    what: str = "the WhatsApp webhook",
) -> AsyncIterator[None]:
    """Listen on host:port (or on `sock`) until the block ends; fail if it cannot listen.

    The socket is bound here, not by uvicorn, so a port already taken raises the `OSError`
    with its errno (uvicorn would only log it and exit), for the caller to name the setting.
    """
    if sock is None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family)
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, lifespan="off"
    )
    server = _Server(config)
    serve = asyncio.create_task(server.serve(sockets=[sock]))
    ready = asyncio.create_task(server.ready.wait())
    await asyncio.wait({serve, ready}, return_when=asyncio.FIRST_COMPLETED)
    if not server.ready.is_set():
        ready.cancel()
        with contextlib.suppress(BaseException):  # uvicorn exits the task on a failed bind
            await serve
        sock.close()
        raise RuntimeError(f"{what} could not listen on {host}:{port}")
    logger.info("%s listening on %s:%s", what, host, port)
    try:
        yield
    finally:
        server.should_exit = True
        await serve
