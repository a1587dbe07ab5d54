"""Webhook updates as Meta sends them, and their X-Hub-Signature-256.

Built like pywa's tests/data/updates/*.json, with the 2026 fields (contacts[].user_id and
messages[].from_user_id, the business-scoped user id, BSUID).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from dataclasses import dataclass, field
from datetime import datetime

from handlers.whatsapp.standin.model import APP_SECRET, DISPLAY_NUMBER, JSON, PHONE_ID, WABA_ID


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    """The X-Hub-Signature-256 header Meta sends with a webhook body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Business:
    """The bot's number as updates name it."""

    phone_id: str = PHONE_ID
    waba_id: str = WABA_ID
    display_number: str = DISPLAY_NUMBER


@dataclass
class WaUser:
    """A WhatsApp user who writes to the bot's number: builds the updates their messages make."""

    wa_id: str
    name: str
    business: Business = field(default_factory=Business)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def bsuid(self) -> str:
        """The business-scoped user id (stands for the phone number in newer updates)."""
        return f"ID.{self.wa_id}"

    def next_id(self) -> str:
        """A fresh wamid for this user's next message."""
        return f"wamid.IN{self.wa_id}.{next(self._ids)}"

    def update(self, message: JSON, at: datetime) -> JSON:
        """A webhook update carrying one message of this user."""
        message = {
            "from": self.wa_id,
            "from_user_id": self.bsuid,
            "id": self.next_id(),
            "timestamp": str(int(at.timestamp())),
            **message,
        }
        contact = {"profile": {"name": self.name}, "wa_id": self.wa_id, "user_id": self.bsuid}
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": self.business.display_number,
                "phone_number_id": self.business.phone_id,
            },
            "contacts": [contact],
            "messages": [message],
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": self.business.waba_id, "changes": [{"value": value, "field": "messages"}]}
            ],
        }

    def text(self, body: str, at: datetime) -> JSON:
        """A text message."""
        return self.update({"type": "text", "text": {"body": body}}, at)

    def button(self, title: str, data: str, context: str, at: datetime) -> JSON:
        """A press on a reply button of the message `context`."""
        reply = {"type": "button_reply", "button_reply": {"id": data, "title": title}}
        return self._interactive(reply, context, at)

    def selection(self, title: str, data: str, context: str, at: datetime) -> JSON:
        """A row chosen from the list of the message `context`."""
        reply = {"type": "list_reply", "list_reply": {"id": data, "title": title}}
        return self._interactive(reply, context, at)

    def document(
        self, media_id: str, filename: str, mime: str, at: datetime, sha256: str = "x"
    ) -> JSON:
        """A document already stored under `media_id`."""
        document = {"filename": filename, "mime_type": mime, "sha256": sha256, "id": media_id}
        return self.update({"type": "document", "document": document}, at)

    def _interactive(self, reply: JSON, context: str, at: datetime) -> JSON:
        back = {"from": self.business.display_number, "id": context}
        return self.update({"type": "interactive", "interactive": reply, "context": back}, at)


def message_ids(payload: JSON) -> list[str]:
    """The ids of the user messages an update carries."""
    return [
        str(message["id"])
        for entry in payload.get("entry") or []
        for change in entry.get("changes") or []
        for message in (change.get("value") or {}).get("messages") or []
    ]
