"""What python-telegram-bot's errors at start mean for the operator.

getMe (inside `initialize()`) is the first call to the Bot API: `InvalidToken` there means
the token (or TELEGRAM_BASE_URL) is wrong, a `NetworkError` that the Bot API does not answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol
from urllib.parse import urlparse

from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.startup import Patience, StartupError, Unreachable, reason_of, when_ready
from bot.texts import t

TOKEN_SETTING = "TELEGRAM_BOT_TOKEN"
URL_SETTING = "TELEGRAM_BASE_URL"


class Initializable(Protocol):
    """A PTB `Application` or `Bot`: both call getMe in `initialize()`."""

    async def initialize(self) -> None: ...


def bot_api_label(base_url: str) -> str:
    """The Bot API server as operators name it, without the path (tokens never show)."""
    return t("startup.service.bot_api", host=urlparse(base_url).netloc or base_url)


async def initialize(target: Initializable, base_url: str, patience: Patience | None) -> None:
    """`target.initialize()`, waiting with `patience` while the Bot API does not answer.

    Without patience an unreachable Bot API is a `StartupError` at once; a rejected token is
    one in either case. PTB's own message would repeat the token, so it is dropped.
    """
    what = bot_api_label(base_url)

    async def probe() -> None:
        try:
            await target.initialize()
        except InvalidToken as error:
            status = "404 Not Found" if "Not Found" in str(error.__cause__) else "401 Unauthorized"
            raise StartupError(
                TOKEN_SETTING,
                "startup.telegram.token_rejected",
                "startup.telegram.token_fix",
                service=what,
                status=status,
            ) from None
        except BadRequest:
            raise
        except (NetworkError, RetryAfter) as error:
            timed_out = isinstance(error, TimedOut)
            reason = t("startup.reason.timeout") if timed_out else reason_of(error)
            raise Unreachable(
                URL_SETTING, what, reason, "startup.telegram.unreachable_fix"
            ) from error

    await when_ready(what, probe, patience)


@contextmanager
def webhook_errors() -> Iterator[None]:
    """Name TELEGRAM_WEBHOOK_URL when Telegram refuses it in setWebhook (not HTTPS, bad port)."""
    try:
        yield
    except BadRequest as error:
        raise StartupError(
            "TELEGRAM_WEBHOOK_URL",
            "startup.telegram.webhook_refused",
            "startup.telegram.webhook_fix",
            detail=error.message,
        ) from None
