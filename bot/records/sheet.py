"""The metadata sheet of a records package: one row per naskah, in SRIKANDI's terms.

The first twelve columns are the fields SRIKANDI's registration form asks for, in its order;
`Berkas` names the files of the row in the package and `Keterangan` marks what is unusual (a
cancelled number, a file without one, a missing PDF). Written as CSV (UTF-8 with BOM, so
spreadsheet programs read the accents) and as .xlsx.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import UTC, date, datetime

COLUMNS = (
    "Jenis Naskah",
    "Sifat",
    "Tingkat Urgensi",
    "Klasifikasi",
    "Nomor",
    "Tanggal",
    "Hal",
    "Isi Ringkas",
    "Penandatangan",
    "Tujuan",
    "Tembusan",
    "Lampiran",
    "Berkas",
    "Keterangan",
)
SRIKANDI_COLUMNS = COLUMNS[:12]
SHEET_TITLE = "Metadata Naskah"
_WIDTHS = (20, 12, 14, 12, 28, 12, 40, 60, 40, 40, 40, 12, 50, 40)


@dataclass(frozen=True)
class MetadataRow:
    """One naskah as SRIKANDI registers it (values as printed; the date as a date)."""

    jenis: str
    sifat: str
    urgensi: str
    klasifikasi: str
    nomor: str
    tanggal: date | None
    hal: str
    isi_ringkas: str
    penandatangan: str
    tujuan: str
    tembusan: str
    lampiran: str
    berkas: str
    keterangan: str = ""


def to_csv(rows: Sequence[MetadataRow]) -> bytes:
    """The sheet as CSV; dates as YYYY-MM-DD."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = list(astuple(row))
        values[5] = row.tanggal.isoformat() if row.tanggal else ""
        writer.writerow(values)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Sequence[MetadataRow], at: datetime) -> bytes:
    """The sheet as .xlsx: a bold header, dates as dates (DD-MM-YYYY), wrapped text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(astuple(row)))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: "=…" typed by someone is no formula
        sheet.cell(sheet.max_row, 6).number_format = "DD-MM-YYYY"
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    stamp = at.astimezone(UTC).replace(tzinfo=None)
    book.properties.creator = "sopbot"
    book.properties.created = book.properties.modified = stamp
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
