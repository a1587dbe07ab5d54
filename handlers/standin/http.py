"""A minimal HTTP/1.1 server for the platform stand-ins: enough for httpx, PTB, pywa and curl.

It serves one async handler (httpx.Request in, httpx.Response out) over a real socket, so a
separate process can talk to a stand-in. A handler that raises httpx.TransportError gets no
answer: the connection is dropped, or with `hold_timeouts` a timeout keeps it open, silent,
until the client gives up, which is what a client sees of a server that stopped answering.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import httpx

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]
_MAX_BODY = 64 * 1024 * 1024


class _BadHttp(Exception):
    """The client sent something this server does not parse."""


class HttpServer:
    """Serves a handler over HTTP/1.1 with keep-alive; enough for httpx and curl."""

    def __init__(self, handler: Handler, *, hold_timeouts: bool = False) -> None:
        self._handler = handler
        self._hold_timeouts = hold_timeouts
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
                except httpx.TimeoutException:
                    if self._hold_timeouts:
                        await _until_hung_up(reader)
                    return
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


async def _until_hung_up(reader: asyncio.StreamReader) -> None:
    while await reader.read(65536):
        pass


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
