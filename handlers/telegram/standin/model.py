"""Plain records the stand-in keeps: messages, files, calls, callback answers, errors."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

JSON = dict[str, Any]
ButtonRows = list[list[tuple[str, str | None]]]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024  # a bot may download files up to 20 MB
MAX_UPLOAD = 50 * 1024 * 1024  # and upload up to 50 MB


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, Telegram's description, parameters."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        """The JSON body Telegram answers with."""
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """A 403 with Telegram's "Forbidden: " prefix."""
    return ApiError(403, f"Forbidden: {reason}")


def not_found() -> ApiError:
    """The 404 Telegram answers for an unknown method or file."""
    return ApiError(404, "Not Found")


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request, as the bot sent it."""

    filename: str
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class SimFile:
    """A file the stand-in stores: uploaded by a user or by the bot."""

    file_id: str
    file_unique_id: str
    filename: str
    data: bytes
    mime_type: str
    file_path: str

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


@dataclass(frozen=True)
class Version:
    """What a message looked like before an edit."""

    text: str
    buttons: ButtonRows


@dataclass
class SimMessage:
    """One message in a chat, from the bot or from the user, as Telegram would show it."""

    chat_id: int
    message_id: int
    from_bot: bool
    date: int
    text: str = ""  # text or caption after markup parsing: what the user reads
    raw_text: str = ""  # as sent, with its markup
    parse_mode: str | None = None
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    reply_to_message_id: int | None = None
    link_preview_options: JSON | None = None
    document: SimFile | None = None
    photo: SimFile | None = None
    history: list[Version] = field(default_factory=list)
    deleted: bool = False
    edit_date: int | None = None
    update_id: int | None = None  # for user messages: the update that carried it

    @property
    def buttons(self) -> ButtonRows:
        """Inline keyboard rows as (label, callback_data); callback_data is None for URLs."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[(b.get("text", ""), b.get("callback_data")) for b in row] for row in rows]

    @property
    def labels(self) -> list[str]:
        """Every inline button label, row by row."""
        return [label for row in self.buttons for label, _ in row]

    @property
    def edited(self) -> bool:
        """Whether the message was edited at least once."""
        return bool(self.history)


@dataclass
class SimCallback:
    """One button press and how the bot answered it."""

    id: str
    user_id: int
    data: str
    message: SimMessage | None
    update_id: int
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass
class ApiCall:
    """One Bot API request the bot made, with the stand-in's answer."""

    method: str
    params: JSON
    at: float
    status: int = 0
    description: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.status == HTTPStatus.OK


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the bot's webhook, and what came back."""

    update_id: int
    status: int | None  # None when the connection failed
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the bot answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class RateLimits:
    """Flood limits enforced on sending methods, per sliding window of `window` seconds."""

    per_chat: int = 1
    overall: int = 30
    window: float = 1.0


@dataclass
class Failure:
    """An injected failure for the next calls of one method (to one chat, if `chat_id`)."""

    times: int
    status: int | None = None
    error: Literal["connect", "timeout"] | None = None
    delivered: bool = False  # "timeout" only: the call takes effect, then the answer is lost
    chat_id: int | None = None
    retry_after: int = 1  # with status 429


@dataclass
class Chaos:
    """Random faults on sending methods: a share refused before they take effect, a share
    whose answer is lost after they took effect. Seeded, so a run can be replayed."""

    refuse: float
    lose: float
    rng: random.Random
    refused: int = 0
    lost: int = 0
