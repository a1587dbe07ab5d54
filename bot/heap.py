"""Work that builds documents, run in a thread and followed by a trim of the C heap.

python-docx, lxml and docxtpl allocate many megabytes while a document is built and free them
when it is saved; glibc keeps most of the freed pages in its arenas, so the bot's resident
memory grows with every document although the memory is free. `malloc_trim` gives the free
pages back to the system. Elsewhere than glibc the trim is skipped.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def trim() -> None:
    """Return the C heap's free pages to the system, where the C library can."""
    malloc_trim = _malloc_trim()
    if malloc_trim is not None:
        malloc_trim(0)


async def in_thread(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`asyncio.to_thread(fn, ...)` for building a document: the heap is trimmed after it."""

    def then_trim() -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            trim()

    return await asyncio.to_thread(then_trim)
