"""The meeting time on Telegram: dates as people type them, and the office calendar's refusals.

Through the chat core end to end: the Ketua Tim presses "Isi Waktu rapat" on the step-2 card
and answers in the chat; the case records the instant, or the bot refuses with the reason and
offers the nearest accepted times as buttons.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.clock import JAKARTA
from tests.office import Office
from tests.telegram_office import TelegramOffice, docx_bytes, step_two


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start()
    await office.hire()
    yield office
    await office.stop()


def jkt(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=JAKARTA)


async def meeting_time(office: TelegramOffice) -> str | None:
    case = await office.app.workflow.get("KB-2026-0001")
    value = case.artifacts.get("waktu_rapat")
    return value.value if value is not None else None


async def ask_meeting_time(office: TelegramOffice, now: str) -> None:
    """Step 2 assigned to the Ketua Tim at `now`; the date question is open."""
    office.at(now)
    await step_two(office)
    await office.press("ketua", "Isi Waktu rapat")


# Monday 7 December 2026, 08:00: step 2 (2 hari) is due Wednesday 9 December at 08:00.
MONDAY = "2026-12-07T08:00"


@pytest.mark.parametrize(
    "typed, recorded",
    [
        ("08-12-2026 09:00", jkt(2026, 12, 8, 9)),
        ("08/12/2026 9.00", jkt(2026, 12, 8, 9)),
        ("8 Desember 2026 pukul 10.00", jkt(2026, 12, 8, 10)),
        ("Selasa, 8 Des 2026 10.00", jkt(2026, 12, 8, 10)),
        ("besok 09.00", jkt(2026, 12, 8, 9)),
        ("lusa 07.45", jkt(2026, 12, 9, 7, 45)),
        ("2026-12-08 13:30", jkt(2026, 12, 8, 13, 30)),
    ],
)
async def test_a_meeting_time_typed_as_people_write_it_is_recorded(office, typed, recorded):
    await ask_meeting_time(office, MONDAY)

    await office.say("ketua", typed)

    assert await meeting_time(office) == recorded.isoformat()
    asked = await open_question(office)  # the card's next item, not the time again
    assert asked is None or asked.data["artifact"] != "waktu_rapat"


async def open_question(office: TelegramOffice) -> object:
    """The Ketua Tim's pending question, if any."""
    async with office.app.uow() as uow:
        person = await uow.people.by_identity("telegram", str(office.users["ketua"].id))
        assert person is not None
        return await uow.prompts.get(person.id)


async def test_a_date_without_a_time_asks_for_the_time_and_keeps_the_date(office):
    await ask_meeting_time(office, MONDAY)

    question = await office.say("ketua", "8 Desember 2026")

    assert "Tanggal Selasa, 8 Desember 2026 dicatat sementara" in question.text
    assert "Pukul berapa Waktu rapat koordinasi?" in question.text
    assert await meeting_time(office) is None

    await office.say("ketua", "10.30")

    assert await meeting_time(office) == jkt(2026, 12, 8, 10, 30).isoformat()


async def test_a_date_button_asks_only_the_time(office):
    await ask_meeting_time(office, MONDAY)
    question = office.last("ketua")
    # Wednesday 9 December opens at 07:30, before the deadline; Thursday is after it.
    assert question.labels == ["Selasa, 8 Desember 2026", "Rabu, 9 Desember 2026", "Batal"]

    await office.press("ketua", "Selasa, 8 Desember 2026", question)
    asked = office.last("ketua")
    assert "Pukul berapa" in asked.text
    await office.say("ketua", "pukul 13.30")

    assert await meeting_time(office) == jkt(2026, 12, 8, 13, 30).isoformat()


async def test_a_time_that_is_not_one_after_a_date_says_so_and_keeps_the_date(office):
    await ask_meeting_time(office, MONDAY)
    await office.say("ketua", "8 Desember 2026")

    reply = await office.say("ketua", "siang")
    await office.say("ketua", "09.00")

    assert '"siang" bukan jam yang dapat dibaca' in reply.text
    assert await meeting_time(office) == jkt(2026, 12, 8, 9).isoformat()


# Wednesday 23 December 2026, 08:00: step 2 is due Tuesday 29 December at 08:00 (24 December is
# cuti bersama, 25 December Natal, then a weekend).
BEFORE_CHRISTMAS = "2026-12-23T08:00"
AT_NINE = ["Rab, 23 Des 09.00", "Sen, 28 Des 09.00"]


@pytest.mark.parametrize(
    "typed, reason, offered",
    [
        ("22-12-2026 09.00", "Selasa, 22 Desember 2026 pukul 09.00 WIB sudah lewat", AT_NINE),
        ("24-12-2026 09.00", "Kamis, 24 Desember 2026 adalah hari libur: Cuti Bersama Hari Raya "
         "Natal", AT_NINE),
        ("25 Desember 2026 pukul 09.00", "Jumat, 25 Desember 2026 adalah hari libur: Hari Raya "
         "Natal", AT_NINE),
        ("Sabtu, 26 Des 2026 09.00", "Sabtu, 26 Desember 2026 adalah hari Sabtu; kantor tutup",
         AT_NINE),
        ("27/12/2026 9.00", "Minggu, 27 Desember 2026 adalah hari Minggu; kantor tutup", AT_NINE),
        ("28-12-2026 17.00", "pukul 17.00 pada Senin, 28 Desember 2026 di luar jam kerja kantor "
         "(07.30-16.00 WIB)", ["Rab, 23 Des 15.00", "Sen, 28 Des 15.00"]),
        ("30-12-2026 09.00", "Rabu, 30 Desember 2026 pukul 09.00 WIB melewati batas waktu "
         "langkah 2 (Selasa, 29 Desember 2026 pukul 08.00 WIB)", AT_NINE),
    ],
)  # fmt: skip
async def test_a_refused_meeting_time_names_the_reason_and_offers_the_nearest(
    office, typed, reason, offered
):
    await ask_meeting_time(office, BEFORE_CHRISTMAS)

    reply = await office.say("ketua", typed)

    assert reply.text.startswith("Waktu tersebut tidak dapat dipakai: " + reason)
    assert "Pilihan terdekat: Rabu, 23 Desember 2026 pukul" in reply.text
    assert reply.labels == [*offered, "Batal"]
    assert await meeting_time(office) is None
    assert await open_question(office) is not None

    await office.press("ketua", offered[-1], reply)

    assert await meeting_time(office) == jkt(2026, 12, 28, int(offered[-1][-5:-3])).isoformat()


async def test_a_weekday_that_does_not_match_the_date_is_refused_and_the_question_stays(office):
    await ask_meeting_time(office, BEFORE_CHRISTMAS)

    reply = await office.say("ketua", "Senin, 24 Des 2026 10.00")
    await office.say("ketua", "28-12-2026 10.00")

    assert "24 Desember 2026 jatuh pada hari Kamis, bukan Senin" in reply.text
    assert await meeting_time(office) == jkt(2026, 12, 28, 10).isoformat()


async def test_after_a_refusal_a_time_alone_keeps_the_typed_date(office):
    await ask_meeting_time(office, BEFORE_CHRISTMAS)
    await office.say("ketua", "28-12-2026")

    refused = await office.say("ketua", "17.00")
    await office.say("ketua", "10.00")

    assert "di luar jam kerja kantor" in refused.text
    assert await meeting_time(office) == jkt(2026, 12, 28, 10).isoformat()


async def test_the_minutes_are_refused_at_the_press_before_the_meeting_and_taken_after(office):
    ids = {}
    async with office.app.uow() as uow:
        for key in ("kabag", "ketua"):
            person = await uow.people.by_identity("telegram", str(office.users[key].id))
            assert person is not None
            ids[key] = person.id
    walk = Office(office.app.uow, office.app.files, clock=office.clock, sop=office.app.sop,
                  ids=ids)  # fmt: skip
    case = await walk.open()
    await walk.assign_and_dispose(case)
    await walk.prepare(case, meeting="2026-03-04 08:00")
    office.runtime.delivery.wake()  # send what the services queued, as the running bot does
    await office.settle()

    await office.press("ketua", "Unggah Notulensi")
    refused = office.users["ketua"].alerts[-1]
    office.at("2026-03-04T10:30")
    await office.press("ketua", "Unggah Notulensi")
    await office.upload("ketua", "notulen.docx", docx_bytes("NOTULEN RAPAT"))

    assert (
        "Notulensi koordinasi awal baru dapat disampaikan sesudah Waktu rapat koordinasi "
        "(Rabu, 4 Maret 2026 pukul 08.00 WIB)" in refused
    )
    assert (await office.app.workflow.get("KB-2026-0001")).has("notulensi")
