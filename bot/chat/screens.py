"""Read-only answers: help, the SOP, a case's status and its history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.address import address_among
from bot.fmt import format_datetime, format_minutes
from bot.replies import Reply
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry
from bot.texts import t
from bot.views import ViewContext
from bot.workflow.model import Case, Outcome, Person

if TYPE_CHECKING:
    from bot.chat.session import Chat


def help_text(core: Chat, person: Person) -> Reply:
    """The commands, with the ones this person's roles use first."""
    lines = [t("help.common"), t("help.channel")]
    sops = core.sops.current
    steps = [step for sop in sops for step in sop.steps if step.performer in person.roles]
    if any(set(sop.allowed("open_case")) & person.roles for sop in sops):
        lines.insert(0, t("help.open_case"))
    if any(not step.decisions for step in steps):
        lines.insert(0, t("help.performer"))
    if any(step.decisions for step in steps):
        lines.insert(0, t("help.reviewer"))
    greeting = address_among(person, core.sops)
    return Reply("help.text", {"address": greeting, "commands": "\n".join(lines)})


def sop_summary(sop: Sop) -> Reply:
    """The SOP's steps with their source numbers, performers and mutu baku."""
    lines = [
        t("sop.line", number=step.number, title=step.title,
          performer=sop.roles[step.performer].title, mutu_baku=step.mutu_baku.text)
        for step in sop.steps
    ]  # fmt: skip
    total = sop.total_mutu_baku.text if sop.total_mutu_baku else "-"
    return Reply("sop.text", {"number": sop.number, "title": sop.title,
                              "steps": "\n".join(lines), "total": total})  # fmt: skip


def case_status(case: Case, view: ViewContext) -> Reply:
    """Where one case stands: its open steps, whom they wait for and how late they are."""
    lines = []
    for run in case.open_runs():
        step = view.sop.step(run.step_code)
        who = (
            view.roster.name(run.assignee_id)
            if run.assignee_id
            else (view.sop.roles[step.performer].title)
        )
        late = ""
        if view.calendar is not None and view.now is not None and view.now > run.due_at:
            late = t("task.late", late=format_minutes(view.calendar.elapsed_minutes(
                run.due_at, view.now)))  # fmt: skip
        lines.append(t("status.open_step", number=step.number, title=step.title, who=who,
                       due=format_datetime(run.due_at), late=late))  # fmt: skip
    running = "-"
    if view.calendar is not None and view.now is not None:
        end = case.closed_at or view.now
        running = str(view.calendar.elapsed_working_days(case.created_at, end))
    return Reply("status.case", {
        "ref": case.ref, "subject": case.subject, "partner": case.partner,
        "status": t(f"status.{case.status}"), "opened": format_datetime(case.created_at),
        "days": running, "open": "\n".join(lines) or t("status.nothing_open"),
        "deviations": len(case.deviations),
        "returns": sum(1 for r in case.runs if r.outcome is Outcome.RETURNED),
    })  # fmt: skip


def my_cases(
    cases: list[Case], person: Person, view: ViewContext, sops: SopRegistry | None = None
) -> Reply:
    """Short lines for the active cases this person is part of (all of them for reviewers);
    each case's steps are numbered as in its own SOP version."""
    registry = sops or SopRegistry.of(view.sop)
    sees_all = any(
        bool(person.roles & {"admin", *sop.allowed("open_case")})
        or any(step.performer in person.roles for step in sop.steps if step.decisions)
        for sop in registry.current
    )
    lines = []
    for case in cases:
        involved = person.id in {case.created_by, *case.assignments.values()} or any(
            r.assignee_id == person.id for r in case.runs
        )
        if not (sees_all or involved):
            continue
        sop = registry.for_case(case)
        steps = ", ".join(str(sop.step(r.step_code).number) for r in case.open_runs())
        lines.append(t("status.short", ref=case.ref, subject=case.subject,
                       status=t(f"status.{case.status}"), steps=steps or "-"))  # fmt: skip
    return Reply("status.list", {"cases": "\n".join(lines) or t("status.no_cases")})


def case_history(case: Case, view: ViewContext) -> Reply:
    """The case's timeline: each step run with who, when and the outcome; returns with notes."""
    lines = [t("history.opened", at=format_datetime(case.created_at),
               by=view.roster.name(case.created_by))]  # fmt: skip
    for run in case.runs:
        step = view.sop.step(run.step_code)
        if run.finished_at is None:
            lines.append(t("history.open", number=step.number, title=step.title,
                           since=format_datetime(run.started_at)))  # fmt: skip
            continue
        by = view.roster.name(run.decided_by)
        if run.acting_for:
            by = t("chat.acting_for", name=by, kind=(run.delegation_kind or "").upper(),
                   principal=view.roster.name(run.acting_for))  # fmt: skip
        note = t("history.note", note=run.note) if run.note else ""
        lines.append(t("history.done", number=step.number, title=step.title,
                       outcome=t(f"outcome.{run.outcome}"), by=by,
                       at=format_datetime(run.finished_at), note=note))  # fmt: skip
    return Reply("history.text", {"ref": case.ref, "subject": case.subject,
                                  "lines": "\n".join(lines)})  # fmt: skip
