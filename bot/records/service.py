"""The records a case leaves, and their packages: one service for the CLI, chat and the bot.

- When a case finishes, the lembar persetujuan is issued with its number (a workflow listener,
  in the transaction that finishes the case).
- `record_signing` gives the agreement its number once it is signed, never before.
- `srikandi` and `archive` build the packages; `process_exports` builds the ones asked for in
  chat, outside any update's transaction, and sends them through the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime

from bot.audit import AuditKey, verify
from bot.calendar import OfficeCalendar, OfficeHours, RamadanSchedule, wall_clock_after
from bot.casefile import describe
from bot.clock import JAKARTA
from bot.documents.agreement import lembar_persetujuan
from bot.documents.context import filename
from bot.documents.render import BuiltDocument
from bot.documents.report_docx import laporan_kepatuhan, report_filename
from bot.documents.settings import DocumentSettings
from bot.documents.values import official_signatory, role_holder
from bot.errors import InvalidInput, RegisterBusy, RegisterCancelBusy
from bot.fmt import format_date
from bot.heap import in_thread
from bot.ports import (
    AuditEntry,
    Clock,
    ExportRequest,
    FileStore,
    OutgoingMessage,
    RegisterEntry,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.records.archive import ArchiveInputs, archive_package
from bot.records.register import Register, check_kind
from bot.records.srikandi import Package, srikandi_package
from bot.records.stamp import stamp_number
from bot.replies import FileRef, Reply
from bot.reports.csvfile import to_csv
from bot.reports.figures import case_report
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry
from bot.texts import t
from bot.workflow import engine
from bot.workflow.events import CaseClosed, Event
from bot.workflow.model import ArtifactValue, Case, CaseStatus, Roster
from bot.workflow.notify import involved

logger = logging.getLogger(__name__)

LEASE_HOURS = 0.25  # a package being built is another worker's again after this long
BATCH = 5


class Records:
    """The agenda register's uses beyond a step: persetujuan, signing, cancelling, packages."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sop: Sop | SopRegistry,
        clock: Clock,
        files: FileStore,
        settings: DocumentSettings,
        *,
        audit_key: AuditKey | None = None,
        hours: OfficeHours | None = None,
        ramadan: RamadanSchedule | None = None,
        busy: Callable[[BaseException], bool] = lambda _: False,
    ) -> None:
        self.uow = uow
        self.busy = busy
        self.sops = SopRegistry.of(sop)
        self.clock = clock
        self.files = files
        self.settings = settings
        self.audit_key = audit_key
        self.hours = hours
        self.ramadan = ramadan
        self.register = Register(self.sops, files, settings)

    # --- the case finishes: the lembar persetujuan -------------------------------------

    async def on_events(
        self, uow: UnitOfWork, case: Case, events: Sequence[Event], ctx: engine.Context
    ) -> None:
        """Workflow listener: a finished case issues its lembar persetujuan, numbered."""
        closing = next((e for e in events if isinstance(e, CaseClosed)), None)
        if closing is None:
            return
        roster = ctx.roster

        def build(nomor: str) -> BuiltDocument:
            sop = self.sops.for_case(case)
            return lembar_persetujuan(case, sop, roster, self.settings, at=ctx.now,
                                      number=nomor)  # fmt: skip

        issued = await self.register.issue(
            uow, "persetujuan", case, ctx.now, closing.actor_id, build
        )
        file = FileRef(issued.stored.sha256, issued.stored.filename, issued.stored.media_type)
        reply = Reply(
            "records.persetujuan_issued",
            {"ref": case.ref, "subject": case.subject, "nomor": issued.entry.nomor},
            files=(file,),
        )
        for person in exporters(case, self.sops.for_case(case), roster):
            key = f"{case.ref}:persetujuan:{issued.entry.number}:{person}"
            await uow.outbox.add(OutgoingMessage(person, reply, key), ctx.now)

    # --- the register ------------------------------------------------------------------

    @asynccontextmanager
    async def _issuing(
        self, kind: str, refusal: type[RegisterBusy] = RegisterBusy
    ) -> AsyncIterator[UnitOfWork]:
        """The unit of work of a register action outside an update: a database too busy to
        answer in time (on SQLite its write lock, taken when the transaction begins, not only
        the counter) refuses the action with `refusal`; it is rolled back, nothing issued."""
        try:
            async with self.uow() as uow:
                yield uow
        except Exception as error:
            if self.busy(error):
                logger.warning("agenda register %s busy: %s", kind, error)
                raise refusal(kind=kind) from error
            raise

    async def entries(
        self, kind: str | None = None, year: int | None = None, case_id: int | None = None
    ) -> list[RegisterEntry]:
        """The register, by kind, year and number."""
        async with self.uow.reading() as uow:
            return await uow.register.list(check_kind(kind) if kind else None, year, case_id)

    async def cancel(
        self, entry_id: int, reason: str, actor_id: int | None = None
    ) -> RegisterEntry:
        """Cancel an issued naskah: it keeps its number, marked cancelled (audited)."""
        if not reason.strip():
            raise InvalidInput(reason=t("invalid.empty", field=t("records.field.reason")))
        async with self._issuing("cancel", RegisterCancelBusy) as uow:
            entry = await self.register.cancel(
                uow, entry_id, self.clock.now(), reason.strip(), actor_id
            )
            await uow.commit()
        return entry

    async def record_signing(
        self, ref: str, signed_on: date, actor_id: int | None = None
    ) -> RegisterEntry:
        """The agreement is signed: it takes its number, written into the approved draft."""
        now = self.clock.now()
        if signed_on > now.astimezone(JAKARTA).date():
            raise InvalidInput(reason=t("records.sign_future"))
        at = datetime.combine(signed_on, now.astimezone(JAKARTA).timetz())
        async with self._issuing("kb") as uow:
            case = await uow.cases.get_by_ref(ref.strip().upper())
            signed = await uow.register.list("kb", None, case.id)
            approved = _signable(case, self.sops.for_case(case), signed, signed_on, now)
            roster = await uow.people.roster()
            original = self.files.read(approved.value)
            record = self._agreement_record(case, roster, signed_on)

            def build(nomor: str) -> BuiltDocument:
                stamped = stamp_number(original, nomor)
                name = approved.filename or "kesepakatan-bersama.docx"
                extension = name.rsplit(".", 1)[-1] if "." in name else "docx"
                media = _media_type(extension)
                data = stamped if stamped is not None else original
                return BuiltDocument(data, filename("kesepakatan-bersama", case.ref, extension),
                                     media, record)  # fmt: skip

            issued = await self.register.issue(uow, "kb", case, at, actor_id, build)
            data = {"signed_on": signed_on.isoformat(), "nomor": issued.entry.nomor}
            uow.audit.append(AuditEntry(now, "AgreementSigned", actor_id, case.ref, data))
            await uow.commit()
        return issued.entry

    def _agreement_record(self, case: Case, roster: Roster, day: date) -> dict[str, str]:
        setting = self.settings.kb_signer
        holder = role_holder(case, roster, setting.role)
        signer = official_signatory(holder, setting.title_lines, roster, day, name=setting.name)
        return {
            "hal": t("records.hal.kb", own=self.settings.own_party, partner=case.partner,
                     subject=case.subject),
            "penandatangan": t("records.signers.kb", own=signer.line, partner=case.partner),
            "tujuan": case.partner,
            "tembusan": "-",
            "lampiran": "-",
            "isi_ringkas": t("records.summary.kb", own=self.settings.own_party,
                             partner=case.partner, subject=case.subject),
        }  # fmt: skip

    # --- packages ----------------------------------------------------------------------

    async def srikandi(self, ref_or_id: str | int) -> Package:
        """The SRIKANDI registration package of a case (PDFs by LibreOffice when present)."""
        async with self.uow.reading() as uow:
            case = await _case(uow, ref_or_id)
            entries = await uow.register.list(case_id=case.id)
            documents = await uow.documents.list_for_case(case.id or 0)
        now = self.clock.now()
        return await in_thread(
            srikandi_package, case, self.sops.for_case(case), entries, documents, self.files.read,
            soffice=self.settings.soffice, at=now,
        )  # fmt: skip

    async def archive(self, ref_or_id: str | int) -> Package:
        """The archive of a case; the same bytes each time for the same database and files."""
        async with self.uow.reading() as uow:
            case = await _case(uow, ref_or_id)
            roster = await uow.people.roster()
            calendar = OfficeCalendar(self.hours, await uow.holidays.list(), self.ramadan)
            documents = await uow.documents.list_for_case(case.id or 0)
            entries = await uow.register.list(case_id=case.id)
            records = await uow.audit.all()
            head = await uow.audit.head()
        if self.audit_key is None:
            raise RuntimeError("no audit key: build Records with the app's audit key")
        chain = verify(records, self.audit_key, head)
        trail = [r for r in records if r.entry.case_ref == case.ref]
        # As of the case's last recorded event: the export's own time would change the bytes.
        as_of = max((r.entry.at for r in trail), default=case.created_at)
        report = case_report(case, self.sops.for_case(case), roster, calendar, as_of)

        def build() -> Package:
            report_docx = laporan_kepatuhan(
                report, self.sops.for_case(case), self.settings, at=as_of
            )
            report_csv = BuiltDocument(
                to_csv((report,)), report_filename(report, "csv"), "text/csv"
            )
            sop = self.sops.for_case(case)
            inputs = ArchiveInputs(case, documents, entries, trail, chain, report, report_docx,
                                   report_csv, describe(case, sop, roster))  # fmt: skip
            return archive_package(inputs, sop, roster, self.files.read)

        return await in_thread(build)

    async def process_exports(self) -> int:
        """Build the packages asked for in chat and send each to who asked; how many."""
        now = self.clock.now()
        async with self.uow() as uow:
            claimed = await uow.exports.claim(now, wall_clock_after(now, hours=LEASE_HOURS), BATCH)
            await uow.commit()
        for request in claimed:
            await self._send_package(request)
        return len(claimed)

    async def _send_package(self, request: ExportRequest) -> None:
        assert request.id is not None
        try:
            package = await self.srikandi(request.case_id)
            sha = self.files.put(package.data)
        except Exception as error:  # one failing package must not stop the others
            logger.exception("records package %s failed", request.id)
            await self._finish(request, None, None, repr(error))
            return
        await self._finish(request, package, sha, None)

    async def _finish(
        self, request: ExportRequest, package: Package | None, sha: str | None, error: str | None
    ) -> None:
        now = self.clock.now()
        async with self.uow() as uow:
            case = await uow.cases.get(request.case_id)
            status = "done" if package is not None else "failed"
            await uow.exports.finish(request.id or 0, status, now, sha, error)
            if package is not None and sha is not None:
                files: tuple[FileRef, ...] = (FileRef(sha, package.filename, package.media_type),)
                lacking = "\n".join(f"- {item}" for item in package.missing)
                params = {"ref": case.ref, "missing": lacking,
                          "pdf": package.pdf_problem or ""}  # fmt: skip
                text = "records.package_ready" if package.complete else "records.package_partial"
                reply = Reply(text, params, files=files)
            else:
                reply = Reply("records.package_failed", {"ref": case.ref})
            key = f"export:{request.id}:{status}"
            await uow.outbox.add(OutgoingMessage(request.requested_by, reply, key), now)
            uow.audit.append(
                AuditEntry(now, "RecordsPackageSent" if package else "RecordsPackageFailed",
                           request.requested_by, case.ref, {"request_id": request.id,
                                                            "sha256": sha, "kind": request.kind})
            )  # fmt: skip
            await uow.commit()


def _signable(
    case: Case, sop: Sop, entries: Sequence[RegisterEntry], signed_on: date, now: datetime
) -> ArtifactValue:
    """The approved agreement a signing numbers; InvalidInput saying why it cannot be signed."""
    if case.status is not CaseStatus.DONE:
        status = t(f"status.{case.status.value}")
        raise InvalidInput(reason=t("records.sign_unfinished", ref=case.ref, status=status))
    closed = (case.closed_at or now).astimezone(JAKARTA).date()
    if signed_on < closed:
        raise InvalidInput(reason=t("records.sign_early", signed=format_date(signed_on),
                                    ref=case.ref, closed=format_date(closed)))  # fmt: skip
    signed = [e for e in entries if e.status == "issued"]
    if signed:
        raise InvalidInput(reason=t("records.already_signed", ref=case.ref,
                                    nomor=signed[0].nomor))  # fmt: skip
    approved = approved_agreement(case, sop)
    if approved is None:
        raise InvalidInput(reason=t("records.no_agreement", ref=case.ref))
    return approved


def exporters(case: Case, sop: Sop, roster: Roster) -> list[int]:
    """Who of the people in the case may take its records package (`export_records`)."""
    allowed = set(sop.allowed("export_records"))
    out = []
    for person_id in involved(case):
        person = roster.person(person_id)
        if person is not None and person.active and allowed & person.roles:
            out.append(person_id)
    return out


def approved_agreement(case: Case, sop: Sop) -> ArtifactValue | None:
    """The approved agreement: the latest document an approve decision recorded."""
    keys = [key for step in sop.steps for d in step.decisions for key in d.records]
    found = [case.artifacts[k] for k in keys if k in case.artifacts]
    found = [value for value in found if value.document_id is not None]
    return max(found, key=lambda v: v.recorded_at) if found else None


def _media_type(extension: str) -> str:
    if extension.lower() == "pdf":
        return "application/pdf"
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def _case(uow: UnitOfWork, ref_or_id: str | int) -> Case:
    if isinstance(ref_or_id, int) or ref_or_id.isdigit():
        return await uow.cases.get(int(ref_or_id))
    return await uow.cases.get_by_ref(ref_or_id.strip().upper())
