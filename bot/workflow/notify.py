"""The messages a batch of events causes, queued in the same transaction as the events."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from bot import actions
from bot.address import address
from bot.clock import JAKARTA
from bot.fmt import format_datetime
from bot.ports import OutgoingMessage
from bot.replies import Choice, FileRef, Reply
from bot.sop.model import ArtifactKind, Decision, DecisionKind, Sop, Step
from bot.texts import t
from bot.views import ViewContext, task_view, uploaded_on_a_fix
from bot.workflow import acting, rules
from bot.workflow.events import (
    ArtifactRecorded,
    CaseCancelled,
    CaseClosed,
    CaseWaiting,
    Event,
    ProgressReported,
    StepFinished,
    TaskAssigned,
)
from bot.workflow.model import ArtifactValue, Case, Roster, StepRun

# The meeting's artifacts in the SOP file, as an invitation names them (place, time, agenda).
MEETING_SLOTS = {"tempat_rapat": "place", "waktu_rapat": "time", "acara_rapat": "agenda"}


def messages_for(case: Case, events: Sequence[Event], view: ViewContext) -> list[OutgoingMessage]:
    """One message per person each event concerns, with idempotency keys."""
    sop, roster = view.sop, view.roster
    out: list[OutgoingMessage] = []
    returned: StepFinished | None = None
    for event in events:
        if isinstance(event, StepFinished):
            returned = event if event.outcome == "dikembalikan" else None
        elif isinstance(event, TaskAssigned):
            out += _task_messages(case, event, returned, view)
        elif isinstance(event, CaseWaiting):
            out.append(_waiting_message(case, event, sop))
        elif isinstance(event, CaseCancelled | CaseClosed):
            out += _closing_messages(case, event, sop, roster)
        elif isinstance(event, ProgressReported):
            out += _report_messages(case, event, sop, roster)
        elif isinstance(event, ArtifactRecorded):
            out += _fix_by_another(case, event, view)
    return out


def _fix_by_another(
    case: Case, event: ArtifactRecorded, view: ViewContext
) -> list[OutgoingMessage]:
    """A corrected document uploaded by someone the return named (the Ketua Tim) reaches the
    fix task's performer (the Kabag): the card anew, saying so, then the file."""
    run = case.current_run(event.step_code) if event.step_code else None
    actor = event.actor_id
    if run is None or run.assignee_id is None or actor is None or actor == run.assignee_id:
        return []
    if not rules.fixes_with(case, run, actor, event.artifact, view.sop, view.roster):
        return []
    intro = t(
        "task.fix_uploaded_by",
        name=view.roster.name(event.actor_id),
        label=view.sop.artifact_label(event.artifact),
        version=event.version,
    ) + "\n\n"  # the catalogue strips trailing newlines; the task text follows
    to = run.assignee_id
    base = f"{case.ref}:{run.step_code}:{run.version}:fixed:{event.artifact}:v{event.version}"
    reply = replace(task_view(case, run, view, intro), files=())
    card = OutgoingMessage(to, reply, f"{base}:{to}")
    return [card, *document_messages(case, [event.artifact], to, base, view.sop, view.roster)]


def _task_messages(
    case: Case, event: TaskAssigned, returned: StepFinished | None, view: ViewContext
) -> list[OutgoingMessage]:
    sop, roster = view.sop, view.roster
    run = case.latest_run(event.step_code)
    if run is None:
        return []
    step = sop.step(run.step_code)
    recipients = (
        [run.assignee_id] if run.assignee_id else [p.id for p in roster.holders(step.performer)]
    )
    intro = ""
    if returned is not None:
        intro = t(
            "task.returned_intro",
            ref=case.ref,
            by=roster.name(returned.actor_id),
            note=returned.note or "-",
            from_number=sop.step(returned.step_code).number,
        )
        intro += _earlier_return(case, run, sop, roster)
        if step.decisions:  # the Sekda: send it down for a fix, or answer it
            intro += "\n" + t("task.returned_choice")
        intro += "\n\n"  # the catalogue strips trailing newlines; the task text follows
    reply = task_view(case, run, view, intro)
    # The card first; its documents follow it, each in a message of its own with a caption.
    reply = replace(reply, files=())
    fix = _return_decision(returned, sop)
    title = sop.roles[step.performer].title
    out: list[OutgoingMessage] = []
    sent: set[int] = set()
    for holder in recipients:
        # Plt./Plh.: an official away today gets the task through whoever acts for them.
        where = acting.route(holder, roster, _day(view, event))
        if where.recipient_id not in sent:
            sent.add(where.recipient_id)
            to = where.recipient_id
            key = f"{case.ref}:{run.step_code}:{run.version}:task:{to}"
            out.append(OutgoingMessage(to, acting.addressed(reply, where, roster, title), key))
            out += _task_documents(case, run, step, to, fix, sop, roster)
        notice = acting.holder_notice(case, run, where, sop, roster)
        if notice is not None:
            out.append(notice)
    if returned is not None and fix is not None:
        out += _told_of_return(case, run, returned, fix, view, sent)
    return out + _participant_messages(case, run, view, {*recipients, *sent})


def _earlier_return(case: Case, run: StepRun, sop: Sop, roster: Roster) -> str:
    """A return passed on down (the Wali Kota's, sent down by the Sekda) keeps its note."""
    index = next((i for i, r in enumerate(case.runs) if r is run), 0)
    if index == 0:
        return ""
    found = rules.return_before(case, case.runs[index - 1], sop)
    if found is None:
        return ""
    earlier = found[0]
    return "\n" + t(
        "task.returned_earlier",
        by=roster.name(earlier.decided_by),
        from_number=sop.step(earlier.step_code).number,
        note=earlier.note or "-",
    )


def _return_decision(returned: StepFinished | None, sop: Sop) -> Decision | None:
    if returned is None:
        return None
    return sop.step(returned.step_code).decision(DecisionKind.RETURN)


def _task_documents(
    case: Case, run: StepRun, step: Step, to: int, fix: Decision | None, sop: Sop, roster: Roster
) -> list[OutgoingMessage]:
    """The documents the performer must read for this task: a reviewer every one the step
    needs, anyone else those handed over by someone else, and after a return the returned
    file to fix even if it was their own."""
    always = set(fix.fixes) if fix is not None else set()
    keys = [
        key
        for key in step.needs
        if step.decisions or key in always or _recorded_by(case, key) != to
    ]
    base = f"{case.ref}:{run.step_code}:{run.version}"
    return document_messages(case, keys, to, base, sop, roster)


def _recorded_by(case: Case, key: str) -> int | None:
    value = case.artifacts.get(key)
    return value.recorded_by if value is not None else None


def document_messages(
    case: Case,
    keys: Sequence[str],
    to: int,
    key_base: str,
    sop: Sop,
    roster: Roster | None = None,
) -> list[OutgoingMessage]:
    """One message per document, the file with a one-line caption: what, version, case."""
    out = []
    for key in keys:
        value = case.artifacts.get(key)
        if value is None or value.document_id is None:
            continue
        reply = document_reply(case, value, sop, roster)
        out.append(OutgoingMessage(to, reply, f"{key_base}:doc:{key}:v{value.version}:{to}"))
    return out


def document_reply(
    case: Case, value: ArtifactValue, sop: Sop, roster: Roster | None = None
) -> Reply:
    """A document as a message of its own, captioned with what it is, its version and case;
    a version uploaded on a fix names who uploaded it."""
    params = {"label": sop.artifact_label(value.key), "version": value.version, "ref": case.ref}
    file = FileRef(value.value, value.filename or f"{value.key}.docx")
    if roster is not None and uploaded_on_a_fix(value, sop):
        params["name"] = roster.name(value.recorded_by)
        return Reply("document.caption_by", params, files=(file,))
    return Reply("document.caption", params, files=(file,))


def _told_of_return(
    case: Case,
    run: StepRun,
    returned: StepFinished,
    fix: Decision,
    view: ViewContext,
    performers: set[int],
) -> list[OutgoingMessage]:
    """The others a return names (the Ketua Tim who fixes the draft with the Kabag) get the
    note and the returned file."""
    sop, roster = view.sop, view.roster
    out: list[OutgoingMessage] = []
    for role in fix.tells:
        for person in rules.told(case, role, roster):
            if person in performers:
                continue
            reply = Reply(
                "task.returned_told",
                {"ref": case.ref, "subject": case.subject, "by": roster.name(returned.actor_id),
                 "from_number": sop.step(returned.step_code).number, "note": returned.note or "-",
                 "earlier": _earlier_return(case, run, sop, roster),
                 "number": sop.step(run.step_code).number,
                 "performer": roster.name(run.assignee_id)},
                _fix_uploads(case, run, fix, sop),
            )  # fmt: skip
            base = f"{case.ref}:{run.step_code}:{run.version}"
            out.append(OutgoingMessage(person, reply, f"{base}:returned:{person}"))
            out += document_messages(case, fix.fixes, person, base, sop, roster)
    return out


def _fix_uploads(case: Case, run: StepRun, fix: Decision, sop: Sop) -> tuple[Choice, ...]:
    """Those a return names upload the corrected documents themselves, onto the fix task."""
    keys = list(sop.artifacts)
    number = sop.step(run.step_code).number
    return tuple(
        Choice("button.upload_fix", actions.encode("input", case.id or 0, number, keys.index(key)),
               {"label": sop.artifact_label(key)})
        for key in fix.fixes
        if sop.artifacts[key].kind is ArtifactKind.DOCUMENT
    )  # fmt: skip


def _day(view: ViewContext, event: TaskAssigned) -> date:
    return (view.now or event.at).astimezone(JAKARTA).date()


def _participant_messages(
    case: Case, run: StepRun, view: ViewContext, performers: set[int | None]
) -> list[OutgoingMessage]:
    """People who take part in a step (TKKSD at the meeting) are told, with its documents."""
    step = view.sop.step(run.step_code)
    out = []
    for role in step.participants:
        for person in view.roster.holders(role):
            if person.id in performers:
                continue
            reply = Reply(
                "task.participant",
                {"address": address(person, view.sop, role),
                 "role": view.sop.roles[role].title, "ref": case.ref,
                 "subject": case.subject, "partner": case.partner, "number": step.number,
                 "title": step.title, "start": format_datetime(run.started_at),
                 "performer": view.roster.name(run.assignee_id),
                 "meeting": meeting_lines(case, view.sop)},
            )  # fmt: skip
            base = f"{case.ref}:{run.step_code}:{run.version}"
            out.append(OutgoingMessage(person.id, reply, f"{base}:participant:{person.id}"))
            out += document_messages(case, step.needs, person.id, base, view.sop, view.roster)
    return out


def meeting_lines(case: Case, sop: Sop) -> str:
    """Place, time and agenda of the meeting a participant is invited to, in that order.

    Each is the first artifact of its kind the case has (text for the place, the date and time,
    then the agenda text); a line is left out while its value is not recorded.
    """
    found: dict[str, str] = {}
    for key, artifact in sop.artifacts.items():
        value = case.artifacts.get(key)
        if value is None or value.document_id is not None:
            continue
        slot = MEETING_SLOTS.get(key)
        if slot is None or slot in found:
            continue
        shown = value.value
        if artifact.kind is ArtifactKind.DATETIME:
            shown = format_datetime(datetime.fromisoformat(value.value))
        found[slot] = t(f"task.participant_{slot}", value=shown)
    lines = [found[slot] for slot in ("place", "time", "agenda") if slot in found]
    return "".join(f"\n{line}" for line in lines)


def superiors(case: Case, role: str, sop: Sop, roster: Roster) -> list[int]:
    """Who a performer of `role` answers to on this case (SOP roles' `superior`)."""
    superior = sop.roles[role].superior
    if superior is None:
        return []
    if superior in case.assignments:
        return [case.assignments[superior]]
    return [p.id for p in roster.holders(superior)]


def _report_messages(
    case: Case, event: ProgressReported, sop: Sop, roster: Roster
) -> list[OutgoingMessage]:
    reply = Reply(
        "progress.reported",
        {
            "ref": case.ref,
            "subject": case.subject,
            "by": roster.name(event.actor_id),
            "role": sop.roles[event.role].title,
            "text": event.text,
        },
    )
    # Two different reports in the same instant are two messages; the same one twice is one.
    digest = hashlib.sha256(event.text.encode()).hexdigest()[:12]
    key = f"{case.ref}:lapor:{event.actor_id}:{event.at.isoformat()}:{digest}"
    day = event.at.astimezone(JAKARTA).date()
    up = superiors(case, event.role, sop, roster)
    to = [acting.route(person, roster, day).recipient_id for person in up]
    return [OutgoingMessage(person, reply, f"{key}:{person}") for person in dict.fromkeys(to)]


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
    approved = [key for step in sop.steps for d in step.decisions for key in d.records]
    out: list[OutgoingMessage] = []
    for person in involved(case):
        if roster.person(person) is None:
            continue
        out.append(OutgoingMessage(person, _with_package(reply, case, event, sop, roster, person),
                                   f"{case.ref}:{event.kind}:{person}"))  # fmt: skip
        if isinstance(event, CaseClosed):  # the approved text follows the finish notice
            base = f"{case.ref}:{event.kind}"
            out += document_messages(case, approved, person, base, sop, roster)
    return out


def _with_package(
    reply: Reply, case: Case, event: Event, sop: Sop, roster: Roster, person_id: int
) -> Reply:
    """A finished case's notice offers who may take its records package the button for it."""
    person = roster.person(person_id)
    allowed = set(sop.allowed("export_records"))
    if not isinstance(event, CaseClosed) or person is None or not allowed & person.roles:
        return reply
    choice = Choice("button.package", actions.encode("package", case.id or 0))
    return Reply(reply.text_key, reply.params, (*reply.choices, choice), reply.files)
