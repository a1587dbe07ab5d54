"""A step's reminder plan turned into rows: what a task's start schedules, what its end cancels.

Pure: the service applies the changes in the same unit of work as the events that cause them, so
a task and its reminders are committed (or cancelled) together. Everything comes from the SOP
file's plan (`bot.sop.reminder_plan`); nothing here knows a step or a role by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.calendar import OfficeCalendar
from bot.ports import Reminder
from bot.sop.model import ReminderAnchor, ReminderRule, Sop, Step
from bot.workflow.events import CaseCancelled, Event, StepFinished, TaskAssigned
from bot.workflow.model import Case, Roster, StepRun


@dataclass(frozen=True)
class ReminderChanges:
    """Rows to add, and tasks (or the whole case) whose pending rows are cancelled."""

    add: tuple[Reminder, ...] = ()
    cancel_runs: tuple[int, ...] = ()
    cancel_case: bool = False


def changes_for(
    case: Case,
    events: Sequence[Event],
    sop: Sop,
    roster: Roster,
    calendar: OfficeCalendar,
    now: datetime,
) -> ReminderChanges:
    """What one transaction's events do to the case's reminders."""
    add: list[Reminder] = []
    cancel: list[int] = []
    cancel_case = False
    for event in events:
        if isinstance(event, StepFinished):
            finished = _run(case, event.step_code, event.round)
            if finished is not None and finished.id is not None:
                cancel.append(finished.id)
        elif isinstance(event, TaskAssigned):
            started = _run(case, event.step_code, event.round)
            if started is not None:
                add += plan(case, started, sop, roster, calendar, now)
        elif isinstance(event, CaseCancelled):
            cancel_case = True
    return ReminderChanges(tuple(add), tuple(cancel), cancel_case)


def plan(
    case: Case,
    run: StepRun,
    sop: Sop,
    roster: Roster,
    calendar: OfficeCalendar,
    assigned_at: datetime,
) -> list[Reminder]:
    """The reminder rows of a task that starts now; rungs already past are left out."""
    if case.id is None or run.id is None:
        raise ValueError("reminders are planned for a stored case and run")
    step = sop.step(run.step_code)
    rows: list[Reminder] = []
    for rule in sop.reminder_plan(step):
        at = fire_at(rule, run, calendar)
        if at is None or at <= assigned_at:
            continue  # the task message itself is the reminder
        for person in recipients(case, run, step, rule.up, sop, roster):
            rows.append(Reminder(case.id, run.id, rule.name, at, person))
    return rows


def fire_at(rule: ReminderRule, run: StepRun, calendar: OfficeCalendar) -> datetime | None:
    """When a rung fires for a run, inside office hours; None if the step is too short for it."""
    start = calendar.next_opening(run.started_at)
    due = run.due_at
    if rule.anchor is ReminderAnchor.ELAPSED:
        span = calendar.elapsed_minutes(start, due)
        share = -(-span * rule.percent // 100)  # whole minutes, rounded up
        at = due if rule.percent == 100 else calendar.add_working_minutes(start, share)
    elif rule.anchor is ReminderAnchor.BEFORE_DUE:
        assert rule.offset is not None
        left = calendar.elapsed_minutes(start, due) - rule.offset.minutes
        if left <= 0:
            return None
        at = calendar.add_working_minutes(start, left)
    else:
        assert rule.offset is not None
        offset = rule.offset
        if offset.is_working_time:
            at = calendar.add_working_minutes(due, offset.minutes)
        else:
            at = calendar.due(due, offset)
    # Quiet hours: nothing is sent outside office hours, to anyone (the Wali Kota included).
    return calendar.next_opening(at)


def recipients(
    case: Case, run: StepRun, step: Step, up: int, sop: Sop, roster: Roster
) -> list[int]:
    """Who a rung tells: the performer (up 0) or the superior `up` levels above the role."""
    if up == 0:
        if run.assignee_id is not None:
            return [run.assignee_id]
        return [person.id for person in roster.holders(step.performer)]
    chain = sop.superior_chain(step.performer)
    if up > len(chain):
        return []
    role = chain[up - 1]
    if role in case.assignments:
        return [case.assignments[role]]
    return [person.id for person in roster.holders(role)]


def _run(case: Case, step_code: str, round_: int) -> StepRun | None:
    return next((r for r in case.runs if r.step_code == step_code and r.round == round_), None)
