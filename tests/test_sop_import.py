"""The SOP importer: PermenPAN SOP tables (.docx and text export) read into YAML drafts.

SOP 54/2025 is imported from its text export (`tests/data/sop/`) and from .docx versions of the
same table written here with python-docx, and compared with the hand-written
`bot/sop/sop54_2025.yaml` by structure. They differ only in names, listed in
`test_sop54_import_differs_from_the_hand_written_file_only_in_names`, and in what the
hand-written file adds and the source does not say: the meeting time that starts step 3's
clock, the participants (TKKSD), the people asked for in step 2, the Ketua Tim's confirmation
in step 4, the "surat jawaban" asked when a case is opened and step 10's note on Plt/Plh.
"""

from __future__ import annotations

import pytest

from bot.sop.importer import ImportResult, NotAnSopTable, import_document
from bot.sop.importer.docx_source import read_docx
from bot.sop.importer.durations import read_duration
from bot.sop.importer.source import Row, Shape
from bot.sop.loader import load_sop, parse_sop
from bot.sop.model import DecisionKind, Sop, Step
from bot.sop.table import render_table
from bot.texts import t
from tests.sop_documents import (
    BOX,
    DIAMOND,
    SHAPES,
    SOP54_TEXT,
    Activity,
    Mark,
    SopDocument,
    arrow,
    plain_docx,
    sop54,
    sop_docx,
    typed,
)


@pytest.fixture(scope="module")
def hand() -> Sop:
    return load_sop()


@pytest.fixture(scope="module")
def imported() -> ImportResult:
    return import_document(SOP54_TEXT.read_bytes(), SOP54_TEXT.name)


def structure(sop: Sop) -> list[tuple[object, ...]]:
    """Per step: number, performer, mutu baku, where it goes, what it decides, who made its needs.

    Needs are named by the latest earlier step that produces them ("intake" when the case
    brings them), so the comparison does not depend on what the artifacts are called.
    """
    rows = []
    for index, step in enumerate(sop.steps):
        ahead = [] if step.decisions else [_number(sop, step.goto)]
        decisions = {d.kind.value: _number(sop, d.goto) for d in step.decisions}
        made = sorted({_producer(sop, index, key) for key in step.needs}, key=str)
        rows.append((step.number, step.performer, step.mutu_baku.text, ahead, decisions, made,
                     step.assigns, step.action))  # fmt: skip
    return rows


def _number(sop: Sop, code: str | None) -> int | None:
    return None if code is None else sop.step(code).number


def _producer(sop: Sop, index: int, key: str) -> int | str:
    makers = [s.number for s in sop.steps[:index] if key in _made_by(s)]
    return makers[-1] if makers else ("intake" if key in sop.intake else "nobody")


def _made_by(step: Step) -> tuple[str, ...]:
    return step.produces + tuple(key for d in step.decisions for key in d.records)


def export(performers: list[str], rows: list[list[str]]) -> bytes:
    """A text export of an SOP table: the two header rows, then one tab-separated row each."""
    width = len(performers)
    lines = [
        "Nomor SOP\t7/2025",
        "Nama SOP\tPelayanan Surat Keterangan",
        "\t".join(["No", "Uraian Kegiatan", "Pelaksana", *[""] * (width - 1), "Mutu Baku", "", "",
                   "Ket"]),
        "\t".join(["", "", *performers, "Kelengkapan", "Waktu", "Output", ""]),
        *("\t".join(row) for row in rows),
    ]  # fmt: skip
    return "\n".join(lines).encode()


def finding(result: ImportResult, *words: str) -> tuple[int, str]:
    """The one PERIKSA comment that has all the words: its line and its text."""
    found = [f for f in result.findings if all(word in f.text for word in words)]
    assert len(found) == 1, [f.text for f in result.findings]
    return found[0].line, found[0].text


def line(result: ImportResult, number: int) -> str:
    return result.yaml.splitlines()[number - 1]


# --- SOP 54 from its text export, against the hand-written file -------------------------------


def test_sop54_text_export_gives_a_draft_the_loader_and_the_table_accept(imported):
    sop = parse_sop(imported.yaml)

    assert "Pelaksanaan Koordinasi Penyiapan" in render_table(sop)


def test_sop54_import_keeps_the_source_numbers_without_6_and_9(imported):
    assert [step.number for step in imported.sop.steps] == [1, 2, 3, 4, 5, 7, 8, 10]


def test_sop54_import_reads_every_mutu_baku_as_written(imported):
    texts = [step.mutu_baku.text for step in imported.sop.steps]

    assert texts == ["15 menit", "2 hari", "120 menit", "7 hari kerja", "15 menit", "15 menit",
                     "15 menit", "1 hari"]  # fmt: skip


def test_sop54_import_has_the_structure_of_the_hand_written_file(imported, hand):
    assert structure(imported.sop) == structure(hand)


def test_sop54_import_reads_the_total_time(imported, hand):
    assert imported.sop.total_mutu_baku == hand.total_mutu_baku


def test_sekda_returns_corrections_to_the_kabag_who_sent_the_draft(imported):
    step = imported.sop.steps[5]
    returned = step.decision(DecisionKind.RETURN)

    assert (step.number, step.performer) == (7, "sekda")
    assert returned is not None and returned.note_required
    assert imported.sop.step(returned.goto).number == 5


def test_wali_kota_returns_corrections_to_the_sekda(imported):
    step = imported.sop.steps[6]
    returned = step.decision(DecisionKind.RETURN)

    assert (step.number, step.performer) == (8, "walikota")
    assert returned is not None and imported.sop.step(returned.goto).number == 7


def test_the_wali_kota_approval_records_the_approved_draft(imported):
    approved = imported.sop.steps[6].decision(DecisionKind.APPROVE)

    assert approved is not None
    assert [imported.sop.artifact_label(k) for k in approved.records] == [
        "Rancangan Kesepakatan Bersama yang disetujui"
    ]


def test_the_first_step_waits_for_the_kl_approval_when_the_partner_is_a_ministry(imported, hand):
    precondition = imported.sop.first_step.precondition

    assert precondition is not None and hand.first_step.precondition is not None
    assert precondition.when == hand.first_step.precondition.when == {"partner_kind": "kl_lpnk"}
    assert [imported.sop.artifact_label(k) for k in precondition.requires] == [
        "Jawaban persetujuan rencana kerjasama dari kementerian/ lembaga pemerintah non "
        "kementerian"
    ]


def test_the_partner_kinds_are_those_of_the_hand_written_file(imported, hand):
    assert list(imported.sop.partner_kinds) == list(hand.partner_kinds)


def test_roles_come_from_the_performer_columns_with_the_titles_as_written(imported):
    titles = {key: role.title for key, role in imported.sop.roles.items()}

    assert titles == {
        "admin": "Administrator",
        "kabag": "Kabag.Tata Pemerintahan",
        "ketua_tim": "Ketua Tim Otta dan Kerjasama",
        "sekda": "Sekretaris Daerah",
        "walikota": "Wali Kota",
    }


def test_superiors_follow_the_offices_as_in_the_hand_written_file(imported, hand):
    performers = ("kabag", "ketua_tim", "sekda", "walikota")

    assert [imported.sop.superior_chain(r) for r in performers] == [
        hand.superior_chain(r) for r in performers
    ]


def test_the_same_words_name_one_artifact(imported):
    prepared, meeting = imported.sop.steps[1], imported.sop.steps[2]

    assert meeting.needs == prepared.produces
    assert len(prepared.produces) == 3


def test_a_draft_handed_on_keeps_its_artifact(imported):
    handed_on, reviewed = imported.sop.steps[4], imported.sop.steps[5]

    assert handed_on.action == "sampaikan"
    assert handed_on.produces == ()
    assert reviewed.needs == handed_on.needs
    line_number, text = finding(imported, "No 5", "Rancangan Kesepakatan Bersama")
    assert "needs:" in line(imported, line_number) and "diteruskan" in text


def test_dasar_hukum_is_kept_as_listed(imported):
    laws = imported.sop.dasar_hukum

    assert len(laws) == 7
    assert laws[1] == "Peraturan Pemerintah Nomor 28 Tahun 2018 tentang Kerjasama Daerah"


def test_the_header_gives_code_number_title_and_organisation(imported, hand):
    sop = imported.sop

    assert (sop.code, sop.title) == (hand.code, hand.title)
    assert sop.number == "54/000.8.3.3 / III/2025"
    assert sop.organisation == "Pemerintah Kota Tangerang, Sekretariat Daerah, Bagian Pemerintahan"


# Names the importer derives (step codes from the verb, artifact keys from the first words)
# against the hand-written ones; everything else above is the same.
NAMES = {
    1: ("penugasan", "penugasan"),
    2: ("fasilitasi_koordinasi", "persiapan"),
    3: ("penyelenggaraan", "rapat_koordinasi"),
    4: ("penyusunan", "penyusunan"),
    5: ("penyampaian", "penyampaian"),
    7: ("penerimaan_sekda", "telaah_sekda"),
    8: ("penerimaan_walikota_8", "telaah_walikota"),
    10: ("penerimaan_walikota_10", "jadwal_penandatanganan"),
}


def test_sop54_import_differs_from_the_hand_written_file_only_in_names(imported, hand):
    codes = {
        mine.number: (mine.code, theirs.code)
        for mine, theirs in zip(imported.sop.steps, hand.steps, strict=True)
    }

    assert codes == NAMES
    assert [s.performer for s in imported.sop.steps] == [s.performer for s in hand.steps]


def test_what_the_source_leaves_open_is_marked_at_its_line(imported):
    line_number, text = finding(imported, "No 4", "Sekretaris Daerah")

    assert line(imported, line_number).startswith("    performer: ketua_tim")
    assert "tidak dijadikan pelaksana" in text


def test_the_meeting_step_is_marked_for_its_clock(imported):
    line_number, _ = finding(imported, "No 3", "clock_starts_at")

    assert line(imported, line_number).startswith("    mutu_baku: 120 menit")


# --- the same table as Word holds it ----------------------------------------------------------


def test_the_docx_with_flowchart_shapes_reads_as_the_text_export(imported):
    result = import_document(sop_docx(sop54(SHAPES)), "sop54.docx")

    assert structure(result.sop) == structure(imported.sop)
    assert [f.text for f in result.findings] == [f.text for f in imported.findings]


@pytest.mark.parametrize("mark", ["√", "■", "[]", "X"])
def test_a_docx_typed_with_mark_characters_reads_as_the_text_export(imported, mark):
    result = import_document(sop_docx(sop54(typed(mark))), "sop54.docx")

    assert structure(result.sop) == structure(imported.sop)


def test_shapes_in_the_old_vml_form_are_read_too(imported):
    marks = {**SHAPES, "act": Mark(vml="109"), "extra": Mark(vml="109"), "decide": Mark(vml="110")}

    result = import_document(sop_docx(sop54(marks)), "sop54.docx")

    assert structure(result.sop) == structure(imported.sop)


def test_merged_header_cells_keep_their_text_once_in_their_first_column():
    rows = [b for b in read_docx(sop_docx(sop54(SHAPES))) if isinstance(b, Row) and b.table == 2]

    top, below = ([cell.text for cell in row.cells] for row in rows[:2])

    assert top == ["No", "Uraian Kegiatan", "Pelaksana", "", "", "", "Mutu Baku", "", "", "Ket"]
    assert below[:2] == ["", ""] and below[-1] == ""


def test_a_shape_written_with_its_fallback_counts_once_with_its_label_once():
    document = SopDocument(["Kasi", "Kabid"], [Activity("1", "Memeriksa", (arrow("ya"), BOX))])
    rows = [b for b in read_docx(sop_docx(document)) if isinstance(b, Row) and b.table == 2]

    first, second = rows[2].cells[2], rows[2].cells[3]

    assert (first.text, first.shapes) == ("ya", (Shape.LINE,))
    assert second.shapes == (Shape.PROCESS,)


def test_a_logo_in_the_header_is_no_shape():
    rows = [b for b in read_docx(sop_docx(sop54(SHAPES))) if isinstance(b, Row) and b.table == 1]

    assert all(cell.shapes == () for row in rows for cell in row.cells)


def test_a_decision_diamond_names_the_reviewer_without_any_text():
    document = SopDocument(
        ["Kepala Seksi", "Kepala Bidang"],
        [
            Activity("1", "Menyusun konsep surat", (BOX, None), "", "2 jam", "Konsep surat"),
            Activity("2", "Memeriksa konsep surat", (arrow("tidak"), DIAMOND), "Konsep surat",
                     "1 jam", "Konsep surat"),
            Activity("3", "Menandatangani surat", (None, BOX), "Konsep surat", "30 menit",
                     "Surat"),
        ],
    )  # fmt: skip

    result = import_document(sop_docx(document), "surat.docx")

    review = result.sop.steps[1]
    assert review.performer == "kabid" and review.action == "decision"
    returned = review.decision(DecisionKind.RETURN)
    assert returned is not None and returned.goto == result.sop.steps[0].code
    assert result.sop.roles["kasi"].superior == "kabid"


# --- durations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, expected",
    [
        ("15 Menit", "15 menit"),
        ("30 mnt", "30 menit"),
        ("15'", "15 menit"),
        ("2 Jam", "2 jam"),
        ("2 Hari", "2 hari"),
        ("sehari", "1 hari"),
        ("dua hari", "2 hari"),
        ("Dua Belas Jam", "12 jam"),
        ("tiga puluh menit", "30 menit"),
        ("7 Hari Kerja", "7 hari kerja"),
        ("7 HK", "7 hari kerja"),
        ("5 hr kerja", "5 hari kerja"),
        ("paling lama 3 hari", "3 hari"),
        ("Maks. 2 Hari", "2 hari"),
    ],
)
def test_duration_words_are_read(written, expected):
    reading = read_duration(written)

    assert reading.duration is not None and reading.duration.text == expected
    assert not reading.adjusted


@pytest.mark.parametrize(
    "written, expected",
    [
        ("1,5 jam", "90 menit"),
        ("setengah jam", "30 menit"),
        ("1 jam 30 menit", "90 menit"),
        ("1 x 24 jam", "1 hari"),
        ("1 minggu", "5 hari kerja"),
        ("3 hari kalender", "3 hari"),
    ],
)
def test_durations_in_another_unit_are_converted_and_marked(written, expected):
    reading = read_duration(written)

    assert reading.duration is not None and reading.duration.text == expected
    assert reading.adjusted


@pytest.mark.parametrize(
    "written", ["segera", "2 bulan", "", "0 hari", "1,5 hari", "sesuai jadwal"]
)
def test_unknown_durations_are_not_guessed(written):
    assert read_duration(written).duration is None


# --- bad input --------------------------------------------------------------------------------

GOOD_ROW = ["1", "Menerima permohonan", "√", "", "Formulir permohonan", "15 menit", "Berkas", ""]


def test_a_document_without_an_activity_table_is_refused_with_what_was_expected():
    data = plain_docx(["NOTA DINAS", "Perihal: rapat"], [[["Nama", "Jabatan"], ["Budi", "Staf"]]])

    with pytest.raises(NotAnSopTable) as refused:
        import_document(data, "nota.docx")

    text = t(refused.value.text_key, **refused.value.params)
    assert t("import.refused.no_table") in text
    assert "Uraian Kegiatan" in text and "Pelaksana" in text and "Mutu Baku" in text


def test_a_table_without_performer_columns_is_refused():
    data = plain_docx([], [[["No", "Uraian Kegiatan", "Waktu", "Output"],
                            ["1", "Menerima berkas", "15 menit", "Berkas"]]])  # fmt: skip

    with pytest.raises(NotAnSopTable) as refused:
        import_document(data, "daftar.docx")

    assert refused.value.params["reason"] == t("import.refused.no_performers")


@pytest.mark.parametrize("data", [b"%PDF-1.7 ...", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old word"])
def test_a_pdf_or_an_old_word_file_is_refused(data):
    with pytest.raises(NotAnSopTable) as refused:
        import_document(data, "sop.pdf")

    assert refused.value.params["reason"] == t("import.refused.format")


def test_an_unknown_duration_is_reported_with_its_row_and_the_rest_imports():
    rows = [
        GOOD_ROW,
        ["2", "Memeriksa berkas", "", "√", "Berkas", "segera", "Berkas diperiksa", ""],
        ["3", "Menyerahkan surat", "√", "", "Berkas diperiksa", "1 jam", "Surat", ""],
    ]

    result = import_document(export(["Petugas Loket", "Kepala Seksi"], rows), "sop.txt")

    line_number, _ = finding(result, "No 2", "segera")
    assert line(result, line_number).startswith("    mutu_baku: 1 hari")
    assert [s.mutu_baku.text for s in result.sop.steps] == ["15 menit", "1 hari", "1 jam"]


def test_a_row_without_a_performer_mark_is_reported_and_takes_the_one_before():
    rows = [GOOD_ROW, ["2", "Mengarsipkan berkas", "", "", "Berkas", "10 menit", "Arsip", ""]]

    result = import_document(export(["Petugas Loket", "Kepala Seksi"], rows), "sop.txt")

    line_number, _ = finding(result, "No 2", "tidak ada tanda pelaksana")
    assert line(result, line_number).startswith("    performer: petugas_loket")
    assert result.sop.steps[1].performer == "petugas_loket"


def test_a_step_needing_what_no_earlier_step_produced_is_reported_with_its_row():
    rows = [
        GOOD_ROW,
        ["2", "Memeriksa berkas", "", "√", "Surat rekomendasi", "1 jam", "Surat", ""],
    ]

    result = import_document(export(["Petugas Loket", "Kepala Seksi"], rows), "sop.txt")

    line_number, _ = finding(result, "No 2", "Surat rekomendasi")
    assert line(result, line_number).startswith("    needs:")
    assert len(result.sop.steps) == 2


def test_a_number_out_of_order_is_renumbered_and_reported():
    rows = [GOOD_ROW, ["1", "Menyerahkan surat", "√", "", "Berkas", "5 menit", "Surat", ""]]

    result = import_document(export(["Petugas Loket", "Kepala Seksi"], rows), "sop.txt")

    assert [s.number for s in result.sop.steps] == [1, 2]
    finding(result, "No 1", "diberi nomor 2")


def test_a_nomor_sop_that_looks_like_a_number_stays_text():
    data = export(["Petugas"], [GOOD_ROW[:3] + GOOD_ROW[4:]]).replace(b"7/2025", b"010")

    result = import_document(data, "sop.txt")

    assert result.sop.number == "010"


# --- other layouts of the same format ---------------------------------------------------------

HEADING = ["NO", "KEGIATAN", "Staf Pelaksana", "Kepala Seksi Pelayanan", "Camat",
           "PERSYARATAN/PERLENGKAPAN", "WAKTU", "OUTPUT", "KETERANGAN"]  # fmt: skip
PAGE_1 = [
    HEADING,
    ["1", "2", "3", "4", "5", "6", "7", "8", "9"],
    ["1.", "Menerima berkas permohonan", "√", "", "", "Formulir;KTP", "10 mnt", "Berkas", ""],
    ["", "serta mencatat dalam buku register", "", "", "", "", "", "Buku register", ""],
    ["2.", "Memverifikasi berkas. Apabila tidak sesuai dikembalikan kepada staf pelaksana",
     "tidak", "◇", "", "Berkas", "1 Jam", "Berkas terverifikasi", ""],
]  # fmt: skip
PAGE_2 = [
    HEADING,
    ["3.", "Menandatangani surat keterangan", "", "", "■", "Berkas terverifikasi", "1 HK",
     "Surat keterangan", ""],
]  # fmt: skip


@pytest.fixture(scope="module")
def domisili() -> ImportResult:
    header = ["PEMERINTAH KABUPATEN CONTOH", "KECAMATAN MAJU", "Nomor SOP: 3/SOP/2024",
              "Nama SOP: Pelayanan Surat Keterangan Domisili"]  # fmt: skip
    return import_document(plain_docx(header, [PAGE_1, PAGE_2]), "domisili.docx")


def test_a_one_row_heading_with_column_numbers_and_a_second_page_is_read(domisili):
    steps = [(s.number, s.performer, s.mutu_baku.text) for s in domisili.sop.steps]

    assert steps == [(1, "staf_pelaksana", "10 menit"), (2, "kasi", "1 jam"),
                     (3, "camat", "1 hari kerja")]  # fmt: skip
    assert domisili.sop.title == "Pelayanan Surat Keterangan Domisili"


def test_a_row_without_a_number_continues_the_activity_above(domisili):
    first = domisili.sop.steps[0]

    assert first.title.endswith("serta mencatat dalam buku register")
    assert [domisili.sop.artifact_label(k) for k in first.produces] == ["Berkas", "Buku register"]


def test_not_sesuai_sends_the_case_back(domisili):
    review = domisili.sop.steps[1]
    returned = review.decision(DecisionKind.RETURN)

    assert review.code == "verifikasi"
    assert returned is not None and returned.goto == domisili.sop.steps[0].code
    assert returned.label == "Dikembalikan kepada staf pelaksana"


def test_the_first_steps_kelengkapan_is_asked_when_a_case_is_opened(domisili):
    assert [domisili.sop.artifact_label(k) for k in domisili.sop.intake] == ["Formulir", "KTP"]


def test_an_unknown_total_is_left_out_and_marked_at_the_head_of_the_draft():
    data = export(["Petugas"], [GOOD_ROW[:3] + GOOD_ROW[4:], ["", "", "Total Waktu", "lama", ""]])

    result = import_document(data, "sop.txt")

    line_number, _ = finding(result, "lama")
    assert result.sop.total_mutu_baku is None
    assert line(result, line_number).startswith("# PERIKSA:")
