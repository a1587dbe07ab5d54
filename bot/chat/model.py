"""What a channel adapter hands to the conversation core, and what it gets back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.replies import Reply


@dataclass(frozen=True)
class Sender:
    """A chat account: the channel and the platform's id for the person."""

    channel: str
    external_id: str
    name: str = ""


@dataclass(frozen=True)
class IncomingFile:
    """An uploaded file; `fetch` downloads it, after the declared size has been checked."""

    filename: str
    size: int | None
    fetch: Callable[[], Awaitable[bytes]]
    media_type: str | None = None


@dataclass(frozen=True)
class Incoming:
    """One incoming update: a text, a button press or a file."""

    sender: Sender
    update_id: str | None = None
    text: str | None = None
    action: str | None = None
    file: IncomingFile | None = None
    message_ref: str | None = None  # the pressed message, as the channel can edit it later


@dataclass
class Answer:
    """What the adapter shows the sender: new messages, an edited message, a short notice.

    `edit` replaces the pressed message, or the message `edit_ref` names (a decision taken
    after a dialogue edits the message whose button started it). `toast` is the short answer
    to a button press; channels without toasts send it as a message.
    """

    replies: list[Reply] = field(default_factory=list)
    edit: Reply | None = None
    edit_ref: str | None = None
    toast: Reply | None = None

    @classmethod
    def say(cls, text_key: str, **params: object) -> Answer:
        """A single plain message."""
        return cls([Reply(text_key, dict(params))])
