"""What the proof checks after the crashes: the history, against the same work without them.

- Every user action applied exactly once: each update the officials sent is in the inbox and
  `done`, none failed; and each case's audit trail (event kinds and who) is the one the run
  without crashes wrote: an action lost or applied twice would show there.
- Every message delivered: the outbox holds nothing unsent; each chat got the messages the run
  without crashes queued for it (their catalogue keys, in order), each sent row's platform
  message exists, and a chat got more messages than its rows only where a send's outcome was
  unknown (a `doubtful` row: its earlier attempt may have arrived).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.replies import Reply
from handlers.telegram.render import chunks, text_of
from handlers.telegram.sender import MAX_CAPTION
from handlers.whatsapp.render import plan
from proof.world import Lane


@dataclass
class Row:
    """An outbox row as the checks need it."""

    key: str
    recipient: str  # the person's name, or the chat of someone unregistered
    text_key: str
    channel: str | None
    platform_id: str | None
    status: str
    doubtful: bool
    parts: int  # messages it puts in its chat (0 for a Telegram edit)
    attempts: int

    @property
    def in_doubt(self) -> int:
        """Earlier sends of it that may have arrived: each could be a copy."""
        return max(self.attempts - 1, 0) if self.doubtful else 0


@dataclass
class History:
    """What a lane's database says happened."""

    cases: dict[str, list[tuple[str, str]]]  # case ref -> (event kind, actor name)
    chats: dict[str, list[str]]  # recipient -> catalogue keys of the messages queued
    rows: list[Row]
    inbox: dict[tuple[str, str], str]  # (channel, update id) -> status


async def history(engine: AsyncEngine) -> History:
    """Read the history of a lane's database."""
    async with engine.connect() as db:
        names = {pid: name for pid, name in await db.execute(text("SELECT id, name FROM people"))}
        cases: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for ref, kind, actor in await db.execute(
            text("SELECT case_ref, kind, actor_id FROM audit_events ORDER BY id")
        ):
            cases[ref or "-"].append((kind, names.get(actor, "-")))
        rows = [
            _row(names, *values)
            for values in await db.execute(
                text(
                    "SELECT key, recipient_id, chat_channel, chat_id, payload, channel, "
                    "platform_message_id, status, doubtful, edit_ref, attempts FROM outbox "
                    "ORDER BY chat_key, coalesce(position, id), id"
                )
            )
        ]
        inbox = {
            (channel, update_id): status
            for channel, update_id, status in await db.execute(
                text("SELECT channel, update_id, status FROM inbox")
            )
        }
    chats: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        chats[row.recipient].append(row.text_key)
    return History(dict(cases), dict(chats), rows, inbox)


def _row(
    names: dict[int, str], key: str, recipient: int | None, chat_channel: str | None,
    chat_id: str | None, payload: object, channel: str | None, platform_id: str | None,
    status: str, doubtful: object, edit_ref: str | None, attempts: int,
) -> Row:  # fmt: skip
    data = json.loads(payload) if isinstance(payload, str) else payload
    reply = Reply.from_json(data)  # type: ignore[arg-type]
    who = names.get(recipient, "") if recipient is not None else f"{chat_channel}:{chat_id}"
    parts = _parts(reply, channel or chat_channel or "", edit_ref)
    return Row(
        key, who, reply.text_key, channel, platform_id, status, bool(doubtful), parts, attempts
    )


def _parts(reply: Reply, channel: str, edit_ref: str | None) -> int:
    """The messages a sent row put into its chat, as the channel's sender sends it."""
    if reply.edit_only:  # an edit, or nothing where there was nothing to edit
        return 0
    if channel == "whatsapp":
        return len(plan(reply))
    if edit_ref:
        return 0
    caption = text_of(reply)
    if len(reply.files) == 1 and not reply.choices and len(caption) <= MAX_CAPTION:
        return 1  # the document with its caption
    return len(reply.files) + len(chunks(caption))


@dataclass
class Verdict:
    """The counts the proof prints, and what did not hold."""

    actions: int = 0
    actions_lost: int = 0
    actions_doubled: int = 0
    messages: int = 0
    messages_lost: int = 0
    messages_doubled: int = 0
    unknown_sends: int = 0  # rows sent again after an attempt whose outcome was unknown
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether everything held."""
        return not self.failures


def verify(lane: Lane, crashed: History, reference: History) -> Verdict:
    """Compare a crashed lane's history with the same work done without crashes."""
    verdict = Verdict()
    _actions(lane, crashed, verdict)
    for ref in sorted(set(crashed.cases) | set(reference.cases)):
        got, wanted = crashed.cases.get(ref, []), reference.cases.get(ref, [])
        if got == wanted:
            continue
        extra, missing = Counter(got) - Counter(wanted), Counter(wanted) - Counter(got)
        verdict.actions_doubled += sum(extra.values())
        verdict.actions_lost += sum(missing.values())
        what = f"extra {dict(extra)}, missing {dict(missing)}" if extra or missing else "order"
        verdict.failures.append(f"case {ref}: audit trail differs from the run without "
                                f"crashes ({what})")  # fmt: skip
    _messages(lane, crashed, reference, verdict)
    return verdict


def _actions(lane: Lane, crashed: History, verdict: Verdict) -> None:
    sent = [("telegram", str(u)) for u in lane.standin.created_updates]
    sent += [("whatsapp", m) for m in lane.graph.pushed]
    verdict.actions = len(sent)
    for update in sent:
        status = crashed.inbox.get(update)
        if status != "done":
            verdict.actions_lost += 1
            verdict.failures.append(f"update {update[0]} {update[1]} is {status or 'missing'}")


def _messages(lane: Lane, crashed: History, reference: History, verdict: Verdict) -> None:
    verdict.messages = len(crashed.rows)
    unsent = [row for row in crashed.rows if row.status != "sent"]
    verdict.messages_lost += len(unsent)
    verdict.failures += [f"message {row.key} is {row.status}" for row in unsent]
    for who in sorted(set(crashed.chats) | set(reference.chats)):
        if crashed.chats.get(who) != reference.chats.get(who):
            verdict.failures.append(f"{who} was queued other messages than without crashes")
    verdict.unknown_sends = sum(row.in_doubt for row in crashed.rows)
    for chat, (expected, doubtful) in _expected(crashed.rows).items():
        seen = _seen(lane, chat)
        surplus = seen - expected
        if surplus < 0:
            verdict.messages_lost -= surplus
            verdict.failures.append(f"{chat} got {seen} messages, {expected} were sent")
        else:
            verdict.messages_doubled += surplus
            if surplus > doubtful:
                verdict.failures.append(
                    f"{chat} got {surplus} messages twice, only {doubtful} sends were in doubt"
                )
    verdict.failures += _missing_platform_ids(lane, crashed.rows)


def _expected(rows: list[Row]) -> dict[tuple[str, str], tuple[int, int]]:
    """Per (channel, recipient): the messages the sent rows put there, and those in doubt."""
    found: dict[tuple[str, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for row in rows:
        if row.status == "sent" and row.channel:
            parts, doubtful = found[(row.channel, row.recipient)]
            found[(row.channel, row.recipient)] = (
                parts + row.parts, doubtful + row.parts * row.in_doubt
            )
    return dict(found)


def _seen(lane: Lane, who: tuple[str, str]) -> int:
    """Messages the platform's stand-in holds from the bot for that recipient."""
    channel, name = who
    person = _person(lane, name)
    if channel == "telegram":
        user = lane.telegram.get(person) if person else None
        if user is None:
            return 0
        return sum(1 for m in lane.standin.sent_to(user.id))
    user_wa = lane.whatsapp.get(person) if person else None
    return len(lane.graph.to(user_wa)) if user_wa is not None else 0


def _person(lane: Lane, name: str) -> str | None:
    from proof.world import CAST

    return next((key for key, _, full in CAST if full == name), None)


def _missing_platform_ids(lane: Lane, rows: list[Row]) -> list[str]:
    telegram = {str(m.message_id) for user in lane.telegram.values()
                for m in lane.standin.sent_to(user.id)}  # fmt: skip
    whatsapp = {sent.id for sent in lane.graph.sent}
    missing = []
    for row in rows:
        if row.status != "sent" or row.platform_id is None:
            continue
        known = telegram if row.channel == "telegram" else whatsapp
        if row.platform_id not in known:
            missing.append(f"message {row.key}: no {row.channel} message {row.platform_id}")
    return missing
