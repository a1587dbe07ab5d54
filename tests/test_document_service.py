"""Documents for the chat: "Buat ..." builds from a template and stores; so does /laporan."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.sop
from bot.config import Settings
from bot.documents import DocumentSettings, check_draft
from bot.documents.service import CaseDocuments
from bot.errors import InvalidInput
from bot.sop.loader import load_sop
from bot.workflow import commands as c
from tests.docx_reading import lines, table_with
from tests.drafts import draft
from tests.scenario import late_case_with_two_returns


@pytest.fixture
def documents(office) -> CaseDocuments:
    settings = DocumentSettings.from_settings(Settings(_env_file=None))
    return CaseDocuments(office.workflow, office.files, settings)


async def person(office, key):
    return (await office.workflow.roster()).person(office.ids[key])


async def test_a_disposisi_needs_the_ketua_tim_chosen_first(office, documents):
    case = await office.open()

    with pytest.raises(InvalidInput) as error:
        await documents.generate("disposisi_kabag", case, await person(office, "kabag"))

    assert "Ketua Tim Otonomi Daerah dan Kerja Sama" in error.value.params["reason"]


async def test_a_generated_disposisi_is_stored_and_recorded_as_the_step_output(office, documents):
    case = await office.open()
    await office.workflow.handle(
        c.AssignPerformer(
            office.ids["kabag"], case.id, "penugasan", None, "ketua_tim", office.ids["ketua"]
        )
    )
    case = await office.case(case)

    stored = await documents.generate("disposisi_kabag", case, await person(office, "kabag"))
    result = await office.workflow.attach_stored(
        case.id, "penugasan", office.ids["kabag"], "disposisi_kabag", stored
    )

    assert result.case.has("disposisi_kabag")
    assert stored.filename == "lembar-disposisi-KB-2026-0001.docx"
    assert "1. Siti Rahmawati, S.H." in lines(office.files.read(stored.sha256))


async def test_an_invitation_needs_the_meeting_time_and_place_first(office, documents):
    case = await office.open()
    await office.assign_and_dispose(case)

    with pytest.raises(InvalidInput):
        await documents.generate("surat_undangan", await office.case(case), None)


async def test_an_invitation_lists_the_participants_chosen_in_step_two(office, documents):
    case = await office.open()
    await office.assign_and_dispose(case)
    for key, value in [
        ("waktu_rapat", "2026-03-04 09:00"),
        ("tempat_rapat", "Ruang Rapat Tapem"),
        ("peserta_rapat", "Rina Marlina, S.E.; Kepala Bappeda"),
        ("acara_rapat", "Pembahasan draft kerja sama sampah"),
    ]:
        await office.fact("ketua", case, "persiapan", key, value)
    ketua = await person(office, "ketua")

    stored = await documents.generate("surat_undangan", await office.case(case), ketua)

    data = office.files.read(stored.sha256)
    body = lines(data)
    invitees = body[body.index("Yth.") + 1 : body.index("di")]
    assert invitees == ["1. Rina Marlina, S.E.", "2. Kepala Bappeda"]
    assert table_with(data, "Hari/tanggal")[3] == [
        "Acara",
        ":",
        "Pembahasan draft kerja sama sampah",
    ]


async def test_a_draft_built_from_the_template_passes_the_draft_checks(office, documents):
    case = await office.open()

    stored = await documents.generate("draft_rancangan", case, await person(office, "ketua"))

    check = check_draft(office.files.read(stored.sha256), documents.settings, partner=case.partner)
    assert check.ok, check.as_text()


async def test_a_document_without_a_template_is_refused(office, documents):
    case = await office.open()

    with pytest.raises(InvalidInput):
        await documents.generate("rancangan_berparaf", case, await person(office, "ketua"))


async def test_the_compliance_report_and_the_approval_sheet_are_stored_as_docx(office, documents):
    case = await late_case_with_two_returns(office)

    report = await documents.report(case)
    sheet = await documents.approval_sheet(case)

    assert report.filename == "laporan-kepatuhan-KB-2026-0001.docx"
    assert "LAPORAN KEPATUHAN SOP" in lines(office.files.read(report.sha256))
    assert sheet.filename == "lembar-persetujuan-KB-2026-0001.docx"
    assert office.files.exists(sheet.sha256)


async def test_an_uploaded_draft_is_checked_against_the_case_partner(office, documents):
    case = await office.open(partner="Pemerintah Kota Bogor")

    check = await documents.check(case, draft())

    assert [item.key for item in check.failed()] == ["pihak_kedua"]


async def test_a_returned_draft_is_compared_with_the_version_before(office, documents):
    case = await office.open()
    old, new = office.files.put(draft()), office.files.put(draft(term="3 (tiga) tahun"))

    changes = await documents.changes(case, (old, 1), (new, 2))

    assert changes.text.splitlines()[0].startswith("Perubahan rancangan dari versi 1 ke versi 2")
    assert changes.file.filename == "perubahan-v1-v2-KB-2026-0001.docx"
    assert office.files.exists(changes.file.sha256)


async def test_a_pdf_version_cannot_be_compared_and_gives_no_changes(office, documents):
    case = await office.open()
    old, new = office.files.put(b"%PDF-1.7 ..."), office.files.put(draft())

    assert await documents.changes(case, (old, 1), (new, 2)) is None


def test_an_sop_naming_an_unknown_template_is_refused_at_start(tmp_path):
    text = (Path(bot.sop.__file__).parent / "sop54_2025.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "sop.yaml"
    broken.write_text(text.replace("template: surat_undangan", "template: surat_cinta"))

    with pytest.raises(ValueError, match="surat_cinta"):
        CaseDocuments.generated(load_sop(broken))
