"""What the Graph API does with a call: messages, media, the 24-hour window, templates.

Messages get `wamid` ids. Media is uploaded by multipart POST to /{phone-id}/media, its URL
asked with GET /{media-id}, its bytes fetched from that URL (on Meta's CDN, here on the
stand-in itself: `media_base`). A free-form message to a user who has not written for 24 hours
is refused with error 131047 (re-engagement); a template is not, and when approved templates
are configured an unknown name or language is refused with 132001.
"""

from __future__ import annotations

import email
import email.message
import hashlib
import itertools
from collections.abc import Callable, Mapping
from datetime import datetime

from handlers.whatsapp.standin.checks import check_message
from handlers.whatsapp.standin.model import (
    INVALID_PARAMETER,
    JSON,
    MEDIA_HOST,
    MEDIA_PATH,
    RE_ENGAGEMENT,
    TEMPLATE_NOT_FOUND,
    UNSUPPORTED_REQUEST,
    WINDOW,
    GraphError,
    Media,
    Sent,
)


class GraphApi:
    """The stand-in's state and the effect of each call on it."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        templates: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.clock = clock
        self.templates = templates  # approved name -> language codes; None: any
        self.sent: list[Sent] = []
        self.media: dict[str, Media] = {}
        self.last_inbound: dict[str, datetime] = {}
        self.media_base = MEDIA_HOST
        self._ids = itertools.count(1)

    def message(self, body: JSON) -> JSON:
        """Send a message, or raise the error Meta answers."""
        check_message(body)
        to = str(body.get("to") or body["recipient"])
        if body["type"] == "template":
            self._check_template(body["template"])
        elif not self.window_open(to):
            raise GraphError(
                RE_ENGAGEMENT,
                details="Message failed to send because more than 24 hours "
                "have passed since the customer last replied to this number.",
            )
        sent = Sent(to, body, f"wamid.OUT{next(self._ids)}")
        self.sent.append(sent)
        key = "user_id" if "recipient" in body else "wa_id"
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, key: to}],
            "messages": [{"id": sent.id}],
        }

    def window_open(self, to: str) -> bool:
        """Whether `to` wrote in the last 24 hours."""
        last = self.last_inbound.get(to)
        return last is not None and self.clock() - last < WINDOW

    def upload(self, content_type: str, content: bytes) -> JSON:
        """Store a file the bot uploads (multipart form with `file`)."""
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        form = email.message_from_bytes(head + content)
        parts = form.get_payload() if form.is_multipart() else []
        fields: dict[str, email.message.Message] = {}
        for part in parts:
            if isinstance(part, email.message.Message):
                fields[str(part.get_param("name", header="content-disposition"))] = part
        file = fields.get("file")
        data = file.get_payload(decode=True) if file is not None else None
        if file is None or not isinstance(data, bytes):
            raise GraphError(INVALID_PARAMETER, details="the file part is missing")
        media_id = str(900000 + next(self._ids))
        self.media[media_id] = Media(data, file.get_content_type(), file.get_filename() or "")
        return {"id": media_id}

    def media_url(self, media_id: str) -> JSON:
        """Where a stored file can be downloaded."""
        media = self.media.get(media_id)
        if media is None:
            raise _no_object(media_id)
        return {
            "url": f"{self.media_base}{MEDIA_PATH}?mid={media_id}",
            "mime_type": media.mime_type,
            "sha256": hashlib.sha256(media.data).hexdigest(),
            "file_size": len(media.data),
            "id": media_id,
            "messaging_product": "whatsapp",
        }

    def download(self, media_id: str) -> Media:
        """The bytes behind a media URL."""
        media = self.media.get(media_id)
        if media is None:
            raise GraphError(UNSUPPORTED_REQUEST, "Media not found", status=404)
        return media

    def put_media(self, data: bytes, mime: str, filename: str) -> str:
        """A file a user sent, as WhatsApp stores it before the webhook names its id."""
        media_id = str(800000 + next(self._ids))
        self.media[media_id] = Media(data, mime, filename)
        return media_id

    def _check_template(self, template: JSON) -> None:
        if self.templates is None:
            return
        languages = self.templates.get(str(template["name"]))
        if languages is None or template["language"]["code"] not in languages:
            raise GraphError(TEMPLATE_NOT_FOUND, details=f"template {template['name']!r}")


def _no_object(object_id: str) -> GraphError:
    return GraphError(
        UNSUPPORTED_REQUEST,
        f"Unsupported get request. Object with ID '{object_id}' does not exist",
    )
