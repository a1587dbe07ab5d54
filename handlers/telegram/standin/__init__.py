"""A stand-in of the Telegram Bot API, for end-to-end tests and the offline demo.

python-telegram-bot runs against it unchanged, through an httpx transport::

    standin = StandIn()
    request = lambda: HTTPXRequest(httpx_kwargs={"transport": standin.transport})
    app = (
        ApplicationBuilder().token("123:TEST")
        .base_url("http://standin/bot").base_file_url("http://standin/file/bot")
        .request(request()).get_updates_request(request()).build()
    )
    standin.attach(app)          # settle() then also waits for the handlers to finish
    ...start the app and its polling...
    kabag = standin.user(1001, "Budi", "Santoso")
    kabag.send("/tugas")
    await standin.settle()
    kabag.press("Setujui")
    await standin.settle()
    assert "disetujui" in kabag.last.text

`await standin.serve()` offers the same API over a loopback socket and returns the port.
"""

from handlers.telegram.standin.core import StandIn, StandInTransport
from handlers.telegram.standin.model import (
    ApiCall,
    ApiError,
    RateLimits,
    SimCallback,
    SimFile,
    SimMessage,
    Version,
    WebhookDelivery,
)
from handlers.telegram.standin.server import SECRET_HEADER
from handlers.telegram.standin.users import SimUser

__all__ = [
    "SECRET_HEADER",
    "ApiCall",
    "ApiError",
    "RateLimits",
    "SimCallback",
    "SimFile",
    "SimMessage",
    "SimUser",
    "StandIn",
    "StandInTransport",
    "Version",
    "WebhookDelivery",
]
