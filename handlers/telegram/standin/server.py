"""The stand-in over real sockets: the shared HTTP/1.1 server, and webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from http import HTTPStatus

import httpx

from handlers.standin.pulse import Pulse
from handlers.telegram.standin.methods import BotApi
from handlers.telegram.standin.model import WebhookDelivery
from handlers.telegram.standin.updates import Entry

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookPusher:
    """Pushes queued updates to the webhook one at a time, like Telegram, recording answers."""

    def __init__(
        self, api: BotApi, changed: Pulse, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        self._api = api
        self._changed = changed
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self.deliveries: list[WebhookDelivery] = []

    @property
    def busy(self) -> bool:
        """Whether a delivery run is in progress."""
        return self._task is not None and not self._task.done()

    def kick(self) -> None:
        """Start delivering pending updates, if a webhook is set and nothing is running."""
        if not self._api.webhook.url or self.busy or not self._api.world.queue.pending:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: settle() kicks again
        self._task = loop.create_task(self._drain(), name="standin-webhook")

    async def aclose(self) -> None:
        """Stop delivering and close the HTTP client."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _drain(self) -> None:
        try:
            queue = self._api.world.queue
            while self._api.webhook.url and (entry := queue.first()) is not None:
                if not await self._post(entry):
                    break  # like Telegram, try again later: here, at the next kick
        finally:
            self._changed.pulse()

    async def _post(self, entry: Entry) -> bool:
        hook = self._api.webhook
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers[SECRET_HEADER] = hook.secret_token
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport, trust_env=False, timeout=10.0
            )
        entry.delivered += 1
        try:
            response = await self._client.post(
                hook.url, content=json.dumps(entry.update).encode(), headers=headers
            )
        except httpx.HTTPError as exc:
            self._failed(entry, None, f"Connection failed: {type(exc).__name__}")
            return False
        if 200 <= response.status_code < 300:
            self.deliveries.append(WebhookDelivery(entry.update_id, response.status_code))
            self._api.world.queue.remove(entry)
            return True
        phrase = HTTPStatus(response.status_code).phrase
        self._failed(
            entry,
            response.status_code,
            f"Wrong response from the webhook: {response.status_code} {phrase}",
        )
        return False

    def _failed(self, entry: Entry, status: int | None, message: str) -> None:
        logger.info("webhook delivery of update %s failed: %s", entry.update_id, message)
        self.deliveries.append(WebhookDelivery(entry.update_id, status, message))
        self._api.webhook.last_error_date = self._api.world.now()
        self._api.webhook.last_error_message = message
