"""Draft agreements (.docx) written with python-docx, good or with one thing wrong."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document

TITLE = (
    "KESEPAKATAN BERSAMA",
    "ANTARA",
    "PEMERINTAH KOTA TANGERANG",
    "DAN",
    "PEMERINTAH KOTA BANDUNG",
    "NOMOR: 119/12-Tapem/2026",
    "NOMOR: 415.4/33-Pem/2026",
    "TENTANG",
    "KERJA SAMA PENGELOLAAN SAMPAH",
)
KESATU = (
    "1. H. Sachrudin, Wali Kota Tangerang, bertindak untuk dan atas nama Pemerintah Kota "
    "Tangerang, selanjutnya disebut PIHAK KESATU."
)
KEDUA = (
    "2. Muhammad Farhan, Wali Kota Bandung, bertindak untuk dan atas nama Pemerintah Kota "
    "Bandung, selanjutnya disebut PIHAK KEDUA."
)
OPENING = "Pada hari ini Senin tanggal dua bulan Maret tahun dua ribu dua puluh enam, kami:"
ARTICLES = (
    ("MAKSUD DAN TUJUAN", "Maksud kesepakatan ini adalah pedoman kerja sama pengelolaan sampah."),
    ("RUANG LINGKUP", "Ruang lingkup meliputi pengangkutan dan pengolahan sampah."),
    ("PEMBIAYAAN", "Biaya dibebankan pada APBD masing-masing pihak."),
    ("JANGKA WAKTU", "Kesepakatan ini berlaku untuk jangka waktu {term} sejak ditandatangani."),
    ("PEMANTAUAN DAN EVALUASI", "Evaluasi dilakukan paling sedikit 1 (satu) kali dalam 1 tahun."),
    ("KEADAAN KAHAR", "Keadaan kahar diberitahukan dalam 14 (empat belas) hari kalender."),
    ("PENYELESAIAN PERSELISIHAN", "Perselisihan diselesaikan secara musyawarah."),
    ("PENUTUP", "Kesepakatan ini dibuat dalam rangkap 2 (dua) asli."),
)


def draft(
    *,
    title: Sequence[str] = TITLE,
    parties: Sequence[str] = (KESATU, KEDUA),
    articles: Sequence[tuple[str, str]] = ARTICLES,
    term: str = "5 (lima) tahun",
    one_line_headings: bool = False,
    extra: Sequence[str] = (),
) -> bytes:
    """A draft KB as .docx bytes: title lines, komparisi, numbered articles."""
    document = Document()
    for line in title:
        document.add_paragraph(line)
    document.add_paragraph(OPENING)
    for party in parties:
        document.add_paragraph(party)
    for number, (heading, body) in enumerate(articles, start=1):
        if one_line_headings:
            document.add_paragraph(f"Pasal {number} – {heading.title()}")
        else:
            document.add_paragraph(f"Pasal {number}")
            document.add_paragraph(heading)
        document.add_paragraph(body.format(term=term))
    for line in extra:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def without(*headings: str) -> tuple[tuple[str, str], ...]:
    """The standard articles minus some headings."""
    return tuple(article for article in ARTICLES if article[0] not in headings)
