"""What the handlers share about a task: its view after a change, its decided message, the
documents the bot builds for it."""

from __future__ import annotations

from bot.cards import card_of
from bot.chat.model import Answer
from bot.chat.session import Chat, Turn
from bot.errors import StaleAction
from bot.fmt import format_datetime
from bot.replies import Reply
from bot.texts import t
from bot.views import task_view
from bot.workflow.model import Case
from bot.workflow.notify import document_reply
from bot.workflow.service import Result


async def build(
    core: Chat, turn: Turn, case: Case, step_code: str, key: str, answers: dict[str, str]
) -> Answer:
    """Build the document from its template with the answers given, and record it."""
    assert core.documents is not None
    await core.authorise_task(turn.person, case, step_code)  # before any work is done
    result = await core.documents.issue(
        key, case, step_code, turn.person, answers, update=turn.update,
        after=core.clearing(turn.person),
    )  # fmt: skip
    answer = await refreshed(core, result, step_code, new_message=True)
    value = result.case.artifacts.get(key) if result.case is not None else None
    if value is not None and value.document_id is not None:
        # The built document, to read and sign or edit, follows the card that explains it.
        answer.replies.append(document_reply(result.case or case, value, core.sop))
    return answer


async def decided(core: Chat, result: Result, step_code: str) -> Reply | None:
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
        card=card_of(result.case, run),
    )  # fmt: skip


async def refreshed(
    core: Chat, result: Result, step_code: str, *, new_message: bool = False
) -> Answer:
    """The task's card after an input, edited in place (the pressed one, or the live copy)."""
    if result.case is None:
        return Answer()
    run = result.case.current_run(step_code)
    if run is None:
        return Answer()
    view = task_view(result.case, run, await core.view())
    # After a typed answer nothing was pressed: the live card is found by its name.
    return Answer(edit=view, edit_ref="") if new_message else Answer(edit=view)


def case_of(result: Result) -> Case:
    """The case a successful command returned."""
    if result.case is None:
        raise StaleAction()
    return result.case


def artifact_at(core: Chat, index: int) -> str:
    keys = list(core.sop.artifacts)
    if index >= len(keys):
        raise StaleAction()
    return keys[index]


def _note(note: str | None) -> str:
    return t("task.decided_note", note=note) if note else ""
