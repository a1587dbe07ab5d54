"""Whatever an SOP table holds, the importer refuses it or writes a draft the loader accepts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sop.importer import NotAnSopTable, import_document
from bot.sop.loader import parse_sop

PERFORMERS = ["Wali Kota", "Sekretaris Daerah", "Kabag Umum", "Ketua Tim", "Staf", "Operator X",
              "No", "Kepala Seksi A", "Kepala Seksi A"]  # fmt: skip
MARKS = ["", "", "", "[]", "√", "■", "x", "disetujui", "tidak disetujui", "2", "ya", "tidak", "◇",
         "lihat catatan"]  # fmt: skip
WAKTU = ["15 Menit", "2 Hari", "7 HK", "dua hari", "segera", "", "1,5 jam", "3 bulan"]
ITEMS = ["Surat", "Surat masuk", "- Nota dinas -Daftar hadir", "Yes", "010", "", "Berkas: lengkap",
         "Rancangan yang disetujui", "Surat masuk yang disetujui"]  # fmt: skip
TEXTS = [
    "Menerima surat masuk",
    "Memeriksa surat. Jika ada koreksi dikembalikan kepada Staf",
    "menyampaikan surat kepada Wali Kota",
    "Jika tidak sesuai dikembalikan kepada Kabag Umum",
    "Menugaskan Ketua Tim untuk menyusun jawaban",
    "",
    "rapat dengan tim",
]
KETERANGAN = ["", "dilakukan setelah menerima surat dari pihak ketiga", "Catatan: No"]


@st.composite
def tables(draw: st.DrawFn) -> bytes:
    performers = draw(st.lists(st.sampled_from(PERFORMERS), min_size=0, max_size=4))
    numbers = draw(st.lists(st.sampled_from(["1", "2", "3", "5", "", "4a", "10"]), max_size=6))
    rows = []
    for number in numbers:
        marks = [draw(st.sampled_from(MARKS)) for _ in performers]
        rows.append("\t".join([number, draw(st.sampled_from(TEXTS)), *marks,
                               draw(st.sampled_from(ITEMS)), draw(st.sampled_from(WAKTU)),
                               draw(st.sampled_from(ITEMS)),
                               draw(st.sampled_from(KETERANGAN))]))  # fmt: skip
    width = len(performers)
    head = "\t".join(["No", "Uraian Kegiatan", "Pelaksana", *[""] * max(width - 1, 0),
                      "Mutu Baku", "", "", "Ket"])  # fmt: skip
    sub = "\t".join(["", "", *performers, "Kelengkapan", "Waktu", "Output", ""])
    total = draw(st.sampled_from(["", "\t\tTotal Waktu\t11 Hari", "\t\tTotal\tlama"]))
    return "\n".join(["Nama SOP\tSurat Masuk", head, sub, *rows, total]).encode()


@settings(max_examples=150, deadline=None)
@given(tables())
def test_an_sop_table_is_refused_or_gives_a_draft_the_loader_accepts(data: bytes) -> None:
    try:
        result = import_document(data, "acak.txt")
    except NotAnSopTable:
        return

    sop = parse_sop(result.yaml)
    assert len(sop.steps) >= 1
    assert all("PERIKSA" in result.yaml.splitlines()[f.line - 1] for f in result.findings)
