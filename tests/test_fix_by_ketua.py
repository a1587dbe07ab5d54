"""After a return the Ketua Tim, whom the SOP names to fix the draft with the Kabag, uploads
the corrected version himself; the Kabag gets it with her card and sends it up."""

from __future__ import annotations

import pytest

from tests.telegram_office import TelegramOffice, docx_bytes
from tests.test_telegram_inputs import at_sekda

REF = "KB-2026-0001"


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start()
    await office.hire()
    yield office
    await office.stop()


async def returned(office: TelegramOffice) -> None:
    await at_sekda(office)
    await office.give_back("sekda", "Pasal 3 perlu diperbaiki")
    office.at("2026-03-04T11:00")


async def test_the_ketua_tim_uploads_the_fix_and_the_kabag_sends_it_up(office):
    await returned(office)
    told = next(m for m in office.inbox("ketua") if "Pasal 3 perlu diperbaiki" in m.text)
    assert told.labels == ["Unggah versi baru"]

    await office.press("ketua", "Unggah versi baru", told)
    before = len(office.inbox("ketua"))
    fixed = docx_bytes("KESEPAKATAN BERSAMA", "Pasal 3 diperbaiki bersama TKKSD")
    await office.upload("ketua", "rancangan-perbaikan.docx", fixed)

    answer = "\n".join(m.text for m in office.inbox("ketua")[before:])
    assert "disimpan sebagai Rancangan Kesepakatan Bersama berparaf" in answer
    assert "diteruskan kepada Drs. Budi Santoso" in answer
    assert not [m for m in office.inbox("ketua") if "Sampaikan" in m.labels]

    card = office.card("kabag")
    assert card.text.startswith("Siti Rahmawati, S.H. mengunggah versi baru")
    assert "(versi 2)" in card.text and "Sampaikan" in card.labels
    assert "versi 2, diunggah oleh Siti Rahmawati, S.H." in card.text
    handed = office.last("kabag")  # the new version follows the card that announces it
    assert handed.document.data == fixed and "versi 2" in handed.text

    await office.press("kabag", "Sampaikan", card)

    assert "versi 2" in office.card("sekda").text
    assert office.last("sekda").document.data == fixed
    case = await office.app.workflow.get(REF)
    roster = await office.app.workflow.roster()
    assert roster.name(case.artifacts["rancangan_berparaf"].recorded_by) == "Siti Rahmawati, S.H."


async def test_only_whom_the_return_names_may_upload_the_fix_and_only_while_it_is_open(office):
    await returned(office)
    told = next(m for m in office.inbox("ketua") if "Pasal 3 perlu diperbaiki" in m.text)
    data = dict(button for row in told.buttons for button in row)["Unggah versi baru"]

    office.users["tkksd"].press_data(data, told)  # a forged press by someone not named
    await office.settle()
    assert office.users["tkksd"].alerts[-1] == (
        "Mohon maaf, tugas langkah 5 ini bukan untuk Bapak/Ibu. "
        "Tugas ini ditujukan kepada Drs. Budi Santoso, M.Si."
    )

    await office.press("kabag", "Unggah Rancangan Kesepakatan Bersama berparaf")
    await office.upload("kabag", "perbaikan.docx", docx_bytes("KESEPAKATAN BERSAMA", "v2"))
    await office.press("kabag", "Sampaikan", office.card("kabag"))

    before = len(office.inbox("ketua"))
    await office.press("ketua", "Unggah versi baru", told)  # the fix went up already
    assert "sudah tidak berlaku" in office.users["ketua"].alerts[-1]
    assert office.inbox("ketua")[before:] == []  # no question asked for a file
