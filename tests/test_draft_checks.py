"""Checks on an uploaded draft Kesepakatan Bersama: title, parties, articles, jangka waktu."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.clock import JAKARTA
from bot.config import Settings
from bot.documents import DocumentSettings, check_draft, rancangan_kb
from bot.sop.loader import load_sop
from bot.workflow.model import Case, Person, Roster
from tests.drafts import KESATU, TITLE, draft, without

PARTNER = "Pemerintah Kota Bandung"


@pytest.fixture
def settings() -> DocumentSettings:
    return DocumentSettings.from_settings(Settings(_env_file=None))


def failed(data: bytes, settings: DocumentSettings, partner: str | None = PARTNER) -> list[str]:
    return [item.key for item in check_draft(data, settings, partner=partner).failed()]


def test_a_draft_in_the_standard_form_passes_every_check(settings):
    check = check_draft(draft(), settings, partner=PARTNER)

    assert check.ok
    assert [item.key for item in check.items] == [
        "judul",
        "pihak_kesatu",
        "pihak_kedua",
        "pasal.maksud_tujuan",
        "pasal.ruang_lingkup",
        "pasal.jangka_waktu",
        "pasal.pembiayaan",
        "pasal.penyelesaian_perselisihan",
        "pasal.keadaan_kahar",
        "pasal.penutup",
        "jangka_waktu",
    ]


def test_missing_articles_are_named_one_by_one(settings):
    data = draft(articles=without("PEMBIAYAAN", "KEADAAN KAHAR"))

    items = check_draft(data, settings, partner=PARTNER).failed()

    assert [(i.key, i.text) for i in items] == [
        ("pasal.pembiayaan", "Pasal Pembiayaan belum ada."),
        ("pasal.keadaan_kahar", "Pasal Keadaan Kahar belum ada."),
    ]


def test_a_title_not_in_the_standard_form_fails_the_title_only(settings):
    data = draft(title=("PERJANJIAN KERJA SAMA", "TENTANG", "PENGELOLAAN SAMPAH"))

    items = check_draft(data, settings, partner=PARTNER).failed()

    assert [i.key for i in items] == ["judul"]
    assert items[0].text == (
        'Judul belum sesuai bentuk "KESEPAKATAN BERSAMA ANTARA PEMERINTAH KOTA TANGERANG DAN … '
        'TENTANG …". Tertulis: PERJANJIAN KERJA SAMA TENTANG PENGELOLAAN SAMPAH'
    )


def test_a_title_naming_the_partner_first_fails_the_title(settings):
    swapped = list(TITLE)
    swapped[2], swapped[4] = swapped[4], swapped[2]

    assert failed(draft(title=swapped), settings) == ["judul"]


def test_a_ten_year_term_is_refused_with_the_limit(settings):
    items = check_draft(draft(term="10 (sepuluh) tahun"), settings, partner=PARTNER).failed()

    assert [(i.key, i.text) for i in items] == [
        ("jangka_waktu", "Jangka waktu 10 tahun melebihi batas paling lama 5 tahun.")
    ]


def test_a_term_written_only_in_words_is_read(settings):
    items = check_draft(draft(term="sepuluh tahun"), settings, partner=PARTNER).failed()

    assert [i.text for i in items] == ["Jangka waktu 10 tahun melebihi batas paling lama 5 tahun."]


def test_a_term_in_months_within_five_years_passes(settings):
    check = check_draft(draft(term="18 (delapan belas) bulan"), settings, partner=PARTNER)

    assert check.items[-1].ok
    assert check.items[-1].text == "Jangka waktu 18 bulan, tidak melebihi 5 tahun."


def test_a_jangka_waktu_article_without_a_length_fails(settings):
    data = draft(term="sampai dengan selesainya kegiatan")

    assert failed(data, settings) == ["jangka_waktu"]


def test_a_draft_without_the_second_party_fails_that_party(settings):
    data = draft(parties=(KESATU,))

    items = check_draft(data, settings, partner=PARTNER).failed()

    assert [(i.key, i.text) for i in items] == [
        (
            "pihak_kedua",
            "PIHAK KEDUA (PEMERINTAH KOTA BANDUNG) belum disebut dalam judul dan komparisi "
            "rancangan.",
        )
    ]


def test_a_draft_naming_another_partner_than_the_case_fails_the_second_party(settings):
    assert failed(draft(), settings, partner="Pemerintah Kota Bogor") == ["pihak_kedua"]


def test_headings_on_one_line_with_their_pasal_number_count(settings):
    assert check_draft(draft(one_line_headings=True), settings, partner=PARTNER).ok


def test_a_sentence_that_mentions_jangka_waktu_is_not_the_article(settings):
    data = draft(articles=without("JANGKA WAKTU"), extra=("Dalam jangka waktu 2 tahun ...",))

    assert failed(data, settings) == ["pasal.jangka_waktu", "jangka_waktu"]


def test_a_file_that_is_not_a_word_document_gives_one_failed_item(settings):
    check = check_draft(b"%PDF-1.7 not a docx", settings, partner=PARTNER)

    assert [(i.key, i.ok) for i in check.items] == [("berkas", False)]


def test_the_generated_skeleton_passes_every_check(settings):
    opened = datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)
    case = Case("KB-2026-0001", PARTNER, "pemda", "Pengelolaan sampah", opened, 1)
    roster = Roster.of([Person(1, "H. Sachrudin", frozenset({"walikota"}))])
    skeleton = rancangan_kb(case, load_sop(), roster, settings, at=case.created_at)

    check = check_draft(skeleton.data, settings, partner=PARTNER)

    assert check.ok, check.as_text()


def test_the_checklist_reads_as_chat_text(settings):
    data = draft(term="10 (sepuluh) tahun")

    text = check_draft(data, settings, partner=PARTNER).as_text()

    assert text.splitlines()[0] == (
        "Pemeriksaan rancangan Kesepakatan Bersama: 10 dari 11 butir sesuai."
    )
    assert text.splitlines()[-1] == "❌ Jangka waktu 10 tahun melebihi batas paling lama 5 tahun."
    assert text.splitlines()[4] == "✅ Pasal Maksud dan Tujuan ada."


def test_the_limit_in_years_comes_from_the_settings():
    strict = DocumentSettings.from_settings(Settings(_env_file=None, sopbot_kb_max_years=3))

    assert failed(draft(), strict) == ["jangka_waktu"]
