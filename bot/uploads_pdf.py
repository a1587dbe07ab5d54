"""Inspection of an uploaded PDF: intact, not encrypted, and without active content.

Active content is what a PDF reader may run or open on its own: JavaScript, a launch action, an
embedded file, rich media, an XFA form. Their names are looked for as a reader would see them: a
name inside a string or a comment is no name, stream data (arbitrary bytes) is skipped by its
`/Length`, and `#xx` escapes (`/J#61vaScript`) are decoded. Object streams, which hold objects
compressed, are inflated for the check within a budget that a decompression bomb exhausts.

Only the tokens that matter come back from the regular expression (strings, comments, the
`stream` keyword, and the names below); everything else is skipped by the regex engine, so a
real document costs little. A file made of millions of such tokens is refused (`MAX_TOKENS`):
no document needs that many, and walking them would take seconds.
"""

from __future__ import annotations

import re
import zlib
from typing import NoReturn

from bot.errors import UploadRejected

MB = 1024 * 1024
EOF_WINDOW = 1024  # "%%EOF" must appear in the last KB
CHUNK = 64 * 1024
# Object streams hold only objects (dictionaries, arrays, strings): a few MB in real files.
MAX_OBJECT_STREAM_BYTES = 32 * MB
MAX_TOKENS = 500_000  # strings, comments, streams and the names below
# Every "/" costs the regular expression a look; a real 20 MB file has a few hundred thousand.
MAX_SLASHES = 2_000_000
ACTIVE_NAMES = frozenset(
    {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia", b"XFA"}
)
FLATE = frozenset({b"FlateDecode", b"Fl"})
# Anything else on an object stream (another filter, a predictor) would hide its objects.
UNCHECKABLE = frozenset(
    {b"ASCIIHexDecode", b"ASCII85Decode", b"LZWDecode", b"RunLengthDecode", b"AHx", b"A85",
     b"LZW", b"RL", b"Crypt", b"DecodeParms", b"DP"}
)  # fmt: skip
STRUCTURE_NAMES = frozenset({b"Length", b"ObjStm", b"Filter"}) | FLATE | UNCHECKABLE

CORRUPT = "upload.pdf_corrupt"
ENCRYPTED = "upload.encrypted"
ACTIVE = "upload.pdf_active"
UNSAFE = "upload.pdf_unsafe"

_NAME_CHAR = rb"[^\x00\t\n\x0c\r /<>\[\]()%{}]"
_WANTED = b"|".join(
    re.escape(name) for name in sorted(ACTIVE_NAMES | STRUCTURE_NAMES, key=len, reverse=True)
)
# Every branch starts with a literal character, so the engine skips the bytes between tokens
# fast; its group marks which branch matched. Possessive repeats: no backtracking, so no time or
# memory grows with a long token.
_TOKEN = re.compile(
    rb"%()[^\r\n]*+"  # 1: a comment
    rb"|\(()[^()\\]*+(?:\\.[^()\\]*+)*+\)"  # 2: a string without nested parentheses
    rb"|\(()"  # 3: a string with them, walked in Python
    rb"|/(" + _WANTED + rb")(?!" + _NAME_CHAR + rb")"  # 4: a name that matters
    rb"|/(" + _NAME_CHAR[:-1] + rb"#]*+#" + _NAME_CHAR + rb"*+)"  # 5: an escaped name
    rb"|s()tream(?<=[\s>]stream)(?:\r\n|\n|\r)",  # 6: stream data follows
    re.DOTALL,
)
_COMMENT, _FLAT, _NESTED, _WANTED_NAME, _ESCAPED_NAME, _STREAM = range(1, 7)
_STRING_PART = re.compile(rb"\\.|[()]", re.DOTALL)
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_DIRECT_LENGTH = re.compile(rb"\s*(\d+)(?!\d)(?!\s+\d+\s+R)")
_ENDSTREAM = re.compile(rb"\s*endstream")
_ENCRYPT_VALUE = re.compile(rb"\s*(?:\d+\s+\d+\s+R|<<)")


def inspect_pdf(data: bytes) -> None:
    """Raise `UploadRejected` unless the PDF is whole, unencrypted and free of active content."""
    if b"%%EOF" not in data[-EOF_WINDOW:]:
        _reject(CORRUPT)
    if _is_encrypted(data):
        _reject(ENCRYPTED)
    _Scanner().scan(data, streams=True)


def _reject(text_key: str) -> NoReturn:
    raise UploadRejected(text_key)


def _is_encrypted(data: bytes) -> bool:
    """Whether a trailer (or cross-reference stream) names an /Encrypt dictionary."""
    # Only there is /Encrypt followed by a reference or a dictionary (/EncryptMetadata is not).
    position = data.find(b"/Encrypt")
    while position != -1:
        if _ENCRYPT_VALUE.match(data, position + len(b"/Encrypt")):
            return True
        position = data.find(b"/Encrypt", position + 1)
    return False


def _name(raw: bytes) -> bytes:
    """A name as the reader sees it: `#xx` escapes decoded."""
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw) if b"#" in raw else raw


class _Scanner:
    """Reads a PDF's tokens once, with budgets shared by the file and its object streams."""

    def __init__(self) -> None:
        self.tokens = MAX_TOKENS
        self.slashes = MAX_SLASHES
        self.inflated = MAX_OBJECT_STREAM_BYTES

    def scan(self, data: bytes, *, streams: bool) -> None:
        """Refuse active names in `data`; with `streams`, skip and check stream data.

        The names seen since the last stream are the next stream's dictionary (only streams
        can be object streams, and nothing else in a real file says `/ObjStm`).
        """
        self.slashes -= data.count(b"/")
        if self.slashes < 0:
            _reject(UNSAFE)
        names: set[bytes] = set()
        length_at, position = -1, 0
        while position >= 0:
            resume = -1
            for match in _TOKEN.finditer(data, position):
                self._count()
                kind = match.lastindex
                if kind in (_WANTED_NAME, _ESCAPED_NAME):
                    name = _name(match.group(kind))
                    if name in ACTIVE_NAMES:
                        _reject(ACTIVE)
                    names.add(name)
                    length_at = match.end() if name == b"Length" else length_at
                elif kind == _NESTED:
                    resume = self._skip_string(data, match.end())
                    break
                elif kind == _STREAM and streams:
                    resume = _stream_end(data, match.end(), length_at)
                    if b"ObjStm" in names:
                        self._object_stream(memoryview(data)[match.end() : resume], names)
                    names, length_at = set(), -1
                    break
            position = resume

    def _count(self) -> None:
        self.tokens -= 1
        if self.tokens < 0:
            _reject(UNSAFE)

    def _skip_string(self, data: bytes, position: int) -> int:
        """The end of a literal string (balanced parentheses, backslash escapes)."""
        depth = 1
        for part in _STRING_PART.finditer(data, position):
            self._count()
            if part.group() == b"(":
                depth += 1
            elif part.group() == b")":
                depth -= 1
                if depth == 0:
                    return part.end()
        _reject(CORRUPT)

    def _object_stream(self, raw: memoryview, names: set[bytes]) -> None:
        """Check the objects an object stream holds (they are text, without streams)."""
        if names & UNCHECKABLE:
            _reject(UNSAFE)
        self.scan(self._inflate(raw) if names & FLATE else bytes(raw), streams=False)

    def _inflate(self, raw: memoryview) -> bytes:
        """zlib data inflated `CHUNK` bytes at a time, within the budget of inflated bytes."""
        inflater, out = zlib.decompressobj(), bytearray()
        try:
            for position in range(0, len(raw), CHUNK):
                pending: bytes | memoryview = raw[position : position + CHUNK]
                while pending and not inflater.eof:
                    out += inflater.decompress(pending, CHUNK)
                    if len(out) > self.inflated:
                        _reject(UNSAFE)
                    pending = inflater.unconsumed_tail
            out += inflater.flush()
        except zlib.error:
            _reject(UNSAFE)
        self.inflated -= len(out)
        if self.inflated < 0:
            _reject(UNSAFE)
        return bytes(out)


def _stream_end(data: bytes, start: int, length_at: int) -> int:
    """Where the stream starting at `start` ends: after its `endstream`.

    A direct `/Length` that lands on `endstream` is trusted; otherwise (an indirect length, or
    a wrong one) the first `endstream` is taken, which never skips more than a reader would.
    """
    if length_at >= 0 and (length := _DIRECT_LENGTH.match(data, length_at)) is not None:
        end = start + int(length.group(1))
        keyword = _ENDSTREAM.match(data, end)
        if keyword is not None:
            return keyword.end()
    found = data.find(b"endstream", start)
    if found == -1:
        _reject(CORRUPT)
    return found + len(b"endstream")
