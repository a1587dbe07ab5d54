"""Reminder and escalation rows: created with the step, claimed by one sweep, never sent twice.

`claim_due` locks what it takes: PostgreSQL skips rows another sweeper holds (`FOR UPDATE SKIP
LOCKED`), SQLite serializes whole transactions (`BEGIN IMMEDIATE`). The sweep marks every claimed
row sent, superseded or cancelled in the same transaction that queues their messages.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import Reminder
from storage.sql import rowcount, table, upsert_insert

_reminders = table("reminders")
_CLOSED = ("sent", "superseded", "cancelled")


class SqlReminderRepository:
    """Reminders of open tasks, by due time."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, reminder: Reminder, created_at: datetime) -> None:
        """Schedule a reminder; the same task, rung and person is scheduled once."""
        statement = upsert_insert(self._session, _reminders).values(
            case_id=reminder.case_id,
            step_run_id=reminder.step_run_id,
            kind=reminder.kind,
            due_at=reminder.due_at,
            recipient_id=reminder.recipient_id,
            status="pending",
            created_at=created_at,
        )
        await self._session.execute(
            statement.on_conflict_do_nothing(
                index_elements=[
                    _reminders.c.step_run_id,
                    _reminders.c.kind,
                    _reminders.c.recipient_id,
                ]
            )
        )

    async def cancel_for_run(self, step_run_id: int) -> int:
        """Cancel the pending reminders of a finished task; how many there were."""
        return await self._cancel(_reminders.c.step_run_id == step_run_id)

    async def cancel_for_case(self, case_id: int) -> int:
        """Cancel every pending reminder of a case; how many there were."""
        return await self._cancel(_reminders.c.case_id == case_id)

    async def claim_due(self, now: datetime, limit: int) -> builtins.list[Reminder]:
        """Take pending reminders due by `now`, earliest first, locked against other sweeps."""
        statement = (
            select(_reminders)
            .where(_reminders.c.status == "pending", _reminders.c.due_at <= now)
            .order_by(_reminders.c.due_at, _reminders.c.id)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        rows = (await self._session.execute(statement)).all()
        if rows:
            await self._session.execute(
                update(_reminders)
                .where(_reminders.c.id.in_([row.id for row in rows]))
                .values(status="claimed")
            )
        return [_reminder(row, status="claimed") for row in rows]

    async def mark(self, reminder_ids: Sequence[int], status: str, at: datetime) -> None:
        """Close claimed reminders: sent, superseded (by a later one) or cancelled."""
        if status not in _CLOSED:
            raise ValueError(f"a claimed reminder closes as one of {_CLOSED}, not {status!r}")
        if reminder_ids:
            await self._session.execute(
                update(_reminders)
                .where(_reminders.c.id.in_(list(reminder_ids)))
                .values(status=status, sent_at=at if status != "cancelled" else None)
            )

    async def list_for_case(self, case_id: int) -> builtins.list[Reminder]:
        """Every reminder of a case, whatever its status, by due time."""
        rows = await self._session.execute(
            select(_reminders)
            .where(_reminders.c.case_id == case_id)
            .order_by(_reminders.c.due_at, _reminders.c.id)
        )
        return [_reminder(row) for row in rows]

    async def _cancel(self, condition: Any) -> int:
        result = await self._session.execute(
            update(_reminders)
            .where(condition, _reminders.c.status == "pending")
            .values(status="cancelled")
        )
        return rowcount(result)


def _reminder(row: Any, status: str | None = None) -> Reminder:
    return Reminder(
        case_id=row.case_id,
        step_run_id=row.step_run_id,
        kind=row.kind,
        due_at=row.due_at,
        recipient_id=row.recipient_id,
        status=status or row.status,
        id=row.id,
    )
