"""The workflow engine: `decide` applies a command to a case. Pure: no I/O, no clock.

Every rule comes from the SOP data; the engine knows roles and steps only by their keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.calendar import OfficeCalendar
from bot.errors import (
    CaseClosed,
    FixNeeded,
    InvalidInput,
    MissingKelengkapan,
    NotPermitted,
    NotYourTask,
    PreconditionNotMet,
)
from bot.sop.model import DecisionKind, Sop, Step
from bot.texts import t
from bot.workflow import rules
from bot.workflow.commands import (
    Approve,
    AssignPerformer,
    AttachDocument,
    CancelCase,
    Command,
    Complete,
    KeepUnchanged,
    OpenCase,
    RecordFact,
    RecordPrecondition,
    ReportProgress,
    Return,
    Skip,
    StepCommand,
    Submit,
)
from bot.workflow.events import (
    CaseCancelled,
    CaseOpened,
    Event,
    PerformerAssigned,
    ProgressReported,
)
from bot.workflow.model import Case, CaseStatus, Outcome, Roster
from bot.workflow.progress import finish_run, start_step


@dataclass(frozen=True)
class Context:
    """Everything `decide` may consult besides the case itself."""

    sop: Sop
    now: datetime
    calendar: OfficeCalendar
    roster: Roster


def open_case(cmd: OpenCase, ref: str, ctx: Context) -> tuple[Case, list[Event]]:
    """Open a new case, record its initial facts and start (or hold) the first step."""
    acting = rules.authorise_permission(cmd.actor_id, "open_case", ctx.sop, ctx.roster, ctx.now)
    rules.require_text(cmd.partner, "Mitra")
    rules.require_text(cmd.subject, "Perihal")
    if cmd.partner_kind not in ctx.sop.partner_kinds:
        choices = ", ".join(ctx.sop.partner_kinds)
        raise InvalidInput(
            reason=t("invalid.partner_kind", value=cmd.partner_kind, choices=choices)
        )
    case = Case(
        ref=ref,
        partner=cmd.partner.strip(),
        partner_kind=cmd.partner_kind,
        subject=cmd.subject.strip(),
        created_at=ctx.now,
        created_by=cmd.actor_id,
        sop_code=ctx.sop.code,
        sop_version=ctx.sop.version,
    )
    events: list[Event] = [
        CaseOpened(
            ref,
            cmd.actor_id,
            ctx.now,
            case.partner,
            case.partner_kind,
            case.subject,
            ctx.sop.code,
            ctx.sop.version,
        )
    ]
    for key, value in cmd.facts.items():
        events.append(
            rules.record_artifact(case, None, key, value, None, acting, ctx.sop, ctx.now)
        )
    events.extend(start_step(case, ctx.sop.first_step.code, ctx))
    return case, events


def decide(case: Case, cmd: Command, ctx: Context) -> list[Event]:
    """Apply `cmd` to `case` (mutating it) and return what happened, or raise a domain error."""
    if not case.is_active:
        raise CaseClosed(ref=case.ref, status=t(f"status.{case.status.value}"))
    handler = _HANDLERS.get(type(cmd))
    if handler is None:
        raise TypeError(f"no handler for {type(cmd).__name__}")
    return handler(case, cmd, ctx)


Handler = Callable[[Case, Any, Context], list[Event]]
_HANDLERS: dict[type[Command], Handler] = {}


def _handles(*types: type[Command]) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for command_type in types:
            _HANDLERS[command_type] = fn
        return fn

    return register


@_handles(Complete, Submit)
def _complete(case: Case, cmd: Complete, ctx: Context) -> list[Event]:
    step, run, acting = rules.open_task(case, cmd, ctx.sop, ctx.roster, ctx.now)
    if step.decisions:
        raise InvalidInput(reason=t("invalid.not_a_decision_step", step=step.number))
    missing = rules.missing_for_completion(case, step, ctx.sop)
    if missing:
        raise MissingKelengkapan(step=step.number, missing=rules.labels(missing, ctx.sop))
    unfixed = rules.unfixed(case, run, ctx.sop)
    if unfixed:
        raise FixNeeded(step=step.number, missing=rules.labels(unfixed, ctx.sop))
    return finish_run(
        case,
        run,
        step,
        acting,
        Outcome.COMPLETED,
        step.goto,
        cmd.reason,
        ctx,
        late_reason=cmd.reason,
    )


@_handles(Skip)
def _skip(case: Case, cmd: Skip, ctx: Context) -> list[Event]:
    step, run, acting = rules.open_task(case, cmd, ctx.sop, ctx.roster, ctx.now)
    if step.decisions:
        raise InvalidInput(reason=t("invalid.not_a_decision_step", step=step.number))
    reason = rules.require_note(cmd.reason)
    return finish_run(case, run, step, acting, Outcome.SKIPPED, step.goto, reason, ctx)


@_handles(Approve)
def _approve(case: Case, cmd: Approve, ctx: Context) -> list[Event]:
    step, run, acting = rules.open_task(case, cmd, ctx.sop, ctx.roster, ctx.now)
    decision = _decision(step, DecisionKind.APPROVE)
    missing = [key for key in step.needs if not case.has(key)]
    if missing:
        raise MissingKelengkapan(step=step.number, missing=rules.labels(missing, ctx.sop))
    events: list[Event] = []
    for key in decision.records:
        # The decision's own output is the document it approved: the step's first kelengkapan.
        source = case.artifacts[step.needs[0]]
        events.append(
            rules.record_artifact(
                case,
                step.code,
                key,
                source.value,
                source.document_id,
                acting,
                ctx.sop,
                ctx.now,
                filename=source.filename,
                version=source.version,
            )
        )
    note = rules.require_note(cmd.note) if decision.note_required else (cmd.note or "").strip()
    events += finish_run(
        case, run, step, acting, Outcome.APPROVED, decision.goto, note or None, ctx
    )
    return events


@_handles(Return)
def _return(case: Case, cmd: Return, ctx: Context) -> list[Event]:
    step, run, acting = rules.open_task(case, cmd, ctx.sop, ctx.roster, ctx.now)
    decision = _decision(step, DecisionKind.RETURN)
    note = rules.require_note(cmd.note)
    return finish_run(case, run, step, acting, Outcome.RETURNED, decision.goto, note, ctx)


@_handles(KeepUnchanged)
def _keep_unchanged(case: Case, cmd: KeepUnchanged, ctx: Context) -> list[Event]:
    step, run, acting = rules.open_task(case, cmd, ctx.sop, ctx.roster, ctx.now, pinned=False)
    found = rules.return_before(case, run, ctx.sop)
    if found is None or found[1].unchanged is None:
        raise InvalidInput(reason=t("invalid.nothing_returned", step=step.number))
    reason = rules.require_note(cmd.reason)
    key = found[1].unchanged
    return [rules.record_artifact(case, step.code, key, reason, None, acting, ctx.sop, ctx.now)]


@_handles(AssignPerformer)
def _assign(case: Case, cmd: AssignPerformer, ctx: Context) -> list[Event]:
    step, _run, acting = rules.open_task(case, cmd, ctx.sop, ctx.roster, ctx.now, pinned=False)
    if cmd.role not in step.assigns:
        raise InvalidInput(
            reason=t("invalid.role_not_assignable", role=cmd.role, step=step.number)
        )
    person = ctx.roster.person(cmd.person_id)
    if person is None or not person.active or cmd.role not in person.roles:
        who = person.name if person else str(cmd.person_id)
        title = ctx.sop.roles[cmd.role].title
        raise InvalidInput(reason=t("invalid.person_lacks_role", person=who, role=title))
    case.assignments[cmd.role] = person.id
    return [
        PerformerAssigned(
            case.ref, cmd.actor_id, ctx.now, step.code, cmd.role, person.id, acting.for_id
        )
    ]


@_handles(AttachDocument, RecordFact)
def _record(case: Case, cmd: AttachDocument | RecordFact, ctx: Context) -> list[Event]:
    step, run, acting = rules.open_input(case, cmd, cmd.artifact, ctx.sop, ctx.roster, ctx.now)
    if cmd.artifact not in step.needs + step.produces + step.collects:
        raise InvalidInput(reason=t("invalid.artifact", artifact=cmd.artifact, step=step.number))
    value = cmd.value if isinstance(cmd, RecordFact) else ""
    value = rules.check_time(case, step, run, cmd.artifact, value, ctx.sop, ctx.now, ctx.calendar)
    if isinstance(cmd, AttachDocument):
        if cmd.document is None:
            raise InvalidInput(reason=t("invalid.empty", field="Berkas"))
        doc = cmd.document
        event = rules.record_artifact(
            case,
            step.code,
            cmd.artifact,
            doc.sha256,
            doc.document_id,
            acting,
            ctx.sop,
            ctx.now,
            filename=doc.filename,
        )
    else:
        event = rules.record_artifact(
            case, step.code, cmd.artifact, value, None, acting, ctx.sop, ctx.now
        )
    return [event]


@_handles(RecordPrecondition)
def _precondition(case: Case, cmd: RecordPrecondition, ctx: Context) -> list[Event]:
    acting = rules.authorise_permission(
        cmd.actor_id, "record_precondition", ctx.sop, ctx.roster, ctx.now
    )
    step = ctx.sop.first_step
    if case.status is not CaseStatus.WAITING or step.precondition is None:
        raise InvalidInput(reason=t("invalid.no_precondition", ref=case.ref))
    if cmd.artifact not in step.precondition.requires:
        raise InvalidInput(reason=t("invalid.artifact", artifact=cmd.artifact, step=step.number))
    events: list[Event] = [
        rules.record_artifact(case, None, cmd.artifact, cmd.value, None, acting, ctx.sop, ctx.now)
    ]
    events.extend(start_step(case, step.code, ctx))
    return events


@_handles(CancelCase)
def _cancel(case: Case, cmd: CancelCase, ctx: Context) -> list[Event]:
    rules.authorise_permission(cmd.actor_id, "cancel_case", ctx.sop, ctx.roster, ctx.now)
    reason = rules.require_note(cmd.reason)
    for run in case.open_runs():
        run.outcome = Outcome.CANCELLED
        run.finished_at = ctx.now
        run.decided_by = cmd.actor_id
        run.note = reason
        run.version += 1
    case.status = CaseStatus.CANCELLED
    case.cancel_reason = reason
    case.closed_at = ctx.now
    return [CaseCancelled(case.ref, cmd.actor_id, ctx.now, reason)]


@_handles(ReportProgress)
def _report(case: Case, cmd: ReportProgress, ctx: Context) -> list[Event]:
    text = rules.require_text(cmd.text, t("field.report"))
    for run in case.open_runs():
        step = ctx.sop.step(run.step_code)
        try:
            acting = rules.authorise_run(run, step, cmd.actor_id, ctx.roster, ctx.now.date())
        except NotYourTask:
            continue
        return [
            ProgressReported(case.ref, cmd.actor_id, ctx.now, step.performer, text, acting.for_id)
        ]
    for role, person_id in case.assignments.items():
        if person_id == cmd.actor_id:
            return [ProgressReported(case.ref, cmd.actor_id, ctx.now, role, text)]
    raise NotPermitted(action=t("action.report_progress"))


def _decision(step: Step, kind: DecisionKind) -> Any:
    decision = step.decision(kind)
    if decision is None:
        raise InvalidInput(reason=t("invalid.no_decision", step=step.number, decision=kind.value))
    return decision


__all__ = [
    "Context",
    "NotPermitted",
    "PreconditionNotMet",
    "StepCommand",
    "decide",
    "open_case",
]
