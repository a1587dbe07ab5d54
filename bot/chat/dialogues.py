"""Free text and files: answers to the pending question, and uploads routed to a task."""

from __future__ import annotations

from typing import Any

from bot import actions
from bot.actions import Action
from bot.chat.buttons import decided, refreshed
from bot.chat.core import ChatCore, Turn
from bot.chat.model import Answer
from bot.errors import InvalidInput, StaleAction
from bot.ports import Prompt
from bot.replies import Choice, FileRef, Reply
from bot.sop.importer.chat import answer_upload as sop_document
from bot.sop.model import ArtifactKind
from bot.texts import t
from bot.uploads import DOCX_MEDIA_TYPE, check_declared_size, inspect_upload
from bot.views import inputs_of
from bot.workflow import commands as c
from bot.workflow.model import ArtifactValue, Case, CaseStatus
from bot.workflow.service import StoredFile


async def on_text(core: ChatCore, turn: Turn, text: str) -> Answer:
    """Free text answers the pending question; without one, the bot says what it can do."""
    prompt = await core.prompt_of(turn.person)
    if prompt is None:
        return Answer.say("chat.help_hint")
    from bot.chat import people

    handler = {
        "note": _note,
        "input": _input,
        "baru": _new_case,
        "upload": _upload_pending,
        "people": people.typed,
        "generate": _generate_answer,
    }
    return await handler[prompt.kind](core, turn, prompt, text.strip())


async def _note(core: ChatCore, turn: Turn, prompt: Prompt, text: str) -> Answer:
    data = prompt.data
    code = core.step_code(data["number"])
    command: c.StepCommand
    if data["verb"] == "return":
        command = c.Return(turn.person.id, data["case_id"], code, data["version"], note=text)
    else:
        command = c.Skip(turn.person.id, data["case_id"], code, data["version"], reason=text)
    result = await core.workflow.handle(
        command, update=turn.update, after=core.clearing(turn.person)
    )
    if result.duplicate:
        return Answer()
    edit = await decided(core, result, code)
    return Answer(edit=edit, edit_ref=data.get("message_ref") or "")


async def _input(core: ChatCore, turn: Turn, prompt: Prompt, text: str) -> Answer:
    data = prompt.data
    key: str = data["artifact"]
    if core.sop.artifacts[key].kind is ArtifactKind.DOCUMENT:
        return Answer.say("chat.expect_file", label=core.sop.artifact_label(key))
    case = await core.workflow.get(data["case_id"])
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


async def _generate_answer(core: ChatCore, turn: Turn, prompt: Prompt, text: str) -> Answer:
    """One answer for a document the bot builds; the next question, or the document."""
    from bot.chat.buttons import build

    assert core.documents is not None
    data = dict(prompt.data)
    questions = core.documents.QUESTIONS.get(data["artifact"], ())
    answers = {**data["answers"], questions[len(data["answers"])]: text}
    if len(answers) < len(questions):
        label = core.sop.artifact_label(data["artifact"])
        question = Reply(f"doc.ask.{questions[len(answers)]}", {"label": label})
        return await core.ask(turn, "generate", question, **{**data, "answers": answers})
    case = await core.workflow.get(data["case_id"])
    return await build(core, turn, case, core.step_code(data["number"]), data["artifact"], answers)


async def on_file(core: ChatCore, turn: Turn) -> Answer:
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
        return await new_case_file(core, turn, prompt, stored)
    takes_file = (ArtifactKind.DOCUMENT, ArtifactKind.ANY)
    if prompt is not None and expected and core.sop.artifacts[expected].kind in takes_file:
        case_id, number = prompt.data["case_id"], prompt.data["number"]
        return await _attach(core, turn, case_id, number, expected, stored)
    if stored.media_type == DOCX_MEDIA_TYPE:  # an administrator's SOP document: its draft
        replies = sop_document(data, stored.filename, turn.person.roles, core.sop, core.files)
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
    core: ChatCore, turn: Turn, case_id: int, number: int, key: str, stored: StoredFile
) -> Answer:
    code = core.step_code(number)
    before = (await core.workflow.get(case_id)).artifacts.get(key)
    result = await core.workflow.attach_stored(
        case_id, code, turn.person.id, key, stored, update=turn.update,
        after=core.clearing(turn.person),
    )  # fmt: skip
    answer = await refreshed(core, result, code, new_message=True)
    note = Reply("chat.file_saved", {"filename": stored.filename, "label": _label(core, key)})
    review = await _review_draft(core, result.case, key, stored, before)
    return Answer([note, *review, *answer.replies])


async def _review_draft(
    core: ChatCore,
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


def _label(core: ChatCore, key: str) -> str:
    return core.sop.artifact_label(key)


async def _route(core: ChatCore, turn: Turn, stored: StoredFile) -> Answer:
    """File an upload without a pending question: the one place it fits, or ask which."""
    view = await core.view()
    items = [i for i in await core.workflow.waiting() if i.run_version is not None]
    from bot.workflow.queries import tasks_of

    mine = tasks_of(turn.person.id, items, view.roster, core.sop, core.clock.now())
    keys = list(core.sop.artifacts)
    targets: list[tuple[int, int, str, str]] = []
    for item in mine:
        step = core.sop.step(item.step_code)
        for key in inputs_of(step):
            if core.sop.artifacts[key].kind in (ArtifactKind.DOCUMENT, ArtifactKind.ANY):
                targets.append((item.case_id, step.number, key, item.case_ref))
    if not targets:
        return Answer.say("chat.upload_no_task")
    if len(targets) == 1:
        case_id, number, key, _ = targets[0]
        return await _attach(core, turn, case_id, number, key, stored)
    choices = tuple(
        Choice("button.upload_to", actions.encode("upload_to", cid, num, keys.index(key)),
               {"ref": ref, "label": _label(core, key)})
        for cid, num, key, ref in targets
    )  # fmt: skip
    question = Reply("chat.ask_upload_target", {"filename": stored.filename}, choices)
    return await core.ask(turn, "upload", question, **_stored_data(stored))


def _stored_data(stored: StoredFile) -> dict[str, Any]:
    return {"sha256": stored.sha256, "size": stored.size, "filename": stored.filename,
            "media_type": stored.media_type}  # fmt: skip


async def file_to(core: ChatCore, turn: Turn, action: Action) -> Answer:
    """The sender chose where the waiting upload belongs."""
    case_id, number, index = action.args
    prompt = await core.prompt_of(turn.person)
    keys = list(core.sop.artifacts)
    if prompt is None or prompt.kind != "upload" or index >= len(keys):
        raise StaleAction()
    stored = StoredFile(**prompt.data)
    return await _attach(core, turn, case_id, number, keys[index], stored)


async def _upload_pending(core: ChatCore, turn: Turn, prompt: Prompt, text: str) -> Answer:
    return Answer.say("chat.choose_target", filename=prompt.data["filename"])


async def start_new_case(core: ChatCore, turn: Turn, arg: str) -> Answer:
    """`/baru`, or `/baru Mitra | Perihal` in one line: open a case, question by question."""
    partner, _, subject = (part.strip() for part in arg.partition("|"))
    data = {"partner": partner, "subject": subject, "facts": {}}
    return await _advance(core, turn, {k: v for k, v in data.items() if v != ""})


def _questions(core: ChatCore, data: dict[str, Any]) -> list[str]:
    """The new-case questions in order: partner, kind, subject, the SOP's intake, precondition."""
    questions = ["partner", "partner_kind", "subject"]
    questions += [f"fact:{key}" for key in core.sop.intake]
    condition = core.sop.first_step.precondition
    if condition is not None and data.get("partner_kind") in condition.when.values():
        questions += [f"fact:{key}" for key in condition.requires]
    return questions


def _answered(data: dict[str, Any], question: str) -> bool:
    if question.startswith("fact:"):
        return question[5:] in data.get("facts", {})
    return question in data


async def _advance(core: ChatCore, turn: Turn, data: dict[str, Any]) -> Answer:
    """Ask the first unanswered question, or open the case when all are answered."""
    # Checked at every answer: someone who lost the role mid-dialogue is not asked on.
    await core.authorise(turn.person, "open_case")
    data.setdefault("facts", {})
    pending = [q for q in _questions(core, data) if not _answered(data, q)]
    if not pending:
        return await _open(core, turn, data)
    question = pending[0]
    data["stage"] = question
    if question == "partner_kind":
        choices = tuple(
            Choice("button.kind", actions.encode("kind", i), {"label": label})
            for i, label in enumerate(core.sop.partner_kinds.values())
        )
        return await core.ask(turn, "baru", Reply("baru.ask_kind", {}, choices), **data)
    if question.startswith("fact:"):
        return await core.ask(turn, "baru", _fact_question(core, question[5:]), **data)
    return await core.ask(turn, "baru", Reply(f"baru.ask_{question}"), **data)


def _fact_question(core: ChatCore, key: str) -> Reply:
    artifact = core.sop.artifacts[key]
    condition = core.sop.first_step.precondition
    if condition is not None and key in condition.requires:
        later = Choice("button.not_yet", actions.encode("done"))
        return Reply("baru.ask_precondition", {"label": artifact.label,
                     "description": condition.description}, (later,))  # fmt: skip
    text_key = "baru.ask_fact_or_file" if artifact.kind is ArtifactKind.ANY else "baru.ask_fact"
    return Reply(text_key, {"label": artifact.label})


async def new_case_kind(core: ChatCore, turn: Turn, index: int) -> Answer:
    """The partner kind chosen with a button."""
    prompt = await core.prompt_of(turn.person)
    kinds = list(core.sop.partner_kinds)
    if prompt is None or prompt.kind != "baru" or index >= len(kinds):
        raise StaleAction()
    return await _advance(core, turn, {**prompt.data, "partner_kind": kinds[index]})


async def new_case_later(core: ChatCore, turn: Turn) -> Answer:
    """ "Belum ada": open the case now; it waits until the precondition is recorded."""
    prompt = await core.prompt_of(turn.person)
    if prompt is None or prompt.kind != "baru":
        raise StaleAction()
    return await _open(core, turn, dict(prompt.data))


async def _new_case(core: ChatCore, turn: Turn, prompt: Prompt, text: str) -> Answer:
    data = dict(prompt.data)
    stage: str = data["stage"]
    if not text:
        raise InvalidInput(reason=t("invalid.empty", field=_stage_label(core, stage)))
    if stage == "partner_kind":
        data["partner_kind"] = _kind_from_text(core, text)
    elif stage.startswith("fact:"):
        data["facts"] = {**data["facts"], stage[5:]: text}
    else:
        data[stage] = text
    return await _advance(core, turn, data)


def _stage_label(core: ChatCore, stage: str) -> str:
    if stage.startswith("fact:"):
        return core.sop.artifact_label(stage[5:])
    return t(f"baru.field.{stage}")


async def new_case_file(core: ChatCore, turn: Turn, prompt: Prompt, stored: StoredFile) -> Answer:
    """A file answering a new-case question (e.g. a scan of the disposition)."""
    data = dict(prompt.data)
    stage: str = data["stage"]
    if not stage.startswith("fact:") or core.sop.artifacts[stage[5:]].kind not in (
        ArtifactKind.ANY,
        ArtifactKind.DOCUMENT,
    ):
        return Answer.say("chat.expect_text")
    files = {**data.get("files", {}), stage[5:]: _stored_data(stored)}
    facts = {**data["facts"], stage[5:]: stored.filename}
    return await _advance(core, turn, {**data, "facts": facts, "files": files})


def _kind_from_text(core: ChatCore, text: str) -> str:
    wanted = text.strip().lower()
    for key, label in core.sop.partner_kinds.items():
        if wanted in (key, label.lower()):
            return key
    choices = ", ".join(core.sop.partner_kinds.values())
    raise InvalidInput(reason=t("invalid.partner_kind", value=text, choices=choices))


async def _open(core: ChatCore, turn: Turn, data: dict[str, Any]) -> Answer:
    files: dict[str, dict[str, Any]] = data.get("files", {})
    facts = {k: v for k, v in data["facts"].items() if k not in files}
    command = c.OpenCase(turn.person.id, data["partner"], data["partner_kind"],
                         data["subject"], facts)  # fmt: skip
    result = await core.workflow.open_case(
        command, update=turn.update, after=core.clearing(turn.person)
    )
    case = result.case
    if case is None:
        return Answer()
    first = core.sop.first_step.code
    for key, stored in files.items():
        # A scanned answer is filed on the first step once the case exists.
        if case.current_run(first) is not None:
            await core.workflow.attach_stored(
                case.id or 0, first, turn.person.id, key, StoredFile(**stored)
            )
    text_key = "baru.opened_waiting" if case.status is CaseStatus.WAITING else "baru.opened"
    return Answer.say(text_key, ref=case.ref, subject=case.subject)
