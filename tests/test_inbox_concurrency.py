"""The inbox worker on real databases: different chats at once, each chat strictly in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from bot.inbox import InboxWorker, Received
from bot.ports import ChatRoute, Claim, Envelope, Handled, OutgoingMessage, StoredUpdate
from bot.replies import Reply
from storage.sql import table
from tests.office import Office


@dataclass
class GatedChannel:
    """A channel whose updates queue one answer each; an update may be held at a gate, in
    `prepare` (a slow download, outside the transaction) or in `handle` (inside it)."""

    office: Office
    prepare_gates: dict[str, asyncio.Event] = field(default_factory=dict)
    handle_gates: dict[str, asyncio.Event] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    finished: dict[str, asyncio.Event] = field(default_factory=dict)
    turns: dict[str, int] = field(default_factory=dict)
    busy: int = 0
    most_busy: int = 0

    def envelope(self, payload: dict[str, Any]) -> Envelope:
        return Envelope(ChatRoute("fake", str(payload["chat"])), "text", str(payload["n"]))

    async def prepare(self, update: StoredUpdate) -> object:
        self.busy += 1
        self.most_busy = max(self.most_busy, self.busy)
        self.events.append(f"start {update.update_id}")
        if (gate := self.prepare_gates.get(update.update_id)) is not None:
            await gate.wait()
        for _ in range(self.turns.get(update.update_id, 0)):
            await asyncio.sleep(0)  # gives the event loop's turn to the other chats' tasks
        return None

    async def handle(self, update: StoredUpdate, prepared: object) -> Handled:
        if (gate := self.handle_gates.get(update.update_id)) is not None:
            await gate.wait()
        route = ChatRoute("fake", str(update.payload["chat"]))
        async with self.office.uow() as uow:
            answer = OutgoingMessage(None, Reply("chat.no_tasks"), f"answer:{update.update_id}",
                                     chat=route)  # fmt: skip
            await uow.outbox.add(answer, self.office.clock.now())
            await uow.commit()
        self.busy -= 1
        self.events.append(f"end {update.update_id}")
        self.finished.setdefault(update.update_id, asyncio.Event()).set()
        return Handled()

    def done(self, update_id: str) -> asyncio.Event:
        return self.finished.setdefault(update_id, asyncio.Event())


@pytest.fixture
async def office(uow_factory, file_store) -> Office:
    return Office(uow_factory, file_store)


@pytest.fixture
def channel(office: Office) -> GatedChannel:
    return GatedChannel(office)


def worker(office: Office, channel: GatedChannel, concurrency: int = 4) -> InboxWorker:
    return InboxWorker(office.uow, office.clock, office.sop, {"fake": channel},
                       concurrency=concurrency)  # fmt: skip


async def receive(inbox: InboxWorker, *updates: tuple[str, str]) -> None:
    await inbox.store([Received("fake", update_id, {"chat": chat, "n": update_id}, f"fake:{chat}")
                       for update_id, chat in updates])  # fmt: skip


async def answers(engine) -> list[str]:
    outbox = table("outbox")
    async with engine.connect() as connection:
        rows = await connection.execute(select(outbox.c.key).order_by(outbox.c.id))
        return [key for (key,) in rows]


async def test_a_chat_held_up_does_not_hold_up_another_chat(office, channel):
    inbox = worker(office, channel)
    channel.prepare_gates["a1"] = gate = asyncio.Event()
    await receive(inbox, ("a1", "A"), ("b1", "B"))

    running = asyncio.create_task(inbox.handle_due())
    await channel.done("b1").wait()
    held = list(channel.events)
    gate.set()
    taken = await running

    assert held == ["start a1", "start b1", "end b1"]
    assert taken == 2 and channel.events[-1] == "end a1"


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_chats_transactions_overlap_on_postgresql(office, channel, engine):
    committed = asyncio.Event()
    inbox = InboxWorker(office.uow, office.clock, office.sop, {"fake": channel},
                        on_committed=committed.set)  # fmt: skip
    channel.handle_gates["a1"] = gate = asyncio.Event()
    await receive(inbox, ("a1", "A"), ("b1", "B"))

    running = asyncio.create_task(inbox.handle_due())
    await committed.wait()  # b1's, while a1's transaction is open at its gate
    committed_meanwhile = await answers(engine)
    gate.set()
    await running

    assert committed_meanwhile == ["answer:b1"]
    assert await answers(engine) == ["answer:b1", "answer:a1"]


async def test_one_chats_updates_stay_in_order_among_many_chats(office, channel, engine):
    inbox = worker(office, channel, concurrency=3)
    updates = [(f"{chat}{n}", chat) for n in range(12) for chat in "ABCDE"]
    # Updates take different numbers of turns of the event loop to prepare, so the chats
    # finish out of step with each other and with the order they were stored in.
    channel.turns = {update_id: (index * 7) % 5 for index, (update_id, _) in enumerate(updates)}
    await receive(inbox, *updates)

    taken = await inbox.handle_due()

    keys = await answers(engine)
    assert taken == len(updates) and len(keys) == len(updates)
    for chat in "ABCDE":
        prefix = f"answer:{chat}"
        mine = [int(k.removeprefix(prefix)) for k in keys if k.startswith(prefix)]
        assert mine == list(range(12))
    assert keys != [f"answer:{update_id}" for update_id, _ in updates]  # the chats interleaved
    assert channel.most_busy == 3


async def test_the_sender_is_woken_only_after_an_update_that_queued_a_message(office):
    woken: list[str] = []
    silent = SilentChannel()
    inbox = InboxWorker(office.uow, office.clock, office.sop,
                        {"fake": GatedChannel(office), "quiet": silent},
                        on_committed=lambda: woken.append("sender"))  # fmt: skip
    await inbox.store([Received("quiet", "q1", {"chat": "Q", "n": "q1"}, "quiet:Q")])
    await inbox.handle_due()
    quiet = list(woken)

    await receive(inbox, ("a1", "A"))
    await inbox.handle_due()

    assert (quiet, woken, silent.handled) == ([], ["sender"], ["q1"])


@dataclass
class SilentChannel:
    """A channel whose updates change nothing and answer nobody."""

    handled: list[str] = field(default_factory=list)

    def envelope(self, payload: dict[str, Any]) -> Envelope:
        return Envelope(None)

    async def prepare(self, update: StoredUpdate) -> object:
        return None

    async def handle(self, update: StoredUpdate, prepared: object) -> Handled:
        self.handled.append(update.update_id)
        return Handled()


async def test_an_update_whose_handling_was_interrupted_is_handled_alone_after_the_fresh_ones(
    office, channel
):
    inbox = worker(office, channel)
    await receive(inbox, ("a1", "A"))
    async with office.uow() as uow:  # a worker took it and died (its lease is over at once)
        now = office.clock.now()
        await uow.inbox.claim(Claim("gone", now, now, frozenset()), 1)
        await uow.commit()
    await receive(inbox, ("b1", "B"), ("c1", "C"))

    await inbox.handle_due()

    assert channel.events[-2:] == ["start a1", "end a1"]  # nothing else ran beside it
    assert sorted(channel.events[:4]) == ["end b1", "end c1", "start b1", "start c1"]


HANG_SECONDS = 10.0


@pytest.fixture
def no_idle_poll(monkeypatch):
    """The worker's idle poll far away: what is handled is handled because it was handed over
    or woken for, never because the loop happened to look again."""
    monkeypatch.setattr("bot.inbox.IDLE_POLL_SECONDS", 3600.0)


@asynccontextmanager
async def looping(inbox: InboxWorker) -> AsyncIterator[None]:
    """The worker's loop running and waiting for work while the block runs."""
    inbox.wakeup.quiet.clear()
    loop = asyncio.create_task(inbox.run())
    try:
        await inbox.wakeup.quiet.wait()  # its first round is over
        assert inbox.waiting_for_work
        yield
    finally:
        inbox.wakeup.stop()
        await loop


async def ended(channel: GatedChannel, update_id: str) -> None:
    """Until the update's handling ended; a bound on the wait turns a hang into a failure."""
    await asyncio.wait_for(channel.done(update_id).wait(), HANG_SECONDS)


async def claims_of(engine) -> dict[str, tuple[str, int]]:
    inbox = table("inbox")
    async with engine.connect() as connection:
        rows = await connection.execute(select(inbox.c.update_id, inbox.c.status,
                                               inbox.c.attempts))  # fmt: skip
        return {update_id: (status, attempts) for update_id, status, attempts in rows}


@pytest.mark.usefixtures("no_idle_poll")
async def test_a_store_while_the_worker_runs_claims_what_it_stores_in_the_same_commit(
    office, channel, engine
):
    inbox = worker(office, channel)
    channel.prepare_gates["a1"] = gate = asyncio.Event()
    async with looping(inbox):
        await receive(inbox, ("a1", "A"), ("b1", "B"))
        stored = await claims_of(engine)  # right after the store's commit, a1 at its gate
        await ended(channel, "b1")
        gate.set()
        await ended(channel, "a1")

    assert stored == {"a1": ("handling", 1), "b1": ("handling", 1)}
    assert await answers(engine) == ["answer:b1", "answer:a1"]


@pytest.mark.usefixtures("no_idle_poll")
async def test_a_chats_second_update_is_handled_after_its_first_as_soon_as_that_ends(
    office, channel, engine
):
    inbox = worker(office, channel)
    channel.prepare_gates["a1"] = gate = asyncio.Event()
    async with looping(inbox):
        await receive(inbox, ("a1", "A"))
        await receive(inbox, ("a2", "A"), ("b1", "B"))  # a1 is still being handled
        await ended(channel, "b1")
        waiting = await claims_of(engine)
        gate.set()
        await ended(channel, "a2")

    assert waiting["a2"] == ("received", 0)  # not taken past its chat's unfinished a1
    assert channel.events.index("end a1") < channel.events.index("start a2")
    assert await answers(engine) == ["answer:b1", "answer:a1", "answer:a2"]


@pytest.mark.usefixtures("no_idle_poll")
async def test_a_store_takes_no_more_than_the_free_places_and_the_worker_takes_the_rest(
    office, channel, engine
):
    inbox = worker(office, channel, concurrency=2)
    gates = {u: asyncio.Event() for u in ("a1", "b1")}
    channel.prepare_gates.update(gates)
    async with looping(inbox):
        await receive(inbox, ("a1", "A"), ("b1", "B"), ("c1", "C"), ("d1", "D"))
        stored = await claims_of(engine)
        for gate in gates.values():
            gate.set()
        for update_id in ("a1", "b1", "c1", "d1"):
            await ended(channel, update_id)

    taken = sorted(u for u, (status, _) in stored.items() if status == "handling")
    assert taken == ["a1", "b1"] and stored["c1"] == stored["d1"] == ("received", 0)
    assert channel.most_busy == 2
    assert sorted(await answers(engine)) == ["answer:a1", "answer:b1", "answer:c1", "answer:d1"]


@pytest.mark.usefixtures("no_idle_poll")
async def test_an_update_a_store_claimed_just_before_the_stop_is_handled_not_left(
    office, channel, engine
):
    inbox = worker(office, channel)
    async with looping(inbox):
        await receive(inbox, ("a1", "A"))
        inbox.wakeup.stop()  # before the loop had a turn to start it

    assert await answers(engine) == ["answer:a1"]
    assert (await claims_of(engine))["a1"][0] == "done"
