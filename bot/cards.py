"""One live card per task: a task's card is edited in place, and a new copy retires the old.

A task card is the message that shows a task to a person with its checklist and buttons
(`bot.views.task_view`). When the card is shown again as a new message (`/tugas`, a reminder),
the older copy is edited to say the card moved and loses its buttons; when an item is done,
the edit goes to the newest delivered copy, wherever the press came from. Which message that
is, is known only once the outbox has sent it, so edits name the card (`card:<card>|<ref>`)
and the delivery resolves them (`bot.delivery`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.ports import OutgoingMessage, UnitOfWork
from bot.replies import Reply
from bot.workflow.model import Case, StepRun

EDIT_PREFIX = "card:"
# A person's open question (`Chat.ask`) is a card too: a new question, or the answer that
# settles it, takes the buttons off the one before, so no stale Batal or date stays pressable.
QUESTION = "ask"
CLOSED = "chat.question_closed"  # delivered as the question itself, without its buttons


def card_of(case: Case, run: StepRun) -> str:
    """The card's name: the case, the step, and which run of the step (a step may run again)."""
    ordinal = sum(
        1 for r in case.runs if r.step_code == run.step_code and r.started_at <= run.started_at
    )
    return f"{case.id or 0}:{run.step_code}:{max(ordinal, 1)}"


def edit_target(edit_ref: str) -> tuple[str, str | None] | None:
    """A card edit's card and the message to edit when no copy of the card was delivered."""
    if not edit_ref.startswith(EDIT_PREFIX):
        return None
    card, _, fallback = edit_ref[len(EDIT_PREFIX) :].partition("|")
    return card, fallback or None


async def place(uow: UnitOfWork, messages: Sequence[OutgoingMessage]) -> list[OutgoingMessage]:
    """The messages as queued: card edits aimed at the live card, old copies retired."""
    placed: list[OutgoingMessage] = []
    seen: set[str] = set()
    for message in messages:
        card = message.reply.card
        if card is None or message.recipient_id is None:
            placed.append(message)
            continue
        name = f"{message.recipient_id}:{card}"
        if message.edit_ref is not None:
            # The card's files came with its first copy; an edit changes its text and buttons.
            edit = f"{EDIT_PREFIX}{name}|{message.edit_ref}"
            placed.append(replace(message, edit_ref=edit, reply=replace(message.reply, files=())))
            continue
        if name in seen or await uow.outbox.has_card(name):
            retire = _retired(message.reply)
            placed.append(
                OutgoingMessage(message.recipient_id, retire, f"{message.key}:moved",
                                chat=message.chat, edit_ref=f"{EDIT_PREFIX}{name}|")
            )  # fmt: skip
        seen.add(name)
        placed.append(message)
    return placed


def closing(recipient_id: int) -> OutgoingMessage:
    """The edit that closes a person's settled question (its key is set by the caller)."""
    reply = Reply(CLOSED, {}, card=QUESTION, edit_only=True)
    return OutgoingMessage(recipient_id, reply, "", edit_ref="")


def _retired(reply: Reply) -> Reply:
    if reply.card == QUESTION:
        return Reply(CLOSED, {}, edit_only=True)
    params = {k: reply.params.get(k, "") for k in ("ref", "number", "title")}
    return Reply("task.moved", params, edit_only=True)
