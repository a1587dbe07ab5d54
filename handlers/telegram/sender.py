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

# Timeouts before the request left: nothing can have arrived, so resending is safe.
_NOT_SENT = (httpx.ConnectTimeout, httpx.PoolTimeout)


class TelegramSender:
    """`ChannelSender` for Telegram: text (split at 4096), keyboard, then attached files."""

    def __init__(self, bot: Bot, files: FileStore) -> None:
        self.bot = bot
        self.files = files

    async def send(
        self, recipient: str, reply: Reply, key: str, pace: Pace | None = None
    ) -> SendResult:
        """Deliver a reply to a private chat, awaiting `pace` before each API call."""
        try:
            message_id = await self._send(int(recipient), reply, pace)
        except RetryAfter as error:
            return SendResult(False, retry_after=_seconds(error.retry_after), error=str(error))
        except Forbidden as error:  # blocked by the user, or the chat is gone
            return SendResult(False, permanent=True, error=str(error))
        except TimedOut as error:
            if isinstance(error.__cause__, _NOT_SENT):
                return SendResult(False, error=str(error))
            # It may have arrived; resending risks a copy, so it is not retried.
            logger.warning("Telegram timed out on %s; not resending", key)
            return SendResult(True, error=str(error))
        except BadRequest as error:
            return SendResult(False, permanent=True, error=str(error))
        except NetworkError as error:  # 5xx answers and lost connections: try again later
            return SendResult(False, error=str(error))
        return SendResult(True, message_id=str(message_id))

    async def deliver(self, chat_id: int, reply: Reply, pace: Pace | None = None) -> int:
        """Send a reply now (an answer to the sender), returning the last message's id."""
        return await self._send(chat_id, reply, pace)

    async def _send(self, chat_id: int, reply: Reply, pace: Pace | None) -> int:
        # Files first, so the text with its buttons is the newest message in the chat.
        for file in reply.files:
            data = self.files.read(file.sha256)
            if pace is not None:
                await pace()
            await self.bot.send_document(chat_id, InputFile(data, filename=file.filename))
        parts = chunks(text_of(reply))
        message_id = 0
        for index, part in enumerate(parts):
            markup = keyboard(reply.choices) if index == len(parts) - 1 else None
            if pace is not None:
                await pace()
            sent = await self.bot.send_message(chat_id, part, reply_markup=markup)
            message_id = sent.message_id
        return message_id


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
