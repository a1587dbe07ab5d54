"""How a task looks in chat: its checklist, its buttons and its documents. Channel-neutral."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import actions
from bot.calendar import OfficeCalendar
from bot.fmt import format_date, format_datetime, format_minutes
from bot.replies import Choice, FileRef, Reply
from bot.sop.model import ArtifactKind, Sop, Step
from bot.texts import t
from bot.workflow.model import ArtifactValue, Case, Outcome, Roster, StepRun

DATE_CHOICES = 3


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


def checklist(case: Case, step: Step, sop: Sop, roster: Roster) -> str:
    """One line per input of the step: ✅ with its value, or ⬜ when still missing."""
    lines = []
    for key in inputs_of(step):
        label = sop.artifact_label(key)
        value = case.artifacts.get(key)
        if value is None:
            lines.append(t("task.line_missing", label=label))
        else:
            lines.append(t("task.line_done", label=label, value=shown_value(value, sop)))
    for role in step.assigns:
        title = sop.roles[role].title
        person = case.assignments.get(role)
        if person is None:
            lines.append(t("task.line_missing", label=t("task.choose_person", role=title)))
        else:
            lines.append(t("task.line_done", label=title, value=roster.name(person)))
    return "\n".join(lines)


def shown_value(value: ArtifactValue, sop: Sop) -> str:
    """An artifact's value as a person reads it: file name and version, or the text."""
    if value.document_id is not None:
        return t("task.file_version", filename=value.filename or "berkas", version=value.version)
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
        "name": roster.name(run.assignee_id)
        if run.assignee_id
        else sop.roles[step.performer].title,
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
        "summary": review_summary(case, step, view),
    }
    choices = input_choices(case, run, step, view) + decision_choices(case, run, step)
    return Reply("task.view", params, tuple(choices), review_files(case, step))


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
            lines.append(t("review.version", label=view.sop.artifact_label(key),
                           version=value.version))  # fmt: skip
    returned = [r for r in case.runs if r.outcome is Outcome.RETURNED]
    if returned:
        last = returned[-1]
        lines.append(t("review.last_return", count=len(returned),
                       by=view.roster.name(last.decided_by), note=last.note or "-"))  # fmt: skip
    return "\n".join(lines) + "\n\n" if lines else ""


def _hint(step: Step, sop: Sop) -> str:
    if step.decisions:
        return t("task.hint_decision")
    if step.action == "sampaikan" and step.goto:
        target = sop.roles[sop.step(step.goto).performer].title
        return t("task.hint_submit", to=target)
    return t("task.hint_complete")


def decision_choices(case: Case, run: StepRun, step: Step) -> list[Choice]:
    """The buttons that finish the task, pinned to its current version."""

    def choice(label: str, verb: str) -> Choice:
        return Choice(label, actions.encode(verb, case.id or 0, step.number, run.version))

    if step.decisions:
        return [choice("button.approve", "approve"), choice("button.return", "return")]
    main = (
        choice("button.submit", "submit")
        if step.action == "sampaikan"
        else choice("button.complete", "complete")
    )
    missing = [k for k in step.needs + step.produces if not case.has(k)]
    missing += [r for r in step.assigns if r not in case.assignments]
    return [main, choice("button.skip", "skip")] if missing else [main]


def input_choices(case: Case, run: StepRun, step: Step, view: ViewContext) -> list[Choice]:
    """Buttons to give what the step still lacks: people to choose, files, texts, dates."""
    sop, roster, calendar = view.sop, view.roster, view.calendar
    keys = list(sop.artifacts)
    roles = list(sop.roles)
    case_id = case.id or 0
    out: list[Choice] = []
    for role in step.assigns:
        if role not in case.assignments:
            for person in roster.holders(role):
                data = actions.encode("pick", case_id, step.number, roles.index(role), person.id)
                out.append(Choice("button.pick", data, {"name": person.name}))
    for key in inputs_of(step):
        if case.has(key):
            continue
        artifact = sop.artifacts[key]
        index = keys.index(key)
        label = {"label": artifact.label}
        if key in view.generated:
            data = actions.encode("generate", case_id, step.number, index)
            out.append(Choice("button.generate", data, label))
        verb_key = {
            ArtifactKind.DOCUMENT: "button.upload",
            ArtifactKind.PEOPLE: "button.choose",
        }.get(artifact.kind, "button.fill")
        out.append(Choice(verb_key, actions.encode("input", case_id, step.number, index), label))
        if artifact.kind is ArtifactKind.DATETIME and calendar is not None and run.started_at:
            for day in calendar.next_working_days(run.started_at.date(), DATE_CHOICES):
                data = actions.encode("date", case_id, step.number, int(day.strftime("%Y%m%d")))
                out.append(Choice("button.date", data, {"date": format_date(day)}))
    return out


def review_files(case: Case, step: Step) -> tuple[FileRef, ...]:
    """The documents a reviewer reads: the latest version of each document the step needs."""
    return documents_of(case, step.needs) if step.decisions else ()


def documents_of(case: Case, keys: tuple[str, ...]) -> tuple[FileRef, ...]:
    """The latest file of each of these artifacts that is a document."""
    files = []
    for key in keys:
        value = case.artifacts.get(key)
        if value is not None and value.document_id is not None:
            files.append(FileRef(value.value, value.filename or f"{key}.docx"))
    return tuple(files)
