"""Sending one outbox message on Telegram, with platform errors mapped to neutral results."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.ports import FileStore, Pace, SendResult
from bot.replies import Reply
from handlers.telegram.render import chunks, keyboard, text_of

logger = logging.getLogger(__name__)

# Failures before the request left: nothing can have arrived, so resending is safe.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Telegram's answers to an edit that mean "send it as a new message instead".
_NOT_EDITABLE = ("message to edit not found", "message can't be edited")


class _Partial(Exception):
    """A later part of a reply failed after earlier parts arrived."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


MAX_CAPTION = 1024


class TelegramSender:
    """`ChannelSender` for Telegram: files, text (split at 4096) with its keyboard, or an edit."""

    def __init__(self, bot: Bot, files: FileStore) -> None:
        self.bot = bot
        self.files = files

    async def send(
        self,
        recipient: str,
        reply: Reply,
        key: str,
        pace: Pace | None = None,
        edit_ref: str | None = None,
    ) -> SendResult:
        """Deliver a reply to a private chat (or edit `edit_ref`), awaiting `pace` per call."""
        if reply.edit_only and not edit_ref:
            return SendResult(True)  # nothing left to change
        try:
            if edit_ref:
                message_id = await self._edit(int(recipient), edit_ref, reply, pace)
            else:
                message_id = await self._send(int(recipient), reply, pace)
        except _Partial as partial:
            result = result_of(partial.error)
            # Its first parts arrived: sending it again repeats them.
            return SendResult(False, retry_after=result.retry_after, error=result.error,
                              permanent=result.permanent, unknown=True)  # fmt: skip
        except Exception as error:
            return result_of(error)
        return SendResult(True, message_id=str(message_id) if message_id else None)

    async def _send(self, chat_id: int, reply: Reply, pace: Pace | None) -> int:
        sent = 0
        caption = text_of(reply)
        if len(reply.files) == 1 and not reply.choices and len(caption) <= MAX_CAPTION:
            # A document with its one-line caption: one message.
            file = reply.files[0]
            if pace is not None:
                await pace()
            data = self.files.read(file.sha256)
            message = await self.bot.send_document(
                chat_id, InputFile(data, filename=file.filename), caption=caption
            )
            return message.message_id
        try:
            # The text explains its files, so it comes first; with buttons the files go first
            # so that the text with its buttons is the newest message in the chat.
            files_first = bool(reply.choices)
            if files_first:
                sent += await self._files(chat_id, reply, pace)
            parts = chunks(text_of(reply))
            message_id = 0
            for index, part in enumerate(parts):
                markup = keyboard(reply.choices) if index == len(parts) - 1 else None
                if pace is not None:
                    await pace()
                message = await self.bot.send_message(chat_id, part, reply_markup=markup)
                message_id = message.message_id
                sent += 1
            if not files_first:
                sent += await self._files(chat_id, reply, pace)
        except Exception as error:
            if sent:
                raise _Partial(error) from error
            raise
        return message_id

    async def _files(self, chat_id: int, reply: Reply, pace: Pace | None) -> int:
        for file in reply.files:
            data = self.files.read(file.sha256)
            if pace is not None:
                await pace()
            await self.bot.send_document(chat_id, InputFile(data, filename=file.filename))
        return len(reply.files)

    async def _edit(self, chat_id: int, edit_ref: str, reply: Reply, pace: Pace | None) -> int:
        """Replace the text and buttons of an earlier message; an identical edit is a success."""
        chat, _, message = edit_ref.partition(":")
        if reply.files or not message.isdigit():
            return 0 if reply.edit_only else await self._send(chat_id, reply, pace)
        if pace is not None:
            await pace()
        try:
            await self.bot.edit_message_text(
                chunks(text_of(reply))[0],
                chat_id=int(chat),
                message_id=int(message),
                reply_markup=keyboard(reply.choices),
            )
        except BadRequest as error:
            text = str(error).lower()
            if "not modified" in text:
                return int(message)
            if any(reason in text for reason in _NOT_EDITABLE):
                return 0 if reply.edit_only else await self._send(chat_id, reply, pace)
            raise
        return int(message)


def result_of(error: Exception) -> SendResult:
    """A failed call as a neutral result: try again, wait, give up, or it may have arrived."""
    if isinstance(error, RetryAfter):
        return SendResult(False, retry_after=_seconds(error.retry_after), error=str(error))
    if isinstance(error, (Forbidden, BadRequest)):  # blocked by the user; a malformed message
        return SendResult(False, permanent=True, error=str(error))
    if isinstance(error, (TimedOut, NetworkError)):
        cause = error.__cause__
        if cause is None or isinstance(cause, _NOT_SENT):
            # Telegram answered 5xx, or the request never left: resending is safe.
            return SendResult(False, error=str(error))
        return SendResult(False, unknown=True, error=str(error))
    raise error


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
