"""What the importer reads from a document: lines of text and table rows of cells.

Both readers (the .docx one and the plain-text export one) turn a document into the same
stream of `Line`s and `Row`s, so everything after them reads one shape. A row has one cell per
column of the table's grid: a merged cell's text sits in its first grid column and the columns
it also covers are empty, which is also how a plain-text export of a merged cell looks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_SPACES = re.compile(r"[ \t\u00a0]+")


class Shape(StrEnum):
    """A drawing in a table cell, by what it means in a PermenPAN flowchart."""

    PROCESS = "process"  # a box, a terminator, a document: the performer's activity
    DECISION = "decision"  # a diamond: the performer decides
    CONNECTOR = "connector"  # an on-page or off-page connector (a small circle, a pentagon)
    LINE = "line"  # an arrow or a line between shapes


@dataclass(frozen=True)
class Cell:
    """The text of a cell (its paragraphs joined by newlines) and the shapes drawn in it."""

    text: str = ""
    shapes: tuple[Shape, ...] = ()

    @property
    def empty(self) -> bool:
        """Neither text nor a shape."""
        return not self.text.strip() and not self.shapes


@dataclass(frozen=True)
class Row:
    """A table row; `table` tells rows of different tables apart."""

    cells: tuple[Cell, ...]
    table: int

    def text(self, column: int) -> str:
        """The text of a column, '' past the row's end."""
        return self.cells[column].text if column < len(self.cells) else ""

    def cell(self, column: int) -> Cell:
        """The cell of a column, an empty one past the row's end."""
        return self.cells[column] if column < len(self.cells) else Cell()


@dataclass(frozen=True)
class Line:
    """A paragraph outside the tables."""

    text: str


Block = Line | Row


def clean(text: str) -> str:
    """Single spaces inside each line, no blank lines, no surrounding blanks."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def read_text(text: str) -> list[Block]:
    """The blocks of a plain-text export: a line with a tab is a table row, others are lines.

    A blank line does not end a table (exports leave them between rows); a line of text does.
    """
    blocks: list[Block] = []
    table, in_table = 0, False
    for raw in text.replace("\r\n", "\n").split("\n"):
        if "\t" in raw:
            if not in_table:
                table, in_table = table + 1, True
            cells = tuple(Cell(clean(part)) for part in raw.split("\t"))
            blocks.append(Row(cells, table))
        elif raw.strip():
            in_table = False
            blocks.append(Line(clean(raw.replace("*", ""))))
    return blocks
