"""The cost of one update on the durable path: transactions and statements, counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.telegram_office import TelegramOffice, open_case


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start()
    await office.hire()
    await open_case(office)
    yield office
    await office.stop()


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[Counter[str]]:
    """Transactions begun and statements run on `engine` while the block runs."""
    counts: Counter[str] = Counter()

    def on_begin(_connection: Any) -> None:
        counts["transactions"] += 1

    def on_statement(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        counts["statements"] += 1
        print("   SQL", counts["transactions"], " ".join(statement.split())[:110])

    sync = engine.sync_engine
    event.listen(sync, "begin", on_begin)
    event.listen(sync, "before_cursor_execute", on_statement)
    try:
        yield counts
    finally:
        event.remove(sync, "begin", on_begin)
        event.remove(sync, "before_cursor_execute", on_statement)


async def cost(office: TelegramOffice, who: str, text: str) -> Counter[str]:
    await office.settle()
    with counting(office.app.engine) as counts:
        await office.say(who, text)
    return counts


async def test_measure(office):
    for text in ("/tugas", "/status", "/bantuan", "/sop"):
        counts = await cost(office, "kabag", text)
        print("MEASURE", text, dict(counts))
