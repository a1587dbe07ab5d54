"""The outbox in SQL: messages queued in the transaction that caused them, claimed to be sent.

A drainer claims due rows by setting them `sending` with a lease (PostgreSQL: `FOR UPDATE SKIP
LOCKED`; SQLite: the transaction's `BEGIN IMMEDIATE` serializes claimers), sends them outside any
transaction, then records each result. A row whose lease ran out (its drainer died) is due again.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import OutgoingMessage, QueuedMessage
from bot.replies import Reply
from storage.sql import rowcount, table, upsert_insert

logger = logging.getLogger(__name__)

_outbox = table("outbox")
_ERROR_LENGTH = 2000


class SqlOutboxRepository:
    """Messages waiting to be sent, queued in the transaction that caused them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: OutgoingMessage, created_at: datetime) -> None:
        """Queue a message; a key that is already queued is ignored."""
        statement = upsert_insert(self._session, _outbox).values(
            recipient_id=message.recipient_id,
            key=message.key,
            payload=message.reply.to_json(),
            status="pending",
            attempts=0,
            next_attempt_at=message.not_before or created_at,
            created_at=created_at,
        )
        result = await self._session.execute(
            statement.on_conflict_do_nothing(index_elements=[_outbox.c.key])
        )
        if rowcount(result) == 0:
            logger.debug("Outbox key %s already queued", message.key)

    async def exists(self, key: str) -> bool:
        """Whether a message with this idempotency key was ever queued."""
        found = await self._session.scalar(select(_outbox.c.id).where(_outbox.c.key == key))
        return found is not None

    async def claim(
        self, now: datetime, limit: int, lease_until: datetime
    ) -> builtins.list[QueuedMessage]:
        """Take due rows (and rows whose drainer's lease ran out) as `sending`, oldest first."""
        ready = or_(
            and_(_outbox.c.status == "pending", _outbox.c.next_attempt_at <= now),
            and_(_outbox.c.status == "sending", _outbox.c.lease_until <= now),
        )
        statement = select(_outbox).where(ready).order_by(_outbox.c.id).limit(limit)
        if self._session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        rows = (await self._session.execute(statement)).all()
        if not rows:
            return []
        # A lease that ran out counts as an attempt: a message that kills its drainer gives up.
        await self._session.execute(
            update(_outbox)
            .where(_outbox.c.id.in_([row.id for row in rows]))
            .values(
                status="sending",
                lease_until=lease_until,
                attempts=_outbox.c.attempts + case((_outbox.c.status == "sending", 1), else_=0),
            )
        )
        return [_queued(row) for row in rows]

    async def mark_sent(
        self, message_id: int, channel: str, platform_id: str | None, at: datetime
    ) -> None:
        """Record a delivered message and the platform's id for it."""
        await self._set(
            message_id,
            status="sent",
            sent_at=at,
            channel=channel,
            platform_message_id=platform_id,
            attempts=_outbox.c.attempts + 1,
        )

    async def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        """Count a failed attempt and try again at `at`."""
        await self._set(
            message_id,
            status="pending",
            next_attempt_at=at,
            last_error=error[:_ERROR_LENGTH],
            attempts=_outbox.c.attempts + 1,
        )

    async def release(self, message_ids: Sequence[int], at: datetime) -> None:
        """Hand claimed rows back unsent, due at `at`; no attempt is counted."""
        if message_ids:
            await self._session.execute(
                update(_outbox)
                .where(_outbox.c.id.in_(list(message_ids)), _outbox.c.status == "sending")
                .values(status="pending", next_attempt_at=at, lease_until=None)
            )

    async def give_up(self, message_id: int, error: str) -> None:
        """Stop trying to deliver a message."""
        await self._set(
            message_id,
            status="dead",
            last_error=error[:_ERROR_LENGTH],
            attempts=_outbox.c.attempts + 1,
        )

    async def _set(self, message_id: int, **values: Any) -> None:
        await self._session.execute(
            update(_outbox).where(_outbox.c.id == message_id).values(lease_until=None, **values)
        )


def _queued(row: Any) -> QueuedMessage:
    attempts = row.attempts + (1 if row.status == "sending" else 0)
    return QueuedMessage(row.id, row.recipient_id, Reply.from_json(row.payload), row.key, attempts)
