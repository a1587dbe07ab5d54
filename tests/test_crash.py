"""The real `sopbot run` process crashed at a stage boundary and started again: an update
stored before the crash is handled after it, once; a send whose outcome the crash left unknown
is sent again and marked doubtful. (`make proof` does this at a thousand seeded points.)"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from proof.world import Crash, Lane


def crashing_once(failpoint: str) -> Iterator[Crash]:
    yield Crash(failpoint)
    while True:
        yield Crash()


@pytest.fixture
async def lane(tmp_path: Path) -> AsyncIterator[Lane]:
    lane = Lane(tmp_path / "lane", "sqlite", "")
    await lane.open()
    await lane.hire()
    await lane.bot.stop()  # the next start is the one that crashes
    yield lane
    await lane.close()


async def crash_at(lane: Lane, failpoint: str) -> None:
    fates = crashing_once(failpoint)
    lane.plan = lambda: next(fates)


async def rows(lane: Lane, query: str) -> list[tuple[object, ...]]:
    async with lane.engine.connect() as db:
        return [tuple(row) for row in await db.execute(text(query))]


async def test_a_crash_before_the_updates_commit_applies_it_once_after_the_restart(lane):
    await crash_at(lane, "update.handled:1")
    before = len(lane.inbox("kabag"))

    await lane.say("kabag", "/baru Pemerintah Kota Bogor | Kerja sama air bersih")

    assert lane.exits.failpoints == {"update.handled": 1}
    assert await rows(lane, "SELECT kind FROM pending_prompts") == [("baru",)]
    assert len(lane.inbox("kabag")) == before + 1  # the one question, asked once
    assert await rows(lane, "SELECT status, attempts FROM inbox ORDER BY id DESC LIMIT 1") == [
        ("done", 2)
    ]


async def test_an_update_stored_but_not_handled_before_the_crash_is_handled_after_it(lane):
    await crash_at(lane, "update.stored:1")
    before = len(lane.inbox("kabag"))

    await lane.say("kabag", "/sop")

    assert lane.exits.failpoints == {"update.stored": 1}
    assert len(lane.inbox("kabag")) == before + 1


async def test_an_update_confirmed_and_claimed_but_not_handled_is_handled_once_after_it(lane):
    await crash_at(lane, "update.claimed:1")
    before = len(lane.inbox("kabag"))

    await lane.say("kabag", "/sop")

    assert lane.exits.failpoints == {"update.claimed": 1}
    assert len(lane.inbox("kabag")) == before + 1
    assert await rows(lane, "SELECT status, attempts FROM inbox ORDER BY id DESC LIMIT 1") == [
        ("done", 2)
    ]


async def test_a_crash_after_a_send_sends_it_again_marked_doubtful(lane):
    await crash_at(lane, "outbox.sent:1")
    before = len(lane.inbox("kabag"))

    await lane.say("kabag", "/sop")

    [(key, status, doubtful)] = await rows(
        lane, "SELECT key, status, doubtful FROM outbox ORDER BY id DESC LIMIT 1"
    )
    assert (status, bool(doubtful)) == ("sent", True)
    assert len(lane.inbox("kabag")) == before + 2  # the copy the crash made unavoidable
    assert f"outbox message {key} sent again after an unknown outcome" in (
        lane.folder / "sopbot.log"
    ).read_text()


async def test_a_whatsapp_update_stored_before_the_webhook_answered_is_handled_once(lane):
    await crash_at(lane, "update.stored:1")
    before = len(lane.inbox("sekda"))

    await lane.say("sekda", "sop")

    deliveries = [d.status for d in lane.graph.webhook_deliveries][-2:]
    assert deliveries == [None, 200]  # the first POST lost its answer; Meta sent it again
    assert len(lane.inbox("sekda")) == before + 1
