"""Find the activity table of a PermenPAN SOP and read its rows.

The table has a header of one or two rows: No, Uraian Kegiatan, Pelaksana (a group over one
column per performer, titled in the row below), Mutu Baku (Kelengkapan, Waktu, Output) and
Keterangan. A row of column numbers under the header is skipped, and so is the header where a
table is continued on a new page. An activity row has its number in the No column; a row
without one continues the activity above it (an export that broke a cell into two lines), and
a row that says "Total" gives the SOP's total time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.sop.importer.cells import Signal, signal
from bot.sop.importer.roles import Column, columns
from bot.sop.importer.source import Block, Row
from bot.sop.importer.wording import normal

_INPUT = r"(kelengkapan|persyaratan|perlengkapan|syarat|input|masukan)"
_LABELS = {
    "no": r"no|nomor|no urut",
    "activity": r".*\b(kegiatan|aktivitas|prosedur)\b.*|uraian",
    "performers": r"pelaksana|pelaku|aktor",
    "mutu": r"mutu baku|baku mutu",
    "kelengkapan": rf"{_INPUT}( (dan |atau )?{_INPUT})?",
    "waktu": r"(lama |jangka )?waktu( (menit|jam|hari))?",
    "output": r"output|keluaran|hasil|output keluaran|keluaran output",
    "keterangan": r"ket|keterangan|catatan",
}
_MUTU = ("kelengkapan", "waktu", "output", "mutu", "keterangan")
_NUMBER = re.compile(r"^(\d{1,3})\s*[.)]?$")
_COLUMN_NUMBERS = re.compile(r"^\(?\d{1,2}\)?$")


class TableMissing(Exception):
    """The document has no activity table; `text_key` says what is missing."""

    def __init__(self, text_key: str) -> None:
        super().__init__(text_key)
        self.text_key = text_key


@dataclass(frozen=True)
class Activity:
    """One row of the activity table, cells as written."""

    position: int  # 1-based, among the table's data rows
    number: str  # the No cell
    text: str
    signals: tuple[Signal, ...]  # one per performer column
    kelengkapan: str
    waktu: str
    output: str
    keterangan: str


@dataclass
class ActivityTable:
    performers: list[Column]
    activities: list[Activity] = field(default_factory=list)
    total: str = ""
    total_position: int = 0
    stray: list[int] = field(default_factory=list)  # positions of rows read as nothing
    first_block: int = 0  # index of the table's first block in the document


@dataclass(frozen=True)
class _Layout:
    no: int
    activity: int
    performers: list[tuple[int, str]]
    kelengkapan: int | None
    waktu: int | None
    output: int | None
    keterangan: int | None
    header_rows: int


def find_table(blocks: Sequence[Block]) -> ActivityTable:
    """The activity table; TableMissing names what was not found."""
    for index, block in enumerate(blocks):
        if not isinstance(block, Row) or not _is_header(block):
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        below = (
            following if isinstance(following, Row) and following.table == block.table else None
        )
        layout = _layout(block, below)
        if not layout.performers:
            raise TableMissing("import.refused.no_performers")
        table = ActivityTable(columns(layout.performers), first_block=index)
        _read_rows(table, layout, blocks[index + layout.header_rows :], block)
        if not table.activities:
            raise TableMissing("import.refused.no_activities")
        return table
    raise TableMissing("import.refused.no_table")


def _kind(text: str) -> str | None:
    label = normal(text)
    for kind, pattern in _LABELS.items():
        if label and re.fullmatch(pattern, label):
            return kind
    return None


def _is_header(row: Row) -> bool:
    kinds = {_kind(cell.text) for cell in row.cells}
    return "no" in kinds and "activity" in kinds


def _layout(top: Row, below: Row | None) -> _Layout:
    width = max(len(top.cells), len(below.cells) if below else 0)
    top_kinds = [_kind(top.text(c)) for c in range(width)]
    below_kinds = [_kind(below.text(c)) if below else None for c in range(width)]
    # A second header row names the performers under "Pelaksana", or the mutu baku columns.
    two_rows = (
        below is not None
        and not _is_numbering(below)
        and not _NUMBER.match(below.text(top_kinds.index("no")))
        and (
            any(kind in ("kelengkapan", "waktu", "output") for kind in below_kinds)
            or ("performers" in top_kinds and any(below.text(c) for c in range(width)))
        )
    )

    def find(kind: str) -> int | None:
        for kinds in (top_kinds, below_kinds if two_rows else []):
            if kind in kinds:
                return kinds.index(kind)
        return None

    no, activity = top_kinds.index("no"), top_kinds.index("activity")
    known = {c for c in (find(k) for k in _LABELS) if c is not None}
    mutu = [c for c in (find("kelengkapan"), find("waktu"), find("output"), find("mutu")) if c]
    end = min([c for c in mutu if c > activity] or [width])
    source = below if two_rows and below is not None else top
    # A performer may be called anything but a mutu baku heading ("PPTK Kegiatan" is fine).
    performers = [
        (c, " ".join(source.text(c).split()))
        for c in range(activity + 1, end)
        if source.text(c).strip()
        and c not in known - {find("performers")}
        and _kind(source.text(c)) not in (*_MUTU, "performers", "no")
    ]
    return _Layout(no, activity, performers, find("kelengkapan"), find("waktu"), find("output"),
                   find("keterangan"), 2 if two_rows else 1)  # fmt: skip


def _read_rows(table: ActivityTable, layout: _Layout, rows: Sequence[Block], head: Row) -> None:
    current_table, position = head.table, 0
    header_texts = [normal(cell.text) for cell in head.cells]
    for block in rows:
        if not isinstance(block, Row):
            break
        if block.table != current_table:
            if not _is_header(block) and not _NUMBER.match(block.text(layout.no)):
                break  # another table: the activity table ended
            current_table = block.table
        texts = [normal(cell.text) for cell in block.cells]
        if texts == header_texts or _is_header(block) or _is_sub_header(block, layout):
            continue
        if _is_numbering(block):
            continue
        if all(cell.empty for cell in block.cells):
            continue
        position += 1
        _take_row(table, layout, block, position)


def _is_numbering(row: Row) -> bool:
    """A row of column numbers under the header: (1) (2) (3) ..."""
    texts = [cell.text.strip() for cell in row.cells if cell.text.strip()]
    return len(texts) >= 3 and all(_COLUMN_NUMBERS.match(text) for text in texts)


def _is_sub_header(row: Row, layout: _Layout) -> bool:
    if layout.header_rows == 1 or layout.waktu is None:
        return False
    return _kind(row.text(layout.waktu)) == "waktu"


def _take_row(table: ActivityTable, layout: _Layout, row: Row, position: int) -> None:
    number = row.text(layout.no).strip()
    joined = normal(" ".join(cell.text for cell in row.cells))
    if not number and re.match(r"^(jumlah |total )|.* total (waktu|mutu)", f"{joined} "):
        table.total = _total(row)
        table.total_position = position
        return
    activity = Activity(
        position=position,
        number=number,
        text=row.text(layout.activity),
        signals=tuple(signal(row.cell(c.index)) for c in table.performers),
        kelengkapan=_text(row, layout.kelengkapan),
        waktu=_text(row, layout.waktu),
        output=_text(row, layout.output),
        keterangan=_text(row, layout.keterangan),
    )
    if not number and table.activities:
        table.activities[-1] = _continued(table.activities[-1], activity)
    elif not number and not activity.text:
        table.stray.append(position)
    else:
        table.activities.append(activity)


def _text(row: Row, column: int | None) -> str:
    return row.text(column) if column is not None else ""


def _total(row: Row) -> str:
    cells = [cell.text for cell in row.cells]
    for index, text in enumerate(cells):
        if "total" in text.lower() or "jumlah" in text.lower():
            rest = [t for t in cells[index + 1 :] if t.strip()]
            after = text.lower().split("total")[-1].replace("waktu", "").strip(" :")
            return after if after else (rest[0] if rest else "")
    return ""


def _continued(above: Activity, more: Activity) -> Activity:
    """An activity whose cells went on in the row below."""

    def join(a: str, b: str) -> str:
        return "\n".join(part for part in (a, b) if part)

    signals = tuple(
        Signal(a.mark or b.mark, a.decision or b.decision, a.approve or b.approve,
               a.returned or b.returned, a.connector or b.connector, join(a.other, b.other))
        for a, b in zip(above.signals, more.signals, strict=True)
    )  # fmt: skip
    return Activity(
        above.position,
        above.number,
        join(above.text, more.text),
        signals,
        join(above.kelengkapan, more.kelengkapan),
        join(above.waktu, more.waktu),
        join(above.output, more.output),
        join(above.keterangan, more.keterangan),
    )
