"""Free text and files: answers to the pending question, and uploads routed to a task."""

from __future__ import annotations

from typing import Any

from bot import actions
from bot.actions import Action
from bot.chat import newcase, people, when
from bot.chat.model import Answer
from bot.chat.review import note_question, real_reason
from bot.chat.session import Chat, Turn
from bot.chat.tasks import build, case_of, decided, refreshed
from bot.errors import StaleAction
from bot.ports import Prompt
from bot.replies import Choice, FileRef, Reply
from bot.sop.model import ArtifactKind
from bot.uploads import DOCX_MEDIA_TYPE, check_declared_size, inspect_upload
from bot.views import inputs_of, own_inputs
from bot.workflow import commands as c
from bot.workflow.model import ArtifactValue, Case, CaseStatus
from bot.workflow.service import StoredFile

TYPED_YES = frozenset({"ya", "iya", "y"})  # typed instead of tapping Ya under the note


async def on_text(core: Chat, turn: Turn, text: str) -> Answer:
    """Free text answers the pending question; without one, the bot says what it can do."""
    prompt = await core.prompt_of(turn.person)
    if prompt is None:
        return Answer.say("chat.help_hint")
    handler = {
        "note": _note,
        "noted": _note,  # a new text while the note is shown back replaces it
        "input": _input,
        "baru": newcase.answer,
        "upload": _upload_pending,
        "people": people.typed,
        "generate": _generate_answer,
    }
    return await handler[prompt.kind](core, turn, prompt, text.strip())


async def _note(core: Chat, turn: Turn, prompt: Prompt, text: str) -> Answer:
    """A return note or a skip reason: shown back to confirm; a skip's reason must be real."""
    if prompt.kind == "noted" and text.lower().rstrip(".!") in TYPED_YES:
        return await record_note(core, turn, prompt.data)
    data = {k: v for k, v in prompt.data.items() if k != "note"}
    if data["verb"] in ("skip", "unchanged") and not real_reason(text):
        return Answer.say("guard.reason_too_short", note=text)
    if data["verb"] == "unchanged":  # recorded as given: nothing is decided by it
        return await record_note(core, turn, {**data, "note": text})
    case = await core.case(data["case_id"])
    step = core.sop.step(core.step_code(data["number"]))
    question = await note_question(core, case, step, data["verb"], data["version"], text)
    return await core.ask(turn, "noted", question, **data, note=text)


async def record_note(core: Chat, turn: Turn, data: dict[str, Any]) -> Answer:
    """Kembalikan, Lewati, or Setujui answering a return, with the confirmed note; the task's
    card says who decided."""
    code = core.step_code(data["number"])
    text = str(data["note"])
    command: c.StepCommand
    if data["verb"] == "unchanged":
        keep = c.KeepUnchanged(turn.person.id, data["case_id"], code, reason=text)
        kept = await core.workflow.handle(
            keep, update=turn.update, after=core.clearing(turn.person)
        )
        return await refreshed(core, kept, code, new_message=True)
    if data["verb"] == "return":
        command = c.Return(turn.person.id, data["case_id"], code, data["version"], note=text)
    elif data["verb"] == "answer":
        command = c.Approve(turn.person.id, data["case_id"], code, data["version"], note=text)
    else:
        command = c.Skip(turn.person.id, data["case_id"], code, data["version"], reason=text)
    result = await core.workflow.handle(
        command, update=turn.update, after=core.clearing(turn.person)
    )
    if result.duplicate:
        return Answer()
    edit = await decided(core, result, code)
    return Answer(edit=edit, edit_ref=data.get("message_ref") or "")


async def _input(core: Chat, turn: Turn, prompt: Prompt, text: str) -> Answer:
    data = prompt.data
    key: str = data["artifact"]
    if core.sop.artifacts[key].kind is ArtifactKind.DOCUMENT:
        return Answer.say("chat.expect_file", label=core.sop.artifact_label(key))
    case = await core.case(data["case_id"])
    if core.sop.artifacts[key].kind is ArtifactKind.DATETIME and case.status is CaseStatus.RUNNING:
        return await when.typed(core, turn, prompt, text)
    code = core.step_code(data["number"])
    command: c.Command
    if case.status is CaseStatus.WAITING:
        command = c.RecordPrecondition(turn.person.id, case.id or 0, key, text)
    else:
        command = c.RecordFact(turn.person.id, case.id or 0, code, None, key, text)
    result = await core.workflow.handle(
        command, update=turn.update, after=core.clearing(turn.person)
    )
    return await refreshed(core, result, code, new_message=True)


async def _generate_answer(core: Chat, turn: Turn, prompt: Prompt, text: str) -> Answer:
    """One answer for a document the bot builds; the next question, or the document."""
    assert core.documents is not None
    data = dict(prompt.data)
    questions = core.documents.QUESTIONS.get(data["artifact"], ())
    answers = {**data["answers"], questions[len(data["answers"])]: text}
    if len(answers) < len(questions):
        label = core.sop.artifact_label(data["artifact"])
        question = Reply(f"doc.ask.{questions[len(answers)]}", {"label": label})
        return await core.ask(turn, "generate", question, **{**data, "answers": answers})
    case = await core.case(data["case_id"])
    return await build(core, turn, case, core.step_code(data["number"]), data["artifact"], answers)


async def on_file(core: Chat, turn: Turn) -> Answer:
    """Check an upload by its content, keep it, and record it where it belongs."""
    upload = turn.incoming.file
    assert upload is not None
    prompt = await core.prompt_of(turn.person)
    expected = _expected_artifact(prompt)
    photo_ok = expected is not None and core.sop.artifacts[expected].kind is ArtifactKind.ANY
    policy = core.policy.with_images() if photo_ok else core.policy
    check_declared_size(upload.size, policy)
    data = await upload.fetch()
    inspected = inspect_upload(data, upload.filename, policy)
    core.files.put(data)
    stored = StoredFile(inspected.sha256, inspected.size, inspected.filename, inspected.media_type)
    if prompt is not None and prompt.kind == "baru":
        return await newcase.new_case_file(core, turn, prompt, stored)
    takes_file = (ArtifactKind.DOCUMENT, ArtifactKind.ANY)
    if prompt is not None and expected and core.sop.artifacts[expected].kind in takes_file:
        case_id, number = prompt.data["case_id"], prompt.data["number"]
        return await _attach(core, turn, case_id, number, expected, stored)
    if stored.media_type == DOCX_MEDIA_TYPE:  # an administrator's SOP document: its draft
        from bot.sop.importer.chat import answer_upload  # rare: loaded when first needed

        replies = answer_upload(data, stored.filename, turn.person.roles, core.sop, core.files)
        if replies is not None:
            return Answer(replies)
    return await _route(core, turn, stored)


def _expected_artifact(prompt: Prompt | None) -> str | None:
    """The artifact the pending question asks for, if it asks for one."""
    if prompt is None:
        return None
    if prompt.kind == "input":
        return str(prompt.data["artifact"])
    stage = str(prompt.data.get("stage", ""))
    return stage[5:] if prompt.kind == "baru" and stage.startswith("fact:") else None


async def _attach(
    core: Chat, turn: Turn, case_id: int, number: int, key: str, stored: StoredFile
) -> Answer:
    before = (await core.case(case_id)).artifacts.get(key)
    code = core.step_code(number)  # a number of the case's own SOP version
    result = await core.workflow.attach_stored(
        case_id, code, turn.person.id, key, stored, update=turn.update,
        after=core.clearing(turn.person),
    )  # fmt: skip
    note = Reply("chat.file_saved", {"filename": stored.filename, "label": _label(core, key)})
    review = await _review_draft(core, result.case, key, stored, before)
    case = case_of(result)
    run = case.current_run(code)
    if run is not None and not await core.performs(turn.person, case, code):
        # A fix uploaded by someone the return named: the performer gets it with their card.
        roster = await core.workflow.roster()
        passed = Reply("chat.fix_passed", {"performer": roster.name(run.assignee_id)})
        return Answer([note, *review, passed])
    answer = await refreshed(core, result, code, new_message=True)
    return Answer([note, *review], edit=answer.edit, edit_ref=answer.edit_ref)


async def _review_draft(
    core: Chat,
    case: Case | None,
    key: str,
    stored: StoredFile,
    before: ArtifactValue | None,
) -> list[Reply]:
    """A draft of the agreement: its checklist, and what changed since the version before."""
    documents = core.documents
    if documents is None or case is None or key not in documents.CHECKED:
        return []
    if stored.media_type != DOCX_MEDIA_TYPE:
        return []
    checklist = await documents.check(case, core.files.read(stored.sha256))
    replies = [Reply("chat.draft_check", {"checklist": checklist.as_text()})]
    if before is not None and before.document_id is not None:
        new_version = case.artifacts[key].version
        changes = await documents.changes(
            case, (before.value, before.version), (stored.sha256, new_version)
        )
        if changes is not None:
            file = FileRef(changes.file.sha256, changes.file.filename, changes.file.media_type)
            replies.append(Reply("chat.draft_changes", {"changes": changes.text}, files=(file,)))
    return replies


def _label(core: Chat, key: str) -> str:
    return core.sop.artifact_label(key)


async def _route(core: Chat, turn: Turn, stored: StoredFile) -> Answer:
    """File an upload without a pending question: the one place it fits, or ask which."""
    view = await core.view()
    items = [i for i in await core.workflow.waiting() if i.run_version is not None]
    from bot.workflow.queries import tasks_of

    mine = tasks_of(turn.person.id, items, view.roster, core.clock.now())
    documents = (ArtifactKind.DOCUMENT, ArtifactKind.ANY)
    # (case id, step number, artifact, case ref, its index and label in the case's SOP)
    targets: list[tuple[int, int, str, str, int, str]] = []
    filled: list[tuple[int, int, str, str, int, str]] = []  # a new version of one given
    for item in mine:
        case = await core.case(item.case_id)  # the SOP version of this case from here on
        sop = core.sop
        step = sop.step(item.step_code)
        own = own_inputs(step, sop)
        keys = list(sop.artifacts)
        for key in inputs_of(step):
            if sop.artifacts[key].kind in documents:
                target = (item.case_id, step.number, key, item.case_ref, keys.index(key),
                          sop.artifact_label(key))  # fmt: skip
                if case.has(key):
                    filled.append(target)
                elif key in own:
                    targets.append(target)
    targets = targets or filled
    if not targets:
        return Answer.say("chat.upload_no_task")
    if len(targets) == 1:
        case_id, number, key, *_ = targets[0]
        return await _attach(core, turn, case_id, number, key, stored)
    choices = tuple(
        Choice("button.upload_to", actions.encode("upload_to", cid, num, index),
               {"ref": ref, "label": label})
        for cid, num, _, ref, index, label in targets
    )  # fmt: skip
    question = Reply("chat.ask_upload_target", {"filename": stored.filename}, choices)
    return await core.ask(turn, "upload", question, **newcase.stored_data(stored))


async def file_to(core: Chat, turn: Turn, action: Action) -> Answer:
    """The sender chose where the waiting upload belongs."""
    case_id, number, index = action.args
    prompt = await core.prompt_of(turn.person)
    keys = list(core.sop.artifacts)
    if prompt is None or prompt.kind != "upload" or index >= len(keys):
        raise StaleAction()
    # The dialogue's own keys (`_tag`, `_question`) are not the file's.
    stored = StoredFile(**{k: v for k, v in prompt.data.items() if not k.startswith("_")})
    return await _attach(core, turn, case_id, number, keys[index], stored)


async def _upload_pending(core: Chat, turn: Turn, prompt: Prompt, text: str) -> Answer:
    return Answer.say("chat.choose_target", filename=prompt.data["filename"])
