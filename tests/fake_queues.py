"""In-memory outbox and reminders for `tests.fakes.FakeUnitOfWork` (same state, same rules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot import queued
from bot.errors import Unavailable
from bot.ports import Claim, OutgoingMessage, QueuedMessage, Reminder
from bot.replies import Reply


class _Repo:
    def __init__(self, uow: Any) -> None:
        self.uow = uow

    @property
    def s(self) -> Any:
        return self.uow.state


class FakeOutbox(_Repo):
    """The outbox: messages by idempotency key; ids are their queue positions."""

    async def add(self, message: OutgoingMessage, created_at: datetime) -> None:
        if message.key not in self.s.outbox:
            queued.note()
        self.s.outbox.setdefault(message.key, (message, created_at))

    async def newest(self) -> int:
        return len(self.s.outbox)

    async def add_ahead(
        self, messages: Sequence[OutgoingMessage], created_at: datetime, since: int
    ) -> None:
        """Insert before the first row of the same chat queued after `since` (ids shift)."""
        for message in messages:
            if message.key in self.s.outbox:
                continue
            rows = list(self.s.outbox.items())
            chat = _chat_key(message)
            later = [i for i, (k, (m, _)) in enumerate(rows) if i >= since and _chat_key(m) == chat
                     and not any(k == other.key for other in messages)]  # fmt: skip
            at = later[0] if later else len(rows)
            rows.insert(at, (message.key, (message, created_at)))
            queued.note()
            self.s.outbox = dict(rows)

    async def exists(self, key: str) -> bool:
        return key in self.s.outbox

    async def has_card(self, card: str) -> bool:
        return any(m.card == card for m, _ in self.s.outbox.values())

    async def card_copy(self, card: str, channel: str) -> tuple[str, Reply] | None:
        copies = [(self.s.delivered[k], m.reply) for k, (m, _) in self.s.outbox.items()
                  if m.card == card and k in self.s.delivered]  # fmt: skip
        found = [(platform, reply) for (ch, platform, _), reply in copies
                 if ch == channel and platform]  # fmt: skip
        return found[-1] if found else None

    async def claim(self, claim: Claim, limit: int, wait: bool = True) -> list[QueuedMessage]:
        """Due rows in queue order, none behind an unsent earlier row of its chat."""
        claimed: list[QueuedMessage] = []
        blocked: set[str] = set()
        for i, (key, (m, created)) in enumerate(self.s.outbox.items(), start=1):
            if key in self.s.delivered or key in self.s.dead:
                continue
            chat = _chat_key(m)
            held = self.s.sending.get(key)
            orphaned = held is not None and held <= claim.now
            waiting = held is None and (m.not_before or created) > claim.now
            if chat in blocked or len(claimed) == limit or waiting or (held and not orphaned):
                blocked.add(chat)
                continue
            if orphaned:  # its drainer died: that counts as an attempt, and it may have arrived
                self.s.attempts[key] = self.s.attempts.get(key, 0) + 1
                self.s.doubtful.add(key)
            self.s.sending[key] = claim.lease_until
            attempts = self.s.attempts.get(key, 0)
            claimed.append(QueuedMessage(i, m.recipient_id, m.reply, key, attempts, m.chat,
                                         m.edit_ref, key in self.s.doubtful))  # fmt: skip
        return claimed

    def _key(self, message_id: int) -> str:
        return list(self.s.outbox)[message_id - 1]

    def _attempted(self, key: str) -> None:
        self.s.sending.pop(key, None)
        self.s.attempts[key] = self.s.attempts.get(key, 0) + 1

    async def mark_sent(
        self, message_id: int, channel: str, platform_id: str | None, at: datetime
    ) -> None:
        shared = self.uow._db  # counted on the shared state: a refused write is not rolled back
        if shared.outbox_busy:
            shared.outbox_busy -= 1
            raise Unavailable()
        self._attempted(self._key(message_id))
        self.s.delivered[self._key(message_id)] = (channel, platform_id, at)

    async def retry_later(
        self, message_id: int, at: datetime, error: str, doubtful: bool = False
    ) -> None:
        key = self._key(message_id)
        self._attempted(key)
        if doubtful:
            self.s.doubtful.add(key)
        message, _ = self.s.outbox[key]
        self.s.outbox[key] = (replace(message, not_before=at), at)

    async def release(self, message_ids: Sequence[int], at: datetime) -> None:
        for message_id in message_ids:
            key = self._key(message_id)
            if self.s.sending.pop(key, None) is not None:
                message, _ = self.s.outbox[key]
                self.s.outbox[key] = (replace(message, not_before=at), at)

    async def give_up(self, message_id: int, error: str) -> None:
        self._attempted(self._key(message_id))
        self.s.dead[self._key(message_id)] = error

    async def claimers(self) -> list[str]:
        return []

    async def next_due(self) -> datetime | None:
        pending = [
            m.not_before or created
            for key, (m, created) in self.s.outbox.items()
            if key not in self.s.delivered and key not in self.s.dead and key not in self.s.sending
        ]
        return min(pending, default=None)


def _chat_key(message: OutgoingMessage) -> str:
    if message.recipient_id is not None:
        return f"p:{message.recipient_id}"
    assert message.chat is not None
    return f"c:{message.chat.key}"


class FakeReminders(_Repo):
    """Reminder rows by id."""

    async def add(self, reminder: Reminder, created_at: datetime) -> None:
        same = (reminder.step_run_id, reminder.kind, reminder.recipient_id)
        if any((r.step_run_id, r.kind, r.recipient_id) == same for r in self.s.reminders.values()):
            return
        new_id = max(self.s.reminders, default=0) + 1
        self.s.reminders[new_id] = replace(reminder, status="pending", id=new_id)

    async def cancel_for_run(self, step_run_id: int) -> int:
        return self._cancel([r for r in self.s.reminders.values() if r.step_run_id == step_run_id])

    async def cancel_for_case(self, case_id: int) -> int:
        return self._cancel([r for r in self.s.reminders.values() if r.case_id == case_id])

    def _cancel(self, rows: list[Reminder]) -> int:
        pending = [r for r in rows if r.status == "pending"]
        for r in pending:
            self.s.reminders[r.id or 0] = replace(r, status="cancelled")
        return len(pending)

    async def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        due = sorted(
            (r for r in self.s.reminders.values() if r.status == "pending" and r.due_at <= now),
            key=lambda r: (r.due_at, r.id or 0),
        )[:limit]
        for r in due:
            self.s.reminders[r.id or 0] = replace(r, status="claimed")
        return [replace(r, status="claimed") for r in due]

    async def mark(self, reminder_ids: Sequence[int], status: str, at: datetime) -> None:
        for reminder_id in reminder_ids:
            self.s.reminders[reminder_id] = replace(self.s.reminders[reminder_id], status=status)

    async def list_for_case(self, case_id: int) -> list[Reminder]:
        rows = [r for r in self.s.reminders.values() if r.case_id == case_id]
        return sorted(rows, key=lambda r: (r.due_at, r.id or 0))
