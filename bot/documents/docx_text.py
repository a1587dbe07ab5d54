"""The text of a .docx as paragraphs, in reading order (body paragraphs and table cells)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from zipfile import BadZipFile

if TYPE_CHECKING:
    from docx.table import Table


_SPACES = re.compile(r"\s+")


class UnreadableDocument(Exception):
    """The bytes are not a Word document python-docx can open."""


def normalise(text: str) -> str:
    """Single spaces, no surrounding blanks, no non-breaking spaces."""
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def paragraphs(data: bytes) -> list[str]:
    """Every non-empty paragraph of the document, table cells included, in order."""
    from docx import Document  # loaded when first used: not on the start-up path
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        document = Document(io.BytesIO(data))
    except (BadZipFile, KeyError, ValueError, PackageNotFoundError, XMLSyntaxError) as exc:
        raise UnreadableDocument(str(exc)) from exc
    return [text for text in _walk(document.element.body, document) if text]


def _walk(parent: object, document: object) -> Iterator[str]:
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in parent.iterchildren():  # type: ignore[attr-defined]
        if child.tag == qn("w:p"):
            yield normalise(Paragraph(child, document).text)  # type: ignore[arg-type]
        elif child.tag == qn("w:tbl"):
            yield from _table(Table(child, document))  # type: ignore[arg-type]


def _table(table: Table) -> Iterator[str]:
    seen: set[int] = set()
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell appears once per spanned column
                continue
            seen.add(id(cell._tc))
            yield from _walk(cell._tc, cell)
