"""A stand-in of the WhatsApp Cloud API (Graph API) as one httpx transport, and simulated users.

The fake answers like the Graph API: messages get `wamid` ids, media is uploaded by multipart
POST, its URL is asked with GET /{media-id} and its bytes fetched from that URL. It enforces the
24-hour window itself: a free-form message to a user who has not written for 24 hours is
refused with error 131047 (re-engagement), a template is not. Updates the users send are built
like pywa's tests/data/updates/*.json, with the 2026 fields (contacts[].user_id, the BSUID).
"""

from __future__ import annotations

import email
import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.clock import FixedClock

PHONE_ID = "1122334455667"
WABA_ID = "1234567890987654321"
APP_SECRET = "rahasia-aplikasi-meta"
VERIFY_TOKEN = "verifikasi-webhook-123"
MEDIA_HOST = "lookaside.fbsbx.com"
WINDOW = timedelta(hours=24)


@dataclass
class Sent:
    """One message the bot sent, as the Graph API received it."""

    to: str
    body: dict[str, Any]
    id: str

    @property
    def type(self) -> str:
        return str(self.body["type"])

    @property
    def text(self) -> str:
        if self.type == "text":
            return str(self.body["text"]["body"])
        if self.type == "interactive":
            return str(self.body["interactive"].get("body", {}).get("text", ""))
        return ""

    @property
    def choices(self) -> list[tuple[str, str, str]]:
        """(title, id, description) of its reply buttons or list rows."""
        if self.type != "interactive":
            return []
        action = self.body["interactive"]["action"]
        if "buttons" in action:
            return [(b["reply"]["title"], b["reply"]["id"], "") for b in action["buttons"]]
        rows = [row for section in action["sections"] for row in section["rows"]]
        return [(r["title"], r["id"], r.get("description", "")) for r in rows]

    @property
    def labels(self) -> list[str]:
        return [title for title, _, _ in self.choices]

    @property
    def is_list(self) -> bool:
        return self.type == "interactive" and self.body["interactive"]["type"] == "list"


@dataclass
class FakeGraph:
    """Records what the bot sends; `transport` goes into pywa's httpx.AsyncClient."""

    clock: FixedClock
    sent: list[Sent] = field(default_factory=list)
    media: dict[str, tuple[bytes, str, str]] = field(default_factory=dict)
    last_inbound: dict[str, datetime] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)  # the next sends fail with these
    calls: list[str] = field(default_factory=list)
    token: str = "wa-token"  # the access token the bot must send
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one Graph API call."""
        self.calls.append(f"{request.method} {request.url.path}")
        if request.url.host == MEDIA_HOST:
            data, mime, _ = self.media[request.url.params["mid"]]
            return httpx.Response(200, content=data, headers={"Content-Type": mime})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, 190, "Invalid OAuth access token")
        parts = request.url.path.strip("/").split("/")  # v26.0 / <id> [/ messages|media]
        if request.method == "POST" and parts[-1] == "messages":
            return self._message(json.loads(request.content))
        if request.method == "POST" and parts[-1] == "media":
            return self._upload(request)
        if request.method == "GET" and len(parts) == 2 and parts[1] in self.media:
            return self._media_url(parts[1])
        return _error(400, 100, f"Unsupported request {request.method} {request.url.path}")

    def _message(self, body: dict[str, Any]) -> httpx.Response:
        to = body.get("to") or body["recipient"]
        if self.errors:
            error = self.errors.pop(0)
            return _error(error.get("status", 400), error["code"], error.get("message", "x"))
        last = self.last_inbound.get(to)
        if body["type"] != "template" and (last is None or self.clock.now() - last >= WINDOW):
            return _error(400, 131047, "Re-engagement message")
        sent = Sent(to, body, f"wamid.OUT{next(self._ids)}")
        self.sent.append(sent)
        key = "user_id" if "recipient" in body else "wa_id"
        contacts = [{"input": to, key: to}]
        return httpx.Response(
            200,
            json={
                "messaging_product": "whatsapp",
                "contacts": contacts,
                "messages": [{"id": sent.id}],
            },
        )

    def _upload(self, request: httpx.Request) -> httpx.Response:
        head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
        message = email.message_from_bytes(head + request.content)
        fields = {
            p.get_param("name", header="content-disposition"): p for p in message.get_payload()
        }
        file = fields["file"]
        media_id = str(900000 + next(self._ids))
        data = file.get_payload(decode=True)
        self.media[media_id] = (data, file.get_content_type(), file.get_filename() or "")
        return httpx.Response(200, json={"id": media_id})

    def _media_url(self, media_id: str) -> httpx.Response:
        data, mime, _ = self.media[media_id]
        return httpx.Response(
            200,
            json={
                "url": f"https://{MEDIA_HOST}/whatsapp_business/attachments/?mid={media_id}",
                "mime_type": mime,
                "sha256": hashlib.sha256(data).hexdigest(),
                "file_size": len(data),
                "id": media_id,
                "messaging_product": "whatsapp",
            },
        )

    def put_media(self, data: bytes, mime: str, filename: str) -> str:
        """A file a user sent, as WhatsApp stores it before the webhook names its id."""
        media_id = str(800000 + next(self._ids))
        self.media[media_id] = (data, mime, filename)
        return media_id

    def to(self, user: WaUser) -> list[Sent]:
        """Everything sent to that user, in order."""
        return [m for m in self.sent if m.to in (user.bsuid, user.wa_id)]

    def document(self, message: Sent) -> tuple[bytes, str]:
        """The bytes and file name of a document message."""
        document = message.body["document"]
        return self.media[document["id"]][0], document.get("filename", "")


def _error(status: int, code: int, message: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "error": {
                "message": message,
                "type": "OAuthException",
                "code": code,
                "fbtrace_id": "Afake",
            }
        },
    )


@dataclass
class WaUser:
    """A simulated WhatsApp user who writes to the bot's number."""

    wa_id: str
    name: str
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def bsuid(self) -> str:
        return f"ID.{self.wa_id}"

    def next_id(self) -> str:
        return f"wamid.IN{self.wa_id}.{next(self._ids)}"

    def update(self, message: dict[str, Any], at: datetime) -> dict[str, Any]:
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
            "metadata": {"display_phone_number": "6221555000", "phone_number_id": PHONE_ID},
            "contacts": [contact],
            "messages": [message],
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
        }

    def text(self, body: str, at: datetime) -> dict[str, Any]:
        return self.update({"type": "text", "text": {"body": body}}, at)

    def button(self, title: str, data: str, context: str, at: datetime) -> dict[str, Any]:
        reply = {"type": "button_reply", "button_reply": {"id": data, "title": title}}
        return self.update(
            {
                "type": "interactive",
                "interactive": reply,
                "context": {"from": "6221555000", "id": context},
            },
            at,
        )

    def selection(self, title: str, data: str, context: str, at: datetime) -> dict[str, Any]:
        reply = {"type": "list_reply", "list_reply": {"id": data, "title": title}}
        return self.update(
            {
                "type": "interactive",
                "interactive": reply,
                "context": {"from": "6221555000", "id": context},
            },
            at,
        )

    def document(self, media_id: str, filename: str, mime: str, at: datetime) -> dict[str, Any]:
        document = {"filename": filename, "mime_type": mime, "sha256": "x", "id": media_id}
        return self.update({"type": "document", "document": document}, at)


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    """The X-Hub-Signature-256 header Meta sends with a webhook body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
