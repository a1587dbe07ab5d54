"""The inbox worker on fakes: one transaction per update, honest notices, failures counted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from bot.alerts import WINDOW_SECONDS, report_waiting
from bot.errors import Unavailable
from bot.inbox import MAX_ATTEMPTS, TELL_WAITING_AT, InboxWorker, Received
from bot.ports import ChatRoute, Envelope, Handled, OutgoingMessage, StoredUpdate
from bot.replies import Reply
from tests.fakes import FakeDB
from tests.office import Office

CHAT = ChatRoute("fake", "77")


@dataclass
class FakeChannel:
    """A channel whose updates say what to do: queue a message, change a prompt, or fail."""

    office: Office
    handled: list[str] = field(default_factory=list)
    fail_with: list[BaseException] = field(default_factory=list)

    def envelope(self, payload: dict[str, Any]) -> Envelope:
        return Envelope(CHAT, payload.get("kind", "text"), payload.get("text"))

    async def prepare(self, update: StoredUpdate) -> object:
        return None

    async def handle(self, update: StoredUpdate, prepared: object) -> Handled:
        async with self.office.uow() as uow:  # a service's own unit: a savepoint here
            reply = Reply("chat.no_tasks")
            await uow.outbox.add(OutgoingMessage(None, reply, f"a:{update.update_id}", chat=CHAT),
                                 self.office.clock.now())  # fmt: skip
            await uow.commit()
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.handled.append(update.update_id)
        return Handled()


@pytest.fixture
def channel(office: Office) -> FakeChannel:
    return FakeChannel(office)


@pytest.fixture
def worker(office: Office, channel: FakeChannel) -> InboxWorker:
    return InboxWorker(office.uow, office.clock, office.sop, {"fake": channel})


async def receive(worker: InboxWorker, update_id: str, **payload: Any) -> None:
    await worker.store([Received("fake", update_id, payload, CHAT.key)])


def queued(db: FakeDB) -> list[str]:
    return [m.reply.text_key for m, _ in db.outbox.values()]


async def test_a_stored_update_is_handled_once_and_its_messages_committed_with_it(
    worker, channel, db
):
    await receive(worker, "1", text="tugas")
    await receive(worker, "1", text="tugas")  # redelivered by the platform

    handled = await worker.handle_due()

    assert (handled, channel.handled) == (1, ["1"])
    assert queued(db) == ["chat.no_tasks"]
    assert [status for _, status in db.inbox.values()] == ["done"]


async def test_an_update_that_fails_saves_nothing_and_tells_the_sender_with_their_words(
    worker, channel, db
):
    channel.fail_with.append(KeyError("bug"))
    await receive(worker, "1", text="Ruang rapat Lt. 3")

    await worker.handle_due()

    [notice] = [m for m, _ in db.outbox.values() if m.reply.text_key.startswith("error.")]
    assert notice.reply == Reply("error.not_saved_text", {"text": "Ruang rapat Lt. 3"})
    assert notice.chat == CHAT
    assert "chat.no_tasks" not in queued(db)  # the failed update's own message rolled back
    assert [status for _, status in db.inbox.values()] == ["failed"]


async def test_a_button_that_fails_asks_for_the_press_again(worker, channel, db):
    channel.fail_with.append(RuntimeError("bug"))
    await receive(worker, "1", kind="button")

    await worker.handle_due()

    assert "error.not_saved_button" in queued(db)


async def test_a_passing_problem_is_tried_again_later_not_reported(worker, channel, db, office):
    channel.fail_with.append(Unavailable("download timed out"))
    await receive(worker, "1", text="tugas")

    first = await worker.handle_due()
    office.clock.set(office.clock.now() + timedelta(minutes=5))
    await worker.handle_due()

    assert first == 1 and channel.handled == ["1"]
    assert not any(key.startswith("error.") for key in queued(db))


async def test_an_update_that_keeps_failing_after_every_try_is_given_up_and_told(
    worker, channel, db, office
):
    channel.fail_with.extend(Unavailable("down") for _ in range(MAX_ATTEMPTS))
    await receive(worker, "1", text="tugas")

    for _ in range(MAX_ATTEMPTS):
        await worker.handle_due()
        office.clock.set(office.clock.now() + timedelta(minutes=5))

    assert "error.not_saved_text" in queued(db)
    assert [status for _, status in db.inbox.values()] == ["failed"]


async def test_the_admins_hear_of_a_kind_of_failure_once_per_quarter_hour_with_a_count(
    worker, channel, db, office
):
    for number in range(5):
        channel.fail_with.append(KeyError("bug"))
        await receive(worker, str(number), text=f"pesan {number}")
        await worker.handle_due()
    first = [m for m, _ in db.outbox.values() if m.reply.text_key == "alert.failure"]

    office.clock.set(office.clock.now() + timedelta(seconds=WINDOW_SECONDS))
    told = await report_waiting(office.uow, office.sop, office.clock)

    alerts = [m.reply.params for m, _ in db.outbox.values() if m.reply.text_key == "alert.failure"]
    assert len(first) == 1 and first[0].recipient_id == office.ids["admin"]
    assert (told, [a["count"] for a in alerts]) == (1, [1, 4])
    assert "KeyError" in alerts[0]["kind"] and "Traceback" in alerts[1]["trace"]


async def test_a_sender_whose_update_keeps_waiting_for_a_busy_database_is_told_once(
    worker, channel, db, office
):
    channel.fail_with.extend(Unavailable("database is locked") for _ in range(TELL_WAITING_AT + 1))
    await receive(worker, "1", text="tugas")

    told = []
    for _ in range(TELL_WAITING_AT + 2):
        await worker.handle_due()
        told.append(sum(key == "error.still_waiting" for key in queued(db)))
        office.clock.set(office.clock.now() + timedelta(minutes=5))

    # Quiet while the problem may pass by itself; told once when it lasts; then handled.
    assert told[: TELL_WAITING_AT - 1] == [0] * (TELL_WAITING_AT - 1)
    assert told[TELL_WAITING_AT - 1 :] == [1, 1, 1]
    assert channel.handled == ["1"]
    assert not any(key.startswith("error.not_saved") for key in queued(db))
