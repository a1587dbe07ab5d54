"""Storage of chat windows, held messages, the webhook inbox and preferred channels
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

from bot.clock import JAKARTA
from bot.ports import HeldMessage
from bot.replies import Choice, Reply

AT = datetime(2026, 3, 4, 10, 30, tzinfo=JAKARTA)
LATER = datetime(2026, 3, 4, 11, 0, tzinfo=JAKARTA)
CHAT = ("whatsapp", "ID.628110")


async def test_an_inbound_message_opens_the_window_and_answers_the_notice(uow_factory):
    async with uow_factory() as uow:
        await uow.windows.noticed(*CHAT, AT)
        await uow.windows.opened(*CHAT, LATER)
        await uow.commit()

    async with uow_factory() as uow:
        window = await uow.windows.get(*CHAT)

    assert (window.last_inbound_at, window.notice_sent_at) == (LATER, None)


async def test_an_older_inbound_message_does_not_move_the_window_back(uow_factory):
    async with uow_factory() as uow:
        await uow.windows.opened(*CHAT, LATER)
        await uow.windows.opened(*CHAT, AT)
        await uow.commit()

    async with uow_factory() as uow:
        window = await uow.windows.get(*CHAT)

    assert window.last_inbound_at == LATER


async def test_a_chat_that_never_wrote_has_no_window(uow_factory):
    async with uow_factory() as uow:
        window = await uow.windows.get(*CHAT)

    assert (window.last_inbound_at, window.notice_sent_at) == (None, None)


async def test_held_messages_come_back_once_in_the_order_they_were_held(uow_factory):
    task = Reply("task.view", {"ref": "KB-1"}, (Choice("button.approve", "ap:1:7:1"),))
    async with uow_factory() as uow:
        await uow.windows.hold(*CHAT, HeldMessage("k1", task), AT)
        await uow.windows.hold(*CHAT, HeldMessage("k2", Reply("review.notes")), AT)
        await uow.windows.hold(*CHAT, HeldMessage("k1", task), LATER)  # again: no change
        await uow.commit()

    async with uow_factory() as uow:
        first = await uow.windows.take_held(*CHAT)
        second = await uow.windows.take_held(*CHAT)
        await uow.commit()

    assert first == [HeldMessage("k1", task), HeldMessage("k2", Reply("review.notes"))]
    assert second == []


async def test_the_channel_registered_last_comes_first(uow_factory):
    async with uow_factory() as uow:
        person = await uow.people.add("Dr. Hendra Wijaya, M.M.", ["sekda"])
        await uow.people.bind_identity(person.id, "whatsapp", "ID.628110")
        await uow.people.bind_identity(person.id, "telegram", "1003")
        await uow.commit()

    async with uow_factory() as uow:
        identities = await uow.people.identities_of(person.id)

    assert identities == [("telegram", "1003"), ("whatsapp", "ID.628110")]


async def test_a_chosen_preferred_channel_comes_first(uow_factory):
    async with uow_factory() as uow:
        person = await uow.people.add("Dr. Hendra Wijaya, M.M.", ["sekda"])
        await uow.people.bind_identity(person.id, "whatsapp", "ID.628110")
        await uow.people.bind_identity(person.id, "telegram", "1003")
        await uow.people.set_preferred_channel(person.id, "whatsapp")
        await uow.commit()

    async with uow_factory() as uow:
        identities = await uow.people.identities_of(person.id)

    assert identities[0] == ("whatsapp", "ID.628110")
