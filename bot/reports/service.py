"""Compliance reports on the stored cases, for `sopbot report` and the chat's `/laporan`."""

from __future__ import annotations

from datetime import date

from bot.calendar import OfficeCalendar
from bot.documents.render import BuiltDocument
from bot.documents.report_docx import laporan_kepatuhan, report_filename
from bot.documents.settings import DocumentSettings
from bot.reports.csvfile import to_csv
from bot.reports.figures import CaseReport, PeriodReport, case_report, period_report
from bot.workflow.model import Roster
from bot.workflow.service import Workflow

CSV_MEDIA_TYPE = "text/csv"


class Reports:
    """Figures from the record, then the .docx or .csv file (rendering is CPU-bound)."""

    def __init__(self, workflow: Workflow, settings: DocumentSettings) -> None:
        self.workflow = workflow
        self.settings = settings

    async def _roster_and_calendar(self) -> tuple[Roster, OfficeCalendar]:
        async with self.workflow.uow() as uow:
            return await uow.people.roster(), await self.workflow.calendar(uow)

    async def case(self, ref_or_id: str | int) -> CaseReport:
        """The figures of one case as of now (raises CaseNotFound)."""
        case = await self.workflow.get(ref_or_id)
        roster, calendar = await self._roster_and_calendar()
        return case_report(case, self.workflow.sop, roster, calendar, self.workflow.clock.now())

    async def period(self, start: date | None = None, until: date | None = None) -> PeriodReport:
        """The figures of every case opened between `start` and `until` (inclusive)."""
        cases = await self.workflow.cases()
        roster, calendar = await self._roster_and_calendar()
        now = self.workflow.clock.now()
        return period_report(cases, self.workflow.sop, roster, calendar, now, start, until)

    def docx(self, report: CaseReport | PeriodReport, *, chart: bool = True) -> BuiltDocument:
        """The report as .docx with a timeline chart per case."""
        at = self.workflow.clock.now()
        return laporan_kepatuhan(report, self.workflow.sop, self.settings, at=at, chart=chart)

    def csv(self, report: CaseReport | PeriodReport) -> BuiltDocument:
        """The report as .csv, one row per step run."""
        cases = report.cases if isinstance(report, PeriodReport) else (report,)
        return BuiltDocument(to_csv(cases), report_filename(report, "csv"), CSV_MEDIA_TYPE)
