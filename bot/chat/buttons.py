"""Button presses: every press is re-checked against the current state by the engine."""

from __future__ import annotations

from bot.actions import PROMPT_BOUND, Action, encode
from bot.cards import card_of
from bot.chat import channels, dialogues, newcase, people, when
from bot.chat.model import Answer
from bot.chat.review import (
    approval,
    kabag_warning,
    latest_check,
    notes_for_reviewers,
)
from bot.chat.session import Chat, Turn
from bot.chat.tasks import artifact_at, build, decided, refreshed
from bot.errors import StaleAction
from bot.ports import OutgoingMessage, Prompt, UnitOfWork
from bot.replies import Choice, Reply
from bot.sop.model import ArtifactKind
from bot.views import MAX_BUTTONS, amend_choices, date_choices, task_view
from bot.workflow import commands as c
from bot.workflow import rules
from bot.workflow.model import CaseStatus

DECISIONS: dict[str, type[c.StepCommand]] = {
    "approve": c.Approve,
    "complete": c.Complete,
    "submit": c.Submit,
}
NEEDS_NOTE = {
    "return": "chat.ask_return_note",
    "skip": "chat.ask_skip_reason",
    "unchanged": "chat.ask_unchanged_reason",
    "answer": "chat.ask_answer_note",  # Setujui of a draft returned from above: its answer
}


async def press(core: Chat, turn: Turn, action: Action) -> Answer:
    """Carry out one button press."""
    if action.verb in PROMPT_BOUND:
        return await _dialogue_press(core, turn, action)
    if action.verb == "channel":
        return await channels.choose(core, turn, action.args[0])
    if action.verb == "toggle":
        return await people.toggle(core, turn, action)
    if action.verb == "package":
        from bot.records.chat import ask_package

        return await ask_package(core, turn, action.args[0])
    if action.verb in DECISIONS:
        return await decide(core, turn, action)
    if action.verb == "confirm":
        await core.case(action.args[0])  # its step number is one of the case's SOP version
        decision = core.sop.step(core.step_code(action.args[1])).decisions
        verb = "approve" if decision else "complete"
        return await decide(core, turn, Action(verb, action.args), confirmed=True)
    if action.verb == "noted":
        return await noted(core, turn, action)
    if action.verb in NEEDS_NOTE:
        return await ask_note(core, turn, action)
    handler = {
        "input": ask_input,
        "pick": pick,
        "date": when.pick_day,
        "at": when.pick_at,
        "task": show_task,
        "amend": show_amend,
        "card": show_card,
        "upload_to": dialogues.file_to,
        "generate": generate,
        "checks": show_checks,
    }.get(action.verb)
    if handler is None:
        raise StaleAction()
    return await handler(core, turn, action)


async def _dialogue_press(core: Chat, turn: Turn, action: Action) -> Answer:
    """A button of a dialogue question acts only on the dialogue it was asked in."""
    tag = action.args[-1]
    if action.verb == "cancel" and tag == 0:
        return Answer([Reply("chat.cancelled")], edit=None)  # a confirmation: nothing stored
    prompt = await core.bound_prompt(turn.person, tag)
    if prompt is None:
        pending = await core.prompt_of(turn.person) is not None
        return Answer.say("chat.prompt_stale_pending" if pending else "chat.prompt_stale")
    if action.verb == "cancel":
        await core.clear_prompt(turn.person)
        return Answer([Reply("chat.cancelled")], edit=None)
    if action.verb == "kind":
        return await newcase.new_case_kind(core, turn, action.args[0])
    if action.verb == "sop":
        return await newcase.new_case_sop(core, turn, prompt, action.args[0])
    if action.verb == "resume":
        return await _resume(core, prompt)
    if action.verb == "abandon":
        await core.authorise(turn.person, "open_case")
        await core.clear_prompt(turn.person)
        return await newcase.start_new_case(core, turn, prompt.data.get(newcase.NEXT_CASE, ""))
    if prompt.kind == "people":
        return await people.done(core, turn)
    return await newcase.new_case_later(core, turn)


async def _resume(core: Chat, prompt: Prompt) -> Answer:
    """Lanjutkan: the pending question again, with everything answered so far kept."""
    if prompt.kind == "people":
        return Answer([await people.question(core, prompt.data)])
    if "_question" in prompt.data:
        return Answer([Reply.from_json(prompt.data["_question"])])
    return Answer.say("chat.resume_answer")


async def decide(core: Chat, turn: Turn, action: Action, *, confirmed: bool = False) -> Answer:
    """Setujui, Selesai, Sampaikan: one command; the pressed message then says who decided.

    Setujui, and Selesai of a step whose SOP entry says `confirm`, ask once first (Ya/Batal).
    """
    case_id, number, version = action.args
    step = core.sop.step(core.step_code(number))
    command = DECISIONS[action.verb](turn.person.id, case_id, step.code, version)
    if (step.confirm or action.verb == "approve") and not confirmed:
        case = await core.case(case_id)
        roster = await core.workflow.roster()
        rules.open_task(case, command, core.sop, roster, core.clock.now())
        run = case.current_run(step.code)
        card = card_of(case, run) if run is not None else None
        answers = run is not None and rules.return_before(case, run, core.sop) is not None
        if action.verb == "approve" and answers:  # a return from above: Setujui answers it
            return await ask_note(core, turn, Action("answer", action.args))
        if action.verb == "approve":
            asked = await approval(core, case, step, version)
            return _in_place(asked, card, case_id, number)
        return _confirmation(step.confirm, case_id, number, version, card)
    notes: list[OutgoingMessage] = []
    if not step.decisions:
        case = await core.case(case_id)
        notes = await notes_for_reviewers(core, case, step) + await kabag_warning(core, case, step)

    async def after(uow: UnitOfWork) -> None:
        await uow.prompts.clear(turn.person.id)
        for note in notes:  # before the task message, in the same transaction
            await uow.outbox.add(note, core.clock.now())

    result = await core.workflow.handle(command, update=turn.update, after=after)
    return await core.result_answer(result, await decided(core, result, command.step_code))


def _confirmation(
    question: str, case_id: int, number: int, version: int, card: str | None
) -> Answer:
    """Ask before a finishing press takes effect, in place of the task card: Ya, or Kembali
    to the card as it was."""
    yes = Choice("button.confirm", encode("confirm", case_id, number, version))
    return _in_place(Reply("chat.confirm", {"question": question}, (yes,)), card, case_id, number)


def _in_place(asked: Reply, card: str | None, case_id: int, number: int) -> Answer:
    """A confirmation shown in place of the task card; Kembali (not Batal) brings it back."""
    back = Choice("button.back", encode("card", case_id, number))
    choices = (*(c for c in asked.choices if c.label_key != "button.cancel"), back)
    return Answer(edit=Reply(asked.text_key, asked.params, choices, card=card))


async def ask_note(core: Chat, turn: Turn, action: Action) -> Answer:
    """Kembalikan and Lewati take effect only after the note; check the button first."""
    case_id, number, version = action.args
    case = await core.case(case_id)
    probe = c.Return(turn.person.id, case_id, core.step_code(number), version)
    roster = await core.workflow.roster()
    rules.open_task(case, probe, core.sop, roster, core.clock.now())
    return await core.ask(
        turn, "note", Reply(NEEDS_NOTE[action.verb], {"ref": case.ref, "number": number}),
        verb=action.verb, case_id=case_id, number=number, version=version,
        message_ref=turn.incoming.message_ref,
    )  # fmt: skip


async def noted(core: Chat, turn: Turn, action: Action) -> Answer:
    """Ya, kembalikan / Ya, lewati: the note shown back is recorded, once."""
    case_id, number, version = action.args
    case = await core.case(case_id)
    probe = c.Return(turn.person.id, case_id, core.step_code(number), version)
    roster = await core.workflow.roster()
    rules.open_task(case, probe, core.sop, roster, core.clock.now())  # decided: "sudah diproses"
    prompt = await core.prompt_of(turn.person)
    if prompt is None or prompt.kind != "noted":
        raise StaleAction()
    data = prompt.data
    if (data["case_id"], data["number"], data["version"]) != (case_id, number, version):
        raise StaleAction()
    return await dialogues.record_note(core, turn, data)


async def show_checks(core: Chat, turn: Turn, action: Action) -> Answer:
    """Lihat catatan: every point of the draft check, for the draft the step reads."""
    case_id, number = action.args
    case = await core.case(case_id)
    step = core.sop.step(core.step_code(number))
    found = await latest_check(core, case, step)
    if found is None:
        raise StaleAction()
    key, latest, checklist = found
    params = {"ref": case.ref, "label": core.sop.artifact_label(key), "version": latest.version,
              "checklist": checklist.as_text()}  # fmt: skip
    return Answer([Reply("guard.full_check", params)])


async def ask_input(core: Chat, turn: Turn, action: Action) -> Answer:
    """Ask for one input of a step: a file, a text or a date and time."""
    case_id, number, index = action.args
    key = artifact_at(core, index)
    case, run = await core.run_of(case_id, number)
    condition = core.sop.first_step.precondition
    held = case.status is CaseStatus.WAITING and condition and key in condition.requires
    if held:
        await core.authorise(turn.person, "record_precondition")
    elif run is None:
        raise StaleAction()
    else:
        await core.authorise_task(turn.person, case, run.step_code, key)
        await when.not_too_early(core, case, run, key)
    artifact = core.sop.artifacts[key]
    if artifact.kind is ArtifactKind.PEOPLE:
        return await people.ask(core, turn, case_id, number, key)
    text_key = {
        ArtifactKind.DOCUMENT: "chat.ask_file",
        ArtifactKind.DATETIME: "chat.ask_datetime",
        ArtifactKind.DATE: "chat.ask_date",
    }.get(artifact.kind, "chat.ask_text")
    types = ", ".join(f".{kind}" for kind in sorted(core.policy.allowed))
    days: list[Choice] = []
    if artifact.kind is ArtifactKind.DATETIME and run is not None:
        days = date_choices(case, run, core.sop.step(run.step_code), await core.view())
    params = {"label": artifact.label, "ref": case.ref, "types": types}
    reply = Reply(text_key, params, tuple(days))
    return await core.ask(
        turn, "input", reply, case_id=case_id, number=number, artifact=key,
        message_ref=turn.incoming.message_ref,
    )  # fmt: skip


async def pick(core: Chat, turn: Turn, action: Action) -> Answer:
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


async def show_task(core: Chat, turn: Turn, action: Action) -> Answer:
    """Show one task again with its current buttons."""
    case_id, number = action.args
    case, run = await core.run_of(case_id, number)
    if run is None:
        raise StaleAction()
    return Answer([task_view(case, run, await core.view())])


async def show_amend(core: Chat, turn: Turn, action: Action) -> Answer:
    """The card turns into the list of its filled items, each with `Ubah …`, and Kembali."""
    case_id, number = action.args
    case, run = await core.run_of(case_id, number)
    if run is None:
        raise StaleAction()
    await core.authorise_task(turn.person, case, run.step_code)
    step = core.sop.step(run.step_code)
    items = amend_choices(case, run, step, await core.view())[: MAX_BUTTONS - 1]
    back = Choice("button.back", encode("card", case_id, number))
    params = {"ref": case.ref, "number": number, "title": step.title}
    return Answer(edit=Reply("task.amend", params, (*items, back), card=card_of(case, run)))


async def show_card(core: Chat, turn: Turn, action: Action) -> Answer:
    """Kembali: the task card again, in place of the pressed message."""
    case_id, number = action.args
    case, run = await core.run_of(case_id, number)
    if run is None:
        raise StaleAction()
    return Answer(edit=task_view(case, run, await core.view()))


async def generate(core: Chat, turn: Turn, action: Action) -> Answer:
    """Let the bot build a document from its template and record it as the step's input."""
    case_id, number, index = action.args
    key = artifact_at(core, index)
    if core.documents is None:
        return Answer.say("chat.generate_unavailable")
    case, run = await core.run_of(case_id, number)
    if run is None:
        raise StaleAction()
    await core.authorise_task(turn.person, case, run.step_code)
    await when.not_too_early(core, case, run, key)
    questions = core.documents.QUESTIONS.get(key, ())
    if questions:
        data = {"case_id": case_id, "number": number, "artifact": key, "answers": {}}
        label = core.sop.artifact_label(key)
        return await core.ask(turn, "generate", Reply(f"doc.ask.{questions[0]}", {"label": label}),
                              **data)  # fmt: skip
    return await build(core, turn, case, run.step_code, key, {})
