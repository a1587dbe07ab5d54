"""Starting and finishing step runs, with the mutu baku bookkeeping of each finished run."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.errors import InvalidInput
from bot.fmt import format_minutes
from bot.sop.model import Step
from bot.texts import t
from bot.workflow import rules
from bot.workflow.events import (
    CaseClosed,
    CaseWaiting,
    DeviationRecorded,
    Event,
    StepFinished,
    TaskAssigned,
    TaskDelegated,
)
from bot.workflow.model import (
    Acting,
    Case,
    CaseStatus,
    Deviation,
    DeviationKind,
    Outcome,
    StepRun,
)

if TYPE_CHECKING:
    from bot.workflow.engine import Context


def start_step(case: Case, step_code: str, ctx: Context) -> list[Event]:
    """Open a run of the step for its performer, or hold the case on an unmet precondition."""
    step = ctx.sop.step(step_code)
    waiting = _unmet_precondition(case, step)
    if waiting:
        case.status = CaseStatus.WAITING
        return [CaseWaiting(case.ref, None, ctx.now, step.code, tuple(waiting))]
    case.status = CaseStatus.RUNNING
    started = _clock_start(case, step, ctx.now)
    previous = case.latest_run(step.code)
    run = StepRun(
        step_code=step.code,
        round=case.rounds_of(step.code) + 1,
        started_at=started,
        due_at=ctx.calendar.due(started, step.mutu_baku),
        assignee_id=_assignee(case, step, ctx),
        # Versions grow across rounds so a button from an earlier round never matches.
        version=previous.version + 1 if previous else 1,
    )
    case.runs.append(run)
    # A fix after a return runs against the return's fix time, not the step's mutu baku.
    run.due_at = ctx.calendar.due(started, rules.mutu_baku_of(case, run, ctx.sop))
    events: list[Event] = [
        TaskAssigned(
            case.ref, None, ctx.now, step.code, run.round, run.assignee_id, started, run.due_at
        )
    ]
    # Plt./Plh.: the assignee is away today, so the task goes to whoever acts for them.
    away = ctx.roster.standing_in(run.assignee_id, ctx.now.date())
    if away is not None and run.assignee_id is not None:
        events.append(
            TaskDelegated(case.ref, None, ctx.now, step.code, run.round, run.assignee_id,
                          away.deputy_id, away.kind, away.id, ctx.roster.name(run.assignee_id),
                          ctx.roster.name(away.deputy_id))
        )  # fmt: skip
    return events


def _unmet_precondition(case: Case, step: Step) -> list[str]:
    condition = step.precondition
    if condition is None:
        return []
    applies = all(getattr(case, attr, None) == value for attr, value in condition.when.items())
    return [key for key in condition.requires if not case.has(key)] if applies else []


def _clock_start(case: Case, step: Step, now: datetime) -> datetime:
    if step.clock_starts_at and case.has(step.clock_starts_at):
        return datetime.fromisoformat(case.artifacts[step.clock_starts_at].value)
    return now


def _assignee(case: Case, step: Step, ctx: Context) -> int | None:
    if step.performer in case.assignments:
        return case.assignments[step.performer]
    holders = ctx.roster.holders(step.performer)
    return holders[0].id if len(holders) == 1 else None


def finish_run(
    case: Case,
    run: StepRun,
    step: Step,
    acting: Acting,
    outcome: Outcome,
    goto: str | None,
    note: str | None,
    ctx: Context,
    *,
    late_reason: str | None = None,
) -> list[Event]:
    """Close the run, record its deviations, and start the next step or close the case."""
    if goto is not None and not ctx.sop.has_step(goto):
        raise InvalidInput(reason=goto)
    run.finished_at = ctx.now
    run.outcome = outcome
    run.decided_by = acting.actor_id
    run.acting_for = acting.for_id
    run.delegation_kind = acting.delegation_kind
    run.note = note
    run.version += 1
    events: list[Event] = [
        StepFinished(
            case.ref,
            acting.actor_id,
            ctx.now,
            step.code,
            run.round,
            outcome.value,
            goto,
            note,
            acting.for_id,
            acting.delegation_kind,
        )
    ]
    skip_reason = note if outcome is Outcome.SKIPPED else None
    events += _deviations(case, run, step, skip_reason, late_reason, ctx)
    if goto is None:
        case.status = CaseStatus.DONE
        case.closed_at = ctx.now
        events.append(CaseClosed(case.ref, acting.actor_id, ctx.now))
    else:
        events += start_step(case, goto, ctx)
    return events


def _deviations(
    case: Case,
    run: StepRun,
    step: Step,
    skip_reason: str | None,
    late_reason: str | None,
    ctx: Context,
) -> list[Event]:
    """SOP "Pencatatan dan Pendataan": every departure from the mutu baku is recorded."""
    missing_needs = [key for key in step.needs if not case.has(key)]
    missing_out: list[str] = []
    if run.outcome is not Outcome.RETURNED:  # a return produces the note, not the step's output
        missing_out = [key for key in step.produces if not case.has(key)]
        missing_out += [f"role:{r}" for r in step.assigns if r not in case.assignments]
    late = ctx.calendar.elapsed_minutes(run.due_at, ctx.now) if ctx.now > run.due_at else 0
    run.kelengkapan_ok = not missing_needs
    run.output_ok = not missing_out
    run.late_minutes = late
    found: list[tuple[DeviationKind, str, int | None]] = []
    if missing_needs:
        missing = rules.labels(missing_needs, ctx.sop)
        detail = t("deviation.kelengkapan", missing=missing)
        found.append((DeviationKind.KELENGKAPAN, detail, None))
    if missing_out:
        missing = rules.labels(missing_out, ctx.sop)
        found.append((DeviationKind.OUTPUT, t("deviation.output", missing=missing), None))
    if late > 0:
        allowed = rules.mutu_baku_of(case, run, ctx.sop).text
        detail = t("deviation.waktu", late=format_minutes(late), mutu_baku=allowed)
        found.append((DeviationKind.WAKTU, detail, late))
    events: list[Event] = []
    for kind, detail, minutes in found:
        reason = late_reason if kind is DeviationKind.WAKTU else skip_reason
        case.deviations.append(
            Deviation(step.code, run.round, kind, detail, ctx.now, reason, minutes)
        )
        events.append(
            DeviationRecorded(
                case.ref,
                run.decided_by,
                ctx.now,
                step.code,
                run.round,
                kind.value,
                detail,
                reason,
                minutes,
            )
        )
    return events
