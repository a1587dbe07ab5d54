"""Reading generated .docx files back in tests, independently of the code that wrote them."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from docx import Document
from docx.table import Table

TAG = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")


def _table_lines(table: Table) -> Iterator[str]:
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                yield paragraph.text
            for inner in cell.tables:
                yield from _table_lines(inner)


def lines(data: bytes) -> list[str]:
    """Every paragraph's text: body paragraphs, then every table cell (nested too)."""
    document = Document(io.BytesIO(data))
    found = [p.text for p in document.paragraphs]
    for table in document.tables:
        found += list(_table_lines(table))
    return [line.strip() for line in found if line.strip()]


def text(data: bytes) -> str:
    """All the text as one string, one paragraph a line."""
    return "\n".join(lines(data))


def leftover_tags(data: bytes) -> list[str]:
    """Template tags left anywhere in the package's XML (body, headers, footers, props)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return [
            f"{name}: {match.group(0)}"
            for name in package.namelist()
            if name.endswith(".xml")
            for match in TAG.finditer(package.read(name).decode("utf-8"))
        ]


def table_with(data: bytes, first_cell: str) -> list[list[str]]:
    """The rows (cell texts) of the first top-level table whose first cell reads `first_cell`."""
    document = Document(io.BytesIO(data))
    for table in document.tables:
        if table.rows and table.rows[0].cells[0].text.strip() == first_cell:
            return [[cell.text.strip() for cell in row.cells] for row in table.rows]
    raise AssertionError(f"no table starting with {first_cell!r}")


def table_containing(data: bytes, needle: str) -> list[list[str]]:
    """The rows of the first top-level table with a cell whose text contains `needle`."""
    document = Document(io.BytesIO(data))
    for table in document.tables:
        rows = [[cell.text.strip() for cell in row.cells] for row in table.rows]
        if any(needle in cell for row in rows for cell in row):
            return rows
    raise AssertionError(f"no table containing {needle!r}")
