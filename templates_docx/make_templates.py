"""Builds the Word templates in this folder: `python -m templates_docx.make_templates`.

The .docx files are committed; this script makes them reproducible (a test checks that the
committed files match its output). Tags are docxtpl (Jinja2): `{{ x }}` a value, `{%p ... %}`
a paragraph-level block, `{%tr ... %}` a repeated table row, `{{r x }}` formatted text.
Letterhead, signers and numbers are variables filled from the settings, never typed here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from docx.document import Document as DocumentObject

from templates_docx.agreement_layout import rancangan_kb
from templates_docx.kit import (
    CENTER,
    JUSTIFY,
    RIGHT,
    header_row,
    kop,
    labelled,
    loop_table,
    new_document,
    numbered,
    para,
    paraf_table,
    row_height,
    signature,
    table,
    tag,
    to_bytes,
    usable_width,
)

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


def lembar_disposisi() -> DocumentObject:
    """Lembar disposisi Kabag: the letter, the basis, to whom, the instruction, signature."""
    doc = new_document("Lembar Disposisi")
    kop(doc)
    para(doc, "LEMBAR DISPOSISI", bold=True, size=14, align=CENTER, after=8)
    width = usable_width(doc)
    top = table(doc, 4, (width / 2, width / 2))
    cells = [
        ("Surat dari: {{ partner }}", "Diterima tanggal: {{ received }}"),
        ("Jenis mitra: {{ partner_kind }}", "Nomor agenda: {{ number }}"),
        ("Nomor perkara: {{ ref }}", "Sifat: {{ sifat }}; urgensi: {{ urgensi }}"),
    ]
    for row, (left, right) in zip(top.rows, cells, strict=False):
        para(row.cells[0], left, after=2)
        para(row.cells[1], right, after=2)
    hal = top.rows[3].cells[0].merge(top.rows[3].cells[1])
    para(hal, "Hal: {{ subject }}", after=2)
    basis = table(doc, 1, (width,)).rows[0].cells[0]
    para(basis, "Dasar:", bold=True, before=2)
    tag(basis, "{%p for b in basis %}")
    para(basis, "{{ b.label }}: {{ b.value }}", indent=0.4, after=2)
    tag(basis, "{%p endfor %}")
    body = table(doc, 1, (width * 0.45, width * 0.55)).rows[0].cells
    para(body[0], "Diteruskan kepada:", bold=True, before=2)
    tag(body[0], "{%p for r in recipients %}")
    para(body[0], "{{ loop.index }}. {{ r.name }}", indent=0.6, hanging=0.6)
    para(body[0], "{{ r.jabatan }}", indent=0.6, after=4)
    tag(body[0], "{%p endfor %}")
    para(body[1], "Isi disposisi:", bold=True, before=2)
    para(body[1], "{{ instruction }}", after=4)
    para(body[1], "Batas waktu: {{ deadline }}", italic=True, after=4)
    para(doc, after=10)
    sign = table(doc, 1, (width * 0.45, width * 0.55), grid=False).rows[0].cells[1]
    signature(sign, "signer", dated=True)
    return doc


def surat_undangan() -> DocumentObject:
    """Surat undangan rapat koordinasi: Nomor/Sifat/Lampiran/Hal, Yth., the meeting, signer."""
    doc = new_document("Surat Undangan Rapat Koordinasi")
    kop(doc)
    width = usable_width(doc)
    para(doc, "{{ city }}, {{ date }}", align=RIGHT, after=8)
    fields = [("Nomor", "{{ number }}"), ("Sifat", "{{ sifat }}")]
    fields += [("Lampiran", "{{ lampiran }}"), ("Hal", "{{ hal }}")]
    labelled(doc, fields, (2.4, 0.4, width - 2.8))
    para(doc, "Yth.", before=10)
    numbered(doc, "invitees", indent=1.0)
    para(doc, "di")
    para(doc, "Tempat", indent=1.0, after=10)
    para(
        doc,
        "Dalam rangka pelaksanaan koordinasi penyiapan rancangan Kesepakatan Bersama antara "
        "{{ own_party }} dan {{ partner }} tentang {{ subject }}, dengan hormat kami mengundang "
        "Bapak/Ibu untuk hadir pada:",
        align=JUSTIFY,
        indent=1.0,
        after=6,
    )
    meeting = [("Hari/tanggal", "{{ meeting.day }}"), ("Waktu", "{{ meeting.time }}")]
    meeting += [("Tempat", "{{ meeting.place }}"), ("Acara", "{{ meeting.agenda }}")]
    labelled(doc, meeting, (3.0, 0.4, width - 4.4), indent=1.0)
    para(
        doc,
        "Mengingat pentingnya acara tersebut, kehadiran Bapak/Ibu sangat diharapkan. Atas "
        "perhatian dan kehadirannya, kami ucapkan terima kasih.",
        align=JUSTIFY,
        indent=1.0,
        before=6,
        after=12,
    )
    sign = table(doc, 1, (width * 0.45, width * 0.55), grid=False).rows[0].cells[1]
    signature(sign, "signer")
    _tembusan(doc)
    para(doc, after=8)
    paraf_table(doc, width * 0.6)
    return doc


def _tembusan(doc: DocumentObject) -> None:
    """The copies list, only when the settings name any."""
    tag(doc, "{%p if tembusan %}")
    para(doc, "Tembusan:", before=12, size=10)
    numbered(doc, "tembusan", size=10)
    tag(doc, "{%p endif %}")


def notulen_rapat() -> DocumentObject:
    """Notulen rapat: the meeting, chair, participants, discussion, decisions, signatures."""
    doc = new_document("Notulen Rapat")
    kop(doc)
    para(doc, "NOTULEN RAPAT", bold=True, size=14, align=CENTER, after=8)
    width = usable_width(doc)
    fields = [("Rapat", "{{ rapat }}"), ("Hari/tanggal", "{{ meeting.day }}")]
    fields += [("Waktu", "{{ meeting.time }}"), ("Tempat", "{{ meeting.place }}")]
    fields += [("Acara", "{{ meeting.agenda }}"), ("Pimpinan rapat", "{{ chair.name }}")]
    fields += [("Notulis", "{{ scribe.name }}")]
    labelled(doc, fields, (3.4, 0.4, width - 3.8))
    for heading, items in (
        ("Peserta rapat:", "participants"),
        ("Pembahasan:", "discussion"),
        ("Keputusan/kesimpulan:", "decisions"),
    ):
        para(doc, heading, bold=True, before=10, after=2)
        numbered(doc, items)
    para(doc, "{{ city }}, {{ date }}", align=RIGHT, before=12, after=6)
    cells = table(doc, 1, (width / 2, width / 2), grid=False).rows[0].cells
    signature(cells[0], "scribe", heading="Notulis,")
    signature(cells[1], "chair", heading="Pimpinan Rapat,")
    return doc


def lembar_persetujuan() -> DocumentObject:
    """Lembar persetujuan: the approval trail with names, roles, decisions, times and notes."""
    doc = new_document("Lembar Persetujuan")
    kop(doc)
    para(doc, "LEMBAR PERSETUJUAN", bold=True, size=14, align=CENTER)
    para(doc, "RANCANGAN KESEPAKATAN BERSAMA", bold=True, size=12, align=CENTER)
    para(doc, "Nomor: {{ number }}", align=CENTER, after=8)
    width = usable_width(doc)
    fields = [("Nomor perkara", "{{ ref }}"), ("Mitra", "{{ partner }} ({{ partner_kind }})")]
    fields += [("Perihal", "{{ subject }}"), ("SOP", "{{ sop_number }} — {{ sop_title }}")]
    fields += [("Status", "{{ status }}")]
    labelled(doc, fields, (3.4, 0.4, width - 3.8))
    para(doc, after=8)
    widths = (0.9, 4.6, 4.2, 2.4, 2.0, 2.4)
    scale = width / sum(widths)
    trail = table(doc, 4, tuple(w * scale for w in widths))
    labels = ("No", "Langkah", "Pejabat", "Keputusan", "Waktu", "Catatan")
    header_row(trail, 0, labels)
    para(trail.rows[1].cells[0], "{%tr for r in trail %}")
    values = ("{{ loop.index }}", "{{ r.step }}", "{{ r.name }}", "{{ r.outcome }}")
    values += ("{{ r.at }}", "{{ r.note }}")
    for cell, value in zip(trail.rows[2].cells, values, strict=True):
        para(cell, value, size=9)
    official = trail.rows[2].cells[2]
    para(official, "{{ r.role }}", size=8, italic=True)
    tag(official, "{%p if r.for %}")
    para(official, "{{ r.for }}", size=8, italic=True)
    tag(official, "{%p endif %}")
    tag(official, "{%p if r.pangkat %}")
    para(official, "{{ r.pangkat }}", size=8)
    tag(official, "{%p endif %}")
    para(official, "{{ r.nip }}", size=8)
    row_height(trail, 2, 1.2)
    para(trail.rows[3].cells[0], "{%tr endfor %}")
    para(doc, "Rancangan disetujui: {{ approved }}", before=10)
    para(doc, "Rencana penandatanganan: {{ signing }}", after=10)
    sign = table(doc, 1, (width * 0.45, width * 0.55), grid=False).rows[0].cells[1]
    signature(sign, "signer", dated=True)
    para(doc, "Dicetak oleh sopbot: {{ printed }}", size=8, italic=True, before=12)
    return doc


def laporan_kepatuhan() -> DocumentObject:
    """Laporan kepatuhan SOP: a summary per case, then each case's steps, loops, deviations."""
    doc = new_document("Laporan Kepatuhan SOP", landscape=True)
    kop(doc)
    width = usable_width(doc)
    para(doc, "LAPORAN KEPATUHAN SOP", bold=True, size=14, align=CENTER)
    tag(doc, "{%p for line in covers %}")  # the SOP reported on, or every SOP listed
    para(doc, "{{ line }}", align=CENTER)
    tag(doc, "{%p endfor %}")
    para(doc, "{{ scope }} — keadaan per {{ printed }}", align=CENTER, after=8)
    numbered(doc, "overview", size=10)
    para(doc, after=6)
    loop_table(
        doc,
        _scaled(width, (3.0, 6.5, 2.4, 3.6, 3.6, 3.4, 2.0, 2.4)),
        ("Perkara", "Mitra / perihal", "Status", "Mulai", "Selesai", "Total waktu", "Kembali",
         "Penyimpangan"),
        "s in summary",
        ("ref", "title", "status", "started", "ended", "total", "returns", "deviations"),
        size=9,
    )  # fmt: skip
    tag(doc, "{%p for c in cases %}")
    _case_section(doc, width)
    tag(doc, "{%p endfor %}")
    return doc


def _scaled(width: float, widths: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(w * width / sum(widths) for w in widths)


def _case_section(doc: DocumentObject, width: float) -> None:
    """One case: its totals, the chart, every step run, the loops and the deviations."""
    para(doc, "Perkara {{ c.ref }}: {{ c.subject }}", bold=True, size=12, before=14, after=2)
    para(doc, "Mitra: {{ c.partner }} · Status: {{ c.status }}", size=10)
    para(doc, "Mulai {{ c.started }} · selesai {{ c.ended }}", size=10)
    total = "Total waktu kerja {{ c.total }} dari mutu baku {{ c.sop_total }}: {{ c.verdict }}"
    para(doc, total, size=10, bold=True, after=4)
    para(doc, "{{ c.chart }}", align=CENTER, after=4)
    loop_table(
        doc,
        _scaled(width, (0.8, 3.6, 3.4, 2.6, 2.6, 2.6, 1.8, 2.2, 1.6, 1.6, 3.4)),
        ("No", "Langkah", "Pelaksana", "Mulai", "Batas", "Selesai", "Mutu baku", "Waktu kerja",
         "Kelengkapan", "Output", "Keterangan"),
        "r in c.runs",
        ("number", "step", "performer", "started", "due", "finished", "mutu_baku", "actual",
         "kelengkapan", "output", "remark"),
    )  # fmt: skip
    para(doc, "Pengembalian dan putaran perbaikan", bold=True, size=10, before=8, after=2)
    tag(doc, "{%p if c.loops %}")
    loop_table(
        doc,
        _scaled(width, (3.0, 3.6, 3.0, 6.0, 3.0, 3.0, 2.4)),
        ("Dikembalikan pada", "Oleh", "Waktu", "Catatan", "Kembali ke", "Diterima lagi",
         "Lama putaran"),
        "loop_ in c.loops",
        ("step", "by", "at", "note", "back_to", "resumed", "duration"),
    )  # fmt: skip
    tag(doc, "{%p else %}")
    para(doc, "Tidak ada pengembalian.", size=10, italic=True)
    tag(doc, "{%p endif %}")
    para(doc, "Penyimpangan mutu baku (Pencatatan dan Pendataan)", bold=True, size=10, before=8,
         after=2)  # fmt: skip
    tag(doc, "{%p if c.deviations %}")
    loop_table(
        doc,
        _scaled(width, (3.4, 2.2, 9.0, 9.0)),
        ("Langkah", "Jenis", "Uraian", "Alasan pelaksana"),
        "d in c.deviations",
        ("step", "kind", "detail", "reason"),
    )
    tag(doc, "{%p else %}")
    para(doc, "Tidak ada penyimpangan.", size=10, italic=True)
    tag(doc, "{%p endif %}")


def perbandingan_versi() -> DocumentObject:
    """Two versions of a draft compared: inserted text underlined, deleted text struck."""
    doc = new_document("Perbandingan Versi Rancangan")
    para(
        doc,
        "PERBANDINGAN VERSI RANCANGAN KESEPAKATAN BERSAMA",
        bold=True,
        size=13,
        align=CENTER,
        after=6,
    )
    para(doc, "Perkara {{ ref }}: {{ subject }} ({{ partner }})", size=10)
    para(doc, "{{ old_label }} → {{ new_label }}", size=10)
    para(doc, "{{ summary }}", size=10, bold=True)
    para(
        doc,
        "Teks bergaris bawah biru ditambahkan; teks bercoret merah dihapus.",
        size=9,
        italic=True,
        after=10,
    )
    tag(doc, "{%p for p in paragraphs %}")
    para(doc, "{{r p }}", align=JUSTIFY, after=4)
    tag(doc, "{%p endfor %}")
    para(doc, "Dicetak oleh sopbot: {{ printed }}", size=8, italic=True, before=12)
    return doc


TEMPLATES: dict[str, Callable[[], DocumentObject]] = {
    "lembar_disposisi.docx": lembar_disposisi,
    "surat_undangan.docx": surat_undangan,
    "notulen_rapat.docx": notulen_rapat,
    "rancangan_kb.docx": rancangan_kb,
    "lembar_persetujuan.docx": lembar_persetujuan,
    "laporan_kepatuhan.docx": laporan_kepatuhan,
    "perbandingan_versi.docx": perbandingan_versi,
}


def build_all() -> dict[str, bytes]:
    """Every template as .docx bytes, by file name."""
    return {name: to_bytes(make()) for name, make in TEMPLATES.items()}


def main(folder: Path = HERE) -> None:
    """Write every template into `folder`."""
    for name, data in build_all().items():
        (folder / name).write_bytes(data)
        logger.info("wrote %s (%d bytes)", folder / name, len(data))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main()
