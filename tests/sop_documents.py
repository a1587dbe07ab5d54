"""SOP documents in the PermenPAN format, written with python-docx for the importer's tests.

`sop_docx` writes the header table, the sections and the activity table as Word holds them:
"No", "Uraian Kegiatan" and "Ket" merged over the two header rows, "Pelaksana" and "Mutu Baku"
spanning their columns. A performer cell is described by a small spec (see `Mark`): a flowchart
shape drawn in the cell (DrawingML with its VML fallback, as Word writes it, or VML alone), a
typed mark character, or a connector label.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from docx.table import _Cell

SOP54_TEXT = (
    Path(__file__).parent / "data" / "sop" / "SOP-54-2025-rancangan-kesepakatan-bersama.txt"
)

_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"'
)
_WPS_URI = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"


@dataclass(frozen=True)
class Mark:
    """What one performer cell holds.

    `shape`: a DrawingML preset ("flowChartProcess", "flowChartDecision", "straightConnector1",
    "flowChartOffpageConnector") drawn in the cell; `vml`: a VML shape type number instead
    ("110" is a decision, "109" a process); `text`: typed text (a mark such as "√", or a label
    such as "tidak disetujui"); `label`: text typed inside the shape (a text box).
    """

    shape: str = ""
    vml: str = ""
    text: str = ""
    label: str = ""


BOX = Mark(shape="flowChartProcess")
DIAMOND = Mark(shape="flowChartDecision")


def arrow(label: str) -> Mark:
    """A connector arrow carrying a label ("disetujui")."""
    return Mark(shape="straightConnector1", label=label)


@dataclass(frozen=True)
class Activity:
    number: str
    text: str
    marks: Sequence[Mark | None]
    kelengkapan: str = ""
    waktu: str = ""
    output: str = ""
    keterangan: str = ""


@dataclass
class SopDocument:
    performers: Sequence[str]
    activities: Sequence[Activity]
    organisation: Sequence[str] = ("PEMERINTAH KOTA TANGERANG", "SEKRETARIAT DAERAH")
    fields: Sequence[tuple[str, str]] = (
        ("Nomor SOP", "12/000.8.3.3/IV/2025"),
        ("Tanggal Pembuatan", "1 April 2025"),
        ("Nama SOP", "Penyusunan Perjanjian Kerja Sama"),
    )
    sections: Sequence[tuple[str, Sequence[str]]] = (
        ("Dasar Hukum", ("Peraturan Pemerintah Nomor 28 Tahun 2018 tentang Kerja Sama Daerah",)),
        ("Kualifikasi Pelaksana", ("Memahami tugas pokok dan fungsi",)),
    )
    total: str = ""
    logo: bool = True  # a picture in the header, which is no performer mark
    extra_tables: list[Sequence[Sequence[str]]] = field(default_factory=list)


def sop_docx(sop: SopDocument) -> bytes:
    """The document as .docx bytes."""
    document = Document()
    _header(document, sop)
    for heading, items in sop.sections:
        document.add_paragraph(f"{heading}:")
        for item in items:
            document.add_paragraph(item, style="List Bullet")
    for rows in sop.extra_tables:
        _plain_table(document, rows)
    _activity_table(document, sop)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def plain_docx(paragraphs: Sequence[str], tables: Sequence[Sequence[Sequence[str]]] = ()) -> bytes:
    """A document of paragraphs and simple tables, no SOP table."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    for rows in tables:
        _plain_table(document, rows)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _plain_table(document: object, rows: Sequence[Sequence[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))  # type: ignore[attr-defined]
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text


def _header(document: object, sop: SopDocument) -> None:
    table = document.add_table(rows=len(sop.fields), cols=3)  # type: ignore[attr-defined]
    left = table.cell(0, 0).merge(table.cell(len(sop.fields) - 1, 0))
    left.text = "\n".join(sop.organisation)
    if sop.logo:
        left.paragraphs[0].runs[0]._r.append(parse_xml(_picture()))
    for index, (label, value) in enumerate(sop.fields):
        table.cell(index, 1).text = label
        table.cell(index, 2).text = value


def _activity_table(document: object, sop: SopDocument) -> None:
    performers = len(sop.performers)
    columns = 2 + performers + 4
    extra = 1 if sop.total else 0
    table = document.add_table(rows=2 + len(sop.activities) + extra, cols=columns)  # type: ignore[attr-defined]
    top, sub = table.rows[0].cells, table.rows[1].cells
    for column, title in ((0, "No"), (1, "Uraian Kegiatan"), (columns - 1, "Ket")):
        merged = top[column].merge(sub[column])
        merged.text = title
    top[2].merge(top[1 + performers]).text = "Pelaksana"
    top[2 + performers].merge(top[4 + performers]).text = "Mutu Baku"
    for index, title in enumerate(sop.performers):
        sub[2 + index].text = title
    for index, title in enumerate(("Kelengkapan", "Waktu", "Output")):
        sub[2 + performers + index].text = title
    for offset, activity in enumerate(sop.activities):
        cells = table.rows[2 + offset].cells
        cells[0].text = activity.number
        cells[1].text = activity.text
        for index, mark in enumerate(activity.marks):
            if mark is not None:
                _draw(cells[2 + index], mark)
        values = (activity.kelengkapan, activity.waktu, activity.output, activity.keterangan)
        for index, value in enumerate(values):
            _write_lines(cells[2 + performers + index], value)
    if sop.total:
        cells = table.rows[-1].cells
        cells[1].merge(cells[1 + performers]).text = "Total Waktu"
        cells[2 + performers + 1].text = sop.total


def _write_lines(cell: _Cell, value: str) -> None:
    """Each line of the value a paragraph, as Word keeps a list typed in a cell."""
    lines = value.split("\n")
    cell.text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def _draw(cell: _Cell, mark: Mark) -> None:
    paragraph = cell.paragraphs[0]
    if mark.text:
        paragraph.add_run(mark.text)
    if mark.shape:
        paragraph.add_run()._r.append(parse_xml(_drawingml(mark.shape, mark.label)))
    if mark.vml:
        paragraph.add_run()._r.append(parse_xml(_vml_pict(mark.vml, mark.label)))


def _box(label: str) -> str:
    if not label:
        return ""
    return f"<w:txbxContent><w:p><w:r><w:t>{label}</w:t></w:r></w:p></w:txbxContent>"


def _drawingml(preset: str, label: str) -> str:
    """A shape as Word 2010+ writes it: DrawingML, with a VML fallback for older readers."""
    line = preset.startswith(("straight", "bent", "curved"))
    connector = "<wps:cNvCnPr/>" if line else "<wps:cNvSpPr/>"
    text = f"<wps:txbx>{_box(label)}</wps:txbx>" if label else ""
    fallback_type = {"flowChartDecision": "110", "flowChartProcess": "109"}.get(preset, "32")
    return (
        f'<mc:AlternateContent {_NS}><mc:Choice Requires="wps"><w:drawing>'
        '<wp:inline><wp:extent cx="360000" cy="180000"/><wp:docPr id="1" name="Bentuk"/>'
        f'<a:graphic><a:graphicData uri="{_WPS_URI}"><wps:wsp>{connector}'
        f'<wps:spPr><a:prstGeom prst="{preset}"><a:avLst/></a:prstGeom></wps:spPr>'
        f"{text}<wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:inline>"
        f"</w:drawing></mc:Choice><mc:Fallback>{_vml_pict(fallback_type, label, ns=False)}"
        "</mc:Fallback></mc:AlternateContent>"
    )


def _vml_pict(kind: str, label: str, *, ns: bool = True) -> str:
    textbox = f"<v:textbox>{_box(label)}</v:textbox>" if label else ""
    return (
        f'<w:pict {_NS if ns else ""}><v:shape type="#_x0000_t{kind}" '
        f'style="width:28pt;height:14pt">{textbox}</v:shape></w:pict>'
    )


def _picture() -> str:
    """An inline picture element (its image data left out): a logo, not a flowchart shape."""
    return (
        f'<w:drawing {_NS}><wp:inline><wp:extent cx="360000" cy="360000"/>'
        '<wp:docPr id="2" name="Logo"/><a:graphic><a:graphicData '
        'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
        '<pic:nvPicPr><pic:cNvPr id="0" name="logo.png"/><pic:cNvPicPr/></pic:nvPicPr>'
        "<pic:blipFill/><pic:spPr/></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing>"
    )


# --- SOP 54/2025 as a .docx -------------------------------------------------------------------

SOP54_PERFORMERS = (
    "Kabag.Tata Pemerintahan",
    "Ketua Tim Otta dan Kerjasama",
    "Sekretaris Daerah",
    "Wali Kota",
)
_K = "Rancangan Kesepakatan Bersama"
_KETERANGAN_1 = (
    "koordinasi penyiapan kerjasama dengan kementerian / lembaga pemerintah non kementerian "
    "dilakukan setelah walikota menerima jawaban persetujuan rencana kerjasama dari "
    "kementerian/ lembaga pemerintah non kementerian"
)
_STEP2_OUTPUT = "Surat Undangan\nTempat rapat dan kelengkapannya\nDraft Rancangan Kerjasama"


def sop54(marks: dict[str, Mark | None]) -> SopDocument:
    """SOP 54/2025's table; `marks` says how each kind of cell is drawn.

    Keys: "act" (the performer's shape or mark), "extra" (the second mark of rows 1 and 4),
    "decide" (the reviewer's cell in 7 and 8), "approved"/"refused" (the arrows' labels) and
    "page" (the page connector of row 8).
    """
    act, extra, decide = marks["act"], marks["extra"], marks["decide"]
    approved, refused, page = marks["approved"], marks["refused"], marks["page"]
    rows = [
        Activity("1", "Menugaskan Ketua Tim Otta dan Kerjasama untuk fasilitasi koordinasi "
                 "persiapan rancangan kesepakatan bersama", (act, extra, None, None),
                 "disposisi Wali Kota atas surat jawaban tertulis atas penawaran kerjasama daerah",
                 "15 Menit", "Disposisi Kepala Bagian Organisasi", _KETERANGAN_1),
        Activity("2", "fasilitasi koordinasi persiapan rancangan kesepakatan bersama",
                 (None, act, None, None), "Disposisi Kepala Bagian Organisasi", "2 Hari",
                 _STEP2_OUTPUT),
        Activity("3", "menyelenggarakan rapat koordinasi persiapan rancangan kesepakatan bersama "
                 "dengan TKKSD dan stakeholder", (None, act, None, None), _STEP2_OUTPUT,
                 "120 Menit", "notulensi koordinasi awal dan draft rancangan"),
        Activity("4", "menyusun rancangan kesepakatan bersama dengan TKKSD dan Stakeholder",
                 (None, act, extra, None), "notulensi koordinasi awal dan draft rancangan",
                 "7 Hari Kerja", "rancangan kesepakatan bersama berparaf ketua tim"),
        Activity("5", "menyampaikan rancangan kesepakatan bersama kepada sekretaris daerah",
                 (act, None, None, None), "rancangan kesepakatan bersama berparaf ketua tim",
                 "15 Menit", _K),
        Activity("7", "menerima rancangan kesepakatan bersama. Jika ada koreksi dikembalikan "
                 "kepada Kabag. Tata pemerintahan untuk diperbaiki bersama TKKSD. Jika tidak ada "
                 "koreksi diserahkan kepada Walikota", (refused, None, decide, approved), _K,
                 "15 Menit", _K),
        Activity("8", "menerima rancangan kesepakatan bersama. Jika ada koreksi dikembalikan "
                 "kepada sekda untuk diperbaiki. Jika tidak ada koreksi memberikan persetujuan.",
                 (None, None, refused, decide), _K, "15 Menit", f"{_K} yang disetujui"),
        Activity("10", "menerima rancangan kesepakatan bersama yang sudah disetujui",
                 (None, None, page, act), f"{_K} yang disetujui", "1 Hari",
                 "rencana waktu penandatangan"),
    ]  # fmt: skip
    return SopDocument(
        SOP54_PERFORMERS,
        rows,
        organisation=("PEMERINTAH KOTA TANGERANG", "SEKRETARIAT DAERAH", "BAGIAN PEMERINTAHAN"),
        fields=(
            ("Nomor SOP", "54/000.8.3.3 / III/2025"),
            ("Tanggal Pembuatan", "3 Maret 2025"),
            ("Nama SOP", "Pelaksanaan Koordinasi Penyiapan Rancangan Kesepakatan Bersama"),
        ),
        sections=(
            (
                "Dasar Hukum",
                (
                    "Peraturan Pemerintah Nomor 28 Tahun 2018 tentang Kerjasama Daerah",
                    "Peraturan Menteri Dalam Negeri Nomor 22 Tahun 2020",
                ),
            ),
            ("Peralatan/ Perlengkapan", ("Komputer/scanner/printer", "Ruang Rapat")),
        ),
        total="11 Hari",
    )


# Word's flowchart: boxes, the reviewer's diamond, labelled arrows and an off-page connector.
SHAPES = {
    "act": BOX,
    "extra": BOX,
    "decide": DIAMOND,
    "approved": arrow("disetujui"),
    "refused": arrow("tidak disetujui"),
    "page": Mark(shape="flowChartOffpageConnector", label="2"),
}


def typed(mark: str) -> dict[str, Mark | None]:
    """The same table typed without shapes: a mark character and the labels as text."""
    return {
        "act": Mark(text=mark),
        "extra": Mark(text=mark),
        "decide": Mark(text=mark),
        "approved": Mark(text="disetujui"),
        "refused": Mark(text="tidak disetujui"),
        "page": Mark(text="2"),
    }
