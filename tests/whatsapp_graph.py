"""The Graph API stand-in under the names the WhatsApp tests have used."""

from __future__ import annotations

from bot.clock import FixedClock
from handlers.whatsapp.standin import (
    APP_SECRET,
    MEDIA_HOST,
    PHONE_ID,
    VERIFY_TOKEN,
    WABA_ID,
    WINDOW,
    GraphStandIn,
    Sent,
    WaUser,
    sign,
)

__all__ = [
    "APP_SECRET",
    "MEDIA_HOST",
    "PHONE_ID",
    "VERIFY_TOKEN",
    "WABA_ID",
    "WINDOW",
    "FakeGraph",
    "Sent",
    "WaUser",
    "sign",
]


class FakeGraph(GraphStandIn):
    """The stand-in on a test's FixedClock."""

    def __init__(self, clock: FixedClock, token: str | None = "wa-token") -> None:
        super().__init__(clock=clock.now, token=token)
