"""An answer to the person who wrote, as outbox messages back to the chat they wrote from."""

from __future__ import annotations

from bot.chat.model import Answer, Incoming
from bot.ports import ChatRoute, OutgoingMessage
from bot.replies import Reply


def answer_messages(
    incoming: Incoming, answer: Answer, person_id: int | None, *, edits: bool, toasts: bool
) -> list[OutgoingMessage]:
    """The answer's messages in the order the person should read them.

    `edits`: the channel can replace the pressed message (else the new text comes as a message).
    `toasts`: the channel shows the short answer to a button press itself (Telegram's callback
    answer), so it is not queued.
    """
    sender = incoming.sender
    chat = ChatRoute(sender.channel, sender.external_id)
    parts: list[tuple[Reply, str | None]] = []
    toast = answer.toast
    if toast is not None and not toasts:
        parts.append((toast, None))
    if answer.edit is not None:
        target = _edit_target(incoming, answer)
        if not edits:
            parts.append((answer.edit, None))
        elif target is not None:
            parts.append((answer.edit, target))
        elif answer.edit.card is not None:
            parts.append((answer.edit, ""))  # a task card: its live copy, wherever it is
    parts += [(reply, None) for reply in answer.replies]
    if toast is not None and toasts and incoming.action is None:
        parts.append((toast, None))  # no button to answer: the notice comes as a message
    stem = f"answer:{sender.channel}:{incoming.update_id}"
    return [
        OutgoingMessage(person_id, reply, f"{stem}:{index}", chat=chat, edit_ref=edit)
        for index, (reply, edit) in enumerate(parts)
    ]


def _edit_target(incoming: Incoming, answer: Answer) -> str | None:
    """The message to replace: the one the answer names, else the pressed one; "" is none."""
    if answer.edit_ref:
        return answer.edit_ref
    if answer.edit_ref is None:
        return incoming.message_ref
    return None
