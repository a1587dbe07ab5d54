"""StandIn: the Bot API served to python-telegram-bot in-process, recorded and settled.

How settle() knows the bot is done, without sleeping:
1. Handed over. Polling: the queue holds no unconfirmed update, i.e. the bot fetched them and
   came back with a getUpdates whose offset confirms them all; PTB's Updater puts every fetched
   update on the Application's queue before it polls again. Webhook: the pusher is idle (every
   POST got its answer; PTB's webhook server answers after queueing the update).
2. Handled. With attach(app), `app.update_queue.join()`: PTB calls task_done() after each
   update's handlers returned, whatever they awaited (database threads included).
3. Quiet. `quiet_turns` event-loop turns (asyncio.sleep(0), no wall clock) pass with no new
   API call, no request in flight and nothing queued. Any call restarts from step 1.
Every wait is on a Pulse fired by API calls and new updates, bounded by `max_wait`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Literal, Protocol, runtime_checkable

import httpx

from handlers.standin.http import HttpServer
from handlers.standin.pulse import Pulse
from handlers.telegram.standin.flood import FloodControl
from handlers.telegram.standin.methods import BotApi, Method, call
from handlers.telegram.standin.model import (
    JSON,
    ApiCall,
    ApiError,
    Chaos,
    Failure,
    RateLimits,
    SimCallback,
    SimMessage,
    WebhookDelivery,
    not_found,
)
from handlers.telegram.standin.server import WebhookPusher
from handlers.telegram.standin.users import SimUser
from handlers.telegram.standin.wire import parse_body
from handlers.telegram.standin.world import Chat, Person, World

logger = logging.getLogger(__name__)

_METHOD_PATH = re.compile(r"/bot([^/]+)/([A-Za-z_]+)/?")
_FILE_PATH = re.compile(r"/file/bot([^/]+)/(.+)")


@runtime_checkable
class Joinable(Protocol):
    """What settle() waits on: the bot's queue of updates, or its runtime."""

    async def join(self) -> None: ...
    def empty(self) -> bool: ...


class StandInTransport(httpx.AsyncBaseTransport):
    """The httpx transport PTB talks through: every request goes to the stand-in in-process."""

    def __init__(self, standin: StandIn) -> None:
        self._standin = standin

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request."""
        return await self._standin.handle(request)


class StandIn:
    """An in-process Telegram Bot API good enough for an unmodified PTB Application."""

    def __init__(
        self,
        *,
        bot_id: int = 7000000001,
        bot_username: str = "sopbot_standin_bot",
        bot_name: str = "SOPBot",
        token: str | None = None,
        rate_limits: RateLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        quiet_turns: int = 20,
    ) -> None:
        bot: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.token = token  # None: any token is accepted
        self.quiet_turns = quiet_turns
        self.calls: list[ApiCall] = []
        self.world = World(bot, wall_clock)
        self._changed = Pulse()
        self._flood = FloodControl(clock, rate_limits)
        self.api = BotApi(self.world, self._flood, self._changed)
        self.transport: httpx.AsyncBaseTransport = StandInTransport(self)
        self._webhook = WebhookPusher(self.api, self._changed, webhook_transport)
        self._server = HttpServer(self.handle)
        self._failures: dict[str, list[Failure]] = {}
        self._stalls: dict[int, float] = {}
        self._chaos: Chaos | None = None
        self._in_flight = 0  # requests being answered, long polls excepted
        self._users: dict[int, SimUser] = {}
        self._app_queue: Joinable | None = None
        self._warned_unattached = False
        self.world.queue.listeners.append(self._on_update)

    # -- the simulated side ------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str,
        last_name: str = "",
        username: str | None = None,
        *,
        started: bool = False,
    ) -> SimUser:
        """A simulated person; the bot may write to them once they wrote (or `started`)."""
        if user_id in self._users:
            return self._users[user_id]
        chat = Chat(Person(user_id, first_name, last_name, username), started=started)
        self.world.chats[user_id] = chat
        self._users[user_id] = SimUser(self.world, chat)
        return self._users[user_id]

    def redeliver(self, update_id: int) -> None:
        """Queue an update again with the same update_id, as Telegram sometimes does."""
        self.world.queue.redeliver(update_id)

    def sent_to(self, chat_id: int) -> list[SimMessage]:
        """Every message the bot sent to a chat, deleted ones included, oldest first."""
        chat = self.world.chats.get(chat_id)
        return [] if chat is None else [m for m in chat.messages if m.from_bot]

    def calls_to(self, method: str) -> list[ApiCall]:
        """The recorded calls of one method."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    @property
    def pending_updates(self) -> list[int]:
        """Update ids the bot has not confirmed yet."""
        return self.world.queue.pending_ids()

    @property
    def unanswered_callbacks(self) -> list[SimCallback]:
        """Presses the bot never answered with answerCallbackQuery (the user sees a spinner)."""
        return [c for c in self.world.callbacks.values() if not c.answered]

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Each POST to the webhook with the status the bot answered."""
        return self._webhook.deliveries

    # -- limits and failures -----------------------------------------------------------

    @property
    def rate_limits(self) -> RateLimits | None:
        """Flood limits in force; None turns flood control off."""
        return self._flood.limits

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits | None) -> None:
        self._flood.limits = limits

    @property
    def rate_limited(self) -> int:
        """How many 429 answers were given."""
        return self._flood.rejected

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int | None = 502,
        error: Literal["connect", "timeout"] | None = None,
        delivered: bool = False,
        chat_id: int | None = None,
        retry_after: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, if given) fail: an HTTP
        status (429 with `retry_after`) or a lost connection."""
        # error="connect": nothing happens (safe to retry). error="timeout": the answer is lost;
        # with delivered=True the call took effect first (a send that timed out but arrived).
        found = self.api.lookup(method)
        name = found[0] if found else method
        failure = Failure(times, None if error else status, error, delivered, chat_id, retry_after)
        self._failures.setdefault(name, []).append(failure)

    @property
    def in_flight(self) -> int:
        """Requests being answered now (long polls excepted)."""
        return self._in_flight

    @property
    def created_updates(self) -> list[int]:
        """Every update id the users' actions created, in order."""
        return self.world.queue.created()

    @property
    def pending_failures(self) -> int:
        """Injected failures not met yet."""
        return sum(f.times for waiting in self._failures.values() for f in waiting)

    def stall(self, chat_id: int, seconds: float) -> None:
        """Answer every sending call to `chat_id` only after `seconds` (0 ends it)."""
        if seconds > 0:
            self._stalls[chat_id] = seconds
        else:
            self._stalls.pop(chat_id, None)

    def chaos(self, refuse: float, lose: float, seed: int) -> Chaos:
        """Fail a share of all sending calls at random: `refuse` before they take effect,
        `lose` the answer after they did. Returns the counters; `chaos(0, 0, 0)` ends it."""
        self._chaos = Chaos(refuse, lose, random.Random(seed)) if refuse or lose else None
        return self._chaos or Chaos(0, 0, random.Random(seed))

    def attach(self, application: object) -> None:
        """Let settle() wait until the bot has handled every update.

        Takes a PTB Application or Updater (their update_queue), an asyncio.Queue, or any
        object with `async join()` and `empty()` (sopbot's runtime: its inbox and outbox idle).
        """
        queue = getattr(application, "update_queue", application)
        if not isinstance(queue, Joinable):
            raise TypeError("attach() takes a PTB Application, a queue or a joinable runtime")
        self._app_queue = queue

    # -- serving -----------------------------------------------------------------------

    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Serve the same API over real HTTP on host:port; returns the bound port."""
        return await self._server.start(host, port)

    async def aclose(self) -> None:
        """Stop the HTTP server and webhook deliveries."""
        await self._server.close()
        await self._webhook.aclose()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one HTTP request the way api.telegram.org would."""
        path = request.url.path
        file_match = _FILE_PATH.fullmatch(path)
        if request.method == "GET" and file_match is not None:
            return self._download(file_match.group(1), file_match.group(2))
        match = _METHOD_PATH.fullmatch(path)
        if match is None:
            return _answer(404, not_found().payload())
        if self.token is not None and match.group(1) != self.token:
            return _answer(401, ApiError(401, "Unauthorized").payload())
        found = self.api.lookup(match.group(2))
        name = found[0] if found else match.group(2)
        record = ApiCall(name, {}, self._flood.clock())
        self.calls.append(record)
        long_poll = name == "getUpdates"
        self._in_flight += 0 if long_poll else 1
        self._changed.pulse()
        try:
            status, payload = await self._respond(request, record, found)
        finally:
            self._in_flight -= 0 if long_poll else 1
            self._changed.pulse()
        record.status, record.description = status, payload.get("description")
        logger.debug("%s -> %s", name, status)
        return _answer(status, payload)

    async def _respond(
        self, request: httpx.Request, record: ApiCall, found: tuple[str, Method] | None
    ) -> tuple[int, JSON]:
        try:
            content_type = request.headers.get("content-type", "")
            body = await request.aread()
            record.params = parse_body(content_type, body, request.url.query)
        except ApiError as exc:
            return exc.status, exc.payload()
        failure = self._take_failure(record.method, record.params)
        chat = _chat_of(record.params)
        stalled = self._stalls.get(chat) if chat is not None and record.method in SENDING else 0
        if stalled:
            await asyncio.sleep(stalled)
        if failure is not None and failure.error is not None and not failure.delivered:
            record.description = f"injected {failure.error} error"
            raise _transport_error(failure, request)
        if failure is not None and failure.status is not None:
            too_many = failure.status == HTTPStatus.TOO_MANY_REQUESTS
            retry = {"retry_after": failure.retry_after} if too_many else None
            error = ApiError(failure.status, HTTPStatus(failure.status).phrase, retry)
            return error.status, error.payload()
        try:
            if found is None:
                raise not_found()
            result = await call(found[1], record.params)
        except ApiError as exc:
            return exc.status, exc.payload()
        if record.method == "setWebhook":
            self._webhook.kick()
        if failure is not None and failure.error is not None:
            record.status, record.description = 200, "took effect, then the answer was lost"
            raise _transport_error(failure, request)
        return 200, {"ok": True, "result": result}

    def _take_failure(self, method: str, params: JSON) -> Failure | None:
        chat = _chat_of(params)
        waiting = self._failures.get(method, [])
        for failure in waiting:
            if failure.chat_id is None or failure.chat_id == chat:
                failure.times -= 1
                if failure.times <= 0:
                    waiting.remove(failure)
                return failure
        chaos = self._chaos
        if chaos is None or method not in SENDING:
            return None
        roll = chaos.rng.random()
        if roll < chaos.refuse:
            chaos.refused += 1
            return Failure(1, None, "connect")
        if roll < chaos.refuse + chaos.lose:
            chaos.lost += 1
            return Failure(1, None, "timeout", delivered=True)
        return None

    def _download(self, token: str, file_path: str) -> httpx.Response:
        stored = self.world.paths.get(file_path)
        if stored is None or (self.token is not None and token != self.token):
            return _answer(404, not_found().payload())
        return httpx.Response(200, content=stored.data, headers={"Content-Type": stored.mime_type})

    def _on_update(self) -> None:
        self._changed.pulse()
        self._webhook.kick()

    # -- settling ----------------------------------------------------------------------

    async def settle(self, max_wait: float = 5.0) -> None:
        """Return once every update was handed to the bot, handled, and the bot went quiet."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        polled = any(c.method == "getUpdates" for c in self.calls)
        if self._app_queue is None and polled and not self._warned_unattached:
            self._warned_unattached = True
            logger.warning(
                "settle() without attach(application): handlers that await threads "
                "(a database, files) may still be running when it returns"
            )
        self._webhook.kick()  # retries a webhook delivery that failed before
        while True:
            await self._until(self._handed_over, deadline, "updates were not handed to the bot")
            if self._app_queue is not None:
                try:
                    await asyncio.wait_for(self._app_queue.join(), max(deadline - loop.time(), 0))
                except TimeoutError:
                    raise TimeoutError(self._stuck("the bot is still handling updates")) from None
            if await self._quiet():
                return

    async def wait_for(self, predicate: Callable[[], bool], max_wait: float = 5.0) -> None:
        """Wait until predicate() holds, checking again after every API call and update."""
        deadline = asyncio.get_running_loop().time() + max_wait
        await self._until(predicate, deadline, "the condition never held")

    def _handed_over(self) -> bool:
        if self._in_flight:
            return False
        if self.api.webhook.url:
            return not self._webhook.busy  # pending updates after a failed POST wait a kick
        return self.world.queue.pending == 0  # the bot polled again with a higher offset

    async def _quiet(self) -> bool:
        mark = len(self.calls)
        for _ in range(self.quiet_turns):
            await asyncio.sleep(0)  # one event-loop turn, not a wall-clock wait
            if len(self.calls) != mark or not self._handed_over():
                return False
            if self._app_queue is not None and not self._app_queue.empty():
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
        mode = f"webhook {self.api.webhook.url}" if self.api.webhook.url else "polling"
        return (
            f"stand-in did not settle: {reason} (mode: {mode}; pending updates: "
            f"{self.pending_updates}; getUpdates waiting: {self.api.polling}; requests in "
            f"flight: {self._in_flight}; application attached: {self._app_queue is not None})"
        )


# The calls that put a message in a chat: flood limits, stalls and chaos apply to them.
SENDING = frozenset({"sendMessage", "sendDocument", "sendPhoto", "editMessageText"})


def _chat_of(params: JSON) -> int | None:
    try:
        return int(params.get("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _answer(status: int, payload: JSON) -> httpx.Response:
    return httpx.Response(status, json=payload)


def _transport_error(failure: Failure, request: httpx.Request) -> httpx.TransportError:
    if failure.error == "connect":
        return httpx.ConnectError("stand-in: injected connect error", request=request)
    return httpx.ReadTimeout("stand-in: injected read timeout", request=request)
