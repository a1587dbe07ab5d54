"""GraphStandIn: the Graph API served to pywa in-process or over a socket, recorded, settled.

How settle() knows the bot is done, without sleeping:
1. Handed over: the webhook pusher is idle (every POST got its answer; the bot answers after it
   stored and handled the update) and no Graph API request is being answered.
2. Quiet: `quiet_turns` event-loop turns (asyncio.sleep(0), no wall clock) pass with no new
   request, none in flight and no delivery running. Any request restarts from step 1.
Every wait is on a Pulse fired by requests and deliveries, bounded by `max_wait`. A bot in
another process may still be about to call when its webhook answer arrives: there, wait for
what it should have done with wait_for(predicate).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol

import httpx

from handlers.standin.http import HttpServer
from handlers.standin.pulse import Pulse
from handlers.whatsapp.standin.api import GraphApi
from handlers.whatsapp.standin.endpoints import Endpoints, kind_of
from handlers.whatsapp.standin.faults import Faults
from handlers.whatsapp.standin.model import (
    ACCESS_TOKEN,
    APP_SECRET,
    JSON,
    RATE_LIMIT_HIT,
    ErrorKind,
    GraphCall,
    Media,
    Sent,
    WebhookDelivery,
)
from handlers.whatsapp.standin.pusher import WebhookPusher
from handlers.whatsapp.standin.updates import Business, WaUser, message_ids
from handlers.whatsapp.standin.users import SimUser


class Person(Protocol):
    """Anyone with WhatsApp's two ids: a WaUser or a SimUser."""

    @property
    def wa_id(self) -> str: ...

    @property
    def bsuid(self) -> str: ...


class GraphTransport(httpx.AsyncBaseTransport):
    """The httpx transport pywa talks through: every request goes to the stand-in in-process."""

    def __init__(self, standin: GraphStandIn) -> None:
        self._standin = standin

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request."""
        await request.aread()
        return await self._standin.handle(request)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class GraphStandIn:
    """A WhatsApp Cloud API good enough for an unmodified pywa client, in-process or served."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = _utc_now,
        business: Business | None = None,
        token: str | None = ACCESS_TOKEN,
        app_secret: str = APP_SECRET,
        webhook_url: str | None = None,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        webhook_timeout: float = 30.0,
        templates: Mapping[str, frozenset[str]] | None = None,
        quiet_turns: int = 20,
    ) -> None:
        self.now = clock
        self.business = business or Business()
        self.quiet_turns = quiet_turns
        self.api = GraphApi(clock, templates)
        self.requests: list[GraphCall] = []
        self.faults = Faults()
        self.transport: httpx.AsyncBaseTransport = GraphTransport(self)
        self.url: str | None = None  # where it is served, once serve() ran
        self._changed = Pulse()
        self._pusher = WebhookPusher(self._changed, app_secret, webhook_transport, webhook_timeout)
        self._pusher.url = webhook_url
        self._endpoints = Endpoints(self.api, self.faults, self.business.phone_id, token)
        self._server = HttpServer(self.handle, hold_timeouts=True)
        self._users: dict[str, SimUser] = {}
        self._pushed = 0
        self.pushed: list[str] = []  # every message id queued for the webhook, in order
        self._in_flight = 0

    # -- what the bot sent -------------------------------------------------------------

    @property
    def sent(self) -> list[Sent]:
        """Every message the bot sent, oldest first."""
        return self.api.sent

    @property
    def media(self) -> dict[str, Media]:
        """Stored files by media id."""
        return self.api.media

    @property
    def last_inbound(self) -> dict[str, datetime]:
        """When each id last wrote: the 24-hour window (edit it to open or close one)."""
        return self.api.last_inbound

    @property
    def calls(self) -> list[str]:
        """Each request as "METHOD /path"."""
        return [f"{call.method} {call.path}" for call in self.requests]

    def to(self, person: Person) -> list[Sent]:
        """Everything sent to that person, under either of their ids, in order."""
        return [m for m in self.sent if m.to in (person.bsuid, person.wa_id)]

    def document(self, message: Sent) -> tuple[bytes, str]:
        """The bytes and file name of a document message."""
        document = message.body["document"]
        return self.media[document["id"]].data, document.get("filename", "")

    def put_media(self, data: bytes, mime: str, filename: str) -> str:
        """A file a user sent, as WhatsApp stores it before the webhook names its id."""
        return self.api.put_media(data, mime, filename)

    # -- the simulated side ------------------------------------------------------------

    def user(self, wa_id: str, name: str) -> SimUser:
        """A simulated person writing to the bot's number (the same one for the same wa_id)."""
        if wa_id not in self._users:
            self._users[wa_id] = SimUser(self, WaUser(wa_id, name, self.business))
        return self._users[wa_id]

    def receive(self, person: Person, payload: JSON) -> str:
        """A person's update reaches WhatsApp: their window opens, the update is queued."""
        now = self.now()
        self.last_inbound[person.wa_id] = now
        self.last_inbound[person.bsuid] = now
        return self.push(payload)

    def push(self, payload: JSON) -> str:
        """Queue any update for the webhook as it is (statuses, several messages...); returns
        its key in `pending`: its first message id, or push-N."""
        self._pushed += 1
        key = (message_ids(payload) or [f"push-{self._pushed}"])[0]
        self.pushed.extend(message_ids(payload))
        self._pusher.push(key, payload)
        return key

    @property
    def webhook_url(self) -> str | None:
        """Where updates are POSTed; None keeps them queued."""
        return self._pusher.url

    @webhook_url.setter
    def webhook_url(self, url: str | None) -> None:
        self._pusher.url = url
        self._pusher.kick()

    async def subscribe(self, url: str, verify_token: str, challenge: str = "1158201444") -> bool:
        """Set the webhook as the Meta app dashboard does: only if it echoes the challenge."""
        if not await self._pusher.verify(url, verify_token, challenge):
            return False
        self.webhook_url = url
        return True

    def kick(self) -> None:
        """Offer the queued updates to the webhook again (Meta retries a failed delivery)."""
        self._pusher.kick()

    @property
    def pending(self) -> list[str]:
        """Keys (message ids) of updates the webhook has not acknowledged yet, in order."""
        return [entry.key for entry in self._pusher.queue]

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Each POST to the webhook with the status the bot answered."""
        return self._pusher.deliveries

    # -- failures ----------------------------------------------------------------------

    def fail_next(
        self,
        target: str,
        times: int = 1,
        *,
        status: int | None = None,
        code: int | None = None,
        message: str | None = None,
        error: ErrorKind | None = None,
        delivered: bool = False,
    ) -> None:
        """Make the next `times` calls to an endpoint ("messages", "media", "media_url",
        "download") or of a message type ("text", "interactive", "document", "template"...)
        fail. Without `error`: a Graph API error, `status` and `code` (defaults: 500 and
        131000; a code alone answers 400). `error`: "connect" (nothing arrives; in-process an
        httpx.ConnectError, served the connection is dropped before any effect), "timeout" (no
        answer; served, the connection stays silent until the client gives up) or "disconnect"
        (the server hangs up without answering). `delivered=True`: the call takes effect
        first (a send that arrived but whose answer was lost)."""
        self.faults.fail_next(
            target,
            times,
            status=status,
            code=code,
            message=message,
            error=error,
            delivered=delivered,
        )

    def stall(self, to: str | Person, seconds: float, times: int | None = None) -> None:
        """Hold each send to one recipient `seconds` (wall clock) before it takes effect:
        the next `times` sends, or all until stall(to, 0)."""
        self.faults.stall(_ids_of(to), seconds, times)

    def throttle(self, to: str | Person, code: int = RATE_LIMIT_HIT, times: int = 1) -> None:
        """Answer the next `times` sends to one recipient with a throttling error: 130429
        (rate limit hit) or 131056 (pair rate limit hit)."""
        self.faults.throttle(_ids_of(to), code, times)

    # -- serving -----------------------------------------------------------------------

    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Serve the API over real HTTP on host:port; returns the bound port. `url` (and
        media URLs) then point at it: set WHATSAPP_GRAPH_URL to `url`."""
        bound = await self._server.start(host, port)
        self.url = f"http://{host}:{bound}"
        self.api.media_base = self.url
        return bound

    async def aclose(self) -> None:
        """Stop serving and delivering."""
        await self._server.close()
        await self._pusher.aclose()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one HTTP request the way graph.facebook.com would."""
        call = GraphCall(request.method, request.url.path, kind_of(request))
        self.requests.append(call)
        self._in_flight += 1
        self._changed.pulse()
        try:
            response = await self._endpoints.answer(request, call)
        except httpx.TransportError as exc:
            call.error = str(exc)
            raise
        finally:
            self._in_flight -= 1
            self._changed.pulse()
        call.status = response.status_code
        return response

    # -- settling ----------------------------------------------------------------------

    async def settle(self, max_wait: float = 5.0) -> None:
        """Return once every queued update was offered to the webhook and answered, no request
        is being answered, and the bot went quiet. A failed delivery is retried once per call;
        if it fails again settle() returns with the update still `pending`."""
        deadline = asyncio.get_running_loop().time() + max_wait
        self._pusher.kick()
        while True:
            await self._until(self._handed_over, deadline, "the bot did not finish")
            if await self._quiet():
                return

    async def wait_for(self, predicate: Callable[[], bool], max_wait: float = 5.0) -> None:
        """Wait until predicate() holds, checking again after every request and delivery."""
        deadline = asyncio.get_running_loop().time() + max_wait
        await self._until(predicate, deadline, "the condition never held")

    def _handed_over(self) -> bool:
        return not self._in_flight and not self._pusher.busy

    async def _quiet(self) -> bool:
        mark = len(self.requests)
        for _ in range(self.quiet_turns):
            await asyncio.sleep(0)  # one event-loop turn, not a wall-clock wait
            if len(self.requests) != mark or not self._handed_over():
                return False
        return True

    async def _until(self, predicate: Callable[[], bool], deadline: float, reason: str) -> None:
        loop = asyncio.get_running_loop()
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._stuck(reason))
            await self._changed.wait(remaining)

    def _stuck(self, reason: str) -> str:
        return (
            f"Graph API stand-in did not settle: {reason} (webhook: {self.webhook_url}; "
            f"pending updates: {self.pending}; delivering: {self._pusher.busy}; requests in "
            f"flight: {self._in_flight})"
        )


def _ids_of(to: str | Person) -> frozenset[str]:
    if isinstance(to, str):
        return frozenset({to})
    return frozenset({to.wa_id, to.bsuid})
