"""Turn an SOP document in the PermenPAN-RB 35/2012 format into a draft SOP file.

`import_document` reads a .docx (the table as Word holds it) or its plain-text export
(tab-separated) and returns the YAML draft, the draft as the loader reads it, and the list of
``# PERIKSA:`` comments: what the importer could not decide and marked at its line.

The path through the package: `source`/`docx_source` read the document into lines and rows,
`table` finds the activity table, `header` the identity block, `steps` and `flow` make the
steps, `draft` assembles the file's content and `writer` writes it with its comments.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import SopbotError
from bot.sop.importer.docx_source import UnreadableDocument, read_docx
from bot.sop.importer.draft import build
from bot.sop.importer.source import Block, read_text
from bot.sop.importer.table import TableMissing
from bot.sop.importer.writer import Finding, findings, write
from bot.sop.loader import parse_sop
from bot.sop.model import Sop
from bot.texts import t

__all__ = ["Finding", "ImportResult", "NotAnSopTable", "import_document"]

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # a .doc of Word 97-2003
_PDF = b"%PDF"


class NotAnSopTable(SopbotError):
    """The document is not an SOP table; `reason` says what was missing or wrong."""

    text_key = "import.refused"


@dataclass(frozen=True)
class ImportResult:
    """The YAML draft, the SOP it loads as, and what to check in it."""

    yaml: str
    sop: Sop
    findings: tuple[Finding, ...]


def import_document(data: bytes, filename: str) -> ImportResult:
    """Read an SOP document (.docx or its text export) and write its YAML draft."""
    try:
        draft = build(_blocks(data), filename)
    except TableMissing as missing:
        raise NotAnSopTable(reason=t(missing.text_key)) from missing
    head = [t("import.head", filename=filename), t("import.head_check")]
    text = write(draft.data, draft.checks, [*head, *draft.notes])
    # The draft is meant to load as it is; a failure here is the importer's own mistake.
    sop = parse_sop(text, f"<{filename}>")
    return ImportResult(text, sop, tuple(findings(text)))


def _blocks(data: bytes) -> list[Block]:
    if data.startswith(_ZIP):
        try:
            return read_docx(data)
        except UnreadableDocument as error:
            raise NotAnSopTable(reason=t("import.refused.format")) from error
    if data.startswith((_OLE, _PDF)):
        raise NotAnSopTable(reason=t("import.refused.format"))
    return read_text(_decode(data))


def _decode(data: bytes) -> str:
    """UTF-8 (with or without its mark), UTF-16 with its mark, else Windows' Latin."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
