"""How a task looks in chat: its checklist, its buttons and its documents. Channel-neutral."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import actions, dates
from bot.address import address
from bot.calendar import OfficeCalendar
from bot.cards import card_of
from bot.fmt import format_date, format_datetime, format_minutes
from bot.replies import Choice, Reply
from bot.sop.model import ArtifactKind, Sop, Step
from bot.texts import t
from bot.workflow.model import ArtifactValue, Case, Outcome, Roster, StepRun
from bot.workflow.rules import (
    missing_for_completion,
    passed_down,
    return_before,
    time_limits,
    unfixed,
)

DATE_CHOICES = 3
MAX_BUTTONS = 6  # a phone shows them without scrolling


@dataclass(frozen=True)
class ViewContext:
    """What rendering a task consults besides the case."""

    sop: Sop
    roster: Roster
    calendar: OfficeCalendar | None = None
    now: datetime | None = None
    generated: frozenset[str] = frozenset()  # artifacts the bot can build from a template


def inputs_of(step: Step) -> list[str]:
    """Artifacts a performer can give on this step, in SOP order, without repeats."""
    return list(dict.fromkeys(step.needs + step.produces + step.collects))


def own_inputs(step: Step, sop: Sop) -> list[str]:
    """The inputs this step's performer gives: not those an earlier step handed down."""
    passed = passed_down(sop, step)
    return [key for key in inputs_of(step) if key not in passed]


def waiting_for(case: Case, key: str, sop: Sop) -> list[str]:
    """What must be filled before the bot can build `key` (labels), in SOP order."""
    out = []
    for name in sop.artifacts[key].after:
        if name in sop.roles:
            if name not in case.assignments:
                out.append(t("task.choose_person", role=sop.roles[name].title))
        elif not case.has(name):
            out.append(sop.artifact_label(name))
    return out


def checklist(case: Case, step: Step, sop: Sop, roster: Roster) -> str:
    """One line per input of the step: ✅ with its value, or ⬜ when still missing."""
    lines = []
    passed = passed_down(sop, step)
    for key in inputs_of(step):
        label = sop.artifact_label(key)
        value = case.artifacts.get(key)
        if value is not None:
            shown = shown_value(value, sop, roster)
            lines.append(t("task.line_done", label=label, value=shown))
        elif key in passed:
            source = next(s for s in sop.steps if key in s.produces)
            lines.append(t("task.line_passed", label=label, number=source.number))
        elif waiting := waiting_for(case, key, sop):
            lines.append(t("task.line_waiting", label=label, after=", ".join(waiting)))
        else:
            lines.append(t("task.line_missing", label=label))
    for role in step.assigns:
        title = sop.roles[role].title
        person = case.assignments.get(role)
        if person is None:
            lines.append(t("task.line_missing", label=t("task.choose_person", role=title)))
        else:
            lines.append(t("task.line_done", label=title, value=roster.name(person)))
    return "\n".join(lines)


def uploaded_on_a_fix(value: ArtifactValue, sop: Sop) -> bool:
    """A version uploaded on another step than the one producing it (the Kabag's fix of a
    returned draft): it is its uploader's, not the producing step's."""
    producers = {s.code for s in sop.steps if value.key in s.produces}
    return bool(producers) and value.step_code not in producers


def shown_value(value: ArtifactValue, sop: Sop, roster: Roster | None = None) -> str:
    """An artifact's value as a person reads it: file name and version, or the text.

    A version uploaded on another step than the one producing it (the Kabag's fix of a
    returned draft) names who uploaded it: it is theirs, not the producing step's.
    """
    if value.document_id is not None:
        filename = value.filename or "berkas"
        if roster is not None and uploaded_on_a_fix(value, sop):
            name = roster.name(value.recorded_by)
            return t("task.file_version_by", filename=filename, version=value.version, name=name)
        return t("task.file_version", filename=filename, version=value.version)
    if sop.artifacts[value.key].kind is ArtifactKind.DATETIME:
        return format_datetime(datetime.fromisoformat(value.value))
    return value.value


def task_view(case: Case, run: StepRun, view: ViewContext, intro: str = "") -> Reply:
    """The message that shows a task to its performer, with every button it needs."""
    sop, roster, calendar, now = view.sop, view.roster, view.calendar, view.now
    step = sop.step(run.step_code)
    lines = checklist(case, step, sop, roster)
    late = ""
    if calendar is not None and now is not None and now > run.due_at:
        late = t("task.late", late=format_minutes(calendar.elapsed_minutes(run.due_at, now)))
    params: dict[str, object] = {
        "address": address(roster.person(run.assignee_id), sop, step.performer),
        "ref": case.ref,
        "subject": case.subject,
        "partner": case.partner,
        "number": step.number,
        "title": step.title,
        "mutu_baku": step.mutu_baku.text,
        "due": format_datetime(run.due_at),
        "late": late,
        "checklist": lines,
        "hint": _hint(step, sop),
        "intro": intro,
        "summary": review_summary(case, step, view) + fix_summary(case, run, view),
    }
    choices = card_choices(case, run, step, view)
    # The documents are messages of their own, after the card (`notify.document_messages`).
    return Reply("task.view", params, tuple(choices), card=card_of(case, run))


def review_summary(case: Case, step: Step, view: ViewContext) -> str:
    """For a reviewer: how long the case has run, which draft version, the last return note."""
    if not step.decisions:
        return ""
    lines = []
    if view.calendar is not None and view.now is not None:
        days = view.calendar.elapsed_working_days(case.created_at, view.now)
        lines.append(t("review.running", days=days, opened=format_date(case.created_at.date())))
    for key in step.needs:
        value = case.artifacts.get(key)
        if value is not None and value.document_id is not None:
            label = view.sop.artifact_label(key)
            if uploaded_on_a_fix(value, view.sop):
                by = view.roster.name(value.recorded_by)
                lines.append(t("review.version_by", label=label, version=value.version, name=by))
            else:
                lines.append(t("review.version", label=label, version=value.version))
    returned = [r for r in case.runs if r.outcome is Outcome.RETURNED]
    if returned:
        last = returned[-1]
        lines.append(t("review.last_return", count=len(returned),
                       by=view.roster.name(last.decided_by), note=last.note or "-"))  # fmt: skip
        answer = _answer_to(case, last, view.sop)
        if answer is not None:
            by = view.roster.name(answer.decided_by)
            lines.append(t("review.answer", by=by, note=answer.note))
    return "\n".join(lines) + "\n\n" if lines else ""


def _answer_to(case: Case, returned: StepRun, sop: Sop) -> StepRun | None:
    """The approval right after a return from above that answered it with a note (the
    Sekda's answer to the Wali Kota), if it was answered so."""
    index = next((i for i, r in enumerate(case.runs) if r is returned), len(case.runs))
    after = case.runs[index + 1] if index + 1 < len(case.runs) else None
    if after is None or after.outcome is not Outcome.APPROVED or not after.note:
        return None
    return after if return_before(case, after, sop) is not None else None


def _hint(step: Step, sop: Sop) -> str:
    if step.decisions:
        return t("task.hint_decision")
    if step.action == "sampaikan" and step.goto:
        target = sop.roles[sop.step(step.goto).performer].title
        return t("task.hint_submit", to=target)
    files = any(sop.artifacts[key].kind is ArtifactKind.DOCUMENT for key in own_inputs(step, sop))
    return t("task.hint_complete") + (t("task.hint_files") if files else "")


def decision_choices(case: Case, run: StepRun, step: Step, sop: Sop) -> list[Choice]:
    """The button that finishes the task, pinned to its current version.

    While something is missing only Lewati (with a reason) can finish it; once complete,
    Selesai or Sampaikan.
    """

    def choice(label: str, verb: str) -> Choice:
        return Choice(label, actions.encode(verb, case.id or 0, step.number, run.version))

    if step.decisions:
        return [choice("button.approve", "approve"), choice("button.return", "return")]
    if missing_for_completion(case, step, sop):
        return [choice("button.skip", "skip")]
    if step.action == "sampaikan":
        return [choice("button.submit", "submit")]
    return [choice("button.complete", "complete")]


def card_choices(case: Case, run: StepRun, step: Step, view: ViewContext) -> list[Choice]:
    """At most six buttons, for what can be done now: the missing items in SOP order, Ubah
    when something is filled, and the finishing button."""
    finish = decision_choices(case, run, step, view.sop)
    if step.decisions:
        return finish
    fix = fix_choices(case, run, step, view)
    amend = amend_choices(case, run, step, view)
    room = MAX_BUTTONS - len(finish) - len(fix) - (1 if amend else 0)
    inputs = input_choices(case, run, step, view, room)
    more = [Choice("button.amend", actions.encode("amend", case.id or 0, step.number))]
    return fix + inputs + (more if amend else []) + finish


def fix_choices(case: Case, run: StepRun, step: Step, view: ViewContext) -> list[Choice]:
    """After a return, until it is fixed: upload the new version, or Tanpa perubahan."""
    keys = unfixed(case, run, view.sop)
    if not keys:
        return []
    out = [_input_choice(case.id or 0, step, key, view, "missing") for key in keys]
    data = actions.encode("unchanged", case.id or 0, step.number, run.version)
    return [*out, Choice("button.unchanged", data)]


def fix_summary(case: Case, run: StepRun, view: ViewContext) -> str:
    """For a fix after a return: whether the new version or the reason to keep it is there."""
    found = return_before(case, run, view.sop)
    if found is None or not found[1].fixes:
        return ""
    decision = found[1]
    labels = ", ".join(view.sop.artifact_label(key) for key in decision.fixes)
    missing = unfixed(case, run, view.sop)
    if missing:
        return t("task.fix_needed", labels=labels) + "\n\n"
    kept = case.artifacts.get(decision.unchanged) if decision.unchanged else None
    if kept is not None and all(
        (v := case.artifacts.get(k)) is None or v.recorded_at < kept.recorded_at
        for k in decision.fixes
    ):
        return t("task.fix_unchanged", reason=kept.value) + "\n\n"
    return t("task.fix_done", labels=labels) + "\n\n"


def input_choices(
    case: Case, run: StepRun, step: Step, view: ViewContext, room: int = MAX_BUTTONS
) -> list[Choice]:
    """Buttons for what the step still lacks and can take now: people, texts, files.

    One button per missing item first, in SOP order; a document the bot can build offers Buat
    once what it is built from is filled, and Unggah beside it while there is room (an
    official may bring a signed or handwritten one).
    """
    sop, roster = view.sop, view.roster
    roles = list(sop.roles)
    case_id = case.id or 0
    out: list[list[Choice]] = []
    for role in step.assigns:
        if role not in case.assignments:
            for person in roster.holders(role):
                data = actions.encode("pick", case_id, step.number, roles.index(role), person.id)
                out.append([Choice("button.pick", data, {"name": person.name})])
    for key in own_inputs(step, sop):
        if case.has(key):
            continue
        upload = _input_choice(case_id, step, key, view, "missing")
        if key in view.generated and not waiting_for(case, key, sop):
            out.append([_input_choice(case_id, step, key, view, "generate"), upload])
        else:
            out.append([upload])
    shown = out[:room]
    spare = room - len(shown)
    flat: list[Choice] = []
    for group in shown:
        flat.append(group[0])
        if len(group) > 1 and spare > 0:
            flat.extend(group[1:])
            spare -= len(group) - 1
    return flat


def amend_choices(case: Case, run: StepRun, step: Step, view: ViewContext) -> list[Choice]:
    """`Ubah …` for every item already filled on this step, while the step is open."""
    case_id = case.id or 0
    filled = [key for key in own_inputs(step, view.sop) if case.has(key)]
    return [_input_choice(case_id, step, key, view, "amend") for key in filled]


def _input_choice(case_id: int, step: Step, key: str, view: ViewContext, mode: str) -> Choice:
    artifact = view.sop.artifacts[key]
    index = list(view.sop.artifacts).index(key)
    label = {"label": artifact.label}
    if mode == "amend":  # a document is changed by sending the new version
        data = actions.encode("input", case_id, step.number, index)
        return Choice("button.amend_item", data, label)
    if mode == "generate":
        data = actions.encode("generate", case_id, step.number, index)
        return Choice("button.generate", data, label)
    verb_key = {
        ArtifactKind.DOCUMENT: "button.upload",
        ArtifactKind.PEOPLE: "button.choose",
    }.get(artifact.kind, "button.fill")
    return Choice(verb_key, actions.encode("input", case_id, step.number, index), label)


def date_choices(case: Case, run: StepRun, step: Step, view: ViewContext) -> list[Choice]:
    """The next working days on which the step's date-and-time input can fall.

    A day is offered only if its opening time passes the SOP's limits (not after the
    step's deadline, …); the time is asked after the press.
    """
    if view.calendar is None or run.started_at is None:
        return []
    now = view.now or run.started_at
    key = next((k for k in inputs_of(step) if view.sop.artifacts[k].kind is ArtifactKind.DATETIME),
               None)  # fmt: skip
    limits = time_limits(case, step, run, key, view.sop, now) if key else dates.Limits()
    out = []
    for day in view.calendar.next_working_days(now.date(), DATE_CHOICES * 3):
        hours = view.calendar.office_hours_on(day)
        if hours is None or dates.refusal(hours[0], limits, view.calendar) is not None:
            continue
        data = actions.encode("date", case.id or 0, step.number, int(day.strftime("%Y%m%d")))
        out.append(Choice("button.date", data, {"date": format_date(day)}))
        if len(out) == DATE_CHOICES:
            break
    return out
