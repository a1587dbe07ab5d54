"""The stand-in over real sockets: a minimal HTTP/1.1 server, and webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import httpx

from handlers.telegram.standin.methods import BotApi
from handlers.telegram.standin.model import WebhookDelivery
from handlers.telegram.standin.updates import Entry, Pulse

logger = logging.getLogger(__name__)

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]
_MAX_BODY = 64 * 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class _BadHttp(Exception):
    """The client sent something this server does not parse."""


class HttpServer:
    """Serves a handler over HTTP/1.1 with keep-alive; enough for httpx and curl."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.StreamWriter, asyncio.Task[Any] | None] = {}

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the bound port (useful with port=0)."""
        if self._server is not None:
            raise RuntimeError("the stand-in is already serving")
        self._server = await asyncio.start_server(self._connection, host, port)
        bound: int = self._server.sockets[0].getsockname()[1]
        return bound

    async def close(self) -> None:
        """Stop listening and drop open connections."""
        if self._server is None:
            return
        self._server.close()
        # Keep-alive connections and long polls would otherwise outlive the server.
        for writer, task in list(self._connections.items()):
            writer.close()
            if task is not None:
                task.cancel()
        tasks = [task for task in self._connections.values() if task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._connections[writer] = asyncio.current_task()
        try:
            while True:
                try:
                    request = await _read_request(reader)
                except _BadHttp:
                    await _write(writer, httpx.Response(400, text="Bad Request"), close=True)
                    return
                if request is None:
                    return
                try:
                    response = await self._handler(request)
                except httpx.TransportError:
                    return  # an injected failure: hang up without answering
                close = request.headers.get("connection", "").lower() == "close"
                await _write(writer, response, close=close)
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            # close() cancels us; ending normally keeps Python 3.11's stream callback from
            # logging the cancelled connection task as an error.
            return
        finally:
            self._connections.pop(writer, None)
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> httpx.Request | None:
    line = await reader.readline()
    if not line.strip():
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3:
        raise _BadHttp(line)
    method, target, _ = parts
    headers: list[tuple[str, str]] = []
    while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    lookup = {name.lower(): value for name, value in headers}
    if "chunked" in lookup.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
        headers = [(n, v) for n, v in headers if n.lower() != "transfer-encoding"]
    else:
        length = int(lookup.get("content-length", "0") or 0)
        if length > _MAX_BODY:
            raise _BadHttp("body too large")
        body = await reader.readexactly(length)
    host = lookup.get("host", "standin")
    return httpx.Request(method, f"http://{host}{target}", headers=headers, content=body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readline()


async def _write(writer: asyncio.StreamWriter, response: httpx.Response, *, close: bool) -> None:
    body = await response.aread()
    reason = HTTPStatus(response.status_code).phrase
    head = [
        f"HTTP/1.1 {response.status_code} {reason}",
        f"Content-Type: {response.headers.get('content-type', 'application/json')}",
        f"Content-Length: {len(body)}",
        f"Connection: {'close' if close else 'keep-alive'}",
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()


class WebhookPusher:
    """Pushes queued updates to the webhook one at a time, like Telegram, recording answers."""

    def __init__(
        self, api: BotApi, changed: Pulse, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        self._api = api
        self._changed = changed
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self.deliveries: list[WebhookDelivery] = []

    @property
    def busy(self) -> bool:
        """Whether a delivery run is in progress."""
        return self._task is not None and not self._task.done()

    def kick(self) -> None:
        """Start delivering pending updates, if a webhook is set and nothing is running."""
        if not self._api.webhook.url or self.busy or not self._api.world.queue.pending:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: settle() kicks again
        self._task = loop.create_task(self._drain(), name="standin-webhook")

    async def aclose(self) -> None:
        """Stop delivering and close the HTTP client."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _drain(self) -> None:
        try:
            queue = self._api.world.queue
            while self._api.webhook.url and (entry := queue.first()) is not None:
                if not await self._post(entry):
                    break  # like Telegram, try again later: here, at the next kick
        finally:
            self._changed.pulse()

    async def _post(self, entry: Entry) -> bool:
        hook = self._api.webhook
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers[SECRET_HEADER] = hook.secret_token
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport, trust_env=False, timeout=10.0
            )
        entry.delivered += 1
        try:
            response = await self._client.post(
                hook.url, content=json.dumps(entry.update).encode(), headers=headers
            )
        except httpx.HTTPError as exc:
            self._failed(entry, None, f"Connection failed: {type(exc).__name__}")
            return False
        if 200 <= response.status_code < 300:
            self.deliveries.append(WebhookDelivery(entry.update_id, response.status_code))
            self._api.world.queue.remove(entry)
            return True
        phrase = HTTPStatus(response.status_code).phrase
        self._failed(
            entry,
            response.status_code,
            f"Wrong response from the webhook: {response.status_code} {phrase}",
        )
        return False

    def _failed(self, entry: Entry, status: int | None, message: str) -> None:
        logger.info("webhook delivery of update %s failed: %s", entry.update_id, message)
        self.deliveries.append(WebhookDelivery(entry.update_id, status, message))
        self._api.webhook.last_error_date = self._api.world.now()
        self._api.webhook.last_error_message = message
