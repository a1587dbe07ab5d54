"""Layout of the draft Kesepakatan Bersama skeleton (`rancangan_kb.docx`).

The fixed wording below is the skeleton's default text; staff may edit the generated .docx
in Word (or a copy in SOPBOT_TEMPLATES_DIR) without touching this file.
"""

from __future__ import annotations

from docx.document import Document as DocumentObject

from templates_docx.kit import (
    CENTER,
    JUSTIFY,
    new_document,
    para,
    paraf_table,
    table,
    usable_width,
)

LEGAL_BASIS = (
    "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah sebagaimana telah "
    "beberapa kali diubah, terakhir dengan Undang-Undang Nomor 6 Tahun 2023;",
    "Peraturan Pemerintah Nomor 28 Tahun 2018 tentang Kerja Sama Daerah;",
    "Peraturan Menteri Dalam Negeri Nomor 22 Tahun 2020 tentang Tata Cara Kerja Sama "
    "Daerah dengan Daerah Lain dan Kerja Sama Daerah dengan Pihak Ketiga,",
)

ARTICLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "MAKSUD DAN TUJUAN",
        (
            "(1) Maksud Kesepakatan Bersama ini adalah sebagai pedoman bagi PARA PIHAK dalam "
            "melaksanakan kerja sama di bidang {{ subject }}.",
            "(2) Tujuan Kesepakatan Bersama ini adalah ……………………………………………….",
        ),
    ),
    (
        "RUANG LINGKUP",
        (
            "Ruang lingkup Kesepakatan Bersama ini meliputi:",
            "a. ……………………………………………….;",
            "b. ……………………………………………….; dan",
            "c. ……………………………………………….",
        ),
    ),
    (
        "PELAKSANAAN",
        (
            "Pelaksanaan Kesepakatan Bersama ini diatur lebih lanjut dalam Perjanjian Kerja Sama "
            "yang disusun oleh perangkat daerah dan unit kerja PARA PIHAK sesuai dengan tugas "
            "dan fungsinya.",
        ),
    ),
    (
        "PEMBIAYAAN",
        (
            "Biaya yang timbul dalam pelaksanaan Kesepakatan Bersama ini dibebankan pada "
            "anggaran masing-masing PARA PIHAK dan/atau sumber lain yang sah dan tidak mengikat "
            "sesuai dengan ketentuan peraturan perundang-undangan.",
        ),
    ),
    (
        "JANGKA WAKTU",
        (
            "(1) Kesepakatan Bersama ini berlaku untuk jangka waktu {{ years }} "
            "({{ years_words }}) tahun terhitung sejak tanggal ditandatangani.",
            "(2) Kesepakatan Bersama ini dapat diperpanjang atas persetujuan PARA PIHAK.",
        ),
    ),
    (
        "PEMANTAUAN DAN EVALUASI",
        (
            "PARA PIHAK melakukan pemantauan dan evaluasi atas pelaksanaan Kesepakatan Bersama "
            "ini paling sedikit 1 (satu) kali dalam 1 (satu) tahun.",
        ),
    ),
    (
        "KORESPONDENSI",
        (
            "Surat-menyurat dalam pelaksanaan Kesepakatan Bersama ini ditujukan kepada:",
            "a. PIHAK KESATU: {{ own_office }}, {{ kop.address }};",
            "b. PIHAK KEDUA: {{ partner }}, ……………………………………………….",
        ),
    ),
    (
        "KEADAAN KAHAR",
        (
            "(1) Keadaan kahar adalah keadaan di luar kemampuan PARA PIHAK yang mengakibatkan "
            "Kesepakatan Bersama ini tidak dapat dilaksanakan, antara lain bencana alam, wabah, "
            "kerusuhan, dan kebijakan pemerintah.",
            "(2) Pihak yang mengalami keadaan kahar memberitahukan secara tertulis kepada pihak "
            "lainnya paling lambat 14 (empat belas) hari kalender sejak terjadinya.",
        ),
    ),
    (
        "PENYELESAIAN PERSELISIHAN",
        (
            "Perselisihan yang timbul dalam pelaksanaan Kesepakatan Bersama ini diselesaikan "
            "secara musyawarah untuk mufakat oleh PARA PIHAK.",
        ),
    ),
    (
        "PERUBAHAN",
        (
            "Perubahan atas Kesepakatan Bersama ini dilakukan atas persetujuan PARA PIHAK dan "
            "dituangkan dalam adendum yang merupakan bagian tidak terpisahkan dari Kesepakatan "
            "Bersama ini.",
        ),
    ),
    (
        "PENGAKHIRAN",
        (
            "Kesepakatan Bersama ini berakhir apabila jangka waktunya habis, atas persetujuan "
            "PARA PIHAK, atau karena ketentuan peraturan perundang-undangan.",
        ),
    ),
    (
        "PENUTUP",
        (
            "Kesepakatan Bersama ini dibuat dalam rangkap 2 (dua) asli, masing-masing bermeterai "
            "cukup dan mempunyai kekuatan hukum yang sama, serta berlaku sejak tanggal "
            "ditandatangani oleh PARA PIHAK.",
        ),
    ),
)


def rancangan_kb() -> DocumentObject:
    """Skeleton of a Kesepakatan Bersama: title, komparisi, konsiderans, articles, signatures."""
    doc = new_document("Rancangan Kesepakatan Bersama")
    _title(doc)
    _opening(doc)
    for number, (heading, lines) in enumerate(ARTICLES, start=1):
        para(doc, f"Pasal {number}", bold=True, align=CENTER, before=10)
        para(doc, heading, bold=True, align=CENTER, after=4)
        for line in lines:
            para(doc, line, align=JUSTIFY, after=2)
    _signatures(doc)
    return doc


def _title(doc: DocumentObject) -> None:
    """KESEPAKATAN BERSAMA ANTARA ... DAN ... NOMOR ... TENTANG ..."""
    for line in ("KESEPAKATAN BERSAMA", "ANTARA", "{{ title_own }}", "DAN", "{{ title_partner }}"):
        para(doc, line, bold=True, size=12, align=CENTER)
    para(doc, "NOMOR: {{ number }}", align=CENTER, before=6)
    para(doc, "NOMOR: ……………………………", align=CENTER)
    para(doc, "TENTANG", bold=True, size=12, align=CENTER, before=6)
    para(doc, "{{ title_subject }}", bold=True, size=12, align=CENTER, after=12)


def _opening(doc: DocumentObject) -> None:
    """The komparisi (PIHAK KESATU, PIHAK KEDUA) and the legal basis."""
    para(
        doc,
        "Pada hari ini …………… tanggal …………… bulan …………… tahun ……………, bertempat di "
        "{{ city }}, yang bertanda tangan di bawah ini:",
        align=JUSTIFY,
        after=6,
    )
    for number, party, label in (("1", "pihak_kesatu", "KESATU"), ("2", "pihak_kedua", "KEDUA")):
        para(
            doc,
            f"{number}. {{{{ {party}.name }}}}, {{{{ {party}.title }}}}, dalam hal ini bertindak "
            f"untuk dan atas nama {{{{ {party}.institution }}}}, selanjutnya disebut PIHAK "
            f"{label}.",
            align=JUSTIFY,
            indent=0.6,
            hanging=0.6,
            after=4,
        )
    para(
        doc,
        "PIHAK KESATU dan PIHAK KEDUA yang selanjutnya secara bersama-sama disebut PARA PIHAK, "
        "dengan memperhatikan ketentuan:",
        align=JUSTIFY,
        before=4,
        after=4,
    )
    for number, basis in enumerate(LEGAL_BASIS, start=1):
        para(doc, f"{number}. {basis}", align=JUSTIFY, indent=0.6, hanging=0.6)
    para(
        doc,
        "sepakat untuk mengadakan Kesepakatan Bersama tentang {{ subject }}, dengan ketentuan "
        "sebagai berikut:",
        align=JUSTIFY,
        before=4,
    )


def _signatures(doc: DocumentObject) -> None:
    """Signature blocks of both parties, then the paraf boxes."""
    width = usable_width(doc)
    para(doc, after=12)
    cells = table(doc, 1, (width / 2, width / 2), grid=False).rows[0].cells
    for cell, party, label, title in (
        (cells[0], "pihak_kedua", "PIHAK KEDUA,", "title"),
        (cells[1], "pihak_kesatu", "PIHAK KESATU,", "signature_title"),
    ):
        para(cell, label, bold=True, align=CENTER)
        para(cell, f"{{{{ {party}.{title} }}}}", align=CENTER)
        para(cell, "", after=48)
        para(cell, f"{{{{ {party}.name }}}}", bold=True, underline=True, align=CENTER)
    para(doc, after=12)
    paraf_table(doc, width * 0.6)
