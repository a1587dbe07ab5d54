"""Every bad input on Telegram gets a clear Indonesian answer and loses nothing."""

from __future__ import annotations

import asyncio
import io
import sqlite3
import zipfile
from pathlib import Path

import pytest

from bot.chat.model import Sender
from bot.workflow.model import Outcome
from storage.db import SQLITE_FILENAME
from tests.telegram_office import DOCX, TelegramOffice, docx_bytes, open_case, set_meeting


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start()
    await office.hire()
    yield office
    await office.stop()


async def at_sekda(office: TelegramOffice) -> None:
    """Walk a case to the Sekda's review quickly through the chat."""
    await open_case(office)
    await office.press("kabag", "Siti Rahmawati")
    await office.press("kabag", "Unggah Lembar disposisi")
    await office.upload("kabag", "disposisi.docx", docx_bytes("DISPOSISI"))
    await office.press("kabag", "Selesai")
    await set_meeting(office)
    for label, name in (
        ("Draft rancangan", "draft.docx"),
    ):
        await office.give_file("ketua", label, name, docx_bytes(name))
    await office.press("ketua", "Selesai")
    office.at("2026-03-04T10:30")
    await office.press("ketua", "Unggah Notulensi")
    await office.upload("ketua", "notulen.docx", docx_bytes("NOTULEN"))
    await office.press("ketua", "Selesai")
    await office.press("ketua", "Unggah Rancangan Kesepakatan Bersama berparaf")
    await office.upload("ketua", "paraf.docx", docx_bytes("KESEPAKATAN BERSAMA"))
    await office.press("ketua", "Selesai")
    await office.press("ketua", "Ya, Selesai")
    await office.press("kabag", "Sampaikan")


async def test_an_unknown_user_is_told_how_to_register_and_can_do_nothing_else(office):
    stranger = office.standin.user(2001, "Tamu")

    stranger.send("/tugas")
    await office.settle()

    assert "belum terdaftar" in stranger.last.text
    assert await office.core.person_of(Sender("telegram", "2001")) is None


async def test_start_without_a_code_explains_how_to_get_one(office):
    stranger = office.standin.user(2002, "Tamu")

    stranger.send("/start")
    await office.settle()

    assert "kode undangan" in stranger.last.text


async def test_a_used_invite_code_is_refused_in_indonesian(office):
    code, _ = await office.app.admin.create_invite("tkksd", "Dewi")
    office.standin.user(2003, "Dewi").send(f"/start {code}")
    await office.settle()
    late = office.standin.user(2004, "Lain")

    late.send(f"/start {code}")
    await office.settle()

    assert "sudah pernah dipakai" in late.last.text


async def test_a_picture_instead_of_a_document_is_refused_with_the_allowed_types(office):
    await open_case(office)
    await office.press("kabag", "Unggah Lembar disposisi")

    reply = await office.upload(
        "kabag", "scan.docx", b"\x89PNG\r\n\x1a\n" + b"0" * 200, "image/png"
    )

    assert ".docx" in reply.text and ".pdf" in reply.text
    case = await office.app.workflow.get("KB-2026-0001")
    assert not case.has("disposisi_kabag")


async def test_a_30_mb_upload_is_refused_without_downloading_it(office):
    await open_case(office)
    await office.press("kabag", "Unggah Lembar disposisi")

    reply = await office.upload("kabag", "besar.pdf", b"%PDF-1.4\n" + b"0" * (30 * 2**20))

    assert "20 MB" in reply.text
    assert office.standin.calls_to("getFile") == []


async def test_a_corrupt_docx_is_refused_and_the_question_stays_open(office):
    await open_case(office)
    await office.press("kabag", "Unggah Lembar disposisi")

    reply = await office.upload("kabag", "rusak.docx", docx_bytes("isi")[:400])
    await office.upload("kabag", "baik.docx", docx_bytes("LEMBAR DISPOSISI"))

    assert "rusak" in reply.text.lower()
    assert any("disimpan sebagai Lembar disposisi Kabag" in m.text for m in office.inbox("kabag"))
    case = await office.app.workflow.get("KB-2026-0001")
    assert case.artifacts["disposisi_kabag"].filename == "baik.docx"


async def test_a_macro_document_is_refused(office):
    await open_case(office)
    await office.press("kabag", "Unggah Lembar disposisi")
    source = io.BytesIO(docx_bytes("isi"))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("word/vbaProject.bin", b"macro")

    reply = await office.upload("kabag", "makro.docx", out.getvalue(), DOCX)

    assert "makro" in reply.text.lower()


async def test_a_forged_button_changes_nothing(office):
    await at_sekda(office)

    office.users["sekda"].press_data("ap:1:7:999")
    await office.settle()

    assert "tidak berlaku" in office.users["sekda"].alerts[-1]
    case = await office.app.workflow.get("KB-2026-0001")
    assert case.current_run("telaah_sekda") is not None


async def test_garbage_button_data_is_a_stale_button(office):
    await at_sekda(office)

    office.users["sekda"].press_data("xx:'; DROP TABLE cases;--")
    await office.settle()

    assert "tidak berlaku" in office.users["sekda"].alerts[-1]


async def test_someone_without_the_role_cannot_press_the_sekdas_button(office):
    await at_sekda(office)
    review = office.card("sekda")
    data = dict((label, d) for row in review.buttons for label, d in row)["Setujui"]

    office.users["tkksd"].press_data(data, office.last("tkksd"))
    await office.settle()

    assert "bukan untuk Bapak/Ibu" in office.users["tkksd"].alerts[-1]
    case = await office.app.workflow.get("KB-2026-0001")
    assert case.current_run("telaah_sekda") is not None


async def test_a_double_tap_approves_once_and_the_second_tap_says_who_did(office):
    await at_sekda(office)
    review = office.card("sekda")

    await office.press("sekda", "Setujui", review)
    question = review  # asked in place of the card
    office.users["sekda"].press("Ya, setujui", question)
    office.users["sekda"].press("Ya, setujui", question)
    await office.settle()

    case = await office.app.workflow.get("KB-2026-0001")
    assert [r.outcome for r in case.runs if r.step_code == "telaah_sekda"] == [Outcome.APPROVED]
    assert "sudah diproses oleh Dr. Hendra Wijaya, M.M." in office.users["sekda"].alerts[-1]
    assert review.labels == [] and "disetujui oleh" in review.text


async def test_a_redelivered_update_is_processed_once(office):
    await at_sekda(office)
    await office.press("sekda", "Setujui")
    callback = office.users["sekda"].press("Ya, setujui")
    await office.settle()

    office.standin.redeliver(callback.update_id)
    await office.settle()

    case = await office.app.workflow.get("KB-2026-0001")
    assert case.rounds_of("telaah_walikota") == 1
    walikota_tasks = [m for m in office.inbox("walikota") if "Langkah 8" in m.text]
    assert len(walikota_tasks) == 1


async def test_the_case_survives_a_restart_in_the_middle(office):
    await at_sekda(office)
    await office.press("sekda", "Kembalikan")

    await office.stop()
    await office.start()
    await office.say("sekda", "Pasal 2 kurang jelas")
    await office.press("sekda", "Ya, kembalikan")

    returned = office.card("kabag")
    assert "Pasal 2 kurang jelas" in returned.text
    case = await office.app.workflow.get("KB-2026-0001")
    assert case.current_run("penyampaian") is not None


def drop_table(database: Path, name: str) -> None:
    """Break the database under the running bot (in a thread: the bot's loop goes on)."""
    with sqlite3.connect(database) as connection:
        connection.execute(f"DROP TABLE {name}")


async def test_a_system_failure_keeps_the_users_words_and_tells_the_admin(office):
    code, _ = await office.app.admin.create_invite("admin", "Operator Tapem")
    admin = office.standin.user(1006, "Operator")
    admin.send(f"/start {code}")
    await office.settle()
    await asyncio.to_thread(drop_table, office.data_dir / SQLITE_FILENAME, "pending_prompts")

    answer = await office.say("ketua", "Ruang rapat Lt. 3 sudah siap")

    assert "Mohon maaf, terjadi kendala pada sistem" in answer.text
    assert "Ruang rapat Lt. 3 sudah siap" in answer.text
    assert "Traceback" not in answer.text
    assert "pending_prompts" in admin.last.text


async def test_the_sekda_sees_the_check_and_the_changes_of_a_corrected_draft(office):
    await at_sekda(office)
    await office.give_back("sekda", "Tambahkan pasal pembiayaan")
    office.at("2026-03-04T13:00")  # the fix takes the Kabag a while
    await office.say("kabag", "/tugas")
    await office.upload("kabag", "paraf-v2.docx", docx_bytes("KESEPAKATAN BERSAMA", "Pembiayaan"))

    await office.press("kabag", "Sampaikan")

    inbox = office.inbox("sekda")
    notes = [m for m in inbox if "Catatan untuk telaah" in m.text][-1]
    assert "versi 2" in notes.text and "Pembiayaan" in notes.text
    marked = inbox[inbox.index(notes) + 1]  # the comparison follows the notes explaining it
    assert marked.document.filename.endswith(".docx")
    assert marked.text == "📎 Perbandingan versi 1 dan versi 2, perkara KB-2026-0001"
    assert "Setujui" in [m for m in office.inbox("sekda") if m.labels][-1].labels
