"""The conversation core on fakes: command words, answers that look like commands."""

from __future__ import annotations

import pytest

from bot.chat.core import ChatCore, parse_command
from bot.chat.model import Incoming, Sender
from bot.texts import t
from bot.uploads import UploadPolicy
from tests.fakes import MemoryFileStore


@pytest.mark.parametrize(
    "text, expected",
    [
        ("/tugas", ("tugas", "")),
        ("/status@sopbot_bot KB-2026-0001", ("status", "KB-2026-0001")),
        ("status KB-2026-0001", ("status", "KB-2026-0001")),
        ("daftar K7P2-QX9M", ("daftar", "K7P2-QX9M")),
        ("Ruang rapat Lt. 3", (None, "Ruang rapat Lt. 3")),
    ],
)
def test_commands_are_read_with_or_without_a_slash(text, expected):
    assert parse_command(text) == expected


@pytest.fixture
async def chat(office) -> ChatCore:
    async with office.uow() as uow:
        await uow.people.bind_identity(office.ids["sekda"], "whatsapp", "62811")
        await uow.commit()
    return ChatCore(
        office.workflow, office.admin, MemoryFileStore(), UploadPolicy(frozenset({"docx"}), 2**20)
    )


async def test_a_note_that_starts_with_a_command_word_is_taken_as_the_note(office, chat):
    case = await office.open()
    await office.until_sekda(case)
    sekda = Sender("whatsapp", "62811")
    run = (await office.case(case)).current_run("telaah_sekda")
    await chat.handle(Incoming(sekda, "u1", action=f"kb:{case.id}:7:{run.version}"))

    await chat.handle(Incoming(sekda, "u2", text="status pembiayaan belum jelas"))
    await chat.handle(Incoming(sekda, "u3", action=f"yn:{case.id}:7:{run.version}"))

    returned = (await office.case(case)).latest_run("telaah_sekda")
    assert returned.note == "status pembiayaan belum jelas"


async def test_batal_alone_cancels_a_pending_question(office, chat):
    case = await office.open()
    await office.until_sekda(case)
    sekda = Sender("whatsapp", "62811")
    run = (await office.case(case)).current_run("telaah_sekda")
    await chat.handle(Incoming(sekda, "u1", action=f"kb:{case.id}:7:{run.version}"))

    answer = await chat.handle(Incoming(sekda, "u2", text="batal"))

    assert answer.replies[0].text_key == "chat.cancelled"
    assert (await office.case(case)).current_run("telaah_sekda") is not None


async def test_after_five_wrong_codes_the_sender_is_told_when_to_try_again(chat):
    stranger = Sender("telegram", "5559999")
    for n in range(5):
        await chat.handle(Incoming(stranger, f"u{n}", text=f"/start SALAH-{n}"))

    answer = await chat.handle(Incoming(stranger, "u5", text="daftar SALAH-5"))

    (reply,) = answer.replies
    assert t(reply.text_key, **reply.params) == t(
        "error.invite_attempts", until="Senin, 2 Maret 2026 pukul 10.00 WIB"
    )
