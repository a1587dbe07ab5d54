"""A Kabag who works on WhatsApp: lists for long choices, a .docx upload, a second account."""

from __future__ import annotations

import pytest

from tests.telegram_office import docx_bytes
from tests.whatsapp_office import WhatsAppOffice

NIP = "197001011995031001"


@pytest.fixture
async def office(tmp_path):
    office = WhatsAppOffice(tmp_path)
    await office.start(on_telegram=("ketua", "walikota", "tkksd"))
    await office.register("kabag")
    yield office
    await office.stop()


async def open_case(office: WhatsAppOffice) -> None:
    await office.say("kabag", "baru Pemerintah Kota Bandung | Kerja sama air minum")
    await office.press("kabag", "Pemerintah Daerah lain")
    await office.say("kabag", "415.4/123-Tapem, 10 Maret 2026")
    await office.say("kabag", "Disposisi No. 005/123-Tapem")


async def test_choices_longer_than_a_button_title_come_as_a_list(office):
    question = await office.say("kabag", "baru Pemerintah Kota Bandung | Kerja sama air minum")

    assert question.is_list
    assert all(len(title) <= 24 for title in question.labels)
    assert any("Pemerintah Daerah lain" in title for title in question.labels)


async def test_a_kabag_on_whatsapp_opens_a_case_and_gets_step_one(office):
    await open_case(office)

    task = office.with_choice("kabag", "Lewati")
    assert "KB-2026-0001" in task.text and "Langkah 1" in task.text


async def test_a_docx_sent_on_whatsapp_is_stored_as_the_lembar_disposisi(office):
    await open_case(office)
    await office.press("kabag", "Siti Rahmawati")
    await office.press("kabag", "Unggah Lembar disposisi")

    data = docx_bytes("LEMBAR DISPOSISI")

    await office.upload("kabag", "disposisi.docx", data)

    case = await office.telegram.app.workflow.get("KB-2026-0001")
    artifact = case.artifacts["disposisi_kabag"]
    assert artifact.filename == "disposisi.docx"
    assert office.telegram.app.files.read(artifact.value) == data


async def test_a_file_that_is_not_a_document_is_refused_by_its_content(office):
    await open_case(office)
    await office.press("kabag", "Siti Rahmawati")
    await office.press("kabag", "Unggah Lembar disposisi")

    answer = await office.upload("kabag", "disposisi.docx", b"MZ\x90\x00 not a document")

    case = await office.telegram.app.workflow.get("KB-2026-0001")
    assert "disposisi_kabag" not in case.artifacts
    assert ".docx" in answer.text and ".pdf" in answer.text


async def test_a_file_over_20_mb_is_refused_before_it_is_downloaded(office):
    await open_case(office)
    await office.press("kabag", "Unggah Lembar disposisi")

    answer = await office.upload("kabag", "besar.docx", b"0" * (21 * 1024 * 1024))

    assert "20 MB" in answer.text
    assert not any(call.startswith("GET /whatsapp_business") for call in office.graph.calls)


async def test_the_step_one_task_goes_to_telegram_and_whatsapp_users_alike(office):
    await open_case(office)
    await office.press("kabag", "Siti Rahmawati")
    await office.press("kabag", "Buat Lembar disposisi")

    await office.press("kabag", "Selesai")

    assert "Langkah 2" in office.telegram.card("ketua").text
