"""The Telegram adapter: updates in, the core's answers out. No business rules here."""

from __future__ import annotations

import html
import logging
import traceback

from telegram import Bot, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.chat.core import ChatCore
from bot.chat.model import Answer, Incoming, IncomingFile, Sender
from bot.delivery import Delivery
from bot.periodic import Periodic
from bot.replies import Reply
from bot.texts import t
from handlers.telegram.render import chunks, keyboard, text_of
from handlers.telegram.sender import TelegramSender

logger = logging.getLogger(__name__)

CHANNEL = "telegram"


class TelegramAdapter:
    """Bound methods of this object are the Application's handlers (core injected)."""

    def __init__(
        self, core: ChatCore, delivery: Delivery, sender: TelegramSender, periodic: Periodic
    ) -> None:
        self.core = core
        self.delivery = delivery
        self.sender = sender
        self.periodic = periodic

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
        answer = await self.core.handle(incoming)
        await self.show(context.bot, message.chat_id, answer, pressed=None)
        await self.delivery.drain()

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline button press: checked by the core, then the message is updated."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or query.data is None:
            return
        pressed = query.message if isinstance(query.message, Message) else None
        ref = f"{pressed.chat_id}:{pressed.message_id}" if pressed else None
        incoming = Incoming(
            Sender(CHANNEL, str(user.id), user.full_name),
            str(update.update_id),
            action=query.data,
            message_ref=ref,
        )
        answer = await self.core.handle(incoming)
        if answer.toast is not None:
            await query.answer(text_of(answer.toast)[:200], show_alert=True)
        else:
            await query.answer()
        if pressed is not None:
            await self.show(context.bot, pressed.chat_id, answer, pressed=pressed)
        await self.delivery.drain()

    async def show(self, bot: Bot, chat_id: int, answer: Answer, pressed: Message | None) -> None:
        """Edit the pressed (or named) message, then send the new replies."""
        if answer.edit is not None:
            target = _target(answer, pressed)
            if target is not None:
                await edit(bot, target[0], target[1], answer.edit)
        pace = self.delivery.pace(CHANNEL, str(chat_id))  # answers share the chat's limit
        for reply in answer.replies:
            await self.sender.deliver(chat_id, reply, pace)
        if answer.toast is not None and pressed is None:
            await self.sender.deliver(chat_id, answer.toast, pace)

    async def sweep(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Periodic job: reminders and the daily digest are queued, then the outbox drained."""
        await self.periodic.tick()

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure, tell the user kindly (with their words), and tell the admins."""
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("update %s failed", update_id, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            words = update.effective_message.text if update.effective_message else None
            text = t("error.generic")
            if words:
                text += "\n" + t("error.resend", text=words[:500])
            await context.bot.send_message(update.effective_chat.id, text)
        trace = "".join(traceback.format_exception(context.error))[-3500:]
        for chat_id in await self.core.admin_chats(CHANNEL):
            await context.bot.send_message(
                int(chat_id),
                f"update {update_id}:\n<pre>{html.escape(trace)}</pre>",
                parse_mode="HTML",
            )


async def edit(bot: Bot, chat_id: int, message_id: int, reply: Reply) -> None:
    """Replace a message's text and buttons; an identical edit is a success."""
    try:
        await bot.edit_message_text(
            chunks(text_of(reply))[0],
            chat_id=chat_id,
            message_id=message_id,
            reply_markup=keyboard(reply.choices),
        )
    except BadRequest as error:
        if "not modified" not in str(error):
            raise


def _target(answer: Answer, pressed: Message | None) -> tuple[int, int] | None:
    if answer.edit_ref:
        chat, _, message = answer.edit_ref.partition(":")
        return int(chat), int(message)
    if answer.edit_ref is None and pressed is not None:
        return pressed.chat_id, pressed.message_id
    return None


def _file_of(message: Message, bot: Bot) -> IncomingFile | None:
    document = message.document
    if document is not None:
        file_id = document.file_id

        async def fetch() -> bytes:
            return bytes(await (await bot.get_file(file_id)).download_as_bytearray())

        return IncomingFile(
            document.file_name or "berkas", document.file_size, fetch, document.mime_type
        )
    if message.photo:
        photo = message.photo[-1]

        async def fetch_photo() -> bytes:
            return bytes(await (await bot.get_file(photo.file_id)).download_as_bytearray())

        return IncomingFile("foto.jpg", photo.file_size, fetch_photo, "image/jpeg")
    return None
