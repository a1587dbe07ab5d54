"""The compliance figures of a case or a period, computed from the record. Pure: no I/O.

SOP "Pencatatan dan Pendataan": every departure from the mutu baku is shown with its reason.
All durations are office time from `OfficeCalendar` (minutes inside office hours, working
days), the same measure the engine used when it recorded lateness.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from bot.calendar import OfficeCalendar
from bot.clock import JAKARTA
from bot.sop.model import DecisionKind, Sop
from bot.sop.registry import SopRegistry
from bot.workflow.model import (
    Case,
    CaseStatus,
    Deviation,
    DeviationKind,
    Outcome,
    Roster,
    StepRun,
)
from bot.workflow.rules import mutu_baku_of


@dataclass(frozen=True)
class DeviationFigures:
    step_code: str
    round: int
    kind: DeviationKind
    detail: str
    reason: str | None
    late_minutes: int | None


@dataclass(frozen=True)
class RunFigures:
    """One step run against its mutu baku."""

    step_code: str
    number: int
    round: int
    performer: str
    acting_for: str | None  # the principal's name when a Plt/Plh acted
    delegation_kind: str | None
    started_at: datetime
    due_at: datetime
    finished_at: datetime | None
    outcome: Outcome | None
    note: str | None
    mutu_baku: str
    planned_minutes: int  # office minutes from start to due
    actual_minutes: int  # office minutes from start to finish (or to the report time)
    planned_days: int | None  # for steps measured in (working) days
    actual_days: int | None
    late_minutes: int
    offset_minutes: int  # office minutes from the case's start to this run's start
    kelengkapan_ok: bool | None
    output_ok: bool | None
    deviations: tuple[DeviationFigures, ...]


@dataclass(frozen=True)
class LoopFigures:
    """A return and the time until the returning step had the draft again."""

    step_code: str
    number: int
    round: int
    returned_by: str
    returned_at: datetime
    note: str
    back_to: str | None  # step code the return went to
    resumed_at: datetime | None  # when the returning step started again; None: not yet
    minutes: int
    working_days: int


@dataclass(frozen=True)
class CaseReport:
    ref: str
    partner: str
    partner_kind: str
    subject: str
    status: CaseStatus
    started_at: datetime
    ended_at: datetime | None
    as_of: datetime
    runs: tuple[RunFigures, ...]
    loops: tuple[LoopFigures, ...]
    deviations: tuple[DeviationFigures, ...]
    total_minutes: int
    total_working_days: int
    sop_total: str | None  # "11 hari"
    sop_total_days: int | None
    sop_due_at: datetime | None  # start + the SOP's total mutu baku
    sop_total_minutes: int | None  # office minutes from start to sop_due_at
    over_minutes: int  # office minutes past sop_due_at (0 when within)
    sop_code: str = ""  # the SOP and version the case runs on
    sop_version: int = 1

    @property
    def is_running(self) -> bool:
        """Whether the case is still running or waiting."""
        return self.status in (CaseStatus.RUNNING, CaseStatus.WAITING)

    @property
    def returns(self) -> int:
        """How many times the draft was returned."""
        return len(self.loops)

    @property
    def late_runs(self) -> int:
        """Runs finished (or still open) past their due time."""
        return sum(1 for r in self.runs if r.late_minutes > 0)

    @property
    def within_total(self) -> bool:
        """Whether the case stayed within the SOP's total mutu baku."""
        return self.over_minutes == 0

    def deviation_counts(self) -> Counter[DeviationKind]:
        """Deviations by kind."""
        return Counter(d.kind for d in self.deviations)


@dataclass(frozen=True)
class PeriodReport:
    start: date | None
    until: date | None
    as_of: datetime
    cases: tuple[CaseReport, ...]

    def count(self, status: CaseStatus) -> int:
        """Cases in that status."""
        return sum(1 for c in self.cases if c.status is status)

    @property
    def within_total(self) -> int:
        """Finished cases that stayed within the SOP's total mutu baku."""
        return sum(1 for c in self.cases if c.status is CaseStatus.DONE and c.within_total)


def case_report(
    case: Case, sop: Sop, roster: Roster, calendar: OfficeCalendar, now: datetime
) -> CaseReport:
    """The figures of one case as of `now` (closed cases as of their closing)."""
    start = min((r.started_at for r in case.runs), default=case.created_at)
    ended = case.closed_at if not case.is_active else None
    as_of = ended or now
    deviations = tuple(_deviation(d) for d in case.deviations)
    runs = tuple(_run(r, case, sop, roster, calendar, start, as_of, deviations) for r in case.runs)
    total = sop.total_mutu_baku
    sop_due = calendar.due(start, total) if total else None
    over = calendar.elapsed_minutes(sop_due, as_of) if sop_due and as_of > sop_due else 0
    return CaseReport(
        ref=case.ref,
        partner=case.partner,
        partner_kind=sop.partner_kinds.get(case.partner_kind, case.partner_kind),
        subject=case.subject,
        status=case.status,
        started_at=start,
        ended_at=ended,
        as_of=as_of,
        runs=runs,
        loops=tuple(_loops(case, sop, roster, calendar, as_of)),
        deviations=deviations,
        total_minutes=calendar.elapsed_minutes(start, as_of),
        total_working_days=calendar.elapsed_working_days(start, as_of),
        sop_total=total.text if total else None,
        sop_total_days=None if total is None or total.is_working_time else total.working_days,
        sop_due_at=sop_due,
        sop_total_minutes=calendar.elapsed_minutes(start, sop_due) if sop_due else None,
        over_minutes=over,
        sop_code=sop.code,
        sop_version=sop.version,
    )


def _deviation(d: Deviation) -> DeviationFigures:
    return DeviationFigures(d.step_code, d.round, d.kind, d.detail, d.reason, d.late_minutes)


def _run(
    run: StepRun,
    case: Case,
    sop: Sop,
    roster: Roster,
    calendar: OfficeCalendar,
    case_start: datetime,
    as_of: datetime,
    deviations: tuple[DeviationFigures, ...],
) -> RunFigures:
    step = sop.step(run.step_code)
    end = run.finished_at or as_of
    allowed = mutu_baku_of(case, run, sop)
    by_days = not allowed.is_working_time
    due_at, late = run.due_at, run.late_minutes
    if allowed != step.mutu_baku:  # a fix after a return: measured against its fix time
        due_at, late = calendar.due(run.started_at, allowed), None
    if late is None:
        late = calendar.elapsed_minutes(due_at, end) if end > due_at else 0
    return RunFigures(
        step_code=run.step_code,
        number=step.number,
        round=run.round,
        performer=roster.name(run.decided_by or run.assignee_id),
        acting_for=roster.name(run.acting_for) if run.acting_for is not None else None,
        delegation_kind=run.delegation_kind,
        started_at=run.started_at,
        due_at=due_at,
        finished_at=run.finished_at,
        outcome=run.outcome,
        note=run.note,
        mutu_baku=allowed.text,
        planned_minutes=calendar.elapsed_minutes(run.started_at, due_at),
        actual_minutes=calendar.elapsed_minutes(run.started_at, end),
        planned_days=allowed.working_days if by_days else None,
        actual_days=calendar.elapsed_working_days(run.started_at, end) if by_days else None,
        late_minutes=late,
        offset_minutes=calendar.elapsed_minutes(case_start, run.started_at),
        kelengkapan_ok=run.kelengkapan_ok,
        output_ok=run.output_ok,
        deviations=tuple(
            d for d in deviations if d.step_code == run.step_code and d.round == run.round
        ),
    )


def _loops(
    case: Case, sop: Sop, roster: Roster, calendar: OfficeCalendar, as_of: datetime
) -> Iterable[LoopFigures]:
    """Each return, and how long until the returning step received the draft again."""
    for run in case.runs:
        if run.outcome is not Outcome.RETURNED or run.finished_at is None:
            continue
        returned_at = run.finished_at
        resumed = next(
            (
                later.started_at
                for later in case.runs
                if later.step_code == run.step_code and later.round > run.round
            ),
            None,
        )
        end = resumed or as_of
        decision = sop.step(run.step_code).decision(DecisionKind.RETURN)
        yield LoopFigures(
            step_code=run.step_code,
            number=sop.step(run.step_code).number,
            round=run.round,
            returned_by=roster.name(run.decided_by),
            returned_at=returned_at,
            note=run.note or "",
            back_to=decision.goto if decision else None,
            resumed_at=resumed,
            minutes=calendar.elapsed_minutes(returned_at, end),
            working_days=calendar.elapsed_working_days(returned_at, end),
        )


def in_period(case: Case, start: date | None, until: date | None) -> bool:
    """Whether the case was opened between `start` and `until` (inclusive, Jakarta dates)."""
    opened = case.created_at.astimezone(JAKARTA).date()
    return (start is None or opened >= start) and (until is None or opened <= until)


def period_report(
    cases: Iterable[Case],
    sops: Sop | SopRegistry,
    roster: Roster,
    calendar: OfficeCalendar,
    now: datetime,
    start: date | None = None,
    until: date | None = None,
) -> PeriodReport:
    """The figures of every case opened in the period, by case number, each against the SOP
    version it runs on."""
    registry = SopRegistry.of(sops)
    chosen = sorted((c for c in cases if in_period(c, start, until)), key=lambda c: c.ref)
    reports = tuple(
        case_report(c, registry.for_case(c), roster, calendar, now) for c in chosen
    )
    return PeriodReport(start, until, now, reports)
