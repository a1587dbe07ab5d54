"""End to end on Telegram: the real Application, five officials, one case, the database."""

from __future__ import annotations

import io

import pytest
from docx import Document

from bot.workflow.model import CaseStatus, Outcome
from tests.telegram_office import TelegramOffice, docx_bytes, open_case, set_meeting, step_two
from tests.test_uploads import png_bytes

PNG = png_bytes()


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start()
    await office.hire()
    yield office
    await office.stop()


async def test_registration_with_an_invite_code_greets_each_official(office):
    welcome = [m.text for m in office.inbox("sekda") if "Selamat datang" in m.text]

    assert welcome and "Sekretaris Daerah" in welcome[0]


async def test_the_kabag_opens_a_case_in_chat_and_gets_step_one(office):
    await open_case(office)

    task = office.last("kabag")
    assert "KB-2026-0001" in task.text and "Langkah 1" in task.text
    assert "Siti Rahmawati, S.H." in task.labels and "Lewati" in task.labels
    assert "Selesai" not in task.labels  # nothing to finish until the card is complete


async def test_a_whole_case_from_baru_to_the_signing_schedule(office):
    await open_case(office)
    await office.press("kabag", "Siti Rahmawati")
    await office.press("kabag", "Unggah Lembar disposisi")
    disposisi = docx_bytes("LEMBAR DISPOSISI")
    await office.upload("kabag", "disposisi.docx", disposisi)
    await office.press("kabag", "Selesai")

    ketua_task = office.card("ketua")
    assert "Langkah 2" in ketua_task.text
    handed = office.last("ketua")  # the lembar disposisi follows the card that explains it
    assert handed.document.data == disposisi
    assert handed.text == "📎 Lembar disposisi Kabag, versi 1, perkara KB-2026-0001"
    await set_meeting(office, place="Ruang Rapat Tapem Lt. 3, proyektor")
    await office.give_file(
        "ketua", "Draft rancangan", "draft-v1.docx", docx_bytes("KESEPAKATAN BERSAMA", "Pasal 1")
    )
    await office.press("ketua", "Selesai")

    invitation = office.last("tkksd")
    assert "diundang" in invitation.text or invitation.document is not None

    office.at("2026-03-04T10:30")
    await office.press("ketua", "Unggah Notulensi")
    await office.upload("ketua", "notulen.docx", docx_bytes("NOTULEN RAPAT"))
    await office.press("ketua", "Selesai")
    await office.press("ketua", "Unggah Rancangan Kesepakatan Bersama berparaf")
    initialled = docx_bytes("KESEPAKATAN BERSAMA", "v2")
    await office.upload("ketua", "rancangan-paraf.docx", initialled)
    await office.press("ketua", "Selesai")
    [confirmation] = [m for m in office.inbox("ketua") if "Ya, Selesai" in m.labels]
    assert "telah diparaf" in confirmation.text and "Langkah 4" not in confirmation.text
    await office.press("ketua", "Ya, Selesai")
    assert "Langkah 5" in office.card("kabag").text
    assert office.last("kabag").document.data == initialled  # the draft before Sampaikan
    await office.press("kabag", "Sampaikan")

    review = [m for m in office.inbox("sekda") if "Setujui" in m.labels][-1]
    assert "hari kerja sejak" in review.text and "versi 1" in review.text
    attached = office.last("sekda")  # the draft follows the review card
    assert attached.document.data == initialled and "versi 1" in attached.text
    await office.give_back("sekda", "Pasal 3 perlu diperbaiki", review)
    assert review.labels == []
    assert "dikembalikan oleh Dr. Hendra Wijaya, M.M." in review.text

    # The Sekda's return reaches the Kabag and the Ketua Tim, each with the note and the file.
    returned = office.card("kabag")
    assert "Pasal 3 perlu diperbaiki" in returned.text
    assert "Tanpa perubahan" in returned.labels
    assert office.last("kabag").document.data == initialled
    told = office.inbox("ketua")[-2]
    assert "Pasal 3 perlu diperbaiki" in told.text and "dikembalikan" in told.text
    assert office.last("ketua").document.data == initialled

    # Sending it up again without a new version is refused, in plain words.
    refused = await office.press("kabag", "Sampaikan", returned)
    answer = refused.text or office.last("kabag").text
    assert "belum ada versi baru" in answer and "Tanpa perubahan" in answer
    assert (await office.app.workflow.get("KB-2026-0001")).current_run("penyampaian")

    office.at("2026-03-04T11:00")
    await office.press("kabag", "Unggah Rancangan Kesepakatan Bersama berparaf")
    fixed = docx_bytes("KESEPAKATAN BERSAMA", "v3, pasal 3 diperbaiki")
    await office.upload("kabag", "rancangan-perbaikan.docx", fixed)
    card = office.card("kabag")
    assert "versi 2, diunggah oleh Drs. Budi Santoso" in card.text  # hers, not the Ketua's
    await office.press("kabag", "Sampaikan", card)

    # The Sekda's "versi 2" is the Wali Kota's "versi 2".
    review = office.card("sekda")
    assert "versi 2" in review.text
    assert office.last("sekda").document.data == fixed and "versi 2" in office.last("sekda").text
    await office.approve("sekda", review)
    assert "versi 2" in office.card("walikota").text
    to_walikota = office.last("walikota")
    assert to_walikota.document.data == fixed and "versi 2" in to_walikota.text

    # A Wali Kota's return reaches the Sekda with the choice; sent down, it comes back up.
    await office.give_back("walikota", "Tambahkan pasal keadaan kahar")
    choice = office.card("sekda")
    assert "Tambahkan pasal keadaan kahar" in choice.text
    assert "Kembalikan untuk meneruskannya" in choice.text
    await office.give_back("sekda", "Mohon ditambahkan bersama TKKSD", choice)
    down = office.card("kabag")
    assert "Tambahkan pasal keadaan kahar" in down.text and "Mohon ditambahkan" in down.text
    assert any("Tambahkan pasal keadaan kahar" in m.text for m in office.inbox("ketua")[-3:])
    office.at("2026-03-04T13:00")
    await office.press("kabag", "Tanpa perubahan", down)
    await office.say("kabag", "Pasal keadaan kahar sudah ada pada Pasal 9 rancangan")
    assert "tanpa perubahan" in office.card("kabag").text
    await office.press("kabag", "Sampaikan")
    await office.approve("sekda")
    await office.approve("walikota")
    schedule = office.card("walikota")
    assert "Langkah 10" in schedule.text
    await office.press("walikota", "Isi Rencana waktu penandatanganan")
    question = office.last("walikota")
    day_button = next(label for label in question.labels if "2026" in label)
    await office.press("walikota", day_button)
    await office.say("walikota", "10.00")
    await office.press("walikota", "Selesai")

    case = await office.app.workflow.get("KB-2026-0001")
    assert case.status is CaseStatus.DONE
    assert [r.outcome for r in case.runs].count(Outcome.RETURNED) == 3
    for who in ("kabag", "ketua", "sekda", "walikota"):
        # the approved text follows the finish notice
        notice, approved = office.inbox(who)[-2:]
        assert "telah selesai" in notice.text
        assert approved.document.data == fixed
        assert "yang disetujui, versi 2" in approved.text


async def test_commands_answer_in_indonesian(office):
    await open_case(office)

    tasks = await office.say("kabag", "/tugas")
    status = await office.say("kabag", "/status KB-2026-0001")
    history = await office.say("kabag", "/riwayat KB-2026-0001")
    sop = await office.say("ketua", "/sop")
    help_text = await office.say("ketua", "/bantuan")
    unknown = await office.say("ketua", "/hapus")

    assert "Langkah 1" in tasks.text and "Lewati" in tasks.labels
    assert "menunggu Drs. Budi Santoso" in status.text
    assert "dibuka oleh Drs. Budi Santoso" in history.text
    assert "10. " in sop.text and "6. " not in sop.text and "11 hari" in sop.text
    assert "/lapor" in help_text.text and "/baru" not in help_text.text
    assert "tidak dikenal" in unknown.text


async def test_a_progress_report_is_forwarded_to_the_kabag(office):
    await step_two(office)

    answer = await office.say("ketua", "/lapor KB-2026-0001 Undangan sedang ditandatangani")

    assert "diteruskan" in answer.text
    assert "Undangan sedang ditandatangani" in office.last("kabag").text


async def test_two_reports_in_the_same_minute_both_reach_the_kabag(office):
    await step_two(office)

    await office.say("ketua", "/lapor KB-2026-0001 Undangan sedang ditandatangani")
    await office.say("ketua", "/lapor KB-2026-0001 Ruang rapat sudah dipesan")

    texts = [m.text for m in office.inbox("kabag")[-2:]]
    assert "Undangan sedang ditandatangani" in texts[0] and "Ruang rapat sudah dipesan" in texts[1]


async def test_an_upload_without_a_question_asks_where_it_belongs(office):
    await step_two(office)

    question = await office.upload("ketua", "draft.docx", docx_bytes("DRAFT"))
    offered = question.labels
    await office.press("ketua", "Draft rancangan", question)

    case = await office.app.workflow.get("KB-2026-0001")
    assert "KB-2026-0001 · Surat undangan" in offered
    assert case.artifacts["draft_rancangan"].filename == "draft.docx"
    assert question.labels == []  # answered: its buttons are gone


async def test_a_photo_of_the_disposition_is_accepted_when_opening_a_case(office):
    await office.say("kabag", "/baru Pemerintah Kota Bandung | Kerja sama air minum")
    await office.press("kabag", "Pemerintah Daerah lain")
    await office.say("kabag", "415.4/123-Tapem, 10 Maret 2026")

    office.users["kabag"].send_photo(PNG)
    await office.settle()

    case = await office.app.workflow.get("KB-2026-0001")
    assert case.artifacts["disposisi_walikota"].filename == "foto.png"
    assert "Langkah 1" in office.last("kabag").text


async def test_a_kl_case_waits_until_the_approval_is_recorded_from_tugas(office):
    await office.say("kabag", "/baru Kementerian Dalam Negeri | Kerja sama data kependudukan")
    await office.press("kabag", "Kementerian")
    await office.say("kabag", "415.4/77-Tapem, 2 Maret 2026")
    await office.say("kabag", "Disposisi No. 005/77")
    await office.press("kabag", "Belum ada")
    assert "belum dapat dimulai" in office.last("kabag").text

    await office.say("kabag", "/tugas")
    await office.press("kabag", "Isi Jawaban persetujuan")
    await office.say("kabag", "Surat Kemendagri No. B-77/2026")

    case = await office.app.workflow.get("KB-2026-0001")
    assert case.status is CaseStatus.RUNNING
    assert case.current_run("penugasan") is not None


async def test_meeting_participants_are_chosen_from_tkksd_and_typed_in(office):
    await step_two(office)

    await office.press("ketua", "Pilih Peserta rapat")
    question = office.last("ketua")
    offered = question.labels  # the TKKSD members come chosen
    await office.say("ketua", "Bappeda, Dinas Lingkungan Hidup")
    await office.press("ketua", "Selesai memilih")

    case = await office.app.workflow.get("KB-2026-0001")
    assert "✅ Rina Marlina, S.E." in offered
    assert case.artifacts["peserta_rapat"].value == (
        "Rina Marlina, S.E.; Bappeda; Dinas Lingkungan Hidup"
    )


async def test_a_tkksd_member_can_be_left_out_of_the_meeting(office):
    await step_two(office)

    await office.press("ketua", "Pilih Peserta rapat")
    await office.press("ketua", "Rina Marlina")
    await office.say("ketua", "Bappeda")
    await office.press("ketua", "Selesai memilih")

    case = await office.app.workflow.get("KB-2026-0001")
    assert case.artifacts["peserta_rapat"].value == "Bappeda"


async def test_the_bot_builds_the_lembar_disposisi_from_its_template(office):
    await open_case(office)
    await office.press("kabag", "Siti Rahmawati")

    await office.press("kabag", "Buat Lembar disposisi")

    case = await office.app.workflow.get("KB-2026-0001")
    stored = office.app.files.read(case.artifacts["disposisi_kabag"].value)
    text = "\n".join(p.text for p in Document(io.BytesIO(stored)).paragraphs)
    assert "Siti Rahmawati" in text or "Siti Rahmawati" in tables_text(stored)
    assert "✅ Lembar disposisi Kabag" in office.card("kabag").text
    built = office.last("kabag")  # the built document follows the card, to read and sign
    assert built.document.data == stored and "Lembar disposisi Kabag, versi 1" in built.text


async def test_documents_the_bot_builds_are_in_the_chats_of_who_signs_and_who_edits(office):
    await step_two(office)
    # the lembar disposisi: to the Kabag who signs it and to the Ketua Tim it disposes to
    for who in ("kabag", "ketua"):
        assert any("Lembar disposisi Kabag, versi 1" in m.text for m in office.documents(who))

    await office.press("ketua", "Buat Draft rancangan")

    draft = office.last("ketua")  # the draft template, to edit, after the card
    case = await office.app.workflow.get("KB-2026-0001")
    assert draft.document.data == office.app.files.read(case.artifacts["draft_rancangan"].value)
    assert draft.text == "📎 Draft rancangan kerja sama, versi 1, perkara KB-2026-0001"
    inbox = office.inbox("ketua")
    assert inbox.index(office.card("ketua")) < inbox.index(draft)


async def test_an_uploaded_draft_is_checked_and_compared_with_the_version_before(office):
    await step_two(office)
    await office.give_file(
        "ketua", "Draft rancangan", "draft-1.docx", docx_bytes("KESEPAKATAN BERSAMA", "Pasal 1")
    )

    await office.press("ketua", "Ubah isian")
    await office.press("ketua", "Ubah Draft rancangan")
    await office.upload("ketua", "draft-2.docx", docx_bytes("KESEPAKATAN BERSAMA", "Pasal 2"))

    texts = [m.text for m in office.inbox("ketua")]
    assert any("Hasil pemeriksaan rancangan" in t and "❌" in t for t in texts)
    changes = [m for m in office.inbox("ketua") if "Perubahan dibanding" in m.text]
    assert changes and "Pasal 2" in changes[-1].text
    assert any(m.document is not None and "docx" in m.document.filename
               for m in office.inbox("ketua")[-6:])  # fmt: skip


async def test_laporan_sends_the_compliance_report_as_a_file(office):
    await step_two(office)

    reply = await office.say("kabag", "/laporan KB-2026-0001")

    report = [m for m in office.inbox("kabag") if m.document is not None][-1]
    assert "Laporan kepatuhan" in reply.text
    assert report.document.filename.endswith(".docx")
    assert "KB-2026-0001" in tables_text(report.document.data) + paragraphs_text(
        report.document.data
    )


def tables_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    return "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)


def paragraphs_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


async def test_the_notulen_is_built_from_a_few_answers_after_the_meeting(office):
    await step_two(office)
    await set_meeting(office)
    await office.press("ketua", "Buat Draft rancangan")
    await office.press("ketua", "Selesai")
    office.at("2026-03-04T10:30")

    await office.press("ketua", "Buat Notulensi")
    await office.say("ketua", "Ruang lingkup kerja sama\nPembiayaan bersama")
    await office.say("ketua", "- Draft diperbaiki dalam 3 hari")

    case = await office.app.workflow.get("KB-2026-0001")
    minutes = office.app.files.read(case.artifacts["notulensi"].value)
    text = paragraphs_text(minutes) + tables_text(minutes)
    assert "Pembiayaan bersama" in text and "Draft diperbaiki dalam 3 hari" in text
    assert "✅ Notulensi koordinasi awal" in office.card("ketua").text
    assert office.last("ketua").document.data == minutes
