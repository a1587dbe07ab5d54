"""A stand-in of the WhatsApp Cloud API (Graph API), for end-to-end tests and proofs.

pywa runs against it unchanged, in-process through an httpx transport or over a real socket,
and simulated users reach the bot's webhook as Meta's servers would (signed POSTs)::

    graph = GraphStandIn(clock=clock.now, webhook_url="http://127.0.0.1:8080/whatsapp")
    port = await graph.serve()          # then WHATSAPP_GRAPH_URL=graph.url
    ...start the bot...
    sekda = graph.user("6281100000003", "Hendra")
    sekda.say("tugas")
    await graph.settle()
    sekda.press("Setujui")
    await graph.settle()
    assert "disetujui" in sekda.last.text

In-process instead: `httpx.AsyncClient(transport=graph.transport)` as pywa's session, and
`webhook_transport=httpx.ASGITransport(app)` for the webhook app.
"""

from handlers.whatsapp.standin.core import GraphStandIn, GraphTransport, Person
from handlers.whatsapp.standin.model import (
    ACCESS_TOKEN,
    APP_SECRET,
    DISPLAY_NUMBER,
    MEDIA_HOST,
    PAIR_RATE_LIMIT,
    PHONE_ID,
    RATE_LIMIT_HIT,
    RE_ENGAGEMENT,
    VERIFY_TOKEN,
    WABA_ID,
    WINDOW,
    GraphCall,
    GraphError,
    Media,
    Sent,
    WebhookDelivery,
)
from handlers.whatsapp.standin.pusher import SIGNATURE_HEADER
from handlers.whatsapp.standin.updates import Business, WaUser, message_ids, sign
from handlers.whatsapp.standin.users import SimUser

__all__ = [
    "ACCESS_TOKEN",
    "APP_SECRET",
    "DISPLAY_NUMBER",
    "MEDIA_HOST",
    "PAIR_RATE_LIMIT",
    "PHONE_ID",
    "RATE_LIMIT_HIT",
    "RE_ENGAGEMENT",
    "SIGNATURE_HEADER",
    "VERIFY_TOKEN",
    "WABA_ID",
    "WINDOW",
    "Business",
    "GraphCall",
    "GraphError",
    "GraphStandIn",
    "GraphTransport",
    "Media",
    "Person",
    "Sent",
    "SimUser",
    "WaUser",
    "WebhookDelivery",
    "message_ids",
    "sign",
]
