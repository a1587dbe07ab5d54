"""Button presses: every press is re-checked against the current state by the engine."""

from __future__ import annotations

from datetime import date

from bot.actions import Action, encode
from bot.chat.core import ChatCore, Turn
from bot.chat.model import Answer
from bot.chat.review import notes_for_reviewers
from bot.errors import StaleAction
from bot.fmt import format_datetime
from bot.ports import OutgoingMessage, UnitOfWork
from bot.replies import Choice, Reply
from bot.sop.model import ArtifactKind
from bot.texts import t
from bot.views import task_view
from bot.workflow import commands as c
from bot.workflow import rules
from bot.workflow.model import Case, CaseStatus
from bot.workflow.service import Result

DECISIONS: dict[str, type[c.StepCommand]] = {
    "approve": c.Approve,
    "complete": c.Complete,
    "submit": c.Submit,
}
NEEDS_NOTE = {"return": "chat.ask_return_note", "skip": "chat.ask_skip_reason"}


async def press(core: ChatCore, turn: Turn, action: Action) -> Answer:
    """Carry out one button press."""
    from bot.chat import dialogues, people

    if action.verb == "cancel":
        await core.clear_prompt(turn.person)
        return Answer([Reply("chat.cancelled")], edit=None)
    if action.verb == "kind":
        return await dialogues.new_case_kind(core, turn, action.args[0])
    if action.verb == "done":
        prompt = await core.prompt_of(turn.person)
        if prompt is not None and prompt.kind == "people":
            return await people.done(core, turn)
        return await dialogues.new_case_later(core, turn)
    if action.verb == "toggle":
        return await people.toggle(core, turn, action)
    if action.verb == "package":
        from bot.records.chat import ask_package

        return await ask_package(core, turn, action.args[0])
    if action.verb in DECISIONS:
        return await decide(core, turn, action)
    if action.verb == "confirm":
        return await decide(core, turn, Action("complete", action.args), confirmed=True)
    if action.verb in NEEDS_NOTE:
        return await ask_note(core, turn, action)
    handler = {
        "input": ask_input,
        "pick": pick,
        "date": pick_date,
        "task": show_task,
        "upload_to": dialogues.file_to,
        "generate": generate,
    }.get(action.verb)
    if handler is None:
        raise StaleAction()
    return await handler(core, turn, action)


async def decide(core: ChatCore, turn: Turn, action: Action, *, confirmed: bool = False) -> Answer:
    """Setujui, Selesai, Sampaikan: one command; the pressed message then says who decided."""
    case_id, number, version = action.args
    step = core.sop.step(core.step_code(number))
    command = DECISIONS[action.verb](turn.person.id, case_id, step.code, version)
    if step.confirm and not confirmed:
        case = await core.workflow.get(case_id)
        roster = await core.workflow.roster()
        rules.open_task(case, command, core.sop, roster, core.clock.now())
        return _confirmation(step.confirm, case_id, number, version)
    notes: list[OutgoingMessage] = []
    if not step.decisions:
        notes = await notes_for_reviewers(core, await core.workflow.get(case_id), step)

    async def after(uow: UnitOfWork) -> None:
        await uow.prompts.clear(turn.person.id)
        for note in notes:  # before the task message, in the same transaction
            await uow.outbox.add(note, core.clock.now())

    result = await core.workflow.handle(command, update=turn.update, after=after)
    return await core.result_answer(result, await decided(core, result, command.step_code))


async def decided(core: ChatCore, result: Result, step_code: str) -> Reply | None:
    """What a finished task's message says afterwards: outcome, who and when, no buttons."""
    if result.case is None:
        return None
    run = next(r for r in reversed(result.case.runs) if r.step_code == step_code)
    if run.outcome is None or run.finished_at is None:
        return None
    roster = await core.workflow.roster()
    by = roster.name(run.decided_by)
    if run.acting_for is not None:
        kind = (run.delegation_kind or "").upper()
        by = t("chat.acting_for", name=by, kind=kind, principal=roster.name(run.acting_for))
    step = core.sop.step(step_code)
    return Reply(
        "task.decided",
        {"ref": result.case.ref, "number": step.number, "title": step.title,
         "outcome": t(f"outcome.{run.outcome}"), "by": by,
         "at": format_datetime(run.finished_at), "note": _note(run.note)},
    )  # fmt: skip


def _confirmation(question: str, case_id: int, number: int, version: int) -> Answer:
    """Ask before a finishing press takes effect: Ya or Batal."""
    yes = Choice("button.confirm", encode("confirm", case_id, number, version))
    no = Choice("button.cancel", encode("cancel"))
    return Answer([Reply("chat.confirm", {"question": question}, (yes, no))])


def _note(note: str | None) -> str:
    return t("task.decided_note", note=note) if note else ""


async def ask_note(core: ChatCore, turn: Turn, action: Action) -> Answer:
    """Kembalikan and Lewati take effect only after the note; check the button first."""
    case_id, number, version = action.args
    case = await core.workflow.get(case_id)
    probe = c.Return(turn.person.id, case_id, core.step_code(number), version)
    roster = await core.workflow.roster()
    rules.open_task(case, probe, core.sop, roster, core.clock.now())
    return await core.ask(
        turn, "note", Reply(NEEDS_NOTE[action.verb], {"ref": case.ref, "number": number}),
        verb=action.verb, case_id=case_id, number=number, version=version,
        message_ref=turn.incoming.message_ref,
    )  # fmt: skip


async def ask_input(core: ChatCore, turn: Turn, action: Action) -> Answer:
    """Ask for one input of a step: a file, a text or a date and time."""
    case_id, number, index = action.args
    key = _artifact(core, index)
    case, run = await core.run_of(case_id, number)
    condition = core.sop.first_step.precondition
    held = case.status is CaseStatus.WAITING and condition and key in condition.requires
    if held:
        await core.authorise(turn.person, "record_precondition")
    elif run is None:
        raise StaleAction()
    else:
        await core.authorise_task(turn.person, case, run.step_code)
    artifact = core.sop.artifacts[key]
    if artifact.kind is ArtifactKind.PEOPLE:
        from bot.chat import people

        return await people.ask(core, turn, case_id, number, key)
    text_key = {
        ArtifactKind.DOCUMENT: "chat.ask_file",
        ArtifactKind.DATETIME: "chat.ask_datetime",
        ArtifactKind.DATE: "chat.ask_date",
    }.get(artifact.kind, "chat.ask_text")
    types = ", ".join(f".{kind}" for kind in sorted(core.policy.allowed))
    reply = Reply(text_key, {"label": artifact.label, "ref": case.ref, "types": types})
    return await core.ask(
        turn, "input", reply, case_id=case_id, number=number, artifact=key,
        message_ref=turn.incoming.message_ref,
    )  # fmt: skip


async def pick(core: ChatCore, turn: Turn, action: Action) -> Answer:
    """Choose a person for a role the step assigns (the Kabag naming the Ketua Tim)."""
    case_id, number, role_index, person_id = action.args
    roles = list(core.sop.roles)
    if role_index >= len(roles):
        raise StaleAction()
    command = c.AssignPerformer(
        turn.person.id, case_id, core.step_code(number), None, roles[role_index], person_id
    )
    result = await core.workflow.handle(command, update=turn.update)
    return await refreshed(core, result, command.step_code)


async def pick_date(core: ChatCore, turn: Turn, action: Action) -> Answer:
    """One of the offered working days for the step's date-and-time input."""
    case_id, number, yyyymmdd = action.args
    try:
        day = date(yyyymmdd // 10000, yyyymmdd // 100 % 100, yyyymmdd % 100)
    except ValueError:
        raise StaleAction() from None
    step = core.sop.step(core.step_code(number))
    key = next(
        (k for k in step.needs + step.produces + step.collects
         if core.sop.artifacts[k].kind is ArtifactKind.DATETIME),
        None,
    )  # fmt: skip
    if key is None:
        raise StaleAction()
    command = c.RecordFact(turn.person.id, case_id, step.code, None, key, f"{day}T09:00")
    result = await core.workflow.handle(command, update=turn.update)
    return await refreshed(core, result, step.code)


async def show_task(core: ChatCore, turn: Turn, action: Action) -> Answer:
    """Show one task again with its current buttons."""
    case_id, number = action.args
    case, run = await core.run_of(case_id, number)
    if run is None:
        raise StaleAction()
    return Answer([task_view(case, run, await core.view())])


async def generate(core: ChatCore, turn: Turn, action: Action) -> Answer:
    """Let the bot build a document from its template and record it as the step's input."""
    case_id, number, index = action.args
    key = _artifact(core, index)
    if core.documents is None:
        return Answer.say("chat.generate_unavailable")
    case, run = await core.run_of(case_id, number)
    if run is None:
        raise StaleAction()
    await core.authorise_task(turn.person, case, run.step_code)
    questions = core.documents.QUESTIONS.get(key, ())
    if questions:
        data = {"case_id": case_id, "number": number, "artifact": key, "answers": {}}
        label = core.sop.artifact_label(key)
        return await core.ask(turn, "generate", Reply(f"doc.ask.{questions[0]}", {"label": label}),
                              **data)  # fmt: skip
    return await build(core, turn, case, run.step_code, key, {})


async def build(
    core: ChatCore, turn: Turn, case: Case, step_code: str, key: str, answers: dict[str, str]
) -> Answer:
    """Build the document from its template with the answers given, and record it."""
    assert core.documents is not None
    await core.authorise_task(turn.person, case, step_code)  # before any work is done
    result = await core.documents.issue(
        key, case, step_code, turn.person, answers, update=turn.update,
        after=core.clearing(turn.person),
    )  # fmt: skip
    return await refreshed(core, result, step_code, new_message=True)


async def refreshed(
    core: ChatCore, result: Result, step_code: str, *, new_message: bool = False
) -> Answer:
    """The task's view after an input: replaces the pressed message, or a new one."""
    if result.case is None:
        return Answer()
    run = result.case.current_run(step_code)
    if run is None:
        return Answer()
    view = task_view(result.case, run, await core.view())
    return Answer([view]) if new_message else Answer(edit=view)


def _artifact(core: ChatCore, index: int) -> str:
    keys = list(core.sop.artifacts)
    if index >= len(keys):
        raise StaleAction()
    return keys[index]


def case_of(result: Result) -> Case:
    """The case a successful command returned."""
    if result.case is None:
        raise StaleAction()
    return result.case
