"""Documents of a stored case, for the chat: build, put in the file store, hand back.

`ChatCore(documents=CaseDocuments(...))` calls `generate` for "Buat <dokumen>" buttons and
`report` for `/laporan`; the builders in this package stay pure, this class does the I/O.
Rendering is CPU-bound (docxtpl, matplotlib), so it runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.documents.agreement import lembar_persetujuan, rancangan_kb
from bot.documents.checks import DraftCheck, check_draft
from bot.documents.diff import chat_text, diff_drafts, version_diff_docx
from bot.documents.docx_text import UnreadableDocument
from bot.documents.letters import (
    MEETING_PLACE,
    MEETING_TIME,
    Meeting,
    Minutes,
    lembar_disposisi,
    notulen_rapat,
    surat_undangan,
)
from bot.documents.render import BuiltDocument
from bot.documents.settings import DocumentSettings
from bot.documents.values import role_holder
from bot.errors import InvalidInput
from bot.heap import in_thread
from bot.ports import FileStore, UnitOfWork
from bot.records.register import BY_TEMPLATE
from bot.records.service import Records
from bot.reports.service import Reports
from bot.sop.model import Sop
from bot.texts import t
from bot.workflow import engine
from bot.workflow.model import Case, Person, Roster
from bot.workflow.service import After, Result, StoredFile, UpdateKey, Workflow

# case, roster, who asked, when, their answers, the agenda number (None: not a numbered naskah)
Builder = Callable[[Case, Roster, Person, datetime, Mapping[str, str], str | None], BuiltDocument]
BLANK_LINE = "……………………………………………………………………"
Answers = Mapping[str, str]


def _lines(text: str | None) -> tuple[str, ...]:
    """An answer typed in chat as separate points, one per line (leading bullets dropped)."""
    if not text:
        return ()
    return tuple(line.strip(" -•*\t") for line in text.splitlines() if line.strip(" -•*\t"))


@dataclass(frozen=True)
class Changes:
    """A returned draft compared with the one before: chat text and the marked .docx."""

    text: str
    file: StoredFile


class CaseDocuments:
    """Builds a case's documents from the templates and stores them content-addressed."""

    # Templates the bot can fill, by the name an SOP file gives in an artifact's `template`.
    TEMPLATES = frozenset({"lembar_disposisi", "surat_undangan", "rancangan_kb", "notulen_rapat"})
    # Questions asked in chat before filling a template (catalogue keys doc.ask.<name>).
    TEMPLATE_QUESTIONS: Mapping[str, tuple[str, ...]] = {
        "notulen_rapat": ("pembahasan", "keputusan")
    }

    def __init__(
        self,
        workflow: Workflow,
        files: FileStore,
        settings: DocumentSettings,
        records: Records | None = None,
    ) -> None:
        self.workflow = workflow
        self.files = files
        self.settings = settings
        self.reports = Reports(workflow, settings)
        self.records = records or Records(
            workflow.uow, workflow.sop, workflow.clock, files, settings,
            hours=workflow.hours, ramadan=workflow.ramadan,
        )  # fmt: skip
        by_template: dict[str, Builder] = {
            "lembar_disposisi": self._disposisi,
            "surat_undangan": self._undangan,
            "rancangan_kb": self._rancangan,
            "notulen_rapat": self._notulen,
        }
        # Every SOP's artifacts, in every version a case may run on.
        artifacts = [a for sop in workflow.sops.every for a in sop.artifacts.values()]
        self._builders = {a.key: by_template[a.template] for a in artifacts if a.template}
        # Artifacts that are outgoing naskah: numbered from the agenda register when made.
        self._kinds = {
            a.key: BY_TEMPLATE[a.template] for a in artifacts if a.template in BY_TEMPLATE
        }
        self.QUESTIONS: Mapping[str, tuple[str, ...]] = {
            a.key: self.TEMPLATE_QUESTIONS.get(a.template, ()) for a in artifacts if a.template
        }
        self.CHECKED = frozenset(a.key for a in artifacts if a.checked)

    @classmethod
    def generated(cls, sop: Sop) -> frozenset[str]:
        """Artifacts of the SOP the bot can build; an unknown template name stops the start."""
        for artifact in sop.artifacts.values():
            if artifact.template and artifact.template not in cls.TEMPLATES:
                known = ", ".join(sorted(cls.TEMPLATES))
                raise ValueError(
                    f"{sop.source}: artifact {artifact.key}: unknown template "
                    f"'{artifact.template}' (known: {known})"
                )
        return frozenset(a.key for a in sop.artifacts.values() if a.template)

    def sop(self, case: Case) -> Sop:
        """The SOP version the case runs on."""
        return self.workflow.sops.for_case(case)

    async def generate(
        self, key: str, case: Case, person: Person, answers: Mapping[str, str] | None = None
    ) -> StoredFile:
        """Build the document recorded as artifact `key`, for `person`, and store it."""
        builder = self._builder(key)
        roster = await self.workflow.roster()
        now = self.workflow.clock.now()
        built = await in_thread(builder, case, roster, person, now, answers or {}, None)
        return self._store(built)

    async def issue(
        self,
        key: str,
        case: Case,
        step_code: str,
        person: Person,
        answers: Mapping[str, str] | None = None,
        *,
        update: UpdateKey | None = None,
        after: After | None = None,
    ) -> Result:
        """Build the document of artifact `key` and record it on the step, in one transaction.

        An outgoing naskah (lembar disposisi, surat undangan) takes its agenda number in that
        same transaction, so a refused or failed recording gives the number back.
        """
        kind = self._kinds.get(key)
        if kind is None:
            stored = await self.generate(key, case, person, answers)
            return await self.workflow.attach_stored(
                case.id or 0, step_code, person.id, key, stored, update=update, after=after
            )
        builder = self._builder(key)
        given = dict(answers or {})

        async def make(uow: UnitOfWork, loaded: Case, ctx: engine.Context) -> StoredFile:
            def build(nomor: str) -> BuiltDocument:
                return builder(loaded, ctx.roster, person, ctx.now, given, nomor)

            register = self.records.register
            issued = await register.issue(uow, kind, loaded, ctx.now, person.id, build)
            return issued.stored

        return await self.workflow.attach_stored(
            case.id or 0, step_code, person.id, key, make, update=update, after=after
        )

    def _builder(self, key: str) -> Builder:
        builder = self._builders.get(key)
        if builder is None:
            label = self.workflow.sops.artifact_label(key)
            raise InvalidInput(reason=t("doc.cannot_generate", label=label))
        return builder

    async def report(self, case: Case) -> StoredFile:
        """The compliance report of the case as .docx with its chart (`/laporan`)."""
        figures = await self.reports.case(case.id or case.ref)
        built = await in_thread(self.reports.docx, figures, sop=self.sop(case))
        return self._store(built)

    async def approval_sheet(self, case: Case) -> StoredFile:
        """The lembar persetujuan (approval trail), e.g. when the case closes."""
        roster = await self.workflow.roster()
        now = self.workflow.clock.now()
        built = await in_thread(
            lembar_persetujuan, case, self.sop(case), roster, self.settings, at=now
        )
        return self._store(built)

    async def check(self, case: Case, data: bytes) -> DraftCheck:
        """The checklist of an uploaded draft: title, parties, articles, jangka waktu."""
        return await in_thread(check_draft, data, self.settings, partner=case.partner)

    async def changes(
        self, case: Case, old: tuple[str, int], new: tuple[str, int]
    ) -> Changes | None:
        """What changed between two stored versions, each (sha256, version number).

        None when either version is not a readable .docx (a PDF, say): nothing to compare.
        """
        now = self.workflow.clock.now()

        def compare() -> Changes | None:
            try:
                diff = diff_drafts(self.files.read(old[0]), self.files.read(new[0]))
            except UnreadableDocument:
                return None
            marked = version_diff_docx(
                diff, case, self.settings, at=now, old_version=old[1], new_version=new[1]
            )
            return Changes(chat_text(diff, old[1], new[1]), self._store(marked))

        return await in_thread(compare)

    def _store(self, built: BuiltDocument) -> StoredFile:
        sha = self.files.put(built.data)
        return StoredFile(sha, len(built.data), built.filename, built.media_type)

    def _disposisi(
        self,
        case: Case,
        roster: Roster,
        person: Person,
        at: datetime,
        answers: Answers,
        number: str | None = None,
    ) -> BuiltDocument:
        step = self.sop(case).first_step
        missing = [role for role in step.assigns if role not in case.assignments]
        if missing:
            title = self.sop(case).roles[missing[0]].title
            raise InvalidInput(reason=t("doc.needs_assignment", role=title))
        return lembar_disposisi(case, self.sop(case), roster, self.settings, at=at, number=number)

    def _meeting(self, case: Case) -> Meeting:
        if not (case.has(MEETING_TIME) and case.has(MEETING_PLACE)):
            raise InvalidInput(reason=t("doc.needs_meeting"))
        return Meeting.from_case(case)

    def _undangan(
        self,
        case: Case,
        roster: Roster,
        person: Person,
        at: datetime,
        answers: Answers,
        number: str | None = None,
    ) -> BuiltDocument:
        meeting = self._meeting(case)
        return surat_undangan(
            case, self.sop(case), roster, self.settings, meeting, at=at, number=number
        )

    def _rancangan(
        self,
        case: Case,
        roster: Roster,
        person: Person,
        at: datetime,
        answers: Answers,
        number: str | None = None,
    ) -> BuiltDocument:
        # A draft is never numbered: the agreement's number comes when its signing is recorded.
        return rancangan_kb(case, self.sop(case), roster, self.settings, at=at)

    def _notulen(
        self,
        case: Case,
        roster: Roster,
        person: Person,
        at: datetime,
        answers: Answers,
        number: str | None = None,
    ) -> BuiltDocument:
        """A notulen form with the meeting filled in and lines left for the discussion."""
        meeting = self._meeting(case)
        # The person the first step assigned (SOP 54: the Ketua Tim) chairs the meeting.
        assigned = (role_holder(case, roster, role) for role in self.sop(case).first_step.assigns)
        chair = next((p for p in assigned if p is not None), person)
        minutes = Minutes(
            meeting,
            chair.id,
            participants=meeting.invitees,
            discussion=_lines(answers.get("pembahasan")) or (BLANK_LINE, BLANK_LINE),
            decisions=_lines(answers.get("keputusan")) or (BLANK_LINE,),
            scribe_id=person.id,
        )
        return notulen_rapat(case, self.sop(case), roster, self.settings, minutes, at=at)
