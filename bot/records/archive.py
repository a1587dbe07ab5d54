"""The archive of a case: every version of every document, the notes of each return, the audit
trail with its verification result, the compliance report and the case's history, with a
manifest, in one zip.

Built twice from the same database and file store it is the same bytes: files come from the
content-addressed store, the report is drawn as of the case's last recorded event (not the
time of the export), and every zip (the archive, the report's .docx) has fixed times.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.audit import ChainReport
from bot.documents.render import BuiltDocument
from bot.fmt import format_datetime
from bot.ports import AuditRecord, DocumentRecord, RegisterEntry
from bot.records.srikandi import NOTES, Package, Read, _zip, missing, safe_name
from bot.records.zipping import normalised_office_file
from bot.reports.figures import CaseReport
from bot.sop.model import Sop
from bot.texts import t
from bot.workflow.model import Case, Roster


@dataclass(frozen=True)
class ArchiveInputs:
    """Everything the archive holds, read in one transaction."""

    case: Case
    documents: Sequence[DocumentRecord]
    entries: Sequence[RegisterEntry]
    trail: Sequence[AuditRecord]  # this case's entries of the audit trail
    chain: ChainReport  # the whole trail verified with the audit key
    report: CaseReport
    report_docx: BuiltDocument
    report_csv: BuiltDocument
    history: str


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _returns(report: CaseReport, sop: Sop) -> bytes:
    header = t("records.archive.returns_columns").split("|")
    rows = [
        (sop.step(loop.step_code).number, loop.round, loop.returned_by,
         loop.returned_at.isoformat(timespec="minutes"), loop.note,
         sop.step(loop.back_to).number if loop.back_to else "",
         loop.resumed_at.isoformat(timespec="minutes") if loop.resumed_at else "")
        for loop in report.loops
    ]  # fmt: skip
    return _csv(header, rows)


def _register(entries: Sequence[RegisterEntry]) -> bytes:
    header = t("records.archive.register_columns").split("|")
    rows = [
        (e.kind, e.number, e.nomor, e.issued_at.isoformat(timespec="minutes"), e.hal, e.status,
         e.cancel_reason or "", e.filename or "", e.sha256 or "")
        for e in entries
    ]  # fmt: skip
    return _csv(header, rows)


def _trail(trail: Sequence[AuditRecord], roster: Roster) -> bytes:
    lines = []
    for record in trail:
        entry = record.entry
        acting_for = entry.data.get("acting_for")
        row = {
            "id": record.id,
            "at": entry.at.isoformat(),
            "kind": entry.kind,
            "actor_id": entry.actor_id,
            "actor": roster.name(entry.actor_id) if entry.actor_id is not None else "",
            "acting_for": roster.name(acting_for) if isinstance(acting_for, int) else "",
            "case": entry.case_ref,
            "data": entry.data,
            "prev_hash": record.prev_hash,
            "hash": record.hash,
            "mac": record.mac,
        }
        lines.append(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    return "".join(lines).encode()


def _verification(inputs: ArchiveInputs) -> bytes:
    chain = inputs.chain
    if chain.ok:
        verdict = t("records.archive.chain_ok", count=chain.checked)
    else:
        verdict = t("records.archive.chain_bad", id=chain.broken_at, reason=chain.reason)
    lines = [verdict, t("records.archive.case_entries", ref=inputs.case.ref,
                        count=len(inputs.trail))]  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


def archive_package(inputs: ArchiveInputs, sop: Sop, roster: Roster, read: Read) -> Package:
    """The archive zip of one case."""
    case = inputs.case
    files: dict[str, bytes] = {}
    for document in inputs.documents:
        name = f"dokumen/{document.kind}/v{document.version:02d}-{document.filename}"
        files[name] = read(document.sha256)
    files["pengembalian.csv"] = _returns(inputs.report, sop)
    files["register-agenda.csv"] = _register(inputs.entries)
    files["jejak-audit.jsonl"] = _trail(inputs.trail, roster)
    files["jejak-audit-verifikasi.txt"] = _verification(inputs)
    files[f"laporan/{inputs.report_docx.filename}"] = normalised_office_file(
        inputs.report_docx.data
    )
    files[f"laporan/{inputs.report_csv.filename}"] = inputs.report_csv.data
    files[f"riwayat-{safe_name(case.ref)}.txt"] = (inputs.history + "\n").encode()
    lacking = missing(case, sop, inputs.entries)
    notes = [
        t("records.archive.title", ref=case.ref),
        t("records.package.case", partner=case.partner, subject=case.subject,
          status=t(f"status.{case.status.value}"), sop=sop.number),
        t("records.archive.as_of", at=format_datetime(inputs.report.as_of)),
        "",
        t("records.package.incomplete") if lacking else t("records.package.complete"),
        *(f"- {item}" for item in lacking),
    ]  # fmt: skip
    files[NOTES] = ("\n".join(notes) + "\n").encode()
    return _zip(f"arsip-{safe_name(case.ref)}", files, lacking, None)
