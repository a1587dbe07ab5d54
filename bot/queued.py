"""Whether the update being handled queued any outgoing message.

The outbox repositories note each message they queue; the inbox worker watches its update's
transaction and wakes the sender after the commit only when something was queued, so an
update that answers nobody costs no second transaction to look at an empty outbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class Watch:
    """What the watched block queued (a rolled-back savepoint's messages count too: waking the
    sender once for nothing is harmless, missing a message is not)."""

    queued: int = 0


_watch: ContextVar[Watch | None] = ContextVar("sopbot_queued", default=None)


def note(count: int = 1) -> None:
    """Messages were queued in the current update's transaction."""
    watch = _watch.get()
    if watch is not None:
        watch.queued += count


@contextmanager
def watching() -> Iterator[Watch]:
    """Count what the block queues (nothing outside an update's block is counted)."""
    watch = Watch()
    token = _watch.set(watch)
    try:
        yield watch
    finally:
        _watch.reset(token)
