"""Small python-docx helpers the template generator lays documents out with."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

FONT = "Arial"
# The city's logo in the letterhead: a placeholder picture the operator replaces (in Word, or
# with SOPBOT_DOC_KOP_LOGO, which the bot puts in its place by this name).
LOGO = "logo_placeholder.png"
LOGO_WIDTH_CM = 2.0
FIXED = datetime(2026, 1, 1, tzinfo=UTC)
CENTER = WD_ALIGN_PARAGRAPH.CENTER
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
# Word rejects a paragraph whose properties are out of schema order; these follow w:pBdr.
_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc", "w:rPr")
_AFTER_TBLIND = ("w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")
_AFTER_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")

Target = DocumentObject | _Cell


def new_document(title: str, *, landscape: bool = False) -> DocumentObject:
    """An A4 document in Arial 11 with Indonesian office margins and fixed metadata."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(2.5 if not landscape else 2.0), Cm(2.0)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(11)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(0)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "sopbot", "sopbot"
    props.created = props.modified = FIXED
    props.revision = 1
    return doc


def usable_width(doc: DocumentObject) -> float:
    """Text width between the margins, in centimetres."""
    section = doc.sections[0]
    width = section.page_width - section.left_margin - section.right_margin  # type: ignore[operator]
    return round(width / 360000, 2)


def para(
    target: Target,
    text: str = "",
    *,
    bold: bool = False,
    size: float | None = None,
    align: WD_ALIGN_PARAGRAPH | None = None,
    underline: bool = False,
    italic: bool = False,
    before: float = 0,
    after: float = 0,
    indent: float | None = None,
    hanging: float | None = None,
) -> Paragraph:
    """Add a paragraph (reusing a fresh cell's empty first one) with one formatted run."""
    first = target.paragraphs[0] if isinstance(target, _Cell) else None
    fresh = first is not None and first._p.pPr is None and not first.runs
    paragraph = first if fresh and first is not None else target.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if align is not None:
        paragraph.alignment = align
    if indent is not None:
        fmt.left_indent = Cm(indent)
    if hanging is not None:
        fmt.first_line_indent = Cm(-hanging)
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
        if size is not None:
            run.font.size = Pt(size)
    return paragraph


def tag(target: Target, text: str) -> Paragraph:
    """A paragraph holding only a docxtpl paragraph tag such as `{%p for x in xs %}`."""
    return para(target, text)


def table(
    target: Target,
    rows: int,
    widths: Sequence[float],
    *,
    grid: bool = True,
    indent: float | None = None,
) -> Table:
    """A table with fixed column widths (cm); `grid` draws every border.

    Centred, or left-aligned and indented by `indent` cm when that is given.
    """
    made = target.add_table(rows=rows, cols=len(widths))
    if grid:
        made.style = "Table Grid"
    if indent is None:
        made.alignment = WD_TABLE_ALIGNMENT.CENTER
    else:
        made.alignment = WD_TABLE_ALIGNMENT.LEFT
        ind = OxmlElement("w:tblInd")
        ind.set(qn("w:w"), str(Cm(indent).twips))
        ind.set(qn("w:type"), "dxa")
        made._tbl.tblPr.insert_element_before(ind, *_AFTER_TBLIND)
    made.autofit = False
    for col, width in zip(made._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(Cm(width).twips))
    for row in made.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    return made


def shade(cell: _Cell, fill: str = "D9D9D9") -> None:
    """Grey background for a header cell."""
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().insert_element_before(shd, *_AFTER_SHD)


def header_row(tbl: Table, row: int, labels: Sequence[str], *, size: float = 9) -> None:
    """Bold, shaded, centred labels that repeat at the top of each page."""
    for cell, label in zip(tbl.rows[row].cells, labels, strict=True):
        para(cell, label, bold=True, size=size, align=CENTER)
        shade(cell)
    tr_pr = tbl.rows[row]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))


def row_height(tbl: Table, row: int, height: float) -> None:
    """Make a row at least `height` cm tall (paraf and signature boxes)."""
    tbl.rows[row].height = Cm(height)
    tbl.rows[row].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def rule_below(paragraph: Paragraph) -> None:
    """The double line under a letterhead (thick over thin)."""
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "thickThinSmallGap"), ("sz", "18"), ("space", "1")):
        bottom.set(qn(f"w:{key}"), value)
    bottom.set(qn("w:color"), "auto")
    border.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(border, *_AFTER_PBDR)


def kop(doc: DocumentObject) -> None:
    """The letterhead: the city's logo, government, office, address, telephone and e-mail,
    and the double rule (thick over thin) of the official format."""
    width = usable_width(doc)
    tbl = table(doc, 1, (2.4, width - 4.8, 2.4), grid=False)
    logo, text, _ = tbl.rows[0].cells
    picture = para(logo, align=CENTER).add_run()
    picture.add_picture(str(Path(__file__).resolve().parent / LOGO), width=Cm(LOGO_WIDTH_CM))
    para(text, "{{ kop.government }}", bold=True, size=14, align=CENTER)
    para(text, "{{ kop.office }}", bold=True, size=16, align=CENTER)
    para(text, "{{ kop.address }}", size=9, align=CENTER)
    para(text, "{{ kop.contact }}", size=9, align=CENTER)
    rule_below(para(doc, after=8))


def labelled(
    target: Target, pairs: Sequence[tuple[str, str]], widths: Sequence[float], indent: float = 0
) -> Table:
    """Borderless `label : value` lines, as letters list Nomor, Sifat, Hal."""
    tbl = table(target, len(pairs), widths, grid=False, indent=indent)
    for row, (label, value) in zip(tbl.rows, pairs, strict=True):
        para(row.cells[0], label)
        para(row.cells[1], ":")
        para(row.cells[2], value)
    return tbl


def signature(cell: _Cell, var: str, *, heading: str = "", dated: bool = False) -> None:
    """A signature block per tata naskah dinas: optional place and date, the a.n./u.b. lines
    and the jabatan (ending in a comma), space to sign, name, pangkat/golongan, NIP."""
    if dated:
        para(cell, "{{ city }}, {{ date }}", align=CENTER)
    if heading:
        para(cell, heading, align=CENTER)
    tag(cell, f"{{%p for line in {var}.title_lines %}}")
    para(cell, "{{ line }}{% if loop.last %},{% endif %}", align=CENTER)
    tag(cell, "{%p endfor %}")
    para(cell, "", after=48)
    para(cell, f"{{{{ {var}.name }}}}", bold=True, underline=True, align=CENTER)
    tag(cell, f"{{%p if {var}.pangkat %}}")
    para(cell, f"{{{{ {var}.pangkat }}}}", align=CENTER)
    tag(cell, "{%p endif %}")
    tag(cell, f"{{%p if {var}.nip %}}")
    para(cell, f"NIP. {{{{ {var}.nip }}}}", align=CENTER)
    tag(cell, "{%p endif %}")


def paraf_table(target: Target, width: float) -> None:
    """Paraf boxes, one row per official in `paraf` (role, name, empty box)."""
    tbl = table(target, 4, (width * 0.45, width * 0.35, width * 0.2))
    header_row(tbl, 0, ("Paraf koordinasi", "Nama", "Paraf"))
    para(tbl.rows[1].cells[0], "{%tr for p in paraf %}")
    para(tbl.rows[2].cells[0], "{{ p.role }}", size=9)
    para(tbl.rows[2].cells[1], "{{ p.name }}", size=9)
    row_height(tbl, 2, 1.0)
    para(tbl.rows[3].cells[0], "{%tr endfor %}")


def loop_table(
    target: Target,
    widths: Sequence[float],
    headers: Sequence[str],
    loop: str,
    fields: Sequence[str],
    *,
    size: float = 8,
) -> Table:
    """A table with a header row and one row repeated per item: `loop` is `x in items`."""
    tbl = table(target, 4, widths)
    header_row(tbl, 0, headers, size=size)
    para(tbl.rows[1].cells[0], f"{{%tr for {loop} %}}")
    var = loop.split(" in ")[0].strip()
    for cell, field in zip(tbl.rows[2].cells, fields, strict=True):
        para(cell, f"{{{{ {var}.{field} }}}}", size=size)
    para(tbl.rows[3].cells[0], "{%tr endfor %}")
    return tbl


def numbered(
    target: Target, items: str, *, indent: float = 0.6, size: float | None = None
) -> None:
    """A `1. item` list from a list variable, with a hanging indent."""
    tag(target, f"{{%p for item in {items} %}}")
    para(target, "{{ loop.index }}. {{ item }}", indent=indent, hanging=0.6, size=size)
    tag(target, "{%p endfor %}")


def to_bytes(doc: DocumentObject) -> bytes:
    """The document as .docx bytes with fixed zip timestamps (reproducible output)."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
