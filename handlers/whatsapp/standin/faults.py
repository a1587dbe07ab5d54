"""Failures injected into the stand-in: refused or lost calls, slow and throttled recipients."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from handlers.whatsapp.standin.model import (
    PAIR_RATE_LIMIT,
    RATE_LIMIT_HIT,
    SERVICE_UNAVAILABLE,
    SOMETHING_WENT_WRONG,
    UNSUPPORTED_REQUEST,
    ErrorKind,
    Failure,
    GraphError,
)

ENDPOINTS = frozenset({"messages", "media", "media_url", "download"})
MESSAGE_TYPES = frozenset(
    {
        "text",
        "interactive",
        "document",
        "template",
        "image",
        "audio",
        "video",
        "sticker",
        "location",
        "contacts",
        "reaction",
    }
)
THROTTLING = frozenset({RATE_LIMIT_HIT, PAIR_RATE_LIMIT})


@dataclass
class _Stall:
    recipients: frozenset[str]
    seconds: float
    times: int | None  # None: every send until cleared


@dataclass
class _Throttle:
    recipients: frozenset[str]
    code: int
    times: int


class Faults:
    """What goes wrong next, by endpoint or message type, and by recipient."""

    def __init__(self) -> None:
        self._failures: dict[str, Failure] = {}
        self._stalls: list[_Stall] = []
        self._throttles: list[_Throttle] = []

    def fail_next(
        self,
        target: str,
        times: int,
        *,
        status: int | None,
        code: int | None,
        message: str | None,
        error: ErrorKind | None,
        delivered: bool,
    ) -> None:
        """Make the next `times` calls to `target` fail (see GraphStandIn.fail_next)."""
        if target not in ENDPOINTS | MESSAGE_TYPES:
            known = ", ".join(sorted(ENDPOINTS | MESSAGE_TYPES))
            raise ValueError(f"unknown endpoint or message type {target!r}; one of {known}")
        if error == "connect" and delivered:
            raise ValueError("a connect error happens before anything arrives: not delivered")
        if times < 1:
            raise ValueError("times must be at least 1")
        self._failures[target] = Failure(times, status, code, message, error, delivered)

    def take(self, *targets: str | None) -> Failure | None:
        """The failure for this call, the most specific target first; one of its times used."""
        for target in targets:
            failure = self._failures.get(target or "")
            if failure is None:
                continue
            failure.times -= 1
            if failure.times <= 0:
                del self._failures[target or ""]
            return failure
        return None

    def stall(self, recipients: frozenset[str], seconds: float, times: int | None) -> None:
        """Hold sends to these ids for `seconds` each (0 clears)."""
        self._stalls = [s for s in self._stalls if not s.recipients & recipients]
        if seconds > 0:
            self._stalls.append(_Stall(recipients, seconds, times))

    def stall_for(self, to: str | None) -> float:
        """How long to hold a send to `to` before it takes effect."""
        for stall in self._stalls:
            if to in stall.recipients:
                if stall.times is not None:
                    stall.times -= 1
                    if stall.times <= 0:
                        self._stalls.remove(stall)
                return stall.seconds
        return 0.0

    def throttle(self, recipients: frozenset[str], code: int, times: int) -> None:
        """Answer the next `times` sends to these ids with a throttling error."""
        if code not in THROTTLING:
            raise ValueError(f"throttling codes are {sorted(THROTTLING)}")
        self._throttles = [t for t in self._throttles if not t.recipients & recipients]
        if times > 0:
            self._throttles.append(_Throttle(recipients, code, times))

    def throttled(self, to: str | None) -> GraphError | None:
        """The throttling error a send to `to` gets now, if any."""
        for throttle in self._throttles:
            if to in throttle.recipients:
                throttle.times -= 1
                if throttle.times <= 0:
                    self._throttles.remove(throttle)
                return GraphError(throttle.code)
        return None


def error_of(failure: Failure) -> GraphError:
    """The Graph API error an injected status failure answers with."""
    status = failure.status
    code = failure.code
    if code is None:
        if status == 503:
            code = SERVICE_UNAVAILABLE
        elif status == 429:
            code = RATE_LIMIT_HIT
        elif status is None or status >= 500:
            code = SOMETHING_WENT_WRONG
        else:
            code = UNSUPPORTED_REQUEST
    return GraphError(code, failure.message, status)


def transport_error(kind: ErrorKind, request: httpx.Request) -> httpx.TransportError:
    """What the client sees of an injected network failure."""
    if kind == "connect":
        return httpx.ConnectError("stand-in: injected connect error", request=request)
    if kind == "timeout":
        return httpx.ReadTimeout("stand-in: injected read timeout", request=request)
    return httpx.RemoteProtocolError(
        "stand-in: server disconnected without sending a response", request=request
    )
