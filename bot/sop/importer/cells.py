"""What a performer cell says: a mark, a decision diamond, a connector label, or nothing.

A PermenPAN table draws the flow in its performer columns. The row's performer has a shape
(or, in documents typed without shapes, a character such as ``[]``, ``√``, ``■``, ``X``);
arrows carry labels ("disetujui", "tidak disetujui", "ya", "tidak") and page connectors carry
a number or a letter. Only marks and diamonds name a performer; labels tell decisions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.sop.importer.source import Cell, Shape

# Characters that mark a performer cell when a document has no shapes. The diamonds mark a
# decision.
MARKS = frozenset("[]()□■▪▫▭▬█√✓✔✗✘xXvV*●•○◯◘◙☐☑☒")
_DIAMONDS = frozenset("◇◆◊♦⧫")
_RETURN_WORDS = re.compile(
    r"\b(?:tidak|belum)\s+(?:disetujui|setuju|sesuai|lengkap|benar|valid|ok)\b|"
    r"\b(?:ditolak|tolak|dikembalikan|kembalikan|revisi|koreksi|perbaikan)\b|^(?:tidak|t|no)$",
    re.IGNORECASE,
)
_APPROVE_WORDS = re.compile(
    r"\b(?:disetujui|setuju|ya|sesuai|lengkap|benar|valid|ok|diterima|diteruskan)\b|^y$",
    re.IGNORECASE,
)
_CONNECTOR = re.compile(r"^(?:\d{1,2}|[a-z])$", re.IGNORECASE)


@dataclass(frozen=True)
class Signal:
    """What one performer cell of a row holds."""

    mark: bool = False  # a process shape or a mark character: this performer acts
    decision: bool = False  # a diamond: this performer decides
    approve: bool = False  # an approval label ("disetujui", "ya")
    returned: bool = False  # a return label ("tidak disetujui", "tidak")
    connector: bool = False  # a page connector or a bare number
    other: str = ""  # text that is none of these

    @property
    def acts(self) -> bool:
        """A shape or a mark: the column's performer acts in this row."""
        return self.mark or self.decision

    @property
    def anything(self) -> bool:
        """The cell holds something."""
        return self.acts or self.approve or self.returned or self.connector or bool(self.other)


def signal(cell: Cell) -> Signal:
    """Read one performer cell."""
    mark = Shape.PROCESS in cell.shapes
    decision = Shape.DECISION in cell.shapes
    connector = Shape.CONNECTOR in cell.shapes
    text = cell.text.replace("\n", " ").strip()
    returned = bool(_RETURN_WORDS.search(text))
    rest = _RETURN_WORDS.sub(" ", text)
    approve = bool(_APPROVE_WORDS.search(rest))
    rest = _APPROVE_WORDS.sub(" ", rest)
    leftover: list[str] = []
    for token in rest.split():
        if set(token) <= _DIAMONDS or token == "<>":
            decision = True
        elif set(token) <= MARKS:
            mark = True
        elif _CONNECTOR.match(token):
            connector = True
        else:
            leftover.append(token)
    return Signal(mark, decision, approve, returned, connector, " ".join(leftover))
