"""Unpacking a .docx (a zip archive) safely: bounded sizes, bounded chunks, hardened XML.

The zip directory is judged before anything is unpacked (member count, total size, ratio, path
names, encryption); members are then unpacked in 64 KB chunks, never beyond the sizes the
directory declares, their CRC checked. XML is parsed with expat as it streams, refusing any DTD,
so no entity is ever expanded. Relationships are checked for what Word would run or fetch.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from io import BytesIO
from typing import Any, NoReturn
from xml.parsers import expat

from bot.errors import UploadRejected

MB = 1024 * 1024
# A .docx is a zip archive: these bound what unpacking it may cost.
MAX_UNPACKED_BYTES = 100 * MB
MAX_MEMBERS = 2000
MAX_RATIO = 100
RATIO_CHECKED_FROM = 1 * MB  # small XML parts (styles.xml ~30:1) legitimately compress well
CHUNK = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
ZIP_DIRECTORY_ENTRY = b"PK\x01\x02"
# Relationships Word follows on opening: an embedded OLE object or an imported HTML/RTF chunk.
ACTIVE_RELATIONSHIPS = frozenset({"oleobject", "afchunk"})

DOCX_CORRUPT = "upload.docx_corrupt"
ARCHIVE_UNSAFE = "upload.archive_unsafe"
ENCRYPTED = "upload.encrypted"
ACTIVE_CONTENT = "upload.active_content"

Chunk = bytes | memoryview
OnElement = Callable[[str, dict[str, str]], None]


def _reject(text_key: str, **params: Any) -> NoReturn:
    raise UploadRejected(text_key, **params)


def zip_members(data: bytes) -> dict[str, zipfile.ZipInfo]:
    """The zip's directory by lower-case name, refused when unpacking it could be a bomb."""
    # Counted before zipfile reads the directory, so a forged one with a million entries is cheap.
    if data.count(ZIP_DIRECTORY_ENTRY) > MAX_MEMBERS:
        _reject(ARCHIVE_UNSAFE)
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError, OSError):
        _reject(DOCX_CORRUPT)
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename.lower()
        if _unsafe_member_name(name) or name in members or _too_compressed(info):
            _reject(ARCHIVE_UNSAFE)
        if info.flag_bits & 0x1:
            _reject(ENCRYPTED)
        members[name] = info
    if len(members) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        _reject(ARCHIVE_UNSAFE)
    return members


def _unsafe_member_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    absolute = parts[0] == "" or re.match(r"[a-z]:", parts[0]) is not None
    return absolute or ".." in parts


def _too_compressed(info: zipfile.ZipInfo) -> bool:
    size = info.file_size
    return size >= RATIO_CHECKED_FROM and size > MAX_RATIO * max(info.compress_size, 1)


def member_chunks(view: memoryview, info: zipfile.ZipInfo) -> Iterator[Chunk]:
    """A member's content in chunks, never beyond its declared size, its CRC checked."""
    start = _data_offset(view, info)
    produced, crc = 0, 0
    for chunk in _unpack(view[start : start + info.compress_size], info.compress_type):
        produced += len(chunk)
        if produced > info.file_size:  # the directory lied to pass the checks above
            _reject(ARCHIVE_UNSAFE)
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if produced != info.file_size or crc != info.CRC:
        _reject(DOCX_CORRUPT)


def _data_offset(view: memoryview, info: zipfile.ZipInfo) -> int:
    """Where a member's data starts, after its local header."""
    header = bytes(view[info.header_offset : info.header_offset + 30])
    if len(header) < 30 or not header.startswith(ZIP_MAGIC):
        _reject(DOCX_CORRUPT)
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    return int(info.header_offset + 30 + name_length + extra_length)


def _unpack(raw: memoryview, method: int) -> Iterator[Chunk]:
    """Stored or deflated data in chunks of at most `CHUNK` bytes."""
    if method == zipfile.ZIP_STORED:
        for position in range(0, len(raw), CHUNK):
            yield raw[position : position + CHUNK]
    elif method == zipfile.ZIP_DEFLATED:
        try:
            yield from _inflate(raw)
        except zlib.error:
            _reject(DOCX_CORRUPT)
    else:  # Word writes nothing else
        _reject(DOCX_CORRUPT)


def _inflate(raw: memoryview) -> Iterator[bytes]:
    """Raw deflate data, inflated `CHUNK` bytes at a time whatever its ratio."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for position in range(0, len(raw), CHUNK):
        pending: Chunk = raw[position : position + CHUNK]
        while pending and not inflater.eof:
            yield inflater.decompress(pending, CHUNK)
            pending = inflater.unconsumed_tail
        if inflater.eof:
            return
    while not inflater.eof:  # output held back by the CHUNK cap, or a truncated stream
        rest = inflater.decompress(b"", CHUNK)
        if not rest:
            _reject(DOCX_CORRUPT)
        yield rest


def content_types(view: memoryview, info: zipfile.ZipInfo) -> list[tuple[str, str]]:
    """(part name, content type) of every Override, and ("", type) of every Default."""
    declared: list[tuple[str, str]] = []

    def on_element(name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition("}")[2]
        if local in ("Default", "Override"):
            declared.append((attributes.get("PartName", ""), attributes.get("ContentType", "")))

    parse_xml(member_chunks(view, info), on_element)
    return declared


def parse_xml(chunks: Iterator[Chunk], on_element: OnElement | None = None) -> str:
    """Parse streamed XML with expat, refusing DOCTYPE and ENTITY; the root's local name."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    roots: list[str] = []

    def on_root(name: str, attributes: dict[str, str]) -> None:
        roots.append(name.rpartition("}")[2])
        parser.StartElementHandler = on_element  # None: the rest is only checked, fast
        if on_element is not None:
            on_element(name, attributes)

    parser.StartElementHandler = on_root
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        _reject(DOCX_CORRUPT)
    return roots[0]


def _refuse_declaration(*_: object) -> NoReturn:
    """A DTD could define entities that expand without bound; Word never writes one."""
    _reject(DOCX_CORRUPT)


def check_relationship(name: str, attributes: dict[str, str]) -> None:
    """Refuse a part Word would run (OLE) or fetch from elsewhere (a remote template)."""
    if name.rpartition("}")[2] != "Relationship":
        return
    kind = attributes.get("Type", "").rpartition("/")[2].lower()
    if kind in ACTIVE_RELATIONSHIPS:
        _reject(ACTIVE_CONTENT)
    external = attributes.get("TargetMode", "").lower() == "external"
    if external and kind != "hyperlink" and _remote(attributes.get("Target", "")):
        _reject(ACTIVE_CONTENT)


def _remote(target: str) -> bool:
    """Whether Word would reach out to another machine for this target (a URL or a share).

    A local path (`file:///C:/...`, `C:\\...`, relative) is what Word writes for the template a
    document was made from; `http:`, `\\\\server\\share`, `file://server/` are not.
    """
    address = target.strip().replace("\\", "/").lower()
    if address.startswith("//"):
        return True
    scheme, colon, rest = address.partition(":")
    if not colon or len(scheme) == 1:  # relative, or a drive letter
        return False
    return scheme != "file" or (rest.startswith("//") and not rest.startswith("///"))
