"""The Graph API's endpoints over the stand-in's state, with injected failures applied.

POST /{phone-id}/messages and /{phone-id}/media, GET /{media-id}, and the media download URL.
The version segment (/v26.0) is found wherever it is, so a WHATSAPP_GRAPH_URL with a path
prefix (an egress gateway's) reaches the same endpoints.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable

import httpx

from handlers.whatsapp.standin.api import GraphApi
from handlers.whatsapp.standin.faults import Faults, error_of, transport_error
from handlers.whatsapp.standin.model import (
    INVALID_TOKEN,
    JSON,
    MEDIA_PATH,
    UNSUPPORTED_REQUEST,
    Failure,
    GraphCall,
    GraphError,
)

_VERSION = re.compile(r"v\d+(\.\d+)?")


class Endpoints:
    """Routes a request to the effect it has, as graph.facebook.com would answer it."""

    def __init__(self, api: GraphApi, faults: Faults, phone_id: str, token: str | None) -> None:
        self.api = api
        self.faults = faults
        self.phone_id = phone_id
        self.token = token  # None: any access token is accepted

    async def answer(self, request: httpx.Request, call: GraphCall) -> httpx.Response:
        """The answer to one request (or the transport error an injected failure raises)."""
        if self.token is not None and request.headers.get("authorization") != (
            f"Bearer {self.token}"
        ):
            return GraphError(INVALID_TOKEN).response()
        parts = _api_path(request.url.path)
        if call.kind == "download":
            return self._download(request)
        if call.kind == "media_url":
            return self._guarded(request, ["media_url"], lambda: self.api.media_url(parts[0]))
        if parts and parts[0] != self.phone_id:
            error = f"Object with ID '{parts[0]}' does not exist"
            return GraphError(UNSUPPORTED_REQUEST, f"Unsupported post request. {error}").response()
        if call.kind == "media":
            content_type = request.headers.get("content-type", "")
            return self._guarded(
                request, ["media"], lambda: self.api.upload(content_type, request.content)
            )
        if call.kind == "messages":
            return await self._message(request, call)
        unsupported = f"Unsupported request {call.method} {call.path}"
        return GraphError(UNSUPPORTED_REQUEST, unsupported).response()

    async def _message(self, request: httpx.Request, call: GraphCall) -> httpx.Response:
        try:
            body = json.loads(request.content)
        except ValueError:
            return GraphError(UNSUPPORTED_REQUEST, "Invalid JSON body").response()
        if not isinstance(body, dict):
            return GraphError(UNSUPPORTED_REQUEST, "Invalid JSON body").response()
        call.to = str(body.get("to") or body.get("recipient") or "") or None
        stall = self.faults.stall_for(call.to)
        if stall:
            await asyncio.sleep(stall)  # a slow recipient: the wall-clock wait is the point

        def send() -> JSON:
            throttled = self.faults.throttled(call.to)
            if throttled is not None:
                raise throttled
            return self.api.message(body)

        return self._guarded(request, [str(body.get("type")), "messages"], send)

    def _download(self, request: httpx.Request) -> httpx.Response:
        media_id = request.url.params.get("mid", "")
        failure = self.faults.take("download")
        if failure is not None and not failure.delivered:
            return _failed(failure, request)
        try:
            media = self.api.download(media_id)
        except GraphError as exc:
            return exc.response()
        if failure is not None:
            return _failed(failure, request)
        return httpx.Response(200, content=media.data, headers={"Content-Type": media.mime_type})

    def _guarded(
        self, request: httpx.Request, targets: list[str], act: Callable[[], JSON]
    ) -> httpx.Response:
        """Do `act` unless an injected failure comes first, or after it (delivered)."""
        failure = self.faults.take(*targets)
        if failure is not None and not failure.delivered:
            return _failed(failure, request)
        try:
            result = act()
        except GraphError as exc:
            return exc.response()
        if failure is not None:
            return _failed(failure, request)
        return httpx.Response(200, json=result)


def _api_path(path: str) -> list[str]:
    """The parts after the version (/v26.0/<id>/messages -> [<id>, messages])."""
    parts = [part for part in path.split("/") if part]
    for index, part in enumerate(parts):
        if _VERSION.fullmatch(part):
            return parts[index + 1 :]
    return []


def kind_of(request: httpx.Request) -> str:
    """messages, media, media_url, download or unknown."""
    if request.url.path.rstrip("/") == MEDIA_PATH.rstrip("/"):
        return "download"
    parts = _api_path(request.url.path)
    if request.method == "POST" and len(parts) == 2 and parts[1] in ("messages", "media"):
        return parts[1]
    if request.method == "GET" and len(parts) == 1:
        return "media_url"
    return "unknown"


def _failed(failure: Failure, request: httpx.Request) -> httpx.Response:
    if failure.error is not None:
        raise transport_error(failure.error, request)
    return error_of(failure).response()
