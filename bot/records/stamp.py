"""The signed agreement's number written into the approved draft's `NOMOR:` line."""

from __future__ import annotations

import io
import re
import zipfile

# The title block of an agreement: its NOMOR line comes within the first paragraphs.
HEAD_PARAGRAPHS = 20
_NOMOR = re.compile(r"^\s*NOMOR\s*:?", re.IGNORECASE)


def stamp_number(data: bytes, nomor: str) -> bytes | None:
    """The .docx with its first `NOMOR:` line reading `NOMOR: <nomor>`.

    None when the file is not a .docx or has no such line: it is kept as it was, and the
    number stands in the register and the metadata.
    """
    from docx import Document  # loaded when first used: not on the start-up path

    try:
        document = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError):
        return None
    for paragraph in document.paragraphs[:HEAD_PARAGRAPHS]:
        if _NOMOR.match(paragraph.text):
            runs = paragraph.runs
            if not runs:
                return None
            runs[0].text = f"NOMOR: {nomor}"
            for run in runs[1:]:
                run.text = ""
            out = io.BytesIO()
            document.save(out)
            return out.getvalue()
    return None
