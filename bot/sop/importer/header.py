"""The identity block of a PermenPAN SOP: organisation, Nomor SOP, Nama SOP and the sections.

The header is a small table (or, in a text export, tab-separated lines) of ``label <tab>
value`` rows beside the organisation's name in capitals, followed by the sections Dasar Hukum,
Kualifikasi Pelaksana, Keterkaitan, Peralatan/Perlengkapan, Peringatan and Pencatatan dan
Pendataan, each a heading and a list. Labels are matched loosely ("Nama SOP", "Nama Prosedur").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.sop.importer.source import Block, Line
from bot.sop.importer.wording import normal, split_items, title_case

_FIELDS = {
    "nomor": r"nomor sop|no sop|nomor prosedur|nomor",
    "dibuat": r"tanggal pembuatan|tgl pembuatan",
    "direvisi": r"tanggal revisi|tgl revisi",
    "efektif": r"tanggal efektif|tgl efektif",
    "disahkan": r"disahkan oleh",
    "nama": r"nama sop|nama prosedur|judul sop",
}
SECTIONS = {
    "dasar_hukum": r"dasar hukum",
    "kualifikasi": r"kualifikasi pelaksana",
    "keterkaitan": r"keterkaitan",
    "peralatan": r"peralatan(?: perlengkapan)?|perlengkapan",
    "peringatan": r"peringatan",
    "pencatatan": r"pencatatan(?: dan pendataan)?",
}
_ORGANISATION = re.compile(
    r"^(pemerintah|sekretariat|dinas|badan|bagian|kantor|inspektorat|kecamatan|kelurahan|"
    r"satuan|rumah sakit|rsud|biro|unit)\b",
    re.IGNORECASE,
)


@dataclass
class Header:
    """What the header says; empty strings and lists where it says nothing."""

    organisation: list[str] = field(default_factory=list)  # its lines, top to bottom
    fields: dict[str, str] = field(default_factory=dict)  # nomor, nama, dibuat, ...
    sections: dict[str, list[str]] = field(default_factory=dict)  # dasar_hukum, ...


def read_header(blocks: Sequence[Block]) -> Header:
    """Read the blocks before the activity table."""
    header = Header()
    section: str | None = None
    for block in blocks:
        for cells in _cell_groups(block):
            section = _take(header, cells, section)
    return header


def _cell_groups(block: Block) -> list[list[str]]:
    """A line as one group; a row's ``label | value`` cells as one, its other lines alone."""
    if isinstance(block, Line):
        return [block.text.split("\t")]
    texts = [cell.text for cell in block.cells if cell.text.strip()]
    groups: list[list[str]] = []
    index = 0
    while index < len(texts):
        if _field(texts[index]) is not None and index + 1 < len(texts):
            groups.append(texts[index : index + 2])
            index += 2
            continue
        groups += [[line] for line in texts[index].split("\n")]
        index += 1
    return groups


def _take(header: Header, cells: list[str], section: str | None) -> str | None:
    """Record one line (its cells); return the section that goes on after it."""
    first = cells[0].strip()
    name = _field(first)
    if name is not None and name not in header.fields:
        value = cells[1] if len(cells) > 1 else _after_colon(first)
        header.fields[name] = " ".join(value.split())
        return None
    heading = _section(first)
    if heading is not None:
        header.sections.setdefault(heading, [])
        rest = _after_colon(first)
        header.sections[heading] += split_items(rest) if rest else []
        return heading
    if section is not None:
        header.sections[section] += split_items(" ".join(cells))
        return section
    if _ORGANISATION.match(first):
        header.organisation.append(title_case(first))
    return None


def _field(text: str) -> str | None:
    label = normal(text.split(":")[0])
    for name, pattern in _FIELDS.items():
        if re.fullmatch(pattern, label):
            return name
    return None


def _section(text: str) -> str | None:
    label = normal(text.split(":")[0])
    for name, pattern in SECTIONS.items():
        if re.fullmatch(pattern, label):
            return name
    return None


def _after_colon(text: str) -> str:
    return text.split(":", 1)[1].strip() if ":" in text else ""
