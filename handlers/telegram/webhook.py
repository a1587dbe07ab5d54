"""Telegram's webhook: requests without Telegram's secret token are refused, updates stored.

Telegram echoes the secret given to setWebhook in `X-Telegram-Bot-Api-Secret-Token`; anyone
else who finds the URL gets 403 and nothing is stored. The shared route in `handlers/webhooks.py`
answers 200 only after the update is committed to the inbox.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.inbox import Received
from handlers.telegram.adapter import CHANNEL, chat_key
from handlers.telegram.app import TelegramChannel
from handlers.webhooks import Inbound

SECRET_HEADER = "x-telegram-bot-api-secret-token"


def inbound(options: dict[str, Any], channel: TelegramChannel) -> Inbound:
    """The route at the webhook URL's path, checking the secret given to setWebhook."""
    secret = str(options["secret_token"]).encode()
    path = urlparse(str(options["url"])).path or "/"

    def check(request: Request, body: bytes) -> Response | None:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, secret):
            return PlainTextResponse("Forbidden", 403)
        return None

    def split(payload: dict[str, Any]) -> list[Received]:
        return [Received(CHANNEL, str(int(payload["update_id"])), payload, chat_key(payload))]

    return Inbound(CHANNEL, path, check, split)
