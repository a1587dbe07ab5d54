"""Webhook delivery like Meta's: signed POSTs, one at a time, retried until answered 2xx.

Each queued update is POSTed to the webhook URL with X-Hub-Signature-256 (HMAC-SHA256 of the
exact body with the app secret). Updates go in the order the users sent them; the next waits
until the one before was answered 2xx. A non-2xx answer or a failed connection leaves the
update first in the queue: it is posted again on the next kick() (settle() kicks), so a bot
that answers 5xx because it could not store an update gets it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass

import httpx

from handlers.standin.pulse import Pulse
from handlers.whatsapp.standin.model import JSON, WebhookDelivery
from handlers.whatsapp.standin.updates import sign

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"


@dataclass
class Pending:
    """One update waiting to be acknowledged by the webhook."""

    key: str
    payload: JSON
    attempts: int = 0


class WebhookPusher:
    """Delivers queued updates to `url`, recording each attempt in `deliveries`."""

    def __init__(
        self,
        changed: Pulse,
        app_secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url: str | None = None
        self.queue: list[Pending] = []
        self.deliveries: list[WebhookDelivery] = []
        self._changed = changed
        self._secret = app_secret
        self._transport = transport
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """Whether a delivery run is in progress."""
        return self._task is not None and not self._task.done()

    def push(self, key: str, payload: JSON) -> None:
        """Queue an update and start delivering."""
        self.queue.append(Pending(key, payload))
        self._changed.pulse()
        self.kick()

    def kick(self) -> None:
        """Start delivering queued updates, if a URL is set and no run is in progress."""
        if not self.url or self.busy or not self.queue:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: settle() kicks again
        self._task = loop.create_task(self._drain(), name="graph-standin-webhook")

    async def verify(self, url: str, verify_token: str, challenge: str) -> bool:
        """Meta's subscription check: GET with hub.* parameters, the challenge echoed back."""
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": verify_token,
            "hub.challenge": challenge,
        }
        try:
            response = await self._http().get(url, params=params)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and response.text == challenge

    async def aclose(self) -> None:
        """Stop delivering and close the HTTP client."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport, trust_env=False, timeout=self._timeout
            )
        return self._client

    async def _drain(self) -> None:
        try:
            while self.url and self.queue:
                if not await self._post(self.queue[0], self.url):
                    break  # like Meta, try again later: here, at the next kick
        finally:
            self._changed.pulse()

    async def _post(self, entry: Pending, url: str) -> bool:
        body = json.dumps(entry.payload).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, self._secret),
            "User-Agent": "facebookexternalua",
        }
        entry.attempts += 1
        try:
            response = await self._http().post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            self._record(entry, None, f"connection failed: {type(exc).__name__}")
            return False
        if 200 <= response.status_code < 300:
            self._record(entry, response.status_code)
            self.queue.remove(entry)
            return True
        self._record(entry, response.status_code, f"answered {response.status_code}")
        return False

    def _record(self, entry: Pending, status: int | None, error: str | None = None) -> None:
        if error is not None:
            logger.info("webhook delivery of %s failed: %s", entry.key, error)
        self.deliveries.append(WebhookDelivery(entry.key, entry.attempts, status, error))
        self._changed.pulse()
