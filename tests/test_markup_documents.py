"""Markup typed into names and subjects is printed literally into documents."""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document

from bot.clock import JAKARTA
from bot.config import Settings
from bot.documents import DocumentSettings, check_draft, rancangan_kb
from bot.documents.agreement import upper_as_typed
from bot.sop.loader import load_sop
from bot.workflow.model import Case, Person, Roster

SETTINGS = DocumentSettings.from_settings(Settings(_env_file=None))
PARTNER = "Pemerintah Kota <b>Bandung</b> *Jabar*"
SUBJECT = "Pengelolaan <i>sampah</i> _terpadu_"
WALIKOTA = "H. <b>Sachrudin</b> *S.Sos.*"


def skeleton() -> list[str]:
    case = Case("KB-2026-0001", PARTNER, "pemda", SUBJECT,
                datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA), 1)  # fmt: skip
    roster = Roster.of([Person(1, WALIKOTA, frozenset({"walikota"}))])
    built = rancangan_kb(case, load_sop(), roster, SETTINGS, at=case.created_at)
    assert check_draft(built.data, SETTINGS, partner=PARTNER).ok
    return [p.text for p in Document(io.BytesIO(built.data)).paragraphs]


def test_the_title_is_in_capitals_but_markup_is_printed_as_typed():
    assert upper_as_typed(PARTNER) == "PEMERINTAH KOTA <b>BANDUNG</b> *JABAR*"


def test_markup_in_names_is_printed_literally_and_the_draft_checker_passes():
    text = "\n".join(skeleton())

    assert "PEMERINTAH KOTA <b>BANDUNG</b> *JABAR*" in text
    assert "PENGELOLAAN <i>SAMPAH</i> _TERPADU_" in text
    assert f"1. {WALIKOTA}, Wali Kota Tangerang" in text
    assert f"atas nama {PARTNER}, selanjutnya disebut PIHAK KEDUA" in text
    assert "<B>" not in text and "<I>" not in text
