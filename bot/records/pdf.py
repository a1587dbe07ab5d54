"""PDF copies of .docx files, made by LibreOffice headless (`soffice --convert-to pdf`).

LibreOffice is optional: without it (or when it fails) the caller keeps the .docx files and
says which PDFs could not be made. Each run uses a private profile, so a LibreOffice a person
has open on the same machine does not interfere.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.texts import t

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Converted:
    """PDFs by the name of the .docx they came from, and why the others are missing."""

    pdfs: dict[str, bytes] = field(default_factory=dict)
    problem: str | None = None  # None: every file converted


def to_pdf(files: Mapping[str, bytes], soffice: str, timeout: int = TIMEOUT_SECONDS) -> Converted:
    """Convert .docx files (name -> bytes) to PDF in one LibreOffice run."""
    if not files:
        return Converted()
    command = shutil.which(soffice)
    if command is None:
        return Converted(problem=t("records.pdf.not_found", soffice=soffice))
    with tempfile.TemporaryDirectory(prefix="sopbot-pdf-") as folder:
        root = Path(folder)
        sources = root / "docx"
        sources.mkdir()
        paths = []
        for name, data in files.items():
            paths.append(sources / name)
            paths[-1].write_bytes(data)
        profile = (root / "profile").as_uri()
        args = [command, f"-env:UserInstallation={profile}", "--headless", "--norestore"]
        args += ["--convert-to", "pdf", "--outdir", str(root / "pdf"), *map(str, paths)]
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as error:
            logger.warning("LibreOffice failed: %s", error)
            return Converted(problem=t("records.pdf.failed", error=type(error).__name__))
        pdfs = {
            name: made.read_bytes()
            for name in files
            if (made := root / "pdf" / f"{Path(name).stem}.pdf").is_file()
        }
    if len(pdfs) < len(files):
        missing = ", ".join(sorted(set(files) - set(pdfs)))
        logger.warning("LibreOffice made no PDF of %s: %s", missing, done.stderr.strip())
        return Converted(pdfs, t("records.pdf.missing", files=missing))
    return Converted(pdfs)
