"""Compliance reports on the stored cases, for `sopbot report` and the chat's `/laporan`."""

from __future__ import annotations

from datetime import date

from bot.calendar import OfficeCalendar
from bot.documents.render import BuiltDocument
from bot.documents.report_docx import laporan_kepatuhan, report_filename
from bot.documents.settings import DocumentSettings
from bot.reports.csvfile import to_csv
from bot.reports.figures import CaseReport, PeriodReport, case_report, period_report
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry
from bot.workflow.model import Roster
from bot.workflow.service import Workflow

CSV_MEDIA_TYPE = "text/csv"


class Reports:
    """Figures from the record, then the .docx or .csv file (rendering is CPU-bound)."""

    def __init__(self, workflow: Workflow, settings: DocumentSettings) -> None:
        self.workflow = workflow
        self.settings = settings

    async def _roster_and_calendar(self) -> tuple[Roster, OfficeCalendar]:
        async with self.workflow.uow.reading() as uow:
            return await uow.people.roster(), await self.workflow.calendar(uow)

    async def case(self, ref_or_id: str | int) -> CaseReport:
        """The figures of one case as of now (raises CaseNotFound)."""
        case = await self.workflow.get(ref_or_id)
        roster, calendar = await self._roster_and_calendar()
        sop = self.workflow.sops.for_case(case)
        return case_report(case, sop, roster, calendar, self.workflow.clock.now())

    async def period(
        self, start: date | None = None, until: date | None = None, sop: Sop | None = None
    ) -> PeriodReport:
        """The figures of every case opened between `start` and `until` (inclusive), of every
        SOP or only of `sop`."""
        cases = await self.workflow.cases()
        if sop is not None:
            cases = [c for c in cases if self.workflow.sops.for_case(c).code == sop.code]
        roster, calendar = await self._roster_and_calendar()
        now = self.workflow.clock.now()
        return period_report(cases, self.workflow.sops, roster, calendar, now, start, until)

    def docx(
        self, report: CaseReport | PeriodReport, *, chart: bool = True, sop: Sop | None = None
    ) -> BuiltDocument:
        """The report as .docx with a timeline chart per case, each case's steps as in its SOP
        version (`sop`: only that SOP's versions are consulted)."""
        at = self.workflow.clock.now()
        sops = self.workflow.sops
        if sop is not None:
            versions = [v for v in sops.every if v.code == sop.code]
            sops = SopRegistry(versions) if versions else SopRegistry.of(sop)
        return laporan_kepatuhan(report, sops, self.settings, at=at, chart=chart)

    def csv(self, report: CaseReport | PeriodReport) -> BuiltDocument:
        """The report as .csv, one row per step run."""
        cases = report.cases if isinstance(report, PeriodReport) else (report,)
        return BuiltDocument(to_csv(cases), report_filename(report, "csv"), CSV_MEDIA_TYPE)
