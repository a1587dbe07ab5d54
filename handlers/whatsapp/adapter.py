"""The WhatsApp adapter: pywa updates in, the core's answers out. No business rules here."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from pywa_async.client import WhatsApp
from pywa_async.types.callback import CallbackButton, CallbackSelection
from pywa_async.types.message import Message

from bot.chat.core import ChatCore
from bot.chat.model import Answer, Incoming, IncomingFile, Sender
from bot.delivery import Delivery
from bot.ports import OutgoingMessage
from bot.replies import Reply
from bot.texts import t
from handlers.whatsapp.sender import CHANNEL, WhatsAppSender

logger = logging.getLogger(__name__)

FOLLOW_UP = ":lanjutan"  # suffix of the outbox key of a held message, queued again
QUICK_REPLY_TEXT = "tugas"  # a template's quick-reply button shows the person's tasks


@dataclass
class Processing:
    """What became of one update while pywa dispatched it (pywa itself swallows errors)."""

    handled: bool = False
    error: BaseException | None = None


PROCESSING: ContextVar[Processing | None] = ContextVar("whatsapp_processing", default=None)


class WhatsAppAdapter:
    """Bound methods of this object are the pywa handlers' callbacks (core injected)."""

    def __init__(self, core: ChatCore, delivery: Delivery, sender: WhatsAppSender) -> None:
        self.core = core
        self.delivery = delivery
        self.sender = sender

    async def on_message(self, wa: WhatsApp, msg: Message) -> None:
        """A text, a document or a photo; other kinds (stickers, reactions…) get no answer."""
        sender = _sender(msg)
        text = msg.text or msg.caption

        async def incoming() -> Incoming | None:
            file = await self._file_of(wa, msg)
            if text is None and file is None:
                return None
            return Incoming(sender, msg.id, text=text, file=file)

        await self._answer(sender, msg.timestamp, incoming, words=text)

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
        self,
        sender: Sender,
        sent_at: datetime,
        build: Callable[[], Awaitable[Incoming | None]],
        words: str | None = None,
    ) -> None:
        """Open the window, let the core answer, show the answer, then drain the outbox."""
        processing = PROCESSING.get() or Processing()
        processing.handled = True
        try:
            await self.opened(sender, sent_at)
            incoming = await build()
            if incoming is None:
                return
            await self.show(sender.external_id, await self.core.handle(incoming))
        except Exception as error:  # recorded on the stored update; the user is told
            processing.error = error
            await self.on_error(sender, error, words)
            return
        await self.delivery.drain()

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

    async def show(self, to: str, answer: Answer) -> None:
        """The notice, the pressed message's new text (sent anew: WhatsApp cannot edit), then
        the replies."""
        pace = self.delivery.pace(CHANNEL, to)  # answers share the chat's limit
        replies = [answer.toast, answer.edit, *answer.replies]
        for reply in replies:
            if reply is not None:
                await self.sender.deliver(to, reply, pace)

    async def on_error(self, sender: Sender, error: BaseException, words: str | None) -> None:
        """Log the failure, tell the user kindly (with their words), and tell the admins."""
        logger.error("WhatsApp update from %s failed", sender.external_id, exc_info=error)
        text = t("error.generic")
        if words:
            text += "\n" + t("error.resend", text=words[:500])
        await self._try_send(sender.external_id, Reply("whatsapp.plain", {"text": text}))
        trace = "".join(traceback.format_exception(error))[-3500:]
        for chat in await self.core.admin_chats(CHANNEL):
            await self._try_send(chat, Reply("whatsapp.plain", {"text": trace}))

    async def _try_send(self, to: str, reply: Reply) -> None:
        try:
            await self.sender.deliver(to, reply)
        except Exception:  # the failure is logged above; this one only adds noise
            logger.warning("could not tell %s about a failure", to, exc_info=True)

    async def _file_of(self, wa: WhatsApp, msg: Message) -> IncomingFile | None:
        """A document or photo: its size is asked first, the bytes only when the core wants."""
        if msg.document is not None:
            media_id, filename = msg.document.id, msg.document.filename or "berkas"
        elif msg.image is not None:
            media_id, filename = msg.image.id, "foto.jpg"
        else:
            return None
        found = await wa.get_media_url(media_id)

        async def fetch() -> bytes:
            return await wa.get_media_bytes(found.url)

        return IncomingFile(filename, found.file_size, fetch, found.mime_type)


def _sender(update: Message | CallbackButton[str] | CallbackSelection[str]) -> Sender:
    user = update.from_user
    return Sender(CHANNEL, user.preferred_id, user.name or "")


def _ref(update: CallbackButton[str] | CallbackSelection[str]) -> str | None:
    reply_to = update.reply_to_message
    return reply_to.id if reply_to is not None else None
