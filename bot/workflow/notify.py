"""The messages a batch of events causes, queued in the same transaction as the events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot import actions
from bot.fmt import format_datetime
from bot.ports import OutgoingMessage
from bot.replies import Choice, Reply
from bot.sop.model import ArtifactKind, Sop, Step
from bot.texts import t
from bot.workflow.events import (
    CaseCancelled,
    CaseClosed,
    CaseWaiting,
    Event,
    StepFinished,
    TaskAssigned,
)
from bot.workflow.model import Case, Roster, StepRun


def messages_for(
    case: Case, events: Sequence[Event], sop: Sop, roster: Roster
) -> list[OutgoingMessage]:
    """One message per person each event concerns, with idempotency keys."""
    out: list[OutgoingMessage] = []
    returned: StepFinished | None = None
    for event in events:
        if isinstance(event, StepFinished):
            returned = event if event.outcome == "dikembalikan" else None
        elif isinstance(event, TaskAssigned):
            out += _task_messages(case, event, returned, sop, roster)
        elif isinstance(event, CaseWaiting):
            out.append(_waiting_message(case, event, sop))
        elif isinstance(event, CaseCancelled | CaseClosed):
            out += _closing_messages(case, event, sop, roster)
    return out


def task_reply(
    case: Case,
    run: StepRun,
    sop: Sop,
    roster: Roster,
    text_key: str = "task.assigned",
    **extra: object,
) -> Reply:
    """The message that hands a task to its performer, with the task's buttons."""
    step = sop.step(run.step_code)
    performer = sop.roles[step.performer].title
    params: dict[str, object] = {
        "name": roster.name(run.assignee_id) if run.assignee_id else performer,
        "ref": case.ref,
        "subject": case.subject,
        "partner": case.partner,
        "number": step.number,
        "title": step.title,
        "mutu_baku": step.mutu_baku.text,
        "due": format_datetime(run.due_at),
        "next_hint": _next_hint(step, sop),
        **extra,
    }
    return Reply(text_key, params, task_choices(case, run, step, sop))


def task_choices(case: Case, run: StepRun, step: Step, sop: Sop) -> tuple[Choice, ...]:
    """Buttons of an open task, pinned to the task's current version."""

    def choice(label: str, verb: str, **params: object) -> Choice:
        action = actions.encode(verb, case.id or 0, step.number, run.version)
        return Choice(label, action, dict(params))

    if step.action == "decision":
        return choice("button.approve", "approve"), choice("button.return", "return")
    if step.action == "sampaikan":
        return (choice("button.submit", "submit"),)
    return (choice("button.complete", "complete"),)


def _next_hint(step: Step, sop: Sop) -> str:
    if step.action != "sampaikan" or not step.goto:
        return ""
    target = sop.roles[sop.step(step.goto).performer].title
    return t("task.next_hint", button=t("button.submit"), to=target)


def _task_messages(
    case: Case, event: TaskAssigned, returned: StepFinished | None, sop: Sop, roster: Roster
) -> list[OutgoingMessage]:
    run = case.latest_run(event.step_code)
    if run is None:
        return []
    step = sop.step(run.step_code)
    recipients = (
        [run.assignee_id] if run.assignee_id else [p.id for p in roster.holders(step.performer)]
    )
    if returned is not None:
        reply = task_reply(
            case,
            run,
            sop,
            roster,
            "task.returned",
            by=roster.name(returned.actor_id),
            note=returned.note or "-",
            from_number=sop.step(returned.step_code).number,
        )
    else:
        reply = task_reply(case, run, sop, roster)
    return [
        OutgoingMessage(r, reply, f"{case.ref}:{run.step_code}:{run.version}:task:{r}")
        for r in recipients
    ]


def _waiting_message(case: Case, event: CaseWaiting, sop: Sop) -> OutgoingMessage:
    step = sop.step(event.step_code)
    description = step.precondition.description if step.precondition else ""
    reply = Reply(
        "case.waiting",
        {
            "ref": case.ref,
            "partner": case.partner,
            "number": step.number,
            "description": description,
        },
    )
    return OutgoingMessage(case.created_by, reply, f"{case.ref}:waiting:{event.at.isoformat()}")


def involved(case: Case) -> list[int]:
    """Everyone who created, performed or was assigned in the case."""
    ids = [case.created_by, *case.assignments.values()]
    for run in case.runs:
        ids += [i for i in (run.assignee_id, run.decided_by) if i]
    return list(dict.fromkeys(ids))


def outputs_summary(case: Case, step: Step, sop: Sop) -> str:
    """The recorded outputs of a step as `label: value` lines."""
    lines = []
    for key in step.produces:
        value = case.artifacts.get(key)
        if value is None:
            continue
        shown = value.value
        if sop.artifacts[key].kind is ArtifactKind.DATETIME:
            shown = format_datetime(datetime.fromisoformat(value.value))
        lines.append(f"{sop.artifact_label(key)}: {shown}")
    return "\n".join(lines)


def _closing_messages(
    case: Case, event: CaseCancelled | CaseClosed, sop: Sop, roster: Roster
) -> list[OutgoingMessage]:
    if isinstance(event, CaseCancelled):
        reply = Reply(
            "case.cancelled",
            {
                "ref": case.ref,
                "subject": case.subject,
                "by": roster.name(event.actor_id),
                "reason": event.reason,
            },
        )
    else:
        last = next(r for r in reversed(case.runs) if r.finished_at is not None)
        outputs = outputs_summary(case, sop.step(last.step_code), sop)
        params = {"ref": case.ref, "subject": case.subject, "outputs": outputs}
        reply = Reply("case.closed", params)
    return [
        OutgoingMessage(person, reply, f"{case.ref}:{event.kind}:{person}")
        for person in involved(case)
        if roster.person(person) is not None
    ]
