"""The webhook: Meta's verification challenge, signed updates stored, then acted on.

Every POST must carry `X-Hub-Signature-256`, the HMAC-SHA256 of the body with the app secret:
without it 401, with a wrong one 403, and nothing is stored or done. Each user message of a
signed update is stored (`inbound_updates`) and committed *before* it is acted on, then handed
to pywa's dispatcher (and so to our handlers) as an update of its own; the request is answered
200 only after its messages have been processed and their outcome committed. pywa logs and
swallows a handler's exception and would answer 200 all the same: here the adapter records it,
the row says `failed` with the reason, and the payload stays in the database. A message id
already `done` or `failed` is not acted on again (Meta redelivers until it gets a 200); one
still `received` (the process died while acting on it) is acted on again, and the core's
update-id record keeps a state change from happening twice.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from pywa.utils import webhook_updates_validator
from pywa_async.client import WhatsApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.ports import Clock, InboundUpdate, UnitOfWorkFactory
from handlers.whatsapp.adapter import PROCESSING, Processing
from handlers.whatsapp.sender import CHANNEL

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-hub-signature-256"


class Webhook:
    """The two routes of the webhook path, bound to one pywa client."""

    def __init__(
        self,
        wa: WhatsApp,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        phone_id: str,
        app_secret: str,
        verify_token: str,
    ) -> None:
        if not app_secret or not verify_token:
            raise ValueError("the WhatsApp webhook needs an app secret and a verify token")
        self.wa = wa
        self.uow = uow
        self.clock = clock
        self.phone_id = phone_id
        self._app_secret = app_secret
        self._verify_token = verify_token

    async def challenge(self, request: Request) -> Response:
        """GET: answer Meta's hub challenge when the verify token matches."""
        query = request.query_params
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            token.encode(), self._verify_token.encode()
        ):
            logger.warning("WhatsApp webhook verification refused")
            return PlainTextResponse("Forbidden", 403)
        return PlainTextResponse(query.get("hub.challenge", ""), 200)

    async def receive(self, request: Request) -> Response:
        """POST: check the signature, store each message, act on it, then answer 200."""
        body = await request.body()
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            logger.warning("WhatsApp update without a signature refused")
            return PlainTextResponse("Unauthorized", 401)
        if not webhook_updates_validator(self._app_secret, body, signature):
            logger.warning("WhatsApp update with a wrong signature refused")
            return PlainTextResponse("Forbidden", 403)
        try:
            payload = json.loads(body)
        except ValueError:
            return PlainTextResponse("Bad Request", 400)
        for update_id, single in split(payload, self.phone_id):
            await self.process(update_id, single)
        return PlainTextResponse("ok", 200)

    async def process(self, update_id: str, payload: dict[str, Any]) -> None:
        """Store one message, let pywa dispatch it to our handlers, record the outcome."""
        async with self.uow() as uow:
            earlier = await uow.inbox.receive(
                InboundUpdate(CHANNEL, update_id, payload, self.clock.now())
            )
            await uow.commit()
        if earlier in ("done", "failed"):
            logger.info("WhatsApp message %s was handled before; not again", update_id)
            return
        processing = Processing()
        token = PROCESSING.set(processing)
        try:
            await self.wa.webhook_update_handler(json.dumps(payload).encode())
        finally:
            PROCESSING.reset(token)
        error = repr(processing.error) if processing.error is not None else None
        if not processing.handled:
            error = "no handler took the update"
        async with self.uow() as uow:
            status = "failed" if error else "done"
            await uow.inbox.finish(CHANNEL, update_id, status, self.clock.now(), error)
            await uow.commit()

    def routes(self, path: str) -> list[Route]:
        """The GET and POST routes at the webhook path."""
        return [
            Route(path, self.challenge, methods=["GET"]),
            Route(path, self.receive, methods=["POST"]),
        ]


def split(payload: dict[str, Any], phone_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Each user message to our number as an update of its own (pywa reads only the first).

    Delivery statuses and other fields are not stored: nothing in them needs an answer.
    """
    out = []
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            ours = (value.get("metadata") or {}).get("phone_number_id") == phone_id
            if change.get("field") == "messages" and ours:
                for message in value.get("messages") or []:
                    single = _single(payload, entry, value, message)
                    out.append((str(message["id"]), single))
    return out


def _single(
    payload: dict[str, Any], entry: dict[str, Any], value: dict[str, Any], message: dict[str, Any]
) -> dict[str, Any]:
    """The update as if `message` had come alone, with its sender's contact."""
    alone = {**value, "messages": [message], "contacts": _contact_of(value, message)}
    alone.pop("statuses", None)
    change = {"field": "messages", "value": alone}
    return {
        "object": payload.get("object"),
        "entry": [{"id": entry.get("id"), "changes": [change]}],
    }


def _contact_of(value: dict[str, Any], message: dict[str, Any]) -> list[dict[str, Any]]:
    contacts: list[dict[str, Any]] = value.get("contacts") or []
    user, phone = message.get("from_user_id"), message.get("from")
    for contact in contacts:
        if (user and contact.get("user_id") == user) or (phone and contact.get("wa_id") == phone):
            return [contact]
    return contacts[:1]


def starlette_app(webhook: Webhook, path: str) -> Starlette:
    """The ASGI application that serves the webhook."""
    return Starlette(routes=webhook.routes(path))
