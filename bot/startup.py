"""Start-up that explains itself: what keeps sopbot from starting, and waiting for services.

Two kinds of failure at start are told apart. A setting that is wrong (a malformed
DATABASE_URL, a token Telegram rejects, a port already taken) is a `StartupError`: it names the
setting, says what is wrong and how to fix it, and the command exits with code 2. A service that
does not answer yet (PostgreSQL or the Bot API refusing connections, an unknown host, a timeout)
is `Unreachable`: `sopbot run` waits for it with `wait_until_ready`, the one-shot commands turn
it into a `StartupError` at once. The adapters that know a library's exceptions (storage/ for
the database, handlers/ for the Bot API) classify them into these two.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import socket
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from bot.texts import t

logger = logging.getLogger(__name__)

T = TypeVar("T")

EXIT_CODE = 2

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 60.0
LOG_EVERY_SECONDS = 60.0

# Operating-system errors an operator meets at start, in words they read (catalogue keys).
_ERRNO_REASONS = {
    errno.ECONNREFUSED: "startup.reason.refused",
    errno.ETIMEDOUT: "startup.reason.timeout",
    errno.ENETUNREACH: "startup.reason.no_route",
    errno.EHOSTUNREACH: "startup.reason.no_route",
    errno.ENOENT: "startup.reason.not_found",
    errno.EACCES: "startup.reason.denied",
    errno.EPERM: "startup.reason.denied",
    errno.EROFS: "startup.reason.read_only",
    errno.ENOTDIR: "startup.reason.not_a_folder",
    errno.EISDIR: "startup.reason.a_folder",
    errno.ENOSPC: "startup.reason.disk_full",
    errno.EADDRINUSE: "startup.reason.port_taken",
    errno.EADDRNOTAVAIL: "startup.reason.address_not_here",
}


class StartupError(Exception):
    """A setting keeps sopbot from starting: its env name, what is wrong, how to fix it.

    `problem` and `fix` are catalogue keys, both filled with `params`.
    """

    def __init__(self, setting: str, problem: str, fix: str, /, **params: Any) -> None:
        self.setting = setting
        self.problem = problem
        self.fix = fix
        self.params = params
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """The one or two lines an operator reads: setting and problem, then the fix."""
        first = t("startup.line", setting=self.setting, problem=t(self.problem, **self.params))
        return [first, t(self.fix, **self.params)]


class Unreachable(Exception):
    """A service did not answer (refused, unknown host, timeout): worth waiting for at start.

    `service` names it for people ("PostgreSQL di 127.0.0.1:5432"), `reason` says why in
    Indonesian, and `setting` and `fix` (a catalogue key) are what a one-shot command prints.
    """

    def __init__(self, setting: str, service: str, reason: str, fix: str) -> None:
        self.setting = setting
        self.service = service
        self.reason = reason
        self.fix = fix
        super().__init__(f"{service}: {reason}")

    def as_error(self) -> StartupError:
        """The same problem for a command that does not wait."""
        return StartupError(
            self.setting, "startup.unreachable", self.fix, service=self.service, reason=self.reason
        )


def reason_of(error: BaseException) -> str:
    """Why a connection or a file operation failed, from the first cause we know in the chain."""
    for link in _causes(error):
        if isinstance(link, socket.gaierror):
            return t("startup.reason.unknown_host")
        if isinstance(link, TimeoutError):
            return t("startup.reason.timeout")
        if isinstance(link, OSError) and link.errno in _ERRNO_REASONS:
            return t(_ERRNO_REASONS[link.errno])
    return t("startup.reason.other", detail=str(error) or type(error).__name__)


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


@dataclass(frozen=True)
class Patience:
    """How `sopbot run` waits for a service: its sleep, its clock and its pace."""

    now: Callable[[], datetime]
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    log_every: float = LOG_EVERY_SECONDS
    first_delay: float = FIRST_DELAY_SECONDS
    max_delay: float = MAX_DELAY_SECONDS


async def wait_until_ready(
    what: str,
    probe: Callable[[], Awaitable[T]],
    *,
    sleep: Callable[[float], Awaitable[None]],
    now: Callable[[], datetime],
    log_every: float = LOG_EVERY_SECONDS,
    first_delay: float = FIRST_DELAY_SECONDS,
    max_delay: float = MAX_DELAY_SECONDS,
) -> T:
    """Call `probe` until it stops raising `Unreachable`; its result once it answers.

    Waits double from `first_delay` up to `max_delay`. The first failure is logged at once,
    then at most one line per `log_every` seconds. A `StartupError` (or anything else) from the
    probe is not retried: a wrong password does not get better by waiting.
    """
    delay = first_delay
    since: datetime | None = None
    logged: datetime | None = None
    attempts = 0
    while True:
        try:
            result = await probe()
        except Unreachable as error:
            attempts += 1
            at = now()
            if since is None:
                since = at
                logger.warning("%s", t("startup.waiting", what=what, reason=error.reason))
                logged = at
            elif logged is not None and (at - logged).total_seconds() >= log_every:
                logger.warning(
                    "%s",
                    t(
                        "startup.still_waiting",
                        what=what,
                        since=_clock_time(since),
                        reason=error.reason,
                        attempts=attempts,
                    ),
                )
                logged = at
            await sleep(delay)
            delay = min(delay * 2, max_delay)
            continue
        if since is not None:
            logger.info("%s", t("startup.answered", what=what, since=_clock_time(since)))
        return result


def _clock_time(at: datetime) -> str:
    return f"{at:%H:%M} {at.tzname() or ''}".rstrip()


async def when_ready(what: str, probe: Callable[[], Awaitable[T]], patience: Patience | None) -> T:
    """Probe once (no answer is a `StartupError`), or with `patience` until the service answers."""
    if patience is None:
        try:
            return await probe()
        except Unreachable as error:
            raise error.as_error() from error
    return await wait_until_ready(
        what,
        probe,
        sleep=patience.sleep,
        now=patience.now,
        log_every=patience.log_every,
        first_delay=patience.first_delay,
        max_delay=patience.max_delay,
    )


async def stop_on_signal(work: Awaitable[T]) -> T | None:
    """Run `work`; SIGINT or SIGTERM cancels it and gives None, a clean stop.

    This covers the start-up, while the bot still waits for its services; once it serves,
    its own handlers (bootstrap) take the signals over and stop it in order.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    signalled = False

    def stop() -> None:
        nonlocal signalled
        signalled = True
        task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        return await task
    except asyncio.CancelledError:
        if not signalled:
            raise
        logger.info("%s", t("startup.stopped"))
        return None
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
