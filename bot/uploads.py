"""Inspection of an uploaded file by its content, not its name: kind, safety and a clean name.

Accepted: a .docx or .pdf the policy allows, with nothing the bot cannot check (a password) or
must not pass on: macros, embedded OLE objects, content fetched from elsewhere when the document
is opened, a zip bomb, XML entities (bot/uploads_zip.py), PDF JavaScript and the like
(bot/uploads_pdf.py).
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
import zipfile
from collections import deque
from dataclasses import dataclass
from typing import Any, NoReturn

from bot.errors import UploadRejected
from bot.texts import t
from bot.uploads_pdf import inspect_pdf
from bot.uploads_zip import (
    DOCX_CORRUPT,
    ENCRYPTED,
    ZIP_MAGIC,
    check_relationship,
    content_types,
    member_chunks,
    parse_xml,
    zip_members,
)

MB = 1024 * 1024
TELEGRAM_DOWNLOAD_LIMIT_MB = 20  # the Bot API's getFile serves nothing larger
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_TYPES = {
    "docx": DOCX_MEDIA_TYPE,
    "pdf": "application/pdf",
    "jpg": "image/jpeg",  # only where a photo is an answer, e.g. a scanned disposition
    "png": "image/png",
}
IMAGE_MAGIC = {
    "jpg": (b"\xff\xd8\xff", b"\xff\xd9"),
    "png": (b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82"),
}

MAX_FILENAME_CHARS = 120
# Names Windows keeps for devices: a file called so cannot be saved there.
WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
     *(f"LPT{n}" for n in range(1, 10))}
)  # fmt: skip

PDF_MAGIC = b"%PDF-"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
CONTENT_TYPES = "[content_types].xml"
WORD_MAIN_TYPES = (  # .docx, .docm, .dotm; lower case
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.ms-word.document.macroenabled.main+xml",
    "application/vnd.ms-word.template.macroenabledtemplate.main+xml",
)
# Content types and part names of code Word may run: macros, ActiveX, embedded OLE objects.
MACRO_MARKERS = ("macroenabled", "vbaproject", "vbadata", "activex", "oleobject")
XML_SUFFIXES = (".xml", ".rels")
WORD_SUFFIXES = frozenset({".docx", ".docm", ".doc", ".dotx", ".dotm"})
# An extension replaced by the kind's own ("PKS PT.ABC" keeps its ".ABC"):
KNOWN_SUFFIXES = WORD_SUFFIXES | {".pdf", ".rtf", ".odt", ".txt", ".png", ".jpg", ".jpeg", ".exe"}

TOO_LARGE = "upload.too_large"
IMAGE_CORRUPT = "upload.image_corrupt"
EMPTY = "upload.empty"
TYPE_NOT_ALLOWED = "upload.type_not_allowed"
LEGACY_DOC = "upload.legacy_doc"
NOT_DOCX = "upload.not_docx"
MACRO = "upload.macro"
PDF_CORRUPT = "upload.pdf_corrupt"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_RESERVED = re.compile(r'[<>:"/\\|?*]')


@dataclass(frozen=True)
class UploadPolicy:
    """Which kinds of file are accepted, and how big one may be."""

    allowed: frozenset[str]
    max_bytes: int

    def __post_init__(self) -> None:
        unknown = self.allowed - MEDIA_TYPES.keys()
        if not self.allowed or unknown:
            raise ValueError(f"upload types must be among {sorted(MEDIA_TYPES)}: {self.allowed}")
        if not 0 < self.max_bytes <= TELEGRAM_DOWNLOAD_LIMIT_MB * MB:
            raise ValueError(f"max upload must be 1 byte to {TELEGRAM_DOWNLOAD_LIMIT_MB} MB")

    def with_images(self) -> UploadPolicy:
        """The same policy, also accepting a photo (JPEG or PNG)."""
        return UploadPolicy(self.allowed | {"jpg", "png"}, self.max_bytes)

    @classmethod
    def from_settings(cls, upload_types: str, max_upload_mb: int) -> UploadPolicy:
        """The policy from `SOPBOT_UPLOAD_TYPES` ("docx,pdf") and `SOPBOT_MAX_UPLOAD_MB`."""
        kinds = frozenset(
            kind.strip().lstrip(".").lower() for kind in upload_types.split(",") if kind.strip()
        )
        return cls(allowed=kinds, max_bytes=max_upload_mb * MB)


@dataclass(frozen=True)
class InspectedUpload:
    """An accepted upload: what it really is, under a safe name."""

    kind: str
    media_type: str
    filename: str
    size: int
    sha256: str


def check_declared_size(size: int | None, policy: UploadPolicy) -> None:
    """Refuse a file the platform reports as too big, before downloading it."""
    if size is not None and size > policy.max_bytes:
        _reject(TOO_LARGE, size=format_megabytes(size), limit=format_megabytes(policy.max_bytes))


def inspect_upload(data: bytes, filename: str, policy: UploadPolicy) -> InspectedUpload:
    """Check an uploaded file by its content; raise `UploadRejected` saying why it is refused."""
    if not data:
        _reject(EMPTY)
    check_declared_size(len(data), policy)
    kind = _inspect_content(data, _suffix(filename), policy)
    return InspectedUpload(
        kind=kind,
        media_type=MEDIA_TYPES[kind],
        filename=sanitise_filename(filename, kind),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def sanitise_filename(filename: str, kind: str) -> str:
    """A safe name: no path or control characters, ≤ 120 characters, the extension of `kind`."""
    name = _RESERVED.sub("_", _clean(filename))
    extension = f".{kind}"
    suffix = _suffix(name)
    stem = (name[: -len(suffix)] if suffix in KNOWN_SUFFIXES else name).strip(" .")
    stem = stem[: MAX_FILENAME_CHARS - len(extension)].rstrip(" .")
    if stem.partition(".")[0].strip().upper() in WINDOWS_DEVICES:
        stem = f"_{stem}"
    return f"{stem or t('upload.default_filename')}{extension}"


def format_megabytes(size: int) -> str:
    """`30 MB`, or up to the next tenth (`20,1 MB`) so a size over a limit never reads as equal."""
    if size % MB == 0:
        return f"{size // MB} MB"
    tenths = -(-size * 10 // MB)
    return f"{tenths // 10},{tenths % 10} MB"


def _reject(text_key: str, **params: Any) -> NoReturn:
    raise UploadRejected(text_key, **params)


def _clean(filename: str) -> str:
    """The last path part, NFC, controls turned to spaces and invisible format characters gone."""
    name = re.split(r"[/\\]", unicodedata.normalize("NFC", filename))[-1]
    name = _CONTROL.sub(" ", name)
    # Other "C" categories: bidi overrides that disguise an extension, lone surrogates.
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    return " ".join(name.split())


def _suffix(filename: str) -> str:
    name = _clean(filename)
    return f".{name.rpartition('.')[2].lower()}" if "." in name else ""


def _allowed(policy: UploadPolicy) -> str:
    """`.docx atau .pdf`: the accepted extensions for a message."""
    extensions = [f".{kind}" for kind in sorted(policy.allowed)]
    if len(extensions) == 1:
        return extensions[0]
    return f"{', '.join(extensions[:-1])} {t('upload.or')} {extensions[-1]}"


def _require_allowed(kind: str, policy: UploadPolicy) -> None:
    if kind not in policy.allowed:
        _reject(TYPE_NOT_ALLOWED, allowed=_allowed(policy))


def _inspect_content(data: bytes, suffix: str, policy: UploadPolicy) -> str:
    """The kind the content really is, after every check for that kind."""
    if data.startswith(PDF_MAGIC):
        _require_allowed("pdf", policy)
        inspect_pdf(data)
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        _inspect_docx(data, suffix, policy)
        return "docx"
    if data.startswith(OLE_MAGIC):
        _reject_ole(data, policy)
    for kind, (start, end) in IMAGE_MAGIC.items():
        if data.startswith(start) and kind in policy.allowed:
            if end not in data[-64:]:
                _reject(IMAGE_CORRUPT)
            return kind
    claimed = "pdf" if suffix == ".pdf" else "docx" if suffix in WORD_SUFFIXES else None
    if claimed is None:
        _reject(TYPE_NOT_ALLOWED, allowed=_allowed(policy))
    _require_allowed(claimed, policy)
    if claimed == "pdf":
        _reject(PDF_CORRUPT)
    _reject(NOT_DOCX, claimed=suffix, allowed=_allowed(policy))


def _reject_ole(data: bytes, policy: UploadPolicy) -> NoReturn:
    """An OLE compound file: a password-protected Office file, a Word 97-2003 .doc, or else."""
    if _ole_has_stream(data, "EncryptedPackage"):
        _reject(ENCRYPTED)
    if "docx" in policy.allowed and _ole_has_stream(data, "WordDocument"):
        _reject(LEGACY_DOC)
    _reject(TYPE_NOT_ALLOWED, allowed=_allowed(policy))


def _ole_has_stream(data: bytes, name: str) -> bool:
    """Whether the compound file's directory has an entry called `name`."""
    needle = name.encode("utf-16-le") + b"\x00\x00"
    length = struct.pack("<H", len(needle))
    position = data.find(needle, 512)
    while position != -1:
        # Directory entries are 128 bytes, sector-aligned; the name's byte length is at +64.
        if position % 128 == 0 and data[position + 64 : position + 66] == length:
            return True
        position = data.find(needle, position + 1)
    return False


def _inspect_docx(data: bytes, suffix: str, policy: UploadPolicy) -> None:
    """A zip that must be a safe, intact, macro-free Word document."""
    members = zip_members(data)
    view = memoryview(data)
    main = _word_main_part(view, members, suffix, policy)
    for name, info in members.items():
        if name == main:
            if parse_xml(member_chunks(view, info)) != "document":
                _reject(DOCX_CORRUPT)
        elif name.endswith(".rels"):
            parse_xml(member_chunks(view, info), check_relationship)
        elif name.endswith(XML_SUFFIXES):
            if name != CONTENT_TYPES:
                parse_xml(member_chunks(view, info))
        else:
            deque(member_chunks(view, info), maxlen=0)  # unpacks to check sizes and CRC


def _word_main_part(
    view: memoryview, members: dict[str, zipfile.ZipInfo], suffix: str, policy: UploadPolicy
) -> str:
    """The main document's member name, once [Content_Types].xml shows a macro-free .docx."""
    claims_word = suffix in WORD_SUFFIXES
    if CONTENT_TYPES not in members:
        if claims_word:
            _reject(DOCX_CORRUPT)
        _reject(TYPE_NOT_ALLOWED, allowed=_allowed(policy))
    types = content_types(view, members[CONTENT_TYPES])
    main = next((part for part, kind in types if kind.lower() in WORD_MAIN_TYPES), None)
    if main is None:
        if not claims_word or "docx" not in policy.allowed:
            _reject(TYPE_NOT_ALLOWED, allowed=_allowed(policy))
        _reject(NOT_DOCX, claimed=suffix, allowed=_allowed(policy))
    _require_allowed("docx", policy)
    declared = [kind.lower() for _, kind in types] + list(members)
    if any(marker in entry for entry in declared for marker in MACRO_MARKERS):
        _reject(MACRO)
    main_name = main.lstrip("/").lower()
    if main_name not in members:
        _reject(DOCX_CORRUPT)
    return main_name
