"""Plain records of the Graph API stand-in: sent messages, stored media, calls, errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import httpx

JSON = dict[str, Any]

PHONE_ID = "1122334455667"
WABA_ID = "1234567890987654321"
DISPLAY_NUMBER = "6221555000"
ACCESS_TOKEN = "wa-token"
APP_SECRET = "rahasia-aplikasi-meta"
VERIFY_TOKEN = "verifikasi-webhook-123"
MEDIA_HOST = "https://lookaside.fbsbx.com"  # where Meta's media URLs point
MEDIA_PATH = "/whatsapp_business/attachments/"
WINDOW = timedelta(hours=24)  # the customer service window

# Graph API error codes the stand-in answers with (pywa.errors maps them to classes).
RE_ENGAGEMENT = 131047
RATE_LIMIT_HIT = 130429
PAIR_RATE_LIMIT = 131056
INVALID_PARAMETER = 131009
TEMPLATE_NOT_FOUND = 132001
UNSUPPORTED_REQUEST = 100
INVALID_TOKEN = 190
SOMETHING_WENT_WRONG = 131000
SERVICE_UNAVAILABLE = 131016

_MESSAGES = {
    RE_ENGAGEMENT: "Re-engagement message",
    RATE_LIMIT_HIT: "Rate limit hit",
    PAIR_RATE_LIMIT: "(Business Account, Consumer Account) pair rate limit hit",
    INVALID_PARAMETER: "Parameter value is not valid",
    TEMPLATE_NOT_FOUND: "Template name does not exist in the translation",
    UNSUPPORTED_REQUEST: "Unsupported request",
    INVALID_TOKEN: "Invalid OAuth access token",
    SOMETHING_WENT_WRONG: "Something went wrong",
    SERVICE_UNAVAILABLE: "Service unavailable",
}
_STATUS = {INVALID_TOKEN: 401, SOMETHING_WENT_WRONG: 500, SERVICE_UNAVAILABLE: 503}

ErrorKind = Literal["connect", "timeout", "disconnect"]


class GraphError(Exception):
    """An error answer of the Graph API: HTTP status and Meta's error object."""

    def __init__(
        self, code: int, message: str | None = None, status: int | None = None, details: str = ""
    ) -> None:
        self.code = code
        self.message = message or _MESSAGES.get(code, "Error")
        self.status = status or _STATUS.get(code, 400)
        self.details = details
        super().__init__(f"({code}) {self.message}")

    def response(self) -> httpx.Response:
        """The JSON answer Meta gives."""
        error: JSON = {
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": "AStandIn",
        }
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        return httpx.Response(self.status, json={"error": error})


@dataclass
class Sent:
    """One message the bot sent, as the Graph API received it."""

    to: str
    body: JSON
    id: str

    @property
    def type(self) -> str:
        """text, interactive, document, template..."""
        return str(self.body["type"])

    @property
    def text(self) -> str:
        """What the person reads: a text's body or an interactive message's body."""
        if self.type == "text":
            return str(self.body["text"]["body"])
        if self.type == "interactive":
            return str(self.body["interactive"].get("body", {}).get("text", ""))
        if self.type == "document":  # its caption
            return str(self.body["document"].get("caption", ""))
        return ""

    @property
    def choices(self) -> list[tuple[str, str, str]]:
        """(title, id, description) of its reply buttons or list rows."""
        if self.type != "interactive":
            return []
        action = self.body["interactive"]["action"]
        if "buttons" in action:
            return [(b["reply"]["title"], b["reply"]["id"], "") for b in action["buttons"]]
        rows = [row for section in action.get("sections", []) for row in section["rows"]]
        return [(r["title"], r["id"], r.get("description", "")) for r in rows]

    @property
    def labels(self) -> list[str]:
        """The titles of its buttons or rows."""
        return [title for title, _, _ in self.choices]

    @property
    def is_list(self) -> bool:
        """Whether its choices open as a list (answered with a list_reply)."""
        return self.type == "interactive" and self.body["interactive"]["type"] == "list"


@dataclass(frozen=True)
class Media:
    """A file the stand-in keeps: uploaded by the bot or sent by a user."""

    data: bytes
    mime_type: str
    filename: str


@dataclass
class GraphCall:
    """One request the bot made, with the stand-in's answer."""

    method: str
    path: str
    kind: str  # messages, media, media_url, download or unknown
    to: str | None = None
    status: int = 0  # 0: no answer (an injected transport error, or still in flight)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the call was answered 2xx."""
        return 200 <= self.status < 300


@dataclass
class Failure:
    """An injected failure for the next calls of one endpoint or message type."""

    times: int
    status: int | None = None
    code: int | None = None
    message: str | None = None
    error: ErrorKind | None = None
    delivered: bool = False  # the call takes effect first; then the failure is answered


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the bot's webhook, and what came back."""

    key: str  # the id of the message it carried (or of a pushed payload)
    attempt: int
    status: int | None  # None when the connection failed
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the bot answered 2xx."""
        return self.status is not None and 200 <= self.status < 300
