"""The letterhead of the official format: the city's logo, telephone and e-mail, double rule."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from bot.clock import JAKARTA
from bot.config import Settings
from bot.documents import DocumentSettings, lembar_disposisi
from bot.sop.loader import load_sop
from bot.workflow.model import Case, Person, Roster
from tests.docx_reading import table_with

TEMPLATES = Path(__file__).resolve().parents[1] / "templates_docx"
PLACEHOLDER = TEMPLATES / "logo_placeholder.png"
LETTERHEADED = ("lembar_disposisi", "surat_undangan", "lembar_persetujuan", "notulen_rapat",
                "laporan_kepatuhan")  # fmt: skip
AT = datetime(2026, 3, 2, 10, 0, tzinfo=JAKARTA)


def disposisi(settings: Settings) -> bytes:
    case = Case("KB-2026-0001", "Pemerintah Kota Bandung", "pemda", "Sampah", AT, 1)
    roster = Roster.of([Person(1, "Drs. Budi Santoso, M.Si.", frozenset({"kabag"}))])
    built = lembar_disposisi(
        case, load_sop(), roster, DocumentSettings.from_settings(settings), at=AT
    )
    return built.data


def pictures(data: bytes) -> list[bytes]:
    document = Document(io.BytesIO(data))
    parts = document.part.package.parts
    return [part.blob for part in parts if str(part.partname).startswith("/word/media/")]


def test_the_shipped_letterhead_carries_the_placeholder_logo():
    data = disposisi(Settings(_env_file=None))

    assert pictures(data) == [PLACEHOLDER.read_bytes()]


@pytest.mark.parametrize("name", LETTERHEADED)
def test_every_shipped_letterhead_has_the_logo_slot_the_contact_line_and_the_double_rule(name):
    data = (TEMPLATES / f"{name}.docx").read_bytes()
    document = Document(io.BytesIO(data))
    body = document.element.body
    kop = document.tables[0]
    after_kop = body[list(body).index(kop._tbl) + 1]

    bottom = after_kop.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}")

    assert pictures(data) == [PLACEHOLDER.read_bytes()]
    assert "{{ kop.contact }}" in kop.rows[0].cells[1].text
    assert bottom is not None and bottom.get(qn("w:val")) == "thickThinSmallGap"


def test_the_letterhead_has_the_telephone_and_e_mail_line():
    settings = Settings(
        _env_file=None,
        sopbot_doc_kop_phone="(021) 5555 0000",
        sopbot_doc_kop_email="tapem@tangerangkota.go.id",
    )

    kop = table_with(disposisi(settings), "")[0][1].splitlines()

    assert kop[-1] == (
        "Telepon: (021) 5555 0000; Pos-el: tapem@tangerangkota.go.id; "
        "Laman: www.tangerangkota.go.id"
    )


def test_the_letterhead_ends_with_the_double_rule_thick_over_thin():
    document = Document(io.BytesIO(disposisi(Settings(_env_file=None))))
    body = document.element.body
    after_kop = body[list(body).index(document.tables[0]._tbl) + 1]

    bottom = after_kop.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}")

    assert bottom is not None and bottom.get(qn("w:val")) == "thickThinSmallGap"


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_configured_logo_takes_the_placeholders_place(tmp_path, kind):
    logo = tmp_path / f"logo.{kind.lower()}"
    Image.new("RGB", (40, 40), (200, 30, 30)).save(logo, format=kind)

    data = disposisi(Settings(_env_file=None, sopbot_doc_kop_logo=logo))

    [picture] = pictures(data)
    assert picture.startswith(b"\x89PNG") and picture != PLACEHOLDER.read_bytes()
    red, green, blue = Image.open(io.BytesIO(picture)).getpixel((20, 20))
    assert red > 190 and green < 40 and blue < 40  # JPEG is lossy: nearly the colour drawn
