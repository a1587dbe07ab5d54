"""The WhatsApp adapter: stored updates in, the core's answers queued. No business rules here.

The inbox worker hands each stored message to `handle`, which lets pywa dispatch it to the
callbacks registered in `app.py` (the bound methods below) inside the update's one transaction.
pywa logs and swallows a callback's exception, so the callbacks keep it in `Processing` and
`handle` raises it again: the transaction then rolls back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from pywa_async.client import WhatsApp
from pywa_async.types.callback import CallbackButton, CallbackSelection
from pywa_async.types.message import Message

from bot.chat.core import ChatCore
from bot.chat.model import Incoming, IncomingFile, Sender
from bot.errors import Unavailable
from bot.ports import ChatRoute, Envelope, Handled, OutgoingMessage, StoredUpdate
from handlers.whatsapp.sender import CHANNEL

logger = logging.getLogger(__name__)

FOLLOW_UP = ":lanjutan"  # suffix of the outbox key of a held message, queued again
QUICK_REPLY_TEXT = "tugas"  # a template's quick-reply button shows the person's tasks


@dataclass(frozen=True)
class Media:
    """An attachment's facts, asked (and its bytes fetched) before the transaction."""

    size: int | None
    mime_type: str | None
    url: str
    data: bytes | None


@dataclass
class Processing:
    """What became of one update while pywa dispatched it (pywa itself swallows errors)."""

    media: dict[str, Media] = field(default_factory=dict)
    handled: bool = False
    error: BaseException | None = None


PROCESSING: ContextVar[Processing | None] = ContextVar("whatsapp_processing", default=None)


def read_envelope(payload: dict[str, Any]) -> Envelope:
    """Who sent a stored message, and what, without acting on it (pywa's preferred id:
    the business-scoped user id, else the phone number)."""
    value = payload["entry"][0]["changes"][0]["value"]
    message = value["messages"][0]
    contact = (value.get("contacts") or [{}])[0]
    user = contact.get("user_id") or message.get("from_user_id")
    route = ChatRoute(CHANNEL, str(user or contact.get("wa_id") or message["from"]))
    kind = message.get("type")
    if kind == "interactive" or kind == "button":
        return Envelope(route, "button")
    if kind in ("document", "image"):
        return Envelope(route, "file", (message.get(kind) or {}).get("caption"))
    return Envelope(route, "text", (message.get("text") or {}).get("body"))


def chat_key(payload: dict[str, Any]) -> str:
    """Messages of one person are handled in order: `whatsapp:<id>`."""
    chat = read_envelope(payload).chat
    assert chat is not None
    return chat.key


class WhatsAppAdapter:
    """Bound methods of this object are the pywa handlers' callbacks (core injected)."""

    def __init__(self, core: ChatCore, wa: WhatsApp) -> None:
        self.core = core
        self.wa = wa

    # -- the inbox worker's side (bot.ports.UpdateHandler) -------------------------------

    def envelope(self, payload: dict[str, Any]) -> Envelope:
        """Who sent a stored message, and what."""
        return read_envelope(payload)

    async def prepare(self, update: StoredUpdate) -> object:
        """Ask an attachment's size and fetch its bytes before the transaction begins."""
        message = update.payload["entry"][0]["changes"][0]["value"]["messages"][0]
        media_id = (message.get("document") or message.get("image") or {}).get("id")
        if not media_id:
            return {}
        try:
            found = await self.wa.get_media_url(media_id)
            data = None
            if found.file_size is not None and found.file_size <= self.core.policy.max_bytes:
                data = await self.wa.get_media_bytes(found.url)
        except httpx.HTTPError as error:
            raise Unavailable(f"WhatsApp media download: {error!r}") from error
        return {media_id: Media(found.file_size, found.mime_type, found.url, data)}

    async def handle(self, update: StoredUpdate, prepared: object) -> Handled:
        """Let pywa dispatch the message to the callbacks below, in the caller's transaction."""
        media = prepared if isinstance(prepared, dict) else {}
        processing = Processing(media)
        token = PROCESSING.set(processing)
        try:
            await self.wa.webhook_update_handler(json.dumps(update.payload).encode())
        finally:
            PROCESSING.reset(token)
        if processing.error is not None:
            raise processing.error
        if not processing.handled:
            logger.info("WhatsApp message %s needs no answer", update.update_id)
        return Handled()

    # -- pywa's side: callbacks registered in app.py ----------------------------------------

    async def on_message(self, wa: WhatsApp, msg: Message) -> None:
        """A text, a document or a photo; other kinds (stickers, reactions…) get no answer."""
        sender = _sender(msg)
        text = msg.text or msg.caption

        async def incoming() -> Incoming | None:
            file = self._file_of(wa, msg)
            if text is None and file is None:
                return None
            return Incoming(sender, msg.id, text=text, file=file)

        await self._answer(sender, msg.timestamp, incoming)

    async def on_button(self, wa: WhatsApp, button: CallbackButton[str]) -> None:
        """A reply button press: its id is the core's action data."""
        sender, ref = _sender(button), _ref(button)

        async def incoming() -> Incoming:
            if button.is_quick_reply:  # the template's button only opens the window
                return Incoming(sender, button.id, text=QUICK_REPLY_TEXT)
            return Incoming(sender, button.id, action=str(button.data), message_ref=ref)

        await self._answer(sender, button.timestamp, incoming)

    async def on_selection(self, wa: WhatsApp, selection: CallbackSelection[str]) -> None:
        """A row chosen from a list: its id is the core's action data."""
        sender, ref = _sender(selection), _ref(selection)

        async def incoming() -> Incoming:
            return Incoming(sender, selection.id, action=str(selection.data), message_ref=ref)

        await self._answer(sender, selection.timestamp, incoming)

    async def _answer(
        self, sender: Sender, sent_at: datetime, build: Callable[[], Awaitable[Incoming | None]]
    ) -> None:
        """Open the window, let the core answer; the answer is queued (WhatsApp cannot edit:
        the pressed message's new text comes as a message)."""
        processing = PROCESSING.get() or Processing()
        processing.handled = True
        try:
            incoming = await build()
            if incoming is not None:
                await self.core.respond(incoming, edits=False, toasts=False)
            # After the answer: what waited for the window follows it.
            await self.opened(sender, sent_at)
        except Exception as error:  # raised again by handle(): the transaction rolls back
            processing.error = error

    async def opened(self, sender: Sender, sent_at: datetime) -> None:
        """The person wrote: their window is open, and what was held for them is queued."""
        now = self.core.clock.now()
        at = min(sent_at, now)
        async with self.core.uow() as uow:
            await uow.windows.opened(CHANNEL, sender.external_id, at)
            person = await uow.people.by_identity(CHANNEL, sender.external_id)
            if person is not None:
                for held in await uow.windows.take_held(CHANNEL, sender.external_id):
                    key = held.key + FOLLOW_UP
                    await uow.outbox.add(OutgoingMessage(person.id, held.reply, key), now)
            await uow.commit()

    def _file_of(self, wa: WhatsApp, msg: Message) -> IncomingFile | None:
        """A document or photo: its size from before the transaction, its bytes if wanted."""
        if msg.document is not None:
            media_id, filename = msg.document.id, msg.document.filename or "berkas"
        elif msg.image is not None:
            media_id, filename = msg.image.id, "foto.jpg"
        else:
            return None
        processing = PROCESSING.get()
        media = processing.media.get(media_id) if processing is not None else None
        if media is None:
            raise Unavailable(f"WhatsApp media {media_id} was not asked before handling")

        async def fetch() -> bytes:
            if media.data is not None:
                return media.data
            try:
                return await wa.get_media_bytes(media.url)
            except httpx.HTTPError as error:
                raise Unavailable(f"WhatsApp media download: {error!r}") from error

        return IncomingFile(filename, media.size, fetch, media.mime_type)


def _sender(update: Message | CallbackButton[str] | CallbackSelection[str]) -> Sender:
    user = update.from_user
    return Sender(CHANNEL, user.preferred_id, user.name or "")


def _ref(update: CallbackButton[str] | CallbackSelection[str]) -> str | None:
    reply_to = update.reply_to_message
    return reply_to.id if reply_to is not None else None
