"""The Word templates: reproducible from their generator, with exactly the fields filled in."""

from __future__ import annotations

import io
import tomllib
import zipfile
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest
from docx import Document

from bot.clock import JAKARTA
from bot.config import Settings
from bot.documents import DocumentSettings, TemplateError, rancangan_kb
from bot.documents.render import FIELDS, template_fields
from bot.sop.loader import load_sop
from bot.workflow.model import Case, Person, Roster
from templates_docx.make_templates import TEMPLATES, build_all
from tests.docx_reading import lines

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "templates_docx"


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_the_committed_templates_are_what_the_generator_builds():
    built = build_all()

    differing = [
        name for name, data in built.items() if parts(data) != parts((FOLDER / name).read_bytes())
    ]

    assert differing == [], "run: .venv/bin/python -m templates_docx.make_templates"


def test_every_template_has_a_field_list_and_every_field_list_a_template():
    assert set(TEMPLATES) == set(FIELDS)


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_each_template_uses_exactly_the_fields_its_builder_fills(name):
    assert template_fields((FOLDER / name).read_bytes()) == set(FIELDS[name])


def test_the_templates_are_found_as_package_resources():
    shipped = {
        p.name for p in resources.files("templates_docx").iterdir() if p.name.endswith(".docx")
    }

    assert shipped == set(FIELDS)


def test_the_package_data_ships_the_templates_with_an_install():
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]

    assert "templates_docx*" in setup["packages"]["find"]["include"]
    assert setup["package-data"]["templates_docx"] == ["*.docx", "*.png"]


@pytest.fixture
def case_and_roster() -> tuple[Case, Roster]:
    opened = datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)
    case = Case("KB-2026-0007", "Kabupaten Contoh", "pemda", "Kerja sama air bersih", opened, 1)
    return case, Roster.of([Person(1, "H. Sachrudin", frozenset({"walikota"}))])


def edited_copy(folder: Path, extra: str) -> None:
    """A staff member's copy of the skeleton with one more paragraph, saved from Word."""
    document = Document(io.BytesIO((FOLDER / "rancangan_kb.docx").read_bytes()))
    document.add_paragraph(extra)
    document.save(folder / "rancangan_kb.docx")


def test_an_edited_template_in_the_templates_dir_is_used(tmp_path, case_and_roster):
    edited_copy(tmp_path, "Catatan bagian hukum: {{ partner }}")
    settings = DocumentSettings.from_settings(
        Settings(_env_file=None, sopbot_templates_dir=tmp_path)
    )
    case, roster = case_and_roster

    built = rancangan_kb(case, load_sop(), roster, settings, at=case.created_at)

    assert "Catatan bagian hukum: Kabupaten Contoh" in lines(built.data)


def test_an_edited_template_with_an_unknown_field_is_refused_by_name(tmp_path, case_and_roster):
    edited_copy(tmp_path, "{{ nama_notaris }}")
    settings = DocumentSettings.from_settings(
        Settings(_env_file=None, sopbot_templates_dir=tmp_path)
    )
    case, roster = case_and_roster

    with pytest.raises(TemplateError, match="nama_notaris"):
        rancangan_kb(case, load_sop(), roster, settings, at=case.created_at)
