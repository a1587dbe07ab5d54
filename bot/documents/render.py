"""Filling a Word template: find it, check its fields, render it with docxtpl."""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docxtpl import DocxTemplate


logger = logging.getLogger(__name__)

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PACKAGE = "templates_docx"
# The letterhead's placeholder logo in the shipped templates (templates_docx/kit.py).
LOGO_PLACEHOLDER = "logo_placeholder.png"

# The fields each template fills. A staff-edited copy that uses another field is refused
# with its name rather than printing an empty gap.
FIELDS: dict[str, frozenset[str]] = {
    "lembar_disposisi.docx": frozenset(
        [
            "basis",
            "city",
            "date",
            "deadline",
            "instruction",
            "kop",
            "number",
            "partner",
            "partner_kind",
            "received",
            "recipients",
            "ref",
            "sifat",
            "signer",
            "subject",
            "urgensi",
        ]
    ),
    "surat_undangan.docx": frozenset(
        [
            "city",
            "date",
            "hal",
            "invitees",
            "kop",
            "lampiran",
            "meeting",
            "number",
            "own_party",
            "paraf",
            "partner",
            "sifat",
            "signer",
            "subject",
            "tembusan",
        ]
    ),
    "notulen_rapat.docx": frozenset(
        [
            "chair",
            "city",
            "date",
            "decisions",
            "discussion",
            "kop",
            "meeting",
            "participants",
            "rapat",
            "scribe",
        ]
    ),
    "rancangan_kb.docx": frozenset(
        [
            "city",
            "kop",
            "number",
            "own_office",
            "paraf",
            "partner",
            "pihak_kedua",
            "pihak_kesatu",
            "subject",
            "title_own",
            "title_partner",
            "title_subject",
            "years",
            "years_words",
        ]
    ),
    "lembar_persetujuan.docx": frozenset(
        [
            "approved",
            "city",
            "date",
            "kop",
            "number",
            "partner",
            "partner_kind",
            "printed",
            "ref",
            "signer",
            "signing",
            "sop_number",
            "sop_title",
            "status",
            "subject",
            "trail",
        ]
    ),
    "laporan_kepatuhan.docx": frozenset(
        [
            "cases",
            "covers",
            "kop",
            "overview",
            "printed",
            "scope",
            "summary",
        ]
    ),
    "perbandingan_versi.docx": frozenset(
        ["new_label", "old_label", "paragraphs", "partner", "printed", "ref", "subject", "summary"]
    ),
}


class TemplateError(Exception):
    """A template is missing or uses fields the builder does not fill."""


@dataclass(frozen=True)
class BuiltDocument:
    """A generated file: its bytes, a suggested file name and its media type.

    `record` holds what registering it as an official naskah needs besides its number (hal,
    signer, addressees, copies, attachments, a short summary); empty for other files.
    """

    data: bytes
    filename: str
    media_type: str = DOCX_MEDIA_TYPE
    record: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Image:
    """A picture to place where a template field stands (PNG or JPEG bytes)."""

    data: bytes
    width_mm: float


def template_bytes(name: str, directory: Path | None = None) -> bytes:
    """The template's bytes: an edited copy in `directory` first, else the shipped one."""
    if directory is not None and (directory / name).is_file():
        path = directory / name
        _check_fields(name, path.read_bytes(), path.stat().st_mtime_ns)
        return path.read_bytes()
    shipped = resources.files(PACKAGE).joinpath(name)
    if not shipped.is_file():
        raise TemplateError(f"template {name} is not shipped with sopbot")
    return shipped.read_bytes()


def template_fields(data: bytes) -> set[str]:
    """The top-level fields a template uses."""
    from docxtpl import DocxTemplate  # loaded when first used: not on the start-up path

    fields: set[str] = DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables()
    return fields


@lru_cache(maxsize=32)
def _check_fields(name: str, data: bytes, _mtime: int) -> None:
    unknown = template_fields(data) - FIELDS.get(name, frozenset())
    if unknown:
        raise TemplateError(f"template {name} uses unknown fields: {', '.join(sorted(unknown))}")


def render(
    name: str,
    context: Mapping[str, Any],
    *,
    directory: Path | None = None,
    at: datetime | None = None,
) -> bytes:
    """The template filled with `context` (values escaped; an unknown field is an error)."""
    from docxtpl import DocxTemplate  # loaded when first used: not on the start-up path
    from jinja2 import Environment, StrictUndefined

    template = DocxTemplate(io.BytesIO(template_bytes(name, directory)))
    template.init_docx()
    logo = context.get("kop", {}).get("logo") if isinstance(context.get("kop"), Mapping) else None
    if isinstance(logo, Image) and LOGO_PLACEHOLDER in template.get_xml():
        # The operator's logo takes the placeholder's place (and size) in the letterhead.
        template.replace_pic(LOGO_PLACEHOLDER, io.BytesIO(logo.data))
        context = {**context, "kop": {**context["kop"], "logo": ""}}
    values = _with_images(template, context)
    env = Environment(undefined=StrictUndefined, autoescape=True)
    template.render(values, jinja_env=env, autoescape=True)
    if at is not None:
        properties = template.docx.core_properties
        properties.created = properties.modified = at
    out = io.BytesIO()
    template.save(out)
    logger.debug("rendered %s (%d bytes)", name, out.tell())
    return out.getvalue()


def _with_images(template: DocxTemplate, value: Any) -> Any:
    """The context with every `Image` turned into a docxtpl InlineImage of this template."""
    from docx.shared import Mm
    from docxtpl import InlineImage

    if isinstance(value, Image):
        return InlineImage(template, io.BytesIO(value.data), width=Mm(value.width_mm))
    if isinstance(value, Mapping):
        return {key: _with_images(template, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_with_images(template, item) for item in value]
    return value


def read_logo(path: Path | None) -> Image | None:
    """The configured letterhead logo as PNG, or None (a bad file is logged, not fatal)."""
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        logger.warning("letterhead logo %s cannot be read: %s", path, exc)
        return None
    png = _as_png(data, path) if data else None
    return Image(png, 22) if png else None


@lru_cache(maxsize=4)
def _as_png(data: bytes, path: Path) -> bytes | None:
    """PNG bytes of a PNG or JPEG logo: the template's placeholder part is a PNG."""
    if data.startswith(b"\x89PNG"):
        return data
    from PIL import Image as Picture  # Pillow comes with matplotlib

    try:
        with Picture.open(io.BytesIO(data)) as picture:
            out = io.BytesIO()
            picture.save(out, format="PNG")
            return out.getvalue()
    except OSError as exc:
        logger.warning("letterhead logo %s is not a PNG or JPEG picture: %s", path, exc)
        return None
