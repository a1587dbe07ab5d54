"""The Telegram adapter: stored updates in, the core's answers queued. No business rules here.

The inbox worker hands each stored update to `handle`, which lets python-telegram-bot dispatch
it to the handlers registered in `app.py` (the bound methods below) inside the update's one
transaction. PTB passes a handler's exception to the error handler and returns normally, so the
error is kept in `Processing` and raised again here: the transaction then rolls back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import Any

from telegram import Bot, CallbackQuery, Message, Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import Application, ContextTypes

from bot.chat.core import ChatCore
from bot.chat.model import Answer, Incoming, IncomingFile, Sender
from bot.errors import Unavailable
from bot.ports import ChatRoute, Envelope, Handled, OutgoingMessage, StoredUpdate
from bot.replies import Reply
from handlers.telegram.render import text_of

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
TOAST_CHARS = 200  # Telegram's limit for a callback answer's text


@dataclass
class Processing:
    """What became of one update while PTB dispatched it."""

    files: dict[str, bytes]  # file_id -> bytes downloaded before the transaction
    after_commit: Callable[[], Awaitable[None]] | None = None
    error: BaseException | None = None


PROCESSING: ContextVar[Processing | None] = ContextVar("telegram_processing", default=None)


def chat_key(payload: dict[str, Any]) -> str:
    """Updates of one chat are handled in order: `telegram:<chat id>`."""
    return update_chat_key(Update.de_json(payload, None))


def update_chat_key(update: Update) -> str:
    """`chat_key` of an update already parsed (as long polling gets it)."""
    envelope = envelope_of(update)
    if envelope.chat is not None:
        return envelope.chat.key
    return f"{CHANNEL}:update:{update.update_id}"


def read_envelope(payload: dict[str, Any]) -> Envelope:
    """Who sent a stored update, and what, without acting on it."""
    return envelope_of(Update.de_json(payload, None))


def envelope_of(update: Update) -> Envelope:
    """`read_envelope` of an update already parsed."""
    chat, user = update.effective_chat, update.effective_user
    if user is None or chat is None or chat.type != "private":
        return Envelope(None)
    route = ChatRoute(CHANNEL, str(chat.id))
    if update.callback_query is not None:
        return Envelope(route, "button")
    message = update.effective_message
    if message is None:
        return Envelope(None)
    if message.document is not None or message.photo:
        return Envelope(route, "file", message.caption)
    return Envelope(route, "text", message.text)


class TelegramAdapter:
    """Bound methods of this object are the Application's handlers (core injected)."""

    def __init__(self, core: ChatCore) -> None:
        self.core = core
        self.application: Application | None = None  # type: ignore[type-arg]

    # -- the inbox worker's side (bot.ports.UpdateHandler) -------------------------------

    def envelope(self, payload: dict[str, Any]) -> Envelope:
        """Who sent a stored update, and what."""
        return read_envelope(payload)

    async def prepare(self, update: StoredUpdate) -> object:
        """Download an attached file of an acceptable size before the transaction begins."""
        found = _attachment(update.payload)
        if found is None:
            return {}
        file_id, size = found
        if size is None or size > self.core.policy.max_bytes:
            return {}  # the core refuses it by its declared size, or fetches it itself
        assert self.application is not None
        try:
            data = await _download(self.application.bot, file_id)
        except NetworkError as error:
            raise Unavailable(f"Telegram file download: {error}") from error
        return {file_id: data}

    async def handle(self, update: StoredUpdate, prepared: object) -> Handled:
        """Let PTB dispatch the update to the handlers below, in the caller's transaction."""
        assert self.application is not None
        files = prepared if isinstance(prepared, dict) else {}
        processing = Processing(files)
        token = PROCESSING.set(processing)
        try:
            parsed = Update.de_json(update.payload, self.application.bot)
            await self.application.process_update(parsed)
        finally:
            PROCESSING.reset(token)
        if processing.error is not None:
            raise processing.error
        return Handled(processing.after_commit)

    # -- PTB's side: handlers registered in app.py ----------------------------------------

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A text, a command or a file from a private chat."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        incoming = Incoming(
            Sender(CHANNEL, str(user.id), user.full_name),
            str(update.update_id),
            text=message.text or message.caption,
            file=_file_of(message, context.bot),
        )
        await self.core.respond(incoming, edits=True, toasts=True)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline button press: checked by the core; the button is answered after commit."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or query.data is None:
            return
        pressed = query.message if isinstance(query.message, Message) else None
        incoming = Incoming(
            Sender(CHANNEL, str(user.id), user.full_name),
            str(update.update_id),
            action=query.data,
            message_ref=f"{pressed.chat_id}:{pressed.message_id}" if pressed else None,
        )
        answer = await self.core.respond(incoming, edits=True, toasts=True)
        processing = PROCESSING.get()
        if processing is not None:
            processing.after_commit = partial(self.acknowledge, query, incoming, answer)

    async def acknowledge(self, query: CallbackQuery, incoming: Incoming, answer: Answer) -> None:
        """Stop the button's spinner, with the short notice if there is one.

        A press handled late (after a restart) can no longer be answered; its notice then
        comes as a message.
        """
        toast = answer.toast
        try:
            if toast is None:
                await query.answer()
            else:
                await query.answer(text_of(toast)[:TOAST_CHARS], show_alert=True)
        except TelegramError:
            if toast is None:
                raise
            await self._queue_notice(incoming, toast)

    async def _queue_notice(self, incoming: Incoming, toast: Reply) -> None:
        chat = ChatRoute(CHANNEL, incoming.sender.external_id)
        core = self.core
        async with core.uow() as uow:
            person = await uow.people.by_identity(CHANNEL, chat.external_id)
            key = f"answer:{CHANNEL}:{incoming.update_id}:notice"
            message = OutgoingMessage(person.id if person else None, toast, key, chat=chat)
            await uow.outbox.add(message, core.clock.now())
            await uow.commit()

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Keep a handler's failure for the inbox worker, which rolls back and tells the user."""
        processing = PROCESSING.get()
        if processing is not None and context.error is not None:
            processing.error = context.error
            return
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("update %s failed outside the inbox", update_id, exc_info=context.error)


def _attachment(payload: dict[str, Any]) -> tuple[str, int | None] | None:
    """The file id and declared size of a message's document or largest photo."""
    message = payload.get("message") or {}
    document = message.get("document")
    if document:
        return str(document["file_id"]), document.get("file_size")
    photos = message.get("photo") or []
    if photos:
        return str(photos[-1]["file_id"]), photos[-1].get("file_size")
    return None


async def _download(bot: Bot, file_id: str) -> bytes:
    return bytes(await (await bot.get_file(file_id)).download_as_bytearray())


def _file_of(message: Message, bot: Bot) -> IncomingFile | None:
    processing = PROCESSING.get()
    prefetched = processing.files if processing is not None else {}
    if message.document is not None:
        document = message.document
        name, size, kind = document.file_name or "berkas", document.file_size, document.mime_type
        file_id = document.file_id
    elif message.photo:
        photo = message.photo[-1]
        name, size, kind, file_id = "foto.jpg", photo.file_size, "image/jpeg", photo.file_id
    else:
        return None

    async def fetch() -> bytes:
        if file_id in prefetched:
            return prefetched[file_id]
        try:
            return await _download(bot, file_id)
        except NetworkError as error:
            raise Unavailable(f"Telegram file download: {error}") from error

    return IncomingFile(name, size, fetch, kind)
