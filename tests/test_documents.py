"""Every document of a whole case, built from the templates and read back with python-docx.

The case is tests/scenario.py (late first step, two returns, a Plh approval for the Sekda).
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import replace
from datetime import datetime

import pytest
from docx import Document

from bot.calendar import OfficeCalendar
from bot.clock import JAKARTA
from bot.config import Settings
from bot.documents import (
    DocumentSettings,
    Meeting,
    Minutes,
    laporan_kepatuhan,
    lembar_disposisi,
    lembar_persetujuan,
    notulen_rapat,
    rancangan_kb,
    surat_undangan,
)
from bot.reports.figures import case_report
from tests.docx_reading import leftover_tags, lines, table_containing, table_with
from tests.scenario import LATE_REASON, SEKDA_NOTE, late_case_with_two_returns

KOP = [
    "PEMERINTAH KOTA TANGERANG",
    "SEKRETARIAT DAERAH",
    "Jl. Satria Sudirman No. 1, Kota Tangerang, Banten 15111",
    "Telepon: (021) ………………; Pos-el: ………………@tangerangkota.go.id; "
    "Laman: www.tangerangkota.go.id",
]
DISPOSISI_NUMBER = "1/Disp-Tapem/III/2026"  # as the agenda register gives it
UNDANGAN_NUMBER = "005/1-Tapem/III/2026"
KABAG_SIGNATURE = ["Drs. Budi Santoso, M.Si.", "NIP. 19700101 199503 1 001"]
INVITEES = ("Kepala Bappeda Kota Tangerang", "Rina Marlina, S.E.", "Perwakilan Pemkot Bandung")


def jkt(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=JAKARTA)


@pytest.fixture
def settings() -> DocumentSettings:
    return DocumentSettings.from_settings(Settings(_env_file=None))


@pytest.fixture
async def walked(office):
    case = await late_case_with_two_returns(office)
    return office, case, await office.workflow.roster()


def build_disposisi(walked, settings):
    office, case, roster = walked
    at = jkt("2026-03-02 10:00")
    return lembar_disposisi(case, office.sop, roster, settings, at=at, number=DISPOSISI_NUMBER)


def build_undangan(walked, settings):
    office, case, roster = walked
    meeting = Meeting.from_case(case, invitees=INVITEES)
    at = jkt("2026-03-03 14:00")
    return surat_undangan(
        case, office.sop, roster, settings, meeting, at=at, number=UNDANGAN_NUMBER
    )


def build_notulen(walked, settings):
    office, case, roster = walked
    meeting = replace(Meeting.from_case(case), ends_at=jkt("2026-03-04 10:30"))
    minutes = Minutes(
        meeting,
        chair_id=office.ids["ketua"],
        participants=INVITEES,
        discussion=("Ruang lingkup pengelolaan sampah", "Pembiayaan dari APBD masing-masing"),
        decisions=("Draft disempurnakan dalam 7 hari kerja",),
        scribe_id=office.ids["tkksd"],
    )
    return notulen_rapat(case, office.sop, roster, settings, minutes, at=jkt("2026-03-04 10:30"))


def build_rancangan(walked, settings):
    office, case, roster = walked
    return rancangan_kb(case, office.sop, roster, settings, at=jkt("2026-03-03 14:00"))


def build_persetujuan(walked, settings):
    office, case, roster = walked
    return lembar_persetujuan(case, office.sop, roster, settings, at=jkt("2026-03-10 09:00"))


def build_laporan(walked, settings):
    office, case, roster = walked
    report = case_report(case, office.sop, roster, OfficeCalendar(), jkt("2026-03-10 09:00"))
    return laporan_kepatuhan(report, office.sop, settings, at=jkt("2026-03-10 09:00"))


BUILDERS = {
    "lembar_disposisi": build_disposisi,
    "surat_undangan": build_undangan,
    "notulen_rapat": build_notulen,
    "rancangan_kb": build_rancangan,
    "lembar_persetujuan": build_persetujuan,
    "laporan_kepatuhan": build_laporan,
}


@pytest.mark.parametrize("name", BUILDERS)
def test_no_template_tag_is_left_in_the_document(walked, settings, name):
    built = BUILDERS[name](walked, settings)

    assert leftover_tags(built.data) == []
    assert built.filename.endswith("-KB-2026-0001.docx")


@pytest.mark.parametrize("name", [n for n in BUILDERS if n != "rancangan_kb"])
def test_the_letterhead_heads_every_office_document(walked, settings, name):
    built = BUILDERS[name](walked, settings)

    assert table_with(built.data, "")[0][1].splitlines() == KOP


def test_the_disposisi_names_the_letter_the_ketua_tim_the_instruction_and_the_kabag(
    walked, settings
):
    data = build_disposisi(walked, settings).data

    body = lines(data)
    for expected in [
        "LEMBAR DISPOSISI",
        "Surat dari: Pemerintah Kota Bandung",
        "Diterima tanggal: 2 Maret 2026",
        "Jenis mitra: Pemerintah Daerah lain",
        f"Nomor agenda: {DISPOSISI_NUMBER}",
        "Nomor perkara: KB-2026-0001",
        "Sifat: Biasa; urgensi: Segera",
        "Hal: Kerja sama pengelolaan sampah",
        "Disposisi Wali Kota atas surat jawaban: Disposisi No. 005/123-Tapem",
        "1. Siti Rahmawati, S.H.",
        "Ketua Tim Otonomi Daerah dan Kerja Sama",
        "Mohon fasilitasi koordinasi persiapan rancangan kesepakatan bersama, "
        "sesuai SOP 54/000.8.3.3/III/2025.",
        "Batas waktu: 2 hari sejak disposisi ini diterima",
        "Tangerang, 2 Maret 2026",
        "Kepala Bagian Tata Pemerintahan,",
        *KABAG_SIGNATURE,
    ]:
        assert expected in body, expected


def test_the_invitation_carries_number_addressees_meeting_signer_and_tembusan(walked, settings):
    data = build_undangan(walked, settings).data

    assert table_with(data, "Nomor") == [
        ["Nomor", ":", UNDANGAN_NUMBER],
        ["Sifat", ":", "Biasa"],
        ["Lampiran", ":", "-"],
        ["Hal", ":", "Undangan Rapat Koordinasi"],
    ]
    assert table_with(data, "Hari/tanggal") == [
        ["Hari/tanggal", ":", "Rabu, 4 Maret 2026"],
        ["Waktu", ":", "09.00 WIB s.d. selesai"],
        ["Tempat", ":", "Ruang Rapat Tapem, proyektor"],
        [
            "Acara",
            ":",
            "Rapat koordinasi persiapan rancangan Kesepakatan Bersama antara Pemerintah Kota "
            "Tangerang dan Pemerintah Kota Bandung tentang Kerja sama pengelolaan sampah",
        ],
    ]
    body = lines(data)
    for expected in [
        "Tangerang, 3 Maret 2026",
        "Yth.",
        "1. Kepala Bappeda Kota Tangerang",
        "2. Rina Marlina, S.E.",
        "3. Perwakilan Pemkot Bandung",
        "a.n. SEKRETARIS DAERAH KOTA TANGERANG",
        "Kepala Bagian Tata Pemerintahan,",
        *KABAG_SIGNATURE,
        "1. Wali Kota Tangerang (sebagai laporan)",
        "2. Sekretaris Daerah Kota Tangerang",
    ]:
        assert expected in body, expected
    assert table_with(data, "Paraf koordinasi")[1:] == [
        ["Ketua Tim Otonomi Daerah dan Kerja Sama", "Siti Rahmawati, S.H.", ""]
    ]


def test_the_notulen_records_the_meeting_the_answers_and_both_signatures(walked, settings):
    data = build_notulen(walked, settings).data

    assert table_with(data, "Rapat") == [
        ["Rapat", ":", "Rapat Koordinasi Persiapan Rancangan Kesepakatan Bersama"],
        ["Hari/tanggal", ":", "Rabu, 4 Maret 2026"],
        ["Waktu", ":", "09.00 WIB s.d. 10.30 WIB"],
        ["Tempat", ":", "Ruang Rapat Tapem, proyektor"],
        [
            "Acara",
            ":",
            "Rapat koordinasi persiapan rancangan Kesepakatan Bersama antara Pemerintah Kota "
            "Tangerang dan Pemerintah Kota Bandung tentang Kerja sama pengelolaan sampah",
        ],
        ["Pimpinan rapat", ":", "Siti Rahmawati, S.H."],
        ["Notulis", ":", "Rina Marlina, S.E."],
    ]
    body = lines(data)
    for expected in [
        "NOTULEN RAPAT",
        "3. Perwakilan Pemkot Bandung",
        "1. Ruang lingkup pengelolaan sampah",
        "2. Pembiayaan dari APBD masing-masing",
        "1. Draft disempurnakan dalam 7 hari kerja",
        "Tangerang, 4 Maret 2026",
        "Notulis,",
        "Anggota TKKSD,",
        "NIP. 19900101 201503 2 004",
        "Pimpinan Rapat,",
        "Ketua Tim Otonomi Daerah dan Kerja Sama,",
        "NIP. 19820315 200604 2 002",
    ]:
        assert expected in body, expected


def test_the_draft_skeleton_has_the_title_form_the_parties_and_every_article(walked, settings):
    data = build_rancangan(walked, settings).data

    body = lines(data)
    assert body[:10] == [
        "KESEPAKATAN BERSAMA",
        "ANTARA",
        "PEMERINTAH KOTA TANGERANG",
        "DAN",
        "PEMERINTAH KOTA BANDUNG",
        "NOMOR: ……………………………",  # a draft is numbered only when it is signed
        "NOMOR: ……………………………",
        "TENTANG",
        "KERJA SAMA PENGELOLAAN SAMPAH",
        "Pada hari ini …………… tanggal …………… bulan …………… tahun ……………, bertempat di "
        "Tangerang, yang bertanda tangan di bawah ini:",
    ]
    assert (
        "1. H. Sachrudin, Wali Kota Tangerang, dalam hal ini bertindak untuk dan atas nama "
        "Pemerintah Kota Tangerang, selanjutnya disebut PIHAK KESATU." in body
    )
    kedua = [line for line in body if line.endswith("selanjutnya disebut PIHAK KEDUA.")]
    assert kedua == [
        "2. (………………………………), ……………………, dalam hal ini bertindak untuk dan atas nama "
        "Pemerintah Kota Bandung, selanjutnya disebut PIHAK KEDUA."
    ]
    headings = [body[i + 1] for i, line in enumerate(body) if line.startswith("Pasal ")]
    assert headings == [
        "MAKSUD DAN TUJUAN",
        "RUANG LINGKUP",
        "PELAKSANAAN",
        "PEMBIAYAAN",
        "JANGKA WAKTU",
        "PEMANTAUAN DAN EVALUASI",
        "KORESPONDENSI",
        "KEADAAN KAHAR",
        "PENYELESAIAN PERSELISIHAN",
        "PERUBAHAN",
        "PENGAKHIRAN",
        "PENUTUP",
    ]
    assert any("jangka waktu 5 (lima) tahun" in line for line in body)


def test_the_draft_skeleton_carries_signature_and_paraf_boxes(walked, settings):
    data = build_rancangan(walked, settings).data

    signatures = table_containing(data, "PIHAK KESATU,")
    assert signatures[0][1].splitlines() == [
        "PIHAK KESATU,",
        "WALI KOTA TANGERANG",
        "",
        "H. Sachrudin",
    ]
    assert signatures[0][0].splitlines()[0] == "PIHAK KEDUA,"
    assert table_with(data, "Paraf koordinasi")[1:] == [
        ["Ketua Tim Otonomi Daerah dan Kerja Sama", "Siti Rahmawati, S.H.", ""],
        ["Kepala Bagian Tata Pemerintahan", "Drs. Budi Santoso, M.Si.", ""],
        ["Sekretaris Daerah", "Dr. Hendra Wijaya, M.M.", ""],
    ]


def test_the_approval_sheet_lists_every_decision_with_who_when_and_the_note(walked, settings):
    case = walked[1]

    data = build_persetujuan(walked, settings).data

    trail = table_with(data, "No")
    assert len(trail) == 1 + len(case.runs)
    assert trail[6] == [
        "6",
        "Langkah 7: Menerima dan menelaah rancangan kesepakatan bersama",
        "Dr. Hendra Wijaya, M.M.\nSekretaris Daerah\nNIP. 19680510 199003 1 005",
        "dikembalikan",
        "9 Mar 2026 13.20",
        SEKDA_NOTE,
    ]
    assert trail[10][2] == (
        "Joko Susilo, S.Sos.\nPlh. Sekretaris Daerah\nuntuk Dr. Hendra Wijaya, M.M.\n"
        "NIP. 19720404 199603 1 006"
    )
    body = lines(data)
    approved = (
        "disetujui oleh H. Sachrudin (Wali Kota) pada Senin, 9 Maret 2026 pukul 14.10 WIB"
    )
    assert f"Rancangan disetujui: {approved}" in body
    assert "Rencana penandatanganan: Senin, 16 Maret 2026 pukul 10.00 WIB" in body
    assert ["Status", ":", "selesai"] in table_with(data, "Nomor perkara")


def test_the_compliance_report_states_the_total_the_loops_and_the_deviation(walked, settings):
    data = build_laporan(walked, settings).data

    body = lines(data)
    assert (
        "Total waktu kerja 6 hari kerja (51 jam 30 menit waktu kantor) dari mutu baku 11 hari: "
        "dalam batas mutu baku" in body
    )
    assert len(table_with(data, "Dikembalikan pada")) == 1 + 2
    assert table_with(data, "Langkah")[1] == [
        "Langkah 1: Menugaskan Ketua Tim untuk fasilitasi koordinasi persiapan rancangan "
        "kesepakatan bersama",
        "Waktu",
        "Terlambat 45 menit dari mutu baku 15 menit",
        LATE_REASON,
    ]


def test_letterhead_and_signer_come_from_the_settings(walked):
    configured = DocumentSettings.from_settings(
        Settings(
            _env_file=None,
            sopbot_doc_kop_government="PEMERINTAH KOTA CONTOH",
            sopbot_doc_undangan_signer_name="Ir. Siapa Saja, M.T.",
            sopbot_doc_undangan_signer_nip="198001012005011001",
            sopbot_doc_undangan_tembusan="Arsip",
        )
    )

    data = build_undangan(walked, configured).data

    body = lines(data)
    assert table_with(data, "")[0][1].splitlines()[0] == "PEMERINTAH KOTA CONTOH"
    for expected in ("Ir. Siapa Saja, M.T.", "NIP. 19800101 200501 1 001", "1. Arsip"):
        assert expected in body, expected
    assert "Drs. Budi Santoso, M.Si." not in body


def test_a_configured_logo_is_placed_in_the_letterhead(walked, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(tiny_png())
    configured = DocumentSettings.from_settings(Settings(_env_file=None, sopbot_doc_kop_logo=logo))

    data = build_disposisi(walked, configured).data

    assert len(Document(io.BytesIO(data)).inline_shapes) == 1


def tiny_png() -> bytes:
    """A valid 1x1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )
