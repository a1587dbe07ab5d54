"""One webhook route for every channel: the sender is checked, the update stored, then answered.

Telegram and Meta send an update again until they get a 2xx answer. Each request's sender is
checked first (Telegram's secret token, Meta's signature); then its updates are stored in the
inbox in one transaction, and the answer is 200 only after that commit. A failed insert answers
503, so the platform tries again later. The inbox worker handles the update afterwards.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.inbox import InboxWorker, Received

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inbound:
    """A channel's webhook: how a request's sender is checked and what of it is stored."""

    channel: str
    path: str
    # A refusal (401/403) for a request not from the platform, or None for a genuine one.
    check: Callable[[Request, bytes], Response | None]
    split: Callable[[dict[str, Any]], list[Received]]
    # GET at the same path (Meta's verification challenge), if the channel has one.
    challenge: Callable[[Request], Awaitable[Response]] | None = None


def webhook_app(inbounds: Sequence[Inbound], inbox: InboxWorker) -> Starlette:
    """The ASGI application serving every channel's webhook path."""
    routes: list[Route] = []
    for inbound in inbounds:
        routes.append(Route(inbound.path, _receiver(inbound, inbox), methods=["POST"]))
        if inbound.challenge is not None:
            routes.append(Route(inbound.path, inbound.challenge, methods=["GET"]))
    return Starlette(routes=routes)


def _receiver(
    inbound: Inbound, inbox: InboxWorker
) -> Callable[[Request], Awaitable[Response]]:
    async def receive(request: Request) -> Response:
        """POST: check the sender, store the updates, answer after the commit."""
        body = await request.body()
        refusal = inbound.check(request, body)
        if refusal is not None:
            logger.warning("%s webhook request refused (%s)", inbound.channel,
                           refusal.status_code)  # fmt: skip
            return refusal
        try:
            payload = json.loads(body)
            received = inbound.split(payload)
        except (ValueError, KeyError, TypeError, IndexError):
            logger.warning("%s webhook request could not be read", inbound.channel)
            return PlainTextResponse("Bad Request", 400)
        if received:
            try:
                await inbox.store(received)
            except Exception:  # the platform sends it again: nothing is lost
                logger.warning("%s update could not be stored; asking for it again",
                               inbound.channel, exc_info=True)  # fmt: skip
                return PlainTextResponse("Service Unavailable", 503)
        return PlainTextResponse("ok", 200)

    return receive
