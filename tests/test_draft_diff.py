"""What changed between two versions of a draft: chat text and a .docx with changes marked."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from docx import Document

from bot.clock import JAKARTA
from bot.config import Settings
from bot.documents import DocumentSettings, chat_text, diff_drafts, version_diff_docx
from bot.workflow.model import Case
from tests.docx_reading import leftover_tags
from tests.drafts import ARTICLES, draft, without

OLD = draft()
# Version 2: a shorter term, the evaluation article dropped, an amendment article added.
AMENDMENT = ("PERUBAHAN", "Perubahan dituangkan dalam adendum.")
NEW = draft(
    term="3 (tiga) tahun",
    articles=(*without("PEMANTAUAN DAN EVALUASI", "PENUTUP"), AMENDMENT, ARTICLES[-1]),
)
RED, BLUE = "C00000", "1F4E99"


def test_the_chat_text_counts_the_changes_and_shows_them_as_minus_and_plus_lines():
    text = chat_text(diff_drafts(OLD, NEW), 1, 2)

    assert text.splitlines()[0] == (
        "Perubahan rancangan dari versi 1 ke versi 2: 2 paragraf diubah, 3 ditambahkan, 3 dihapus."
    )
    assert (
        "− [Pasal 4] Kesepakatan ini berlaku untuk jangka waktu 5 (lima) tahun sejak "
        "ditandatangani.\n"
        "+ [Pasal 4] Kesepakatan ini berlaku untuk jangka waktu 3 (tiga) tahun sejak "
        "ditandatangani." in text
    )
    assert "− [Pasal 5] PEMANTAUAN DAN EVALUASI" in text.splitlines()
    assert "+ [Pasal 7] PERUBAHAN" in text.splitlines()


def test_identical_drafts_are_reported_unchanged():
    text = chat_text(diff_drafts(OLD, draft()), 2, 3)

    assert text.splitlines()[1] == "Tidak ada perubahan isi."


def test_a_long_change_inside_a_paragraph_is_shown_around_the_change_only():
    long = "Kesepakatan ini berlaku untuk jangka waktu {term} " + "dan seterusnya " * 60
    before = draft(articles=[("JANGKA WAKTU", long)])
    after = draft(articles=[("JANGKA WAKTU", long)], term="3 (tiga) tahun")

    lines = chat_text(diff_drafts(before, after), 1, 2).splitlines()[2:]

    # eight words of context after the change, then an ellipsis
    assert lines == [
        "− [Pasal 1] Kesepakatan ini berlaku untuk jangka waktu 5 (lima) tahun dan seterusnya "
        "dan seterusnya dan seterusnya dan …",
        "+ [Pasal 1] Kesepakatan ini berlaku untuk jangka waktu 3 (tiga) tahun dan seterusnya "
        "dan seterusnya dan seterusnya dan …",
    ]


def test_a_big_rewrite_stays_within_a_chat_message_and_says_how_much_is_left_out():
    before = draft(
        extra=[f"Ketentuan lama nomor {n} tentang hal yang diatur." for n in range(200)]
    )
    after = draft(extra=[f"Ketentuan baru nomor {n} tentang hal yang diubah." for n in range(200)])

    text = chat_text(diff_drafts(before, after), 1, 2)

    assert len(text) <= 3500
    assert text.splitlines()[-1].startswith("… dan ")
    assert text.splitlines()[-1].endswith(" perubahan lain; lihat berkas perbandingan terlampir.")


@pytest.fixture
def marked():
    case = Case(
        "KB-2026-0001",
        "Pemerintah Kota Bandung",
        "pemda",
        "Pengelolaan sampah",
        datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA),
        1,
    )
    settings = DocumentSettings.from_settings(Settings(_env_file=None))
    at = datetime(2026, 3, 10, 9, 0, tzinfo=JAKARTA)
    built = version_diff_docx(
        diff_drafts(OLD, NEW), case, settings, at=at, old_version=1, new_version=2
    )
    return built


def runs_of(data: bytes) -> list[tuple[str, bool, bool, str | None]]:
    """(text, struck, underlined, colour) of every run in the body."""
    found = []
    for paragraph in Document(io.BytesIO(data)).paragraphs:
        for run in paragraph.runs:
            colour = run.font.color.rgb if run.font.color is not None else None
            shown = str(colour) if colour is not None else None
            if run.text.strip():
                found.append((run.text.strip(), bool(run.font.strike), bool(run.underline), shown))
    return found


def test_the_marked_docx_strikes_deleted_words_in_red_and_underlines_inserted_in_blue(marked):
    runs = runs_of(marked.data)

    assert ("5 (lima)", True, False, RED) in runs
    assert ("3 (tiga)", False, True, BLUE) in runs
    assert ("Kesepakatan ini berlaku untuk jangka waktu", False, False, None) in runs


def test_the_marked_docx_shows_whole_removed_and_added_paragraphs(marked):
    runs = runs_of(marked.data)

    assert ("PEMANTAUAN DAN EVALUASI", True, False, RED) in runs
    assert ("PERUBAHAN", False, True, BLUE) in runs
    assert ("KESEPAKATAN BERSAMA", False, False, None) in runs


def test_the_marked_docx_names_the_case_and_versions_and_leaves_no_tags(marked):
    texts = [p.text for p in Document(io.BytesIO(marked.data)).paragraphs]

    assert "Perkara KB-2026-0001: Pengelolaan sampah (Pemerintah Kota Bandung)" in texts
    assert "Versi 1 → Versi 2" in texts
    assert "2 paragraf diubah, 3 ditambahkan, 3 dihapus." in texts
    assert leftover_tags(marked.data) == []
    assert marked.filename == "perubahan-v1-v2-KB-2026-0001.docx"
