"""Documents are built in a thread, and the C heap is trimmed after each."""

from __future__ import annotations

import platform
import threading

import pytest

from bot import heap


async def test_a_document_is_built_off_the_event_loop_and_its_result_handed_back():
    loop_thread = threading.get_ident()

    def build(name: str, *, version: int) -> tuple[str, int, int]:
        return name, version, threading.get_ident()

    name, version, thread = await heap.in_thread(build, "undangan.docx", version=2)

    assert (name, version) == ("undangan.docx", 2)
    assert thread != loop_thread


async def test_the_heap_is_trimmed_after_a_build_that_failed_too(monkeypatch):
    trims: list[int] = []
    monkeypatch.setattr(heap, "_malloc_trim", lambda: trims.append)

    def broken() -> None:
        raise ValueError("template rusak")

    assert await heap.in_thread(lambda: 7) == 7
    with pytest.raises(ValueError, match="template rusak"):
        await heap.in_thread(broken)

    assert trims == [0, 0]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_on_glibc_the_trim_is_found_and_runs():
    assert heap._malloc_trim() is not None
    heap.trim()
