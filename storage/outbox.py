"""The outbox in SQL: messages queued in the transaction that caused them, claimed to be sent.

A drainer claims due rows as `sending` with a lease and its worker id (storage/claims.py: in
order per chat, never past an earlier unsent row of the same chat), sends them outside any
transaction, then records each result. A row whose worker died or whose lease ran out is due
again, marked `doubtful`: its first send may have arrived.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import queued
from bot.ports import ChatRoute, Claim, OutgoingMessage, QueuedMessage
from bot.replies import Reply
from storage import claims
from storage.sql import rowcount, table, upsert_insert

logger = logging.getLogger(__name__)

_outbox = table("outbox")
_ERROR_LENGTH = 2000
STATES = claims.States("pending", "sending")
_CLAIMABLE = (
    select(_outbox)
    .where(claims.claimable(_outbox, STATES))
    .order_by(*claims.order(_outbox))
    .limit(bindparam("claim_limit"))
)
_TAKE = (
    update(_outbox)
    .where(_outbox.c.id.in_(bindparam("claim_ids", expanding=True)))
    .values(
        status="sending", lease_until=bindparam("claim_lease"), claimed_by=bindparam("claim_by")
    )
)


def chat_key(message: OutgoingMessage) -> str:
    """Messages with the same key go out in queue order: one person's, or one chat's."""
    if message.recipient_id is not None:
        return f"p:{message.recipient_id}"
    assert message.chat is not None
    return f"c:{message.chat.key}"


class SqlOutboxRepository:
    """Messages waiting to be sent, queued in the transaction that caused them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def newest(self) -> int:
        """The id of the newest message queued so far (0 for none)."""
        return int(await self._session.scalar(select(func.max(_outbox.c.id))) or 0)

    async def add_ahead(
        self, messages: Sequence[OutgoingMessage], created_at: datetime, since: int
    ) -> None:
        """Queue messages, in order, before the ones queued for their chat after `since`."""
        firsts: dict[str, int | None] = {}
        for message in messages:
            key = chat_key(message)
            if key not in firsts:
                firsts[key] = await self._session.scalar(
                    select(func.min(_outbox.c.id)).where(
                        _outbox.c.chat_key == key, _outbox.c.id > since
                    )
                )
        for message in messages:
            first = firsts[chat_key(message)]
            await self.add(message, created_at, None if first is None else first - 1)

    async def add(
        self, message: OutgoingMessage, created_at: datetime, position: int | None = None
    ) -> None:
        """Queue a message; a key that is already queued is ignored."""
        chat = message.chat
        statement = upsert_insert(self._session, _outbox).values(
            recipient_id=message.recipient_id,
            key=message.key,
            payload=message.reply.to_json(),
            status="pending",
            attempts=0,
            next_attempt_at=message.not_before or created_at,
            created_at=created_at,
            chat_channel=chat.channel if chat else None,
            chat_id=chat.external_id if chat else None,
            edit_ref=message.edit_ref,
            card=message.card,
            chat_key=chat_key(message),
            position=position,
        )
        result = await self._session.execute(
            statement.on_conflict_do_nothing(index_elements=[_outbox.c.key])
        )
        if rowcount(result) == 0:
            logger.debug("Outbox key %s already queued", message.key)
        else:
            queued.note()

    async def exists(self, key: str) -> bool:
        """Whether a message with this idempotency key was ever queued."""
        found = await self._session.scalar(select(_outbox.c.id).where(_outbox.c.key == key))
        return found is not None

    async def has_card(self, card: str) -> bool:
        """Whether a copy of this task card was ever queued."""
        found = await self._session.scalar(select(_outbox.c.id).where(_outbox.c.card == card))
        return found is not None

    async def card_copy(self, card: str, channel: str) -> tuple[str, Reply] | None:
        """The platform id and the reply of the last delivered copy of a card on `channel`."""
        found = (await self._session.execute(
            select(_outbox.c.platform_message_id, _outbox.c.payload)
            .where(_outbox.c.card == card, _outbox.c.channel == channel,
                   _outbox.c.status == "sent", _outbox.c.platform_message_id.is_not(None))
            .order_by(_outbox.c.id.desc())
            .limit(1)
        )).first()  # fmt: skip
        return None if found is None else (found[0], Reply.from_json(found[1]))

    async def claim(
        self, claim: Claim, limit: int, wait: bool = True
    ) -> builtins.list[QueuedMessage]:
        """Take due rows (and rows of gone workers) as `sending`, oldest first per chat.

        Without `wait` (an update's own transaction claiming what it queued), nothing is taken
        while another claimer holds the claiming lock: waiting for it there, holding the
        update's row locks, could close a circle of waits with that claimer."""
        if not await claims.serialize_claims(self._session, wait=wait):
            return []
        found = await self._session.execute(
            _CLAIMABLE, {**claims.values(claim), "claim_limit": limit}
        )
        rows = found.all()
        if not rows:
            return []
        orphaned = [row.id for row in rows if row.status == "sending"]
        if orphaned:
            # Its worker died or stalled after claiming it: the first send may have arrived.
            logger.warning("outbox rows %s were being sent by a worker that is gone", orphaned)
            await self._session.execute(
                update(_outbox)
                .where(_outbox.c.id.in_(orphaned))
                .values(attempts=_outbox.c.attempts + 1, doubtful=True)
            )
        taken = [row.id for row in rows]
        await self._session.execute(
            _TAKE, {"claim_ids": taken, "claim_lease": claim.lease_until, "claim_by": claim.worker}
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

    async def retry_later(
        self, message_id: int, at: datetime, error: str, doubtful: bool = False
    ) -> None:
        """Count a failed attempt and try again at `at` (`doubtful`: it may have arrived)."""
        values: dict[str, Any] = {"doubtful": True} if doubtful else {}
        await self._set(
            message_id,
            status="pending",
            next_attempt_at=at,
            last_error=error[:_ERROR_LENGTH],
            attempts=_outbox.c.attempts + 1,
            **values,
        )

    async def release(self, message_ids: Sequence[int], at: datetime) -> None:
        """Hand claimed rows back unsent, due at `at`; no attempt is counted."""
        if message_ids:
            await self._session.execute(
                update(_outbox)
                .where(_outbox.c.id.in_(list(message_ids)), _outbox.c.status == "sending")
                .values(status="pending", next_attempt_at=at, lease_until=None, claimed_by=None)
            )

    async def give_up(self, message_id: int, error: str) -> None:
        """Stop trying to deliver a message."""
        await self._set(
            message_id,
            status="dead",
            last_error=error[:_ERROR_LENGTH],
            attempts=_outbox.c.attempts + 1,
        )

    async def claimers(self) -> builtins.list[str]:
        """The workers sending rows now."""
        return await claims.claimers(self._session, _outbox, STATES)

    async def next_due(self) -> datetime | None:
        """When the earliest pending row is due."""
        return await claims.next_due(self._session, _outbox, STATES)

    async def _set(self, message_id: int, **values: Any) -> None:
        await self._session.execute(
            update(_outbox)
            .where(_outbox.c.id == message_id)
            .values(lease_until=None, claimed_by=None, **values)
        )


def _queued(row: Any) -> QueuedMessage:
    chat = ChatRoute(row.chat_channel, row.chat_id) if row.chat_channel else None
    orphaned = row.status == "sending"
    return QueuedMessage(
        row.id,
        row.recipient_id,
        Reply.from_json(row.payload),
        row.key,
        row.attempts + (1 if orphaned else 0),
        chat,
        row.edit_ref,
        bool(row.doubtful) or orphaned,
    )


