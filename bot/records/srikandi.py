"""The SRIKANDI registration package of a case: each naskah as PDF and .docx, a metadata
sheet with the fields SRIKANDI's registration form asks for, notes and a manifest, zipped.

Only numbered naskah still issued are registered; a naskah of the case that exists without a
number (uploaded instead of issued) is included under `belum-bernomor/`, and whatever is
missing is named in KETERANGAN.txt. Without LibreOffice the package holds the .docx files and
says the PDFs could not be made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from bot.documents.values import local
from bot.fmt import format_datetime
from bot.ports import DocumentRecord, RegisterEntry
from bot.records.pdf import to_pdf
from bot.records.register import BY_TEMPLATE
from bot.records.sheet import MetadataRow, to_csv, to_xlsx
from bot.records.zipping import MANIFEST, manifest
from bot.sop.model import RECORD_KINDS, ArtifactKind, Sop
from bot.texts import t
from bot.workflow.model import Case, CaseStatus

Read = Callable[[str], bytes]
NOTES = "KETERANGAN.txt"
ZIP_MEDIA_TYPE = "application/zip"


@dataclass(frozen=True)
class Package:
    """A built records package (zip) and what it lacks."""

    filename: str
    data: bytes
    missing: tuple[str, ...] = ()
    pdf_problem: str | None = None
    media_type: str = ZIP_MEDIA_TYPE

    @property
    def complete(self) -> bool:
        """Whether nothing is missing and every PDF was made."""
        return not self.missing and self.pdf_problem is None


def safe_name(text: str) -> str:
    """A file-name part from a number: `005/12-Tapem/III/2026` → `005-12-Tapem-III-2026`."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.") or "naskah"


def expected_kinds(sop: Sop) -> tuple[str, ...]:
    """The naskah a finished case of this SOP leaves: those its templates issue, the lembar
    persetujuan, and the agreement when a decision records an approved draft."""
    templates = {a.template for a in sop.artifacts.values() if a.template}
    kinds = {kind for template, kind in BY_TEMPLATE.items() if template in templates}
    kinds.add("persetujuan")
    if any(d.records for step in sop.steps for d in step.decisions):
        kinds.add("kb")
    return tuple(kind for kind in RECORD_KINDS if kind in kinds)


def missing(case: Case, sop: Sop, entries: Sequence[RegisterEntry]) -> tuple[str, ...]:
    """What a complete registration of the case still lacks, in words."""
    out = []
    if case.status is not CaseStatus.DONE:
        out.append(t("records.missing.unfinished", ref=case.ref,
                     status=t(f"status.{case.status.value}")))  # fmt: skip
    issued = {e.kind for e in entries if e.status == "issued"}
    for kind in expected_kinds(sop):
        if kind not in issued:
            out.append(t(f"records.missing.{kind}", ref=case.ref, jenis=sop.record(kind).jenis))
    return tuple(out)


def ordered(entries: Sequence[RegisterEntry]) -> list[RegisterEntry]:
    """Issued entries in the order the naskah were issued."""
    issued = [e for e in entries if e.status == "issued"]
    return sorted(issued, key=lambda e: (e.issued_at, RECORD_KINDS.index(e.kind), e.number))


def metadata_row(entry: RegisterEntry, sop: Sop, berkas: str, note: str = "") -> MetadataRow:
    """An entry as SRIKANDI's registration form asks for it."""
    d = entry.details
    record = sop.record(entry.kind)
    sifat = str(d.get("sifat") or record.sifat.value)
    urgensi = str(d.get("urgensi") or record.urgensi.value)
    return MetadataRow(
        jenis=str(d.get("jenis") or record.jenis),
        sifat=t(f"records.sifat.{sifat}"),
        urgensi=t(f"records.urgensi.{urgensi}"),
        klasifikasi=str(d.get("klasifikasi") or record.klasifikasi or "-"),
        nomor=entry.nomor,
        tanggal=local(entry.issued_at).date(),
        hal=entry.hal,
        isi_ringkas=str(d.get("isi_ringkas", "")),
        penandatangan=str(d.get("penandatangan", "")),
        tujuan=str(d.get("tujuan", "")),
        tembusan=str(d.get("tembusan", "-")),
        lampiran=str(d.get("lampiran", "-")),
        berkas=berkas,
        keterangan=note,
    )


def unnumbered(
    case: Case, sop: Sop, entries: Sequence[RegisterEntry], documents: Sequence[DocumentRecord]
) -> list[DocumentRecord]:
    """The latest file of each naskah artifact the register never numbered (an upload)."""
    numbered = {e.sha256 for e in entries}
    out = []
    for key, artifact in sop.artifacts.items():
        if artifact.kind is not ArtifactKind.DOCUMENT or artifact.template not in BY_TEMPLATE:
            continue
        versions = [d for d in documents if d.kind == key]
        if versions and versions[-1].sha256 not in numbered:
            out.append(versions[-1])
    return out


def srikandi_package(
    case: Case,
    sop: Sop,
    entries: Sequence[RegisterEntry],
    documents: Sequence[DocumentRecord],
    read: Read,
    *,
    soffice: str,
    at: datetime,
) -> Package:
    """Build the package; LibreOffice makes the PDFs (see `bot.records.pdf`)."""
    files: dict[str, bytes] = {}
    stems: list[tuple[RegisterEntry, str, str]] = []
    for index, entry in enumerate(ordered(entries), start=1):
        stem = f"{index:02d}-{entry.kind}-{safe_name(entry.nomor)}"
        suffix = PurePosixPath(entry.filename or "naskah.docx").suffix or ".docx"
        files[f"naskah/{stem}{suffix}"] = read(entry.sha256 or "")
        stems.append((entry, stem, suffix))
    for document in unnumbered(case, sop, entries, documents):
        files[f"belum-bernomor/{document.kind}-v{document.version}-{document.filename}"] = read(
            document.sha256
        )
    docx = {f"{stem}.docx": files[f"naskah/{stem}.docx"] for _, stem, s in stems if s == ".docx"}
    converted = to_pdf(docx, soffice)
    rows = []
    for entry, stem, suffix in stems:
        pdf = converted.pdfs.get(f"{stem}.docx")
        if pdf is not None:
            files[f"naskah/{stem}.pdf"] = pdf
        names = [f"{stem}.pdf"] if pdf is not None or suffix == ".pdf" else []
        names += [f"{stem}{suffix}"] if suffix != ".pdf" else []
        note = t("records.note.no_pdf") if pdf is None and suffix == ".docx" else ""
        rows.append(metadata_row(entry, sop, "; ".join(names), note))
    lacking = missing(case, sop, entries)
    files["metadata.csv"] = to_csv(rows)
    files["metadata.xlsx"] = to_xlsx(rows, at)
    files[NOTES] = _notes(case, sop, lacking, converted.problem, files, at)
    return _zip(f"srikandi-{safe_name(case.ref)}", files, lacking, converted.problem)


def _zip(
    folder: str, files: dict[str, bytes], lacking: tuple[str, ...], problem: str | None
) -> Package:
    from bot.records.zipping import deterministic_zip

    listed = {**files, MANIFEST: manifest(files)}
    data = deterministic_zip({f"{folder}/{name}": body for name, body in listed.items()})
    return Package(f"{folder}.zip", data, lacking, problem)


def _notes(
    case: Case,
    sop: Sop,
    lacking: tuple[str, ...],
    problem: str | None,
    files: dict[str, bytes],
    at: datetime,
) -> bytes:
    lines = [
        t("records.package.title", ref=case.ref),
        t("records.package.case", partner=case.partner, subject=case.subject,
          status=t(f"status.{case.status.value}"), sop=sop.number),
        t("records.package.made", at=format_datetime(at)),
        "",
        t("records.package.incomplete") if lacking else t("records.package.complete"),
        *(f"- {item}" for item in lacking),
        "",
        t("records.package.no_pdf", problem=problem) if problem else t("records.package.pdf"),
        "",
        t("records.package.files"),
        *(f"- {name}" for name in sorted([*files, NOTES, MANIFEST])),
    ]  # fmt: skip
    return ("\n".join(lines) + "\n").encode()
