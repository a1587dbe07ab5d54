"""Read a .docx into lines and table rows, with the flowchart shapes drawn in each cell.

Word keeps a merged cell once, with a span (``w:gridSpan``) or a vertical merge
(``w:vMerge``): its text goes to its first grid column and the columns or rows it covers are
left empty. The shapes of a cell are the drawings anchored in it, DrawingML (``w:drawing``) or
the older VML (``w:pict``); where Word stores both (``mc:AlternateContent``) only the DrawingML
choice is read. Text typed in a shape (a text box: "disetujui" on an arrow) counts as the cell's
text. Pictures (a logo) are no shapes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from zipfile import BadZipFile

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml.etree import XMLSyntaxError, _Element

from bot.sop.importer.source import Block, Cell, Line, Row, Shape, clean

_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
_V = "urn:schemas-microsoft-com:vml"

# DrawingML preset geometries (a:prstGeom/@prst) and VML shape types (the number in
# v:shape/@type "#_x0000_tNNN") by their meaning in a flowchart; any other closed shape is a
# process box.
_DECISIONS = {"flowChartDecision", "diamond"}
_CONNECTORS = {"flowChartConnector", "flowChartOffpageConnector", "ellipse", "homePlate"}
_LINE_WORDS = ("line", "Connector", "Arrow", "arc")
_VML_TYPES = {
    "110": Shape.DECISION,
    "4": Shape.DECISION,
    "120": Shape.CONNECTOR,
    "177": Shape.CONNECTOR,
    "3": Shape.CONNECTOR,
    "32": Shape.LINE,
    "33": Shape.LINE,
    "34": Shape.LINE,
    "38": Shape.LINE,
}
_VML_LINES = {"line", "polyline", "curve", "arc"}


class UnreadableDocument(Exception):
    """The bytes are not a Word document python-docx can open."""


def read_docx(data: bytes) -> list[Block]:
    """The document's paragraphs and table rows in reading order (nested tables flattened)."""
    try:
        document = Document(io.BytesIO(data))
    except (BadZipFile, KeyError, ValueError, PackageNotFoundError, XMLSyntaxError) as exc:
        raise UnreadableDocument(str(exc)) from exc
    blocks: list[Block] = []
    counter = iter(range(1, 1_000_000))
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = _paragraph_text(child)
            if text:
                blocks.append(Line(text))
        elif child.tag == qn("w:tbl"):
            blocks += _table(child, counter)
    return blocks


def _table(tbl: _Element, counter: Iterator[int]) -> list[Block]:
    number = next(counter)
    rows: list[Block] = []
    for tr in tbl.iterchildren(qn("w:tr")):
        cells: list[Cell] = [Cell()] * _grid_before(tr)
        for tc in tr.iterchildren(qn("w:tc")):
            span = _int_val(tc, "w:tcPr/w:gridSpan", 1)
            merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
            continued = merge is not None and merge.get(qn("w:val"), "continue") == "continue"
            cells.append(Cell() if continued else _cell(tc))
            cells += [Cell()] * (span - 1)
        rows.append(Row(tuple(cells), number))
    return rows


def _cell(tc: _Element) -> Cell:
    texts: list[str] = []
    shapes: list[Shape] = []
    for child in tc.iterchildren():
        if child.tag == qn("w:p"):
            texts.append(_paragraph_text(child))
        elif child.tag == qn("w:tbl"):  # a nested table: its cells' text, in order
            for nested in child.iter(qn("w:tc")):
                texts.append(_cell(nested).text)
    for drawing in _drawings(tc):
        for shape, label in _shapes(drawing):
            shapes.append(shape)
            texts.append(label)
    return Cell(clean("\n".join(texts)), tuple(shapes))


def _paragraph_text(p: _Element) -> str:
    return clean(Paragraph(p, None).text)  # type: ignore[arg-type]


def _drawings(tc: _Element) -> Iterator[_Element]:
    """The drawings of a cell's own paragraphs, the DrawingML choice of each alternate pair."""
    for p in tc.iterchildren(qn("w:p")):
        for run in p.iter(qn("w:r")):
            if _in_fallback(run):  # a run inside a text box or a fallback copy
                continue
            for child in run.iterchildren():
                if child.tag in (qn("w:drawing"), qn("w:pict")):
                    yield child
                elif child.tag == f"{{{_MC}}}AlternateContent":
                    choice = child.find(f"{{{_MC}}}Choice")
                    if choice is not None:
                        yield choice


def _in_fallback(element: _Element) -> bool:
    parent = element.getparent()
    while parent is not None:
        if parent.tag in (f"{{{_MC}}}Fallback", qn("w:txbxContent")):
            return True
        parent = parent.getparent()
    return False


def _shapes(drawing: _Element) -> Iterator[tuple[Shape, str]]:
    """Each shape of a drawing (a group gives several) with the text typed in it."""
    for wsp in drawing.iter(f"{{{_WPS}}}wsp"):
        yield _drawingml_kind(wsp), _box_text(wsp)
    for element in drawing.iter():
        if not isinstance(element.tag, str) or not element.tag.startswith(f"{{{_V}}}"):
            continue
        name = element.tag.split("}")[1]
        if name in _VML_LINES:
            yield Shape.LINE, _box_text(element)
        elif name in ("shape", "rect", "roundrect", "oval") and not _is_picture(element):
            yield _vml_kind(element, name), _box_text(element)


def _drawingml_kind(wsp: _Element) -> Shape:
    if wsp.find(f"{{{_WPS}}}cNvCnPr") is not None:  # a connector: a line between shapes
        return Shape.LINE
    geometry = wsp.find(f".//{{{_A}}}prstGeom")
    preset = geometry.get("prst", "") if geometry is not None else ""
    if preset in _DECISIONS:
        return Shape.DECISION
    if preset in _CONNECTORS:
        return Shape.CONNECTOR
    if any(word in preset for word in _LINE_WORDS):
        return Shape.LINE
    return Shape.PROCESS


def _vml_kind(element: _Element, name: str) -> Shape:
    if name == "oval":
        return Shape.CONNECTOR
    kind = element.get("type", "").rsplit("_t", 1)[-1] if name == "shape" else ""
    return _VML_TYPES.get(kind, Shape.PROCESS)


def _is_picture(element: _Element) -> bool:
    return element.find(f"{{{_V}}}imagedata") is not None


def _box_text(shape: _Element) -> str:
    texts = [
        _paragraph_text(p)
        for box in shape.iter(qn("w:txbxContent"))
        for p in box.iterchildren(qn("w:p"))
    ]
    return "\n".join(text for text in texts if text)


def _grid_before(tr: _Element) -> int:
    return _int_val(tr, "w:trPr/w:gridBefore", 0)


def _int_val(element: _Element, path: str, default: int) -> int:
    steps = path.split("/")
    found = element.find("/".join(qn(step) for step in steps))
    if found is None:
        return default
    try:
        return int(found.get(qn("w:val"), default))
    except ValueError:
        return default
