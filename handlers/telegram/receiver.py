"""Telegram long polling that confirms an update only after it is stored.

Telegram keeps an update until a getUpdates call asks for a higher offset. PTB's own Updater
asks for it on its next call, before the handlers have finished, so a crash then loses the
updates in flight. Here each batch is stored in the inbox first (one transaction), and the next
getUpdates confirms it only after that commit; a batch that could not be stored is fetched again.
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Bot
from telegram.error import InvalidToken

from bot import failpoints
from bot.inbox import InboxWorker, Received
from handlers.telegram.adapter import CHANNEL, update_chat_key

logger = logging.getLogger(__name__)

LONG_POLL_SECONDS = 25
ALLOWED_UPDATES = ("message", "callback_query")
MAX_BACKOFF_SECONDS = 30.0
LOG_EVERY_SECONDS = 60.0


class TelegramPolling:
    """Fetches updates, stores each batch, and only then lets Telegram forget them."""

    def __init__(
        self, bot: Bot, inbox: InboxWorker, *, timeout: int = LONG_POLL_SECONDS
    ) -> None:
        self.bot = bot
        self.inbox = inbox
        self.timeout = timeout
        self._failures = 0
        self._logged_at = float("-inf")

    async def run(self) -> None:
        """Until cancelled."""
        offset: int | None = None
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=self.timeout, allowed_updates=list(ALLOWED_UPDATES)
                )
                failpoints.reached("update.fetched")
                if updates:
                    received = [
                        Received(CHANNEL, str(u.update_id), u.to_dict(), update_chat_key(u))
                        for u in updates
                    ]
                    await self.inbox.store(received)
                    offset = updates[-1].update_id + 1
            except InvalidToken:
                raise
            except Exception as error:  # Telegram or the database away: nothing is confirmed
                await self._back_off(error)
                continue
            self._failures = 0

    async def _back_off(self, error: BaseException) -> None:
        """Wait longer after each failure in a row; say so at most once a minute."""
        self._failures += 1
        now = time.monotonic()
        if now - self._logged_at >= LOG_EVERY_SECONDS:
            self._logged_at = now
            logger.warning("getting or storing Telegram updates failed (%s failures in a row): %s",
                           self._failures, error)  # fmt: skip
        await asyncio.sleep(min(0.5 * 2 ** (self._failures - 1), MAX_BACKOFF_SECONDS))
