"""The outbox sender on fakes: pacing, retries, giving up, leases. Time moves only when slept."""

from __future__ import annotations

from itertools import pairwise

import pytest

from bot.delivery import LEASE_SECONDS, MAX_ATTEMPTS, Delivery, DrainReport
from bot.pacing import Pacer
from bot.ports import OutgoingMessage, SendResult
from bot.replies import Reply
from bot.texts import t
from tests.office import Office
from tests.sending import Crash, FakeChannel, FakeTime

CHANNEL = "telegram"


@pytest.fixture
def time(office: Office) -> FakeTime:
    return FakeTime(office.clock)


@pytest.fixture
def channel(time: FakeTime) -> FakeChannel:
    return FakeChannel(time)


@pytest.fixture
def delivery(office: Office, channel: FakeChannel, time: FakeTime) -> Delivery:
    return sender_of(office, channel, time)


def sender_of(office: Office, channel: FakeChannel, time: FakeTime) -> Delivery:
    pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)
    return Delivery(
        office.uow, office.clock, {CHANNEL: channel}, pacer=pacer, alert_roles=("admin",)
    )


def chat(office: Office, who: str) -> str:
    return str(10_000 + office.ids[who])


async def registered(office: Office, *who: str) -> None:
    async with office.uow() as uow:
        for key in who:
            await uow.people.bind_identity(office.ids[key], CHANNEL, chat(office, key))
        await uow.commit()


async def queue(office: Office, who: str, *keys: str) -> None:
    async with office.uow() as uow:
        for key in keys:
            message = OutgoingMessage(office.ids[who], Reply("chat.no_tasks"), key)
            await uow.outbox.add(message, office.clock.now())
        await uow.commit()


async def test_every_due_message_is_sent_once_and_recorded_with_the_platform_id(
    office, db, channel, delivery
):
    await registered(office, "ketua")
    await queue(office, "ketua", "a", "b")

    first = await delivery.drain()
    second = await delivery.drain()

    assert (first, second) == (DrainReport(sent=2), DrainReport())
    assert [db.delivered[k][:2] for k in ("a", "b")] == [(CHANNEL, "1"), (CHANNEL, "2")]


async def test_two_messages_to_one_chat_are_at_least_a_second_apart(office, channel, delivery):
    await registered(office, "ketua")
    await queue(office, "ketua", "a", "b", "c")

    await delivery.drain()

    gaps = [b - a for a, b in pairwise(channel.times_to(chat(office, "ketua")))]
    assert len(gaps) == 2 and min(gaps) >= 1.0


async def test_each_api_call_of_a_message_is_paced(office, channel, delivery):
    channel.parts = 3  # e.g. a document, then the text in two parts
    await registered(office, "sekda")
    await queue(office, "sekda", "a")

    await delivery.drain()

    times = channel.times_to(chat(office, "sekda"))
    assert len(times) == 3 and all(b - a >= 1.0 for a, b in pairwise(times))


async def test_no_more_than_thirty_calls_go_out_in_any_second(office, channel, delivery):
    people = [f"staf{i}" for i in range(45)]
    for name in people:
        office.ids[name] = (await office.admin.add_person(name, ["tkksd"])).id
    await registered(office, *people)
    for name in people:
        await queue(office, name, f"m-{name}")

    await delivery.drain()

    times = sorted(call.at for call in channel.calls)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert len(times) == 45 and busiest <= 30


async def test_different_chats_do_not_wait_for_each_other(office, channel, delivery):
    await registered(office, "ketua", "kabag")
    await queue(office, "ketua", "k1", "k2")
    await queue(office, "kabag", "b1")

    await delivery.drain()

    assert [c.key for c in channel.calls] == ["k1", "b1", "k2"]
    assert channel.times_to(chat(office, "kabag")) == [0.0]


async def test_a_429_holds_the_chat_and_defers_its_messages_without_counting_an_attempt(
    office, db, channel, delivery, time
):
    await registered(office, "ketua")
    await queue(office, "ketua", "a", "b")
    channel.script[chat(office, "ketua")] = [SendResult(False, retry_after=7, error="429")]

    report = await delivery.drain()

    assert report == DrainReport(deferred=2)
    assert db.attempts.get("a", 0) == 0 and channel.calls == []


async def test_messages_deferred_by_a_429_go_out_in_order_after_retry_after(
    office, channel, delivery, time
):
    await registered(office, "ketua")
    await queue(office, "ketua", "a", "b")
    channel.script[chat(office, "ketua")] = [SendResult(False, retry_after=7, error="429")]
    await delivery.drain()
    await time.sleep(7)

    report = await delivery.drain()

    assert report == DrainReport(sent=2)
    assert channel.keys_to(chat(office, "ketua")) == ["a", "b"]
    assert channel.times_to(chat(office, "ketua"))[0] >= 7.0


async def test_a_transient_failure_is_retried_later_with_growing_backoff(
    office, db, channel, delivery, time
):
    await registered(office, "ketua")
    await queue(office, "ketua", "a")
    failing = SendResult(False, error="502 Bad Gateway")
    channel.script[chat(office, "ketua")] = [failing, failing]
    start = office.clock.now()

    await delivery.drain()
    first = db.outbox["a"][0].not_before
    await time.sleep(5)
    await delivery.drain()
    second = db.outbox["a"][0].not_before

    assert ((first - start).total_seconds(), (second - start).total_seconds()) == (5, 15)


async def test_a_transiently_failed_message_is_sent_when_its_time_comes(
    office, db, channel, delivery, time
):
    await registered(office, "ketua")
    await queue(office, "ketua", "a")
    channel.script[chat(office, "ketua")] = [SendResult(False, error="connect error")]
    await delivery.drain()
    await time.sleep(5)

    report = await delivery.drain()

    assert report == DrainReport(sent=1)
    assert "a" in db.delivered


async def test_the_later_messages_of_a_failing_chat_wait_behind_it(
    office, db, channel, delivery, time
):
    await registered(office, "ketua")
    await queue(office, "ketua", "a", "b")
    channel.script[chat(office, "ketua")] = [SendResult(False, error="502 Bad Gateway")]
    await delivery.drain()
    await time.sleep(5)

    await delivery.drain()

    assert channel.keys_to(chat(office, "ketua")) == ["a", "b"]


async def test_a_person_who_blocked_the_bot_is_given_up_and_the_admin_is_told(
    office, db, channel, delivery
):
    await registered(office, "ketua", "admin")
    await queue(office, "ketua", "a")
    blocked = SendResult(False, permanent=True, error="Forbidden: bot was blocked by the user")
    channel.script[chat(office, "ketua")] = [blocked]

    report = await delivery.drain()

    assert report == DrainReport(sent=1, failed=1)
    assert db.dead == {"a": "Forbidden: bot was blocked by the user"}
    [alert] = [m for m, _ in db.outbox.values() if m.reply.text_key == "delivery.failed"]
    assert alert.recipient_id == office.ids["admin"]
    assert alert.reply.params["name"] == "Siti Rahmawati, S.H."


async def test_the_admin_is_told_about_a_blocked_person_once_a_day(office, db, channel, delivery):
    await registered(office, "ketua", "admin")
    await queue(office, "ketua", "a", "b", "c")
    blocked = SendResult(False, permanent=True, error="Forbidden: bot was blocked by the user")
    channel.script[chat(office, "ketua")] = [blocked, blocked, blocked]

    await delivery.drain()

    alerts = [m for m, _ in db.outbox.values() if m.reply.text_key == "delivery.failed"]
    assert len(db.dead) == 3 and len(alerts) == 1


async def test_an_alert_that_cannot_be_delivered_raises_no_alert_of_its_own(
    office, db, channel, delivery
):
    await registered(office, "ketua")  # the admin never registered: no chat account
    await queue(office, "ketua", "a")
    blocked = SendResult(False, permanent=True, error="Forbidden: bot was blocked by the user")
    channel.script[chat(office, "ketua")] = [blocked]

    await delivery.drain()

    assert len(db.dead) == 2
    assert sum(1 for m, _ in db.outbox.values() if m.reply.text_key == "delivery.failed") == 1


async def test_a_message_to_someone_without_a_chat_account_is_given_up(office, db, delivery):
    await registered(office, "admin")
    await queue(office, "tkksd", "a")

    report = await delivery.drain()

    assert report == DrainReport(sent=1, failed=1)
    assert db.dead == {"a": t("delivery.no_account")}


async def test_a_message_that_keeps_failing_is_given_up_after_the_last_attempt(
    office, db, channel, delivery, time
):
    await registered(office, "ketua")
    await queue(office, "ketua", "a")
    failing = SendResult(False, error="502 Bad Gateway")
    channel.script[chat(office, "ketua")] = [failing] * MAX_ATTEMPTS

    for _ in range(MAX_ATTEMPTS):
        await delivery.drain()
        await time.sleep(3600)

    assert "a" in db.dead and db.attempts["a"] == MAX_ATTEMPTS


async def test_a_drainer_that_dies_leaves_its_messages_for_after_the_lease_as_doubtful(
    office, db, channel, delivery, time
):
    await registered(office, "ketua", "kabag")
    await queue(office, "ketua", "a")
    await queue(office, "kabag", "b")
    channel.script[chat(office, "kabag")] = [Crash()]
    with pytest.raises(Crash):
        await delivery.drain()
    restarted = sender_of(office, channel, time)

    during_lease = await restarted.drain()
    await time.sleep(LEASE_SECONDS)
    after_lease = await restarted.drain()

    assert (during_lease, after_lease) == (DrainReport(), DrainReport(sent=1, doubtful=1))
    assert [c.key for c in channel.calls] == ["a", "b"]


async def test_two_drainers_do_not_send_what_the_other_has_claimed(
    office, channel, delivery, time
):
    await registered(office, "ketua")
    await queue(office, "ketua", "a", "b")
    other = sender_of(office, channel, time)

    first, second = await delivery.drain(), await other.drain()

    assert (first.sent, second.sent) == (2, 0)


async def test_a_busy_database_when_recording_a_send_is_waited_for_and_the_chat_goes_on(
    office, db, channel, time
):
    await registered(office, "ketua")
    await queue(office, "ketua", "a", "b")
    db.outbox_busy = 3  # the first three attempts to record "a" as sent are refused
    pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)
    delivery = Delivery(office.uow, office.clock, {CHANNEL: channel}, pacer=pacer,
                        sleep=time.sleep)  # fmt: skip

    report = await delivery.drain()

    assert report == DrainReport(sent=2)
    assert list(db.delivered) == ["a", "b"] and not db.sending
    assert len(channel.calls) == 2  # "a" was sent once, its outcome recorded late

