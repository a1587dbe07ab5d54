"""Read-side answers: what is waiting for whom, and whose tasks are open."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.calendar import OfficeCalendar
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry
from bot.workflow.model import Case, CaseStatus, Roster, StepRun


@dataclass(frozen=True)
class WaitingItem:
    case_id: int
    case_ref: str
    subject: str
    step_code: str
    step_number: int
    step_title: str
    waiting_for: tuple[str, ...]  # names, or the role title when nobody is assigned
    assignee_id: int | None
    due_at: datetime | None
    overdue_minutes: int  # working minutes past due; 0 when not late
    run_version: int | None
    sop_code: str = ""
    performer: str = ""  # the step's performer role


def waiting_items(
    cases: Iterable[Case],
    sops: Sop | SopRegistry,
    roster: Roster,
    calendar: OfficeCalendar,
    now: datetime,
) -> list[WaitingItem]:
    """One line per open task (or held case), most overdue first, then by due time; each case
    read against its own SOP version."""
    registry = SopRegistry.of(sops)
    items: list[WaitingItem] = []
    for case in cases:
        sop = registry.for_case(case)
        if case.status is CaseStatus.WAITING:
            items.append(_held(case, sop, roster))
        for run in case.open_runs():
            items.append(_item(case, run, sop, roster, calendar, now))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(items, key=lambda i: (-i.overdue_minutes, i.due_at or far, i.case_ref))


def _item(
    case: Case, run: StepRun, sop: Sop, roster: Roster, calendar: OfficeCalendar, now: datetime
) -> WaitingItem:
    step = sop.step(run.step_code)
    if run.assignee_id is not None:
        names: tuple[str, ...] = (roster.name(run.assignee_id),)
    else:
        names = tuple(p.name for p in roster.holders(step.performer)) or (
            sop.roles[step.performer].title,
        )
    overdue = calendar.elapsed_minutes(run.due_at, now) if now > run.due_at else 0
    return WaitingItem(
        case.id or 0,
        case.ref,
        case.subject,
        step.code,
        step.number,
        step.title,
        names,
        run.assignee_id,
        run.due_at,
        overdue,
        run.version,
        sop.code,
        step.performer,
    )


def _held(case: Case, sop: Sop, roster: Roster) -> WaitingItem:
    step = sop.first_step
    return WaitingItem(
        case.id or 0,
        case.ref,
        case.subject,
        step.code,
        step.number,
        step.title,
        (roster.name(case.created_by),),
        case.created_by,
        None,
        0,
        None,
        sop.code,
        step.performer,
    )


def tasks_of(
    person_id: int, items: Iterable[WaitingItem], roster: Roster, on: datetime
) -> list[WaitingItem]:
    """The open tasks a person may act on, directly or as Plt/Plh."""
    person = roster.person(person_id)
    if person is None:
        return []
    principals = {d.principal_id for d in roster.principals_of(person_id, on.date())}
    mine = []
    for item in items:
        if item.run_version is None:
            continue
        if item.assignee_id is not None:
            if item.assignee_id == person_id or item.assignee_id in principals:
                mine.append(item)
            continue
        performer = item.performer
        holders = {p.id for p in roster.holders(performer)}
        if performer in person.roles or holders & principals:
            mine.append(item)
    return mine
