"""Zip files that are the same bytes whenever they are built from the same contents.

Entries are sorted, stamped with one fixed time and mode, and compressed the same way; a
manifest lists every file's sha256 in the format `sha256sum -c` checks.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
MANIFEST = "MANIFEST-SHA256.txt"


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # unix, whatever the machine
    info.external_attr = 0o644 << 16
    return info


def deterministic_zip(files: Mapping[str, bytes]) -> bytes:
    """A zip of `files` (path -> bytes), in path order, with fixed times and modes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(_info(name), files[name], compresslevel=9)
    return out.getvalue()


def normalised_office_file(data: bytes) -> bytes:
    """A .docx/.xlsx (a zip) with the same parts in the same order but fixed times."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(_info(item.filename), source.read(item.filename), compresslevel=9)
    return out.getvalue()


def manifest(files: Mapping[str, bytes]) -> bytes:
    """`<sha256>  <path>` per file, in path order (checkable with `sha256sum -c`)."""
    lines = [f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files)]
    return "".join(lines).encode()


def with_manifest(files: Mapping[str, bytes]) -> bytes:
    """The zip of `files` plus their manifest."""
    return deterministic_zip({**files, MANIFEST: manifest(files)})
