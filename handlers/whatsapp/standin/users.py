"""Simulated people on WhatsApp: what they write reaches the bot through the webhook pusher."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from handlers.whatsapp.standin.model import JSON, Sent
from handlers.whatsapp.standin.updates import WaUser

if TYPE_CHECKING:
    from handlers.whatsapp.standin.core import GraphStandIn


class SimUser:
    """A person writing to the bot's number. Each message opens their 24-hour window (under
    both their phone number and their BSUID) and is queued for the webhook; settle() waits
    until the bot answered it. Every method returns the new message's wamid."""

    def __init__(self, standin: GraphStandIn, profile: WaUser) -> None:
        self.standin = standin
        self.profile = profile

    @property
    def wa_id(self) -> str:
        """The phone number WhatsApp names them by."""
        return self.profile.wa_id

    @property
    def bsuid(self) -> str:
        """Their business-scoped user id."""
        return self.profile.bsuid

    @property
    def name(self) -> str:
        """Their profile name."""
        return self.profile.name

    def say(self, text: str) -> str:
        """Send a text message."""
        return self.send(self.profile.text(text, self.standin.now()))

    def press(self, label: str, message: Sent | None = None) -> str:
        """Tap the reply button or list row whose title (or description) contains `label`,
        on `message` or else on the newest message offering it."""
        message = message or self.with_choice(label)
        found = [c for c in message.choices if label in c[0] or label in c[2]]
        if not found:
            raise LookupError(f"{message.id} offers no {label!r}: {message.labels}")
        title, data, _ = found[0]
        now = self.standin.now()
        if message.is_list:
            return self.send(self.profile.selection(title, data, message.id, now))
        return self.send(self.profile.button(title, data, message.id, now))

    def upload(self, filename: str, data: bytes, mime: str) -> str:
        """Send a document: stored on the stand-in first, as WhatsApp does."""
        media_id = self.standin.put_media(data, mime, filename)
        digest = hashlib.sha256(data).hexdigest()
        now = self.standin.now()
        return self.send(self.profile.document(media_id, filename, mime, now, digest))

    def send(self, payload: JSON) -> str:
        """Send an update built with `profile` (any message type)."""
        return self.standin.receive(self, payload)

    @property
    def inbox(self) -> list[Sent]:
        """Everything the bot sent them, oldest first."""
        return self.standin.to(self)

    @property
    def last(self) -> Sent:
        """The newest message the bot sent them."""
        inbox = self.inbox
        if not inbox:
            raise LookupError(f"the bot sent nothing to {self.name}")
        return inbox[-1]

    def with_choice(self, label: str) -> Sent:
        """The newest message to them offering a choice that contains `label`."""
        for message in reversed(self.inbox):
            if any(label in title or label in desc for title, _, desc in message.choices):
                return message
        raise LookupError(f"no message to {self.name} offers {label!r}")
