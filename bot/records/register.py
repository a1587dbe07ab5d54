"""The agenda register (buku agenda): every outgoing naskah takes its number when it is issued.

Numbers run per kind of naskah (`bot.sop.model.RECORD_KINDS`) and year, with no gap and no
duplicate: the number is taken, the naskah built with it, stored and registered in the one
transaction that issues it, so a failure anywhere gives the number back. A cancelled naskah
keeps its number, marked cancelled; the number is never given again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.documents.render import BuiltDocument
from bot.documents.settings import DocumentSettings
from bot.documents.values import document_number, local
from bot.errors import InvalidInput
from bot.heap import in_thread
from bot.ports import AuditEntry, DocumentRecord, FileStore, RegisterEntry, UnitOfWork
from bot.sop.model import RECORD_KINDS, Sop
from bot.sop.registry import SopRegistry
from bot.texts import t
from bot.workflow.model import Case
from bot.workflow.service import StoredFile

# Register kinds of the documents the bot builds from a template, by template name.
BY_TEMPLATE = {"lembar_disposisi": "disposisi", "surat_undangan": "undangan"}
# The kind of document record a naskah issued outside a step is kept under on its case.
DOCUMENT_KINDS = {"persetujuan": "lembar_persetujuan", "kb": "kesepakatan_bersama"}

Build = Callable[[str], BuiltDocument]


@dataclass(frozen=True)
class Issued:
    """A naskah issued: its register entry and the stored file."""

    entry: RegisterEntry
    stored: StoredFile


def check_kind(kind: str) -> str:
    """A register kind, or InvalidInput naming the known ones."""
    if kind not in RECORD_KINDS:
        raise InvalidInput(
            reason=t("records.unknown_kind", kind=kind, kinds=", ".join(RECORD_KINDS))
        )
    return kind


class Register:
    """Issues numbered naskah inside the caller's unit of work and cancels them.

    A naskah is described (jenis, sifat, klasifikasi, number format) by its case's own SOP; the
    count it takes its number from is the Bagian's one per kind and year, whichever SOP the
    case runs: one buku agenda, as the Bagian keeps it on paper.
    """

    def __init__(
        self, sops: Sop | SopRegistry, files: FileStore, settings: DocumentSettings
    ) -> None:
        self.sops = SopRegistry.of(sops)
        self.files = files
        self.settings = settings

    def number(self, kind: str, case: Case, at: datetime, nomor: int) -> str:
        """The number as printed, from the format the case's SOP gives the kind (else the
        deployment's)."""
        record = self.sops.for_case(case).record(kind)
        pattern = record.nomor or self.settings.number_formats[kind]
        return document_number(pattern, case.ref, at, nomor=nomor, klasifikasi=record.klasifikasi)

    async def issue(
        self,
        uow: UnitOfWork,
        kind: str,
        case: Case,
        at: datetime,
        actor_id: int | None,
        build: Build,
    ) -> Issued:
        """Take the next number of `kind`, build the naskah with it, store and register it.

        An earlier naskah of the same kind still issued for this case is cancelled (it keeps
        its number). Everything happens in `uow`: a rollback gives the number back.
        """
        year = local(at).year
        number = await uow.register.take(check_kind(kind), year)
        nomor = self.number(kind, case, at, number)
        built = await in_thread(build, nomor)
        sha = self.files.put(built.data)
        for earlier in await uow.register.list(kind=kind, case_id=case.id):
            if earlier.status == "issued" and earlier.id is not None:
                reason = t("records.replaced", nomor=nomor)
                await self._cancel(uow, earlier.id, at, reason, actor_id)
        entry = await uow.register.add(
            RegisterEntry(
                kind, year, number, nomor, at, built.record.get("hal") or case.subject,
                case.id, case.ref, actor_id, sha, built.filename,
                self._details(kind, case, built),
            )
        )  # fmt: skip
        if kind in DOCUMENT_KINDS and case.id is not None:
            await uow.documents.add(
                DocumentRecord(case.id, DOCUMENT_KINDS[kind], built.filename, sha,
                               len(built.data), built.media_type, actor_id, at)
            )  # fmt: skip
        data = {"kind": kind, "year": year, "number": number, "nomor": nomor, "sha256": sha,
                "filename": built.filename}  # fmt: skip
        uow.audit.append(AuditEntry(at, "NaskahIssued", actor_id, case.ref, data))
        stored = StoredFile(sha, len(built.data), built.filename, built.media_type)
        return Issued(entry, stored)

    def _details(self, kind: str, case: Case, built: BuiltDocument) -> dict[str, str]:
        record = self.sops.for_case(case).record(kind)
        details = {key: value for key, value in built.record.items() if key != "hal"}
        details.update(
            jenis=record.jenis,
            sifat=record.sifat.value,
            urgensi=record.urgensi.value,
            klasifikasi=record.klasifikasi,
        )
        return details

    async def cancel(
        self, uow: UnitOfWork, entry_id: int, at: datetime, reason: str, actor_id: int | None
    ) -> RegisterEntry:
        """Mark an issued naskah cancelled, in `uow`; its number is never given again."""
        entry = await uow.register.get(entry_id)
        if entry.status != "issued":
            raise InvalidInput(reason=t("records.already_cancelled", nomor=entry.nomor))
        return await self._cancel(uow, entry_id, at, reason, actor_id)

    async def _cancel(
        self, uow: UnitOfWork, entry_id: int, at: datetime, reason: str, actor_id: int | None
    ) -> RegisterEntry:
        entry = await uow.register.cancel(entry_id, at, reason, actor_id)
        data = {"kind": entry.kind, "year": entry.year, "number": entry.number,
                "nomor": entry.nomor, "reason": reason}  # fmt: skip
        uow.audit.append(AuditEntry(at, "NaskahCancelled", actor_id, entry.case_ref, data))
        return entry
