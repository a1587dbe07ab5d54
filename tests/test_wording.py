"""The register of every text: formal address, no capitals for emphasis, no double periods."""

from __future__ import annotations

import re

import pytest

from bot.address import address
from bot.errors import InvalidInput
from bot.sop.loader import load_sop
from bot.texts import catalog, t
from bot.workflow.model import Person

SOP = load_sop()

# Capitals that are not emphasis: abbreviations, names of systems and formats, the
# placeholders of usage lines (/start KODE), the marker the SOP importer writes into its
# draft (# PERIKSA:) and SQL an operator types.
ABBREVIATIONS = {
    "SOP", "TKKSD", "K/L", "NIP", "PDF", "SRIKANDI", "KB", "MAC", "API", "OLE", "HTTPS", "UTF",
    "ISO", "ID", "ID/NIP", "XFA", "IP", "README", "MANIFEST", "WIB",
}  # fmt: skip
PLACEHOLDERS = {"YYYY", "KODE", "BERKAS", "PEJABAT", "PERKARA", "PERIKSA"}
SQL = {"CREATE", "ROLE", "LOGIN", "PASSWORD", "ALTER", "DATABASE", "OWNER", "TO"}
# Texts that quote a document's own capitals (the title and the parties of a kesepakatan).
DOCUMENT_WORDING = ("draft.party.", "draft.check.title_bad")
CAPITALS = re.compile(r"(?<![\w/@.-])[A-Z][A-Z0-9/]*[A-Z0-9](?![\w])")
# Not an ellipsis, nor a range of dates (2027-02-08..2027-03-09).
DOUBLE_PERIOD = re.compile(r"(?<![.\d])\.\.(?![.\d])")


def shouting(text: str) -> list[str]:
    bare = re.sub(r"\{[^}]*\}", "", text)
    words = CAPITALS.findall(bare)
    return [w for w in words if w not in ABBREVIATIONS | PLACEHOLDERS | SQL]


def test_no_text_in_the_catalogue_has_a_double_period():
    doubled = {key: text for key, text in catalog().items() if DOUBLE_PERIOD.search(text)}

    assert doubled == {}


def test_no_text_in_the_catalogue_uses_capitals_for_emphasis():
    found = {
        key: words
        for key, text in catalog().items()
        if not key.startswith(DOCUMENT_WORDING) and (words := shouting(text))
    }

    assert found == {}


def test_the_lint_sees_capitals_used_for_emphasis():
    text = "Perkara {ref} DIKEMBALIKAN oleh Sekda; SOP dan K/L tetap."

    assert shouting(text) == ["DIKEMBALIKAN"]


def test_no_greeting_in_the_catalogue_names_a_person():
    greetings = {key: text for key, text in catalog().items() if "Yth. {name}" in text}

    assert greetings == {}


@pytest.mark.parametrize(
    "person, role, expected",
    [
        (Person(1, "H. Arief R. Wismansyah", frozenset({"walikota"})), None,
         "Yth. Bapak Wali Kota"),
        (Person(2, "Dr. Hendra", frozenset({"sekda"})), None, "Yth. Bapak/Ibu Sekretaris Daerah"),
        (Person(3, "Siti", frozenset({"ketua_tim", "tkksd"})), "tkksd",
         "Yth. Bapak/Ibu Anggota TKKSD"),
        (Person(3, "Siti", frozenset({"ketua_tim", "tkksd"})), None,
         "Yth. Bapak/Ibu Ketua Tim Otonomi Daerah dan Kerja Sama"),
        (Person(4, "Budi", frozenset({"kabag"}), jabatan="Kepala Bagian Tata Pemerintahan Setda"),
         "kabag", "Yth. Bapak/Ibu Kepala Bagian Tata Pemerintahan Setda"),
        (None, "kabag", "Yth. Bapak/Ibu Kepala Bagian Tata Pemerintahan"),
    ],
)  # fmt: skip
def test_an_official_is_addressed_by_jabatan(person, role, expected):
    assert address(person, SOP, role) == expected


def test_a_clause_refusal_is_said_politely_and_a_sentence_refusal_as_it_is():
    clause = InvalidInput(reason='jenis mitra "x" tidak dikenal')
    sentence = InvalidInput(reason="Tanggal itu hari Minggu. Pilih hari kerja.")

    assert t(clause.text_key, **clause.params) == 'Mohon maaf, jenis mitra "x" tidak dikenal.'
    assert t(sentence.text_key, **sentence.params) == "Tanggal itu hari Minggu. Pilih hari kerja."
    assert "Masukan tidak dapat diterima" not in "".join(catalog().values())
