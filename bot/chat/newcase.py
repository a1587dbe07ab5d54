"""`/baru`: opening a case question by question (partner, kind, subject, the SOP's intake)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot import actions
from bot.chat.model import Answer
from bot.chat.session import Chat, Turn
from bot.errors import InvalidInput, StaleAction
from bot.ports import Prompt
from bot.replies import Choice, Reply
from bot.sop.model import ArtifactKind, Sop
from bot.texts import t
from bot.workflow import commands as c
from bot.workflow.model import Case, CaseStatus
from bot.workflow.service import StoredFile

NEXT_CASE = "_next_case"  # what a /baru typed during another dialogue said


async def start_new_case(core: Chat, turn: Turn, arg: str) -> Answer:
    """`/baru`, or `/baru Mitra | Perihal` in one line: open a case, question by question.

    In the middle of another dialogue it first asks whether to go on with that one or leave
    it: nothing typed so far is lost by a second /baru.
    """
    pending = await core.prompt_of(turn.person)
    if pending is not None:
        await core.authorise(turn.person, "open_case")
        if arg:  # kept for Tinggalkan, which starts the new case with it
            async with core.uow() as uow:
                kept = {**pending.data, NEXT_CASE: arg}
                await uow.prompts.put(turn.person.id, replace(pending, data=kept))
                await uow.commit()
        tag = pending.data.get("_tag", 0)
        choices = (Choice("button.resume", actions.encode("resume", tag)),
                   Choice("button.abandon", actions.encode("abandon", tag)))  # fmt: skip
        text_key = "baru.pending_case" if pending.kind == "baru" else "baru.pending_other"
        return Answer([Reply(text_key, {}, choices)])
    partner, _, subject = (part.strip() for part in arg.partition("|"))
    data = {"partner": partner, "subject": subject, "facts": {}}
    return await _advance(core, turn, {k: v for k, v in data.items() if v != ""})


def _questions(core: Chat, data: dict[str, Any]) -> list[str]:
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


# Buttons on a card, Batal included (the card and button conventions): SOPs beyond these are
# chosen by typing their code or number.
MAX_SOP_BUTTONS = 5


def _openable(core: Chat, turn: Turn) -> list[Sop]:
    """The SOPs the person may open a case of (all of them if none by their own roles)."""
    return core.sops.openable(turn.person.roles) or list(core.sops.current)


async def _advance(core: Chat, turn: Turn, data: dict[str, Any]) -> Answer:
    """Ask the first unanswered question, or open the case when all are answered."""
    if "sop" not in data:
        offered = _openable(core, turn)
        if len(offered) > 1:  # with one SOP nothing is asked: /baru works as it always has
            await core.authorise(turn.person, "open_case")
            data["stage"] = "sop"
            return await core.ask(turn, "baru", _sop_question(offered), **data)
        data["sop"] = offered[0].code if offered else core.sop.code
    core.scope(core.sops.find(data["sop"]))
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
            Choice("button.kind", actions.encode("kind", i, 0), {"label": label})
            for i, label in enumerate(core.sop.partner_kinds.values())
        )
        return await core.ask(turn, "baru", Reply("baru.ask_kind", {}, choices), **data)
    if question.startswith("fact:"):
        return await core.ask(turn, "baru", _fact_question(core, question[5:]), **data)
    return await core.ask(turn, "baru", Reply(f"baru.ask_{question}"), **data)


def _sop_question(offered: list[Sop]) -> Reply:
    """Which SOP the new case runs: a button per SOP (its title), or its code typed."""
    listed = "\n".join(t("baru.sop_line", index=i + 1, code=sop.code, number=sop.number,
                          title=sop.title) for i, sop in enumerate(offered))  # fmt: skip
    choices = tuple(
        Choice("button.sop", actions.encode("sop", i, 0), {"label": sop.title})
        for i, sop in enumerate(offered[:MAX_SOP_BUTTONS])
    )
    return Reply("baru.ask_sop", {"sops": listed}, choices)


async def new_case_sop(core: Chat, turn: Turn, prompt: Prompt, index: int) -> Answer:
    """The SOP of the new case, chosen with a button."""
    offered = _openable(core, turn)
    if prompt.kind != "baru" or prompt.data.get("stage") != "sop" or index >= len(offered):
        raise StaleAction()
    return await _advance(core, turn, {**prompt.data, "sop": offered[index].code})


def _sop_from_text(core: Chat, turn: Turn, text: str) -> str:
    """The SOP typed: its number in the list, its code, or its SOP number."""
    offered = _openable(core, turn)
    wanted = text.strip().lower()
    for i, sop in enumerate(offered):
        if wanted in (str(i + 1), sop.code.lower(), sop.number.lower()):
            return sop.code
    codes = ", ".join(sop.code for sop in offered)
    raise InvalidInput(reason=t("invalid.sop", value=text, choices=codes))


def _fact_question(core: Chat, key: str) -> Reply:
    artifact = core.sop.artifacts[key]
    condition = core.sop.first_step.precondition
    if condition is not None and key in condition.requires:
        later = Choice("button.not_yet", actions.encode("done", 0))
        return Reply("baru.ask_precondition", {"label": artifact.label,
                     "description": condition.description}, (later,))  # fmt: skip
    text_key = "baru.ask_fact_or_file" if artifact.kind is ArtifactKind.ANY else "baru.ask_fact"
    return Reply(text_key, {"label": artifact.label})


async def new_case_kind(core: Chat, turn: Turn, index: int) -> Answer:
    """The partner kind chosen with a button."""
    prompt = await core.prompt_of(turn.person)
    kinds = list(core.sop.partner_kinds)
    if prompt is None or prompt.kind != "baru" or index >= len(kinds):
        raise StaleAction()
    return await _advance(core, turn, {**prompt.data, "partner_kind": kinds[index]})


async def new_case_later(core: Chat, turn: Turn) -> Answer:
    """ "Belum ada": open the case now; it waits until the precondition is recorded."""
    prompt = await core.prompt_of(turn.person)
    if prompt is None or prompt.kind != "baru":
        raise StaleAction()
    return await _open(core, turn, dict(prompt.data))


async def answer(core: Chat, turn: Turn, prompt: Prompt, text: str) -> Answer:
    data = dict(prompt.data)
    stage: str = data["stage"]
    if not text:
        raise InvalidInput(reason=t("invalid.empty", field=_stage_label(core, stage)))
    if stage == "sop":
        data["sop"] = _sop_from_text(core, turn, text)
    elif stage == "partner_kind":
        data["partner_kind"] = _kind_from_text(core, text)
    elif stage.startswith("fact:"):
        data["facts"] = {**data["facts"], stage[5:]: text}
    else:
        data[stage] = text
    return await _advance(core, turn, data)


def _stage_label(core: Chat, stage: str) -> str:
    if stage == "sop":
        return "SOP"
    if stage.startswith("fact:"):
        return core.sop.artifact_label(stage[5:])
    return t(f"baru.field.{stage}")


async def new_case_file(core: Chat, turn: Turn, prompt: Prompt, stored: StoredFile) -> Answer:
    """A file answering a new-case question (e.g. a scan of the disposition)."""
    data = dict(prompt.data)
    stage: str = data["stage"]
    if not stage.startswith("fact:") or core.sop.artifacts[stage[5:]].kind not in (
        ArtifactKind.ANY,
        ArtifactKind.DOCUMENT,
    ):
        return Answer.say("chat.expect_text")
    files = {**data.get("files", {}), stage[5:]: stored_data(stored)}
    facts = {**data["facts"], stage[5:]: stored.filename}
    return await _advance(core, turn, {**data, "facts": facts, "files": files})


def _kind_from_text(core: Chat, text: str) -> str:
    wanted = text.strip().lower()
    for key, label in core.sop.partner_kinds.items():
        if wanted in (key, label.lower()):
            return key
    choices = ", ".join(core.sop.partner_kinds.values())
    raise InvalidInput(reason=t("invalid.partner_kind", value=text, choices=choices))


async def _open(core: Chat, turn: Turn, data: dict[str, Any]) -> Answer:
    files: dict[str, dict[str, Any]] = data.get("files", {})
    facts = {k: v for k, v in data["facts"].items() if k not in files}
    command = c.OpenCase(turn.person.id, data["partner"], data["partner_kind"],
                         data["subject"], facts, data.get("sop", ""))  # fmt: skip
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
    if text_key == "baru.opened" and _performs_first(core, turn, case):
        text_key = "baru.opened_own"
    return Answer.say(text_key, ref=case.ref, subject=case.subject)


def _performs_first(core: Chat, turn: Turn, case: Case) -> bool:
    """Whether the sender performs step 1 themselves (the Kabag usually does)."""
    run = case.current_run(core.sop.first_step.code)
    if run is None:
        return False
    if run.assignee_id is not None:
        return run.assignee_id == turn.person.id
    return core.sop.first_step.performer in turn.person.roles
def stored_data(stored: StoredFile) -> dict[str, Any]:
    return {"sha256": stored.sha256, "size": stored.size, "filename": stored.filename,
            "media_type": stored.media_type}  # fmt: skip


