"""In-memory outbox and reminders for `tests.fakes.FakeUnitOfWork` (same state, same rules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.ports import OutgoingMessage, QueuedMessage, Reminder


class _Repo:
    def __init__(self, uow: Any) -> None:
        self.uow = uow

    @property
    def s(self) -> Any:
        return self.uow.state


class FakeOutbox(_Repo):
    """The outbox: messages by idempotency key; ids are their queue positions."""

    async def add(self, message: OutgoingMessage, created_at: datetime) -> None:
        self.s.outbox.setdefault(message.key, (message, created_at))

    async def exists(self, key: str) -> bool:
        return key in self.s.outbox

    async def claim(self, now: datetime, limit: int, lease_until: datetime) -> list[QueuedMessage]:
        claimed: list[QueuedMessage] = []
        for i, (key, (m, created)) in enumerate(self.s.outbox.items(), start=1):
            if key in self.s.delivered or key in self.s.dead or len(claimed) == limit:
                continue
            lease = self.s.sending.get(key)
            if lease is not None and lease > now:
                continue
            if lease is not None:  # its drainer died: that counts as an attempt
                self.s.attempts[key] = self.s.attempts.get(key, 0) + 1
            elif (m.not_before or created) > now:
                continue
            self.s.sending[key] = lease_until
            attempts = self.s.attempts.get(key, 0)
            claimed.append(QueuedMessage(i, m.recipient_id, m.reply, key, attempts))
        return claimed

    def _key(self, message_id: int) -> str:
        return list(self.s.outbox)[message_id - 1]

    def _attempted(self, key: str) -> None:
        self.s.sending.pop(key, None)
        self.s.attempts[key] = self.s.attempts.get(key, 0) + 1

    async def mark_sent(
        self, message_id: int, channel: str, platform_id: str | None, at: datetime
    ) -> None:
        self._attempted(self._key(message_id))
        self.s.delivered[self._key(message_id)] = (channel, platform_id, at)

    async def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        key = self._key(message_id)
        self._attempted(key)
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
