"""The WhatsApp webhook: Meta's verification challenge, and signed updates split per message.

Every POST must carry `X-Hub-Signature-256`, the HMAC-SHA256 of the body with the app secret:
without it 401, with a wrong one 403, and nothing is stored. Each user message of a signed
update is stored as an update of its own (pywa reads only the first of a batch); delivery
statuses are not stored (nothing in them needs an answer). The shared route in
`handlers/webhooks.py` stores them and answers 200 only after the commit.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from pywa.utils import webhook_updates_validator
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.inbox import Received
from handlers.webhooks import Inbound
from handlers.whatsapp.adapter import chat_key
from handlers.whatsapp.sender import CHANNEL

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-hub-signature-256"


class Webhook:
    """The checks of the webhook path, bound to the app's secrets."""

    def __init__(self, *, phone_id: str, app_secret: str, verify_token: str) -> None:
        if not app_secret or not verify_token:
            raise ValueError("the WhatsApp webhook needs an app secret and a verify token")
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

    def check(self, request: Request, body: bytes) -> Response | None:
        """A refusal unless the body is signed with the app secret."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return PlainTextResponse("Unauthorized", 401)
        if not webhook_updates_validator(self._app_secret, body, signature):
            return PlainTextResponse("Forbidden", 403)
        return None

    def received(self, payload: dict[str, Any]) -> list[Received]:
        """Each message to our number, as an update of its own."""
        return [
            Received(CHANNEL, update_id, single, chat_key(single))
            for update_id, single in split(payload, self.phone_id)
        ]

    def inbound(self, path: str) -> Inbound:
        """The route's description for `handlers.webhooks`."""
        return Inbound(CHANNEL, path, self.check, self.received, self.challenge)


def split(payload: dict[str, Any], phone_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Each user message to our number as an update of its own."""
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
