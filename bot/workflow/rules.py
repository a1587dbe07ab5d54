"""Checks shared by the engine's handlers: who may act, on which task, with what input."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from bot import dates
from bot.calendar import Duration, OfficeCalendar
from bot.errors import (
    AlreadyProcessed,
    DateRefused,
    InvalidInput,
    NoteRequired,
    NotPermitted,
    NotYourTask,
    StaleAction,
)
from bot.fmt import format_datetime
from bot.sop.model import ArtifactKind, Decision, DecisionKind, Sop, Step
from bot.texts import t
from bot.workflow.commands import StepCommand
from bot.workflow.events import ArtifactRecorded
from bot.workflow.model import Acting, ArtifactValue, Case, Outcome, Person, Roster, StepRun


def authorise_permission(
    actor_id: int, permission: str, sop: Sop, roster: Roster, now: datetime
) -> Acting:
    """Allow a case-level action to holders of the permitted roles or their Plt/Plh."""
    person = roster.person(actor_id)
    roles = set(sop.allowed(permission))
    if person is not None and person.active and roles & person.roles:
        return Acting(actor_id)
    for delegation in roster.principals_of(actor_id, now.date()):
        principal = roster.person(delegation.principal_id)
        if principal is not None and roles & principal.roles:
            return Acting(actor_id, principal.id, delegation.kind)
    raise NotPermitted(action=t(f"action.{permission}"))


def authorise_run(run: StepRun, step: Step, actor_id: int, roster: Roster, day: date) -> Acting:
    """Allow the run's assignee, a holder of the performer role when unassigned, or a deputy."""
    person = roster.person(actor_id)
    if person is not None and person.active and _may_perform(person, run, step):
        return Acting(actor_id)
    for delegation in roster.principals_of(actor_id, day):
        principal = roster.person(delegation.principal_id)
        if principal is not None and _may_perform(principal, run, step):
            return Acting(actor_id, principal.id, delegation.kind)
    assignee = (
        roster.name(run.assignee_id) if run.assignee_id is not None else _role_title(step, roster)
    )
    raise NotYourTask(step=step.number, assignee=assignee)


def _may_perform(person: Person, run: StepRun, step: Step) -> bool:
    if run.assignee_id is not None:
        return person.id == run.assignee_id
    return step.performer in person.roles


def _role_title(step: Step, roster: Roster) -> str:
    names = [p.name for p in roster.holders(step.performer)]
    return ", ".join(names) if names else step.performer


def open_task(
    case: Case, cmd: StepCommand, sop: Sop, roster: Roster, now: datetime, *, pinned: bool = True
) -> tuple[Step, StepRun, Acting]:
    """The open run the command targets, after checking version and actor.

    `pinned` commands (decisions) must name the task version the user saw; recording an input
    may omit it, because uploads do not make the task's buttons stale.
    """
    if not sop.has_step(cmd.step_code):
        raise StaleAction()
    step = sop.step(cmd.step_code)
    run = case.current_run(cmd.step_code)
    if run is None or (cmd.task_version is not None and cmd.task_version != run.version):
        raise _why_stale(case, cmd, roster)
    if pinned and cmd.task_version is None:
        raise StaleAction()
    return step, run, authorise_run(run, step, cmd.actor_id, roster, now.date())


def open_input(
    case: Case, cmd: StepCommand, key: str, sop: Sop, roster: Roster, now: datetime
) -> tuple[Step, StepRun, Acting]:
    """The open run an input is recorded on: its performer's, or that of someone a return
    names to fix it with them (the Ketua Tim uploading the corrected draft for the Kabag)."""
    try:
        return open_task(case, cmd, sop, roster, now, pinned=False)
    except NotYourTask:
        run = case.current_run(cmd.step_code)
        if run is None or not fixes_with(case, run, cmd.actor_id, key, sop, roster):
            raise
        return sop.step(cmd.step_code), run, Acting(cmd.actor_id)


def fixes_with(
    case: Case, run: StepRun, actor_id: int, key: str, sop: Sop, roster: Roster
) -> bool:
    """Whether the return that started this fix names `actor_id` to fix `key` with its
    performer (the SOP: "dikembalikan kepada Kabag untuk diperbaiki bersama ...")."""
    found = return_before(case, run, sop)
    if found is None or key not in found[1].fixes:
        return False
    return any(actor_id in told(case, role, roster) for role in found[1].tells)


def told(case: Case, role: str, roster: Roster) -> list[int]:
    """Who plays `role` in this case: its assignee, else every holder of the role."""
    if role in case.assignments:
        return [case.assignments[role]]
    return [p.id for p in roster.holders(role)]


def _why_stale(case: Case, cmd: StepCommand, roster: Roster) -> Exception:
    for run in reversed(case.runs):
        finished_from = run.version - 1
        if (
            run.step_code == cmd.step_code
            and run.finished_at is not None
            and (cmd.task_version is None or finished_from == cmd.task_version)
        ):
            return AlreadyProcessed(
                by=roster.name(run.decided_by), at=format_datetime(run.finished_at)
            )
    return StaleAction()


def passed_down(sop: Sop, step: Step) -> frozenset[str]:
    """Kelengkapan another step produces and this one does not: given, or skipped, there.

    Its absence was accounted for on that step (a skip needs a reason); the next performer is
    not asked for it again.
    """
    produced = {key for other in sop.steps if other.code != step.code for key in other.produces}
    own = set(step.produces) | set(step.collects)
    return frozenset(key for key in step.needs if key in produced and key not in own)


def return_before(case: Case, run: StepRun, sop: Sop) -> tuple[StepRun, Decision] | None:
    """The return that started this run (a fix), with the SOP's return decision."""
    index = next((i for i, r in enumerate(case.runs) if r is run), 0)
    if index == 0:
        return None
    before = case.runs[index - 1]
    if before.outcome is not Outcome.RETURNED:
        return None
    decision = sop.step(before.step_code).decision(DecisionKind.RETURN)
    if decision is None or decision.goto != run.step_code:
        return None
    return before, decision


def mutu_baku_of(case: Case, run: StepRun, sop: Sop) -> Duration:
    """The time a run may take: the return's fix time for a fix, else the step's mutu baku."""
    found = return_before(case, run, sop)
    if found is not None and found[1].fix_time is not None:
        return found[1].fix_time
    return sop.step(run.step_code).mutu_baku


def unfixed(case: Case, run: StepRun, sop: Sop) -> list[str]:
    """Documents a return asked to fix that have no new version on this run and no recorded
    reason for leaving them as they are."""
    found = return_before(case, run, sop)
    if found is None:
        return []
    returned, decision = found

    def since(key: str) -> bool:
        value = case.artifacts.get(key)
        return (
            value is not None
            and value.step_code == run.step_code
            and returned.finished_at is not None
            and value.recorded_at > returned.finished_at
        )

    if decision.unchanged is not None and since(decision.unchanged):
        return []
    return [key for key in decision.fixes if not since(key)]


def missing_for_completion(case: Case, step: Step, sop: Sop | None = None) -> list[str]:
    """Kelengkapan, outputs and choices of people a step still lacks, in SOP order."""
    passed = passed_down(sop, step) if sop is not None else frozenset()
    missing = [k for k in step.needs + step.produces if not case.has(k) and k not in passed]
    missing += [f"role:{role}" for role in step.assigns if role not in case.assignments]
    return list(dict.fromkeys(missing))


def labels(keys: Iterable[str], sop: Sop) -> str:
    """Human labels of artifact keys (and `role:` entries), joined for a message."""
    out = []
    for key in keys:
        if key.startswith("role:"):
            out.append(f"penunjukan {sop.roles[key[5:]].title}")
        else:
            out.append(sop.artifact_label(key))
    return "; ".join(out)


def require_text(value: str, field: str) -> str:
    """A stripped non-empty text, or InvalidInput naming the field."""
    if not value or not value.strip():
        raise InvalidInput(reason=t("invalid.empty", field=field))
    return value.strip()


def require_note(value: str | None) -> str:
    """A stripped non-empty note, or NoteRequired."""
    if not value or not value.strip():
        raise NoteRequired()
    return value.strip()


def normalise_value(sop: Sop, key: str, value: str, now: datetime) -> str:
    """Validate a recorded value against its artifact kind; datetimes become ISO in WIB.

    Dates are read as people type them (`bot.dates.read`), `besok` counting from `now`.
    """
    artifact = sop.artifacts.get(key)
    if artifact is None:
        raise InvalidInput(reason=t("invalid.unknown_artifact", artifact=key))
    text = require_text(value, artifact.label)
    if artifact.kind not in (ArtifactKind.DATETIME, ArtifactKind.DATE):
        return text
    reading = dates.read(text, now)
    if artifact.kind is ArtifactKind.DATE:
        return reading.day.isoformat()
    if reading.clock is None:
        raise InvalidInput(reason=t("invalid.datetime", value=text))
    return reading.at().isoformat()


def check_time(
    case: Case,
    step: Step,
    run: StepRun,
    key: str,
    value: str,
    sop: Sop,
    now: datetime,
    calendar: OfficeCalendar,
) -> str:
    """The value read and held against the artifact's limits (SOP `not_before`, …).

    A date or datetime is checked itself; anything else (the minutes of a meeting) is checked
    by the moment it is submitted, `now`. Returns the value to record, ISO for times.
    """
    artifact = sop.artifacts[key]
    limits = time_limits(case, step, run, key, sop, now)
    timed = artifact.kind in (ArtifactKind.DATETIME, ArtifactKind.DATE)
    if not timed:
        for bound in limits.earliest:
            if now < bound.at:
                raise InvalidInput(reason=t(
                    "dates.too_early", label=artifact.label, bound=format_datetime(bound.at),
                    bound_label=bound.params.get("label", ""),
                ))  # fmt: skip
        return value
    iso = normalise_value(sop, key, value, now)
    if artifact.kind is ArtifactKind.DATE:
        return iso
    at = datetime.fromisoformat(iso)
    reason = dates.refusal(at, limits, calendar)
    if reason is not None:
        choices = dates.nearest(at, limits, calendar)
        raise DateRefused(reason + "." + dates.choices_text(choices), tuple(choices))
    return iso


def time_limits(
    case: Case, step: Step, run: StepRun, key: str, sop: Sop, now: datetime
) -> dates.Limits:
    """The limits the SOP sets on one artifact's time, as instants on this case.

    The step's deadline binds only while it is ahead: a late step is recorded as late, and
    refusing every time after it would leave the case stuck.
    """
    artifact = sop.artifacts[key]
    earliest: list[dates.Bound] = []
    latest: list[dates.Bound] = []
    for name in artifact.not_before:
        if name == "now":
            earliest.append(dates.Bound(now, "dates.past"))
        elif (bound := _artifact_time(case, sop, name)) is not None:
            earliest.append(bound)
    for name in artifact.not_after:
        if name == "deadline":
            if run.due_at < now:
                continue  # already late: the delay is on record, the case must go on
            params = {"number": str(step.number)}
            latest.append(dates.Bound(run.due_at, "dates.after_deadline", params))
        elif (bound := _artifact_time(case, sop, name)) is not None:
            latest.append(dates.Bound(bound.at, "dates.after", bound.params))
    return dates.Limits(tuple(earliest), tuple(latest), artifact.office_hours)


def _artifact_time(case: Case, sop: Sop, key: str) -> dates.Bound | None:
    """A recorded artifact as a bound: its own time if it is one, else when it was recorded."""
    value = case.artifacts.get(key)
    if value is None:
        return None
    label = {"label": sop.artifact_label(key)}
    if sop.artifacts[key].kind is ArtifactKind.DATETIME:
        return dates.Bound(datetime.fromisoformat(value.value), "dates.before", label)
    return dates.Bound(value.recorded_at, "dates.before_recorded", label)


def record_artifact(
    case: Case,
    step_code: str | None,
    key: str,
    value: str,
    document_id: int | None,
    acting: Acting,
    sop: Sop,
    now: datetime,
    *,
    filename: str | None = None,
    version: int | None = None,
) -> ArtifactRecorded:
    """Set the artifact's latest value on the case, one version up (or at `version`: an
    approved draft keeps the number of the draft it approves)."""
    artifact = sop.artifacts.get(key)
    if artifact is None:
        raise InvalidInput(reason=t("invalid.unknown_artifact", artifact=key))
    if artifact.kind is ArtifactKind.DOCUMENT and document_id is None:
        raise InvalidInput(reason=t("invalid.document_required", artifact=artifact.label))
    if document_id is None:
        value = normalise_value(sop, key, value, now)
    previous = case.artifacts.get(key)
    if version is None or (previous is not None and version <= previous.version):
        version = previous.version + 1 if previous else 1
    case.artifacts[key] = ArtifactValue(
        key, value, step_code, acting.actor_id, now, document_id, version, filename
    )
    return ArtifactRecorded(
        case.ref, acting.actor_id, now, step_code, key, value, version, filename, acting.for_id
    )
