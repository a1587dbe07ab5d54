"""Chat windows, messages held behind a template notice, the inbox of every channel's updates,
and the count of system failures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import (
    ChatWindow,
    Claim,
    HeldMessage,
    InboundUpdate,
    Incident,
    StoredUpdate,
)
from bot.replies import Reply
from storage import claims
from storage.sql import rowcount, table, upsert_insert

_windows = table("chat_windows")
_held = table("held_messages")
_inbox = table("inbox")
_incidents = table("incidents")
STATES = claims.States("received", "handling")
_CLAIMABLE = (
    select(_inbox)
    .where(claims.claimable_head(_inbox, STATES))
    .order_by(_inbox.c.id)
    .limit(bindparam("claim_limit"))
)
# PostgreSQL: a second claimer skips the heads the first is taking instead of waiting.
_CLAIMABLE_SKIPPING = _CLAIMABLE.with_for_update(skip_locked=True)
_TAKE = (
    update(_inbox)
    .where(_inbox.c.id.in_(bindparam("claim_ids", expanding=True)))
    .values(
        status="handling",
        claimed_by=bindparam("claim_by"),
        lease_until=bindparam("claim_lease"),
        attempts=_inbox.c.attempts + 1,
    )
)


class SqlChatWindowRepository:
    """Per chat account: when the person last wrote, when a notice last went out, what waits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, channel: str, external_id: str) -> ChatWindow:
        """The account's window as recorded (empty if it never wrote)."""
        row = (
            await self._session.execute(
                select(_windows.c.last_inbound_at, _windows.c.notice_sent_at).where(
                    _windows.c.channel == channel, _windows.c.external_id == external_id
                )
            )
        ).one_or_none()
        return ChatWindow(row.last_inbound_at, row.notice_sent_at) if row else ChatWindow()

    async def opened(self, channel: str, external_id: str, at: datetime) -> None:
        """Record an inbound message at `at`: the window opens and any notice is answered."""
        await self._upsert(channel, external_id, "last_inbound_at", at, notice_sent_at=None)

    async def noticed(self, channel: str, external_id: str, at: datetime) -> None:
        """Record that a notice (template) was sent at `at`."""
        await self._upsert(channel, external_id, "notice_sent_at", at)

    async def _upsert(
        self, channel: str, external_id: str, column: str, at: datetime, **also: object
    ) -> None:
        """Set `column` (and `also`) unless it holds a later time already."""
        statement = upsert_insert(self._session, _windows).values(
            channel=channel, external_id=external_id, **{column: at}, **also
        )
        current = _windows.c[column]
        newest = statement.excluded[column]
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[_windows.c.channel, _windows.c.external_id],
                set_={column: newest, **also},
                where=current.is_(None) | (current <= newest),
            )
        )

    async def hold(
        self, channel: str, external_id: str, message: HeldMessage, at: datetime
    ) -> None:
        """Keep a message back; holding the same key again changes nothing."""
        statement = upsert_insert(self._session, _held).values(
            channel=channel,
            external_id=external_id,
            key=message.key,
            payload=message.reply.to_json(),
            held_at=at,
        )
        await self._session.execute(statement.on_conflict_do_nothing(index_elements=[_held.c.key]))

    async def take_held(self, channel: str, external_id: str) -> list[HeldMessage]:
        """Remove and return the account's held messages, oldest first."""
        mine = (_held.c.channel == channel) & (_held.c.external_id == external_id)
        rows = await self._session.execute(
            select(_held.c.key, _held.c.payload).where(mine).order_by(_held.c.id)
        )
        held = [HeldMessage(row.key, Reply.from_json(row.payload)) for row in rows]
        await self._session.execute(delete(_held).where(mine))
        return held


class SqlInboxRepository:
    """Incoming updates of every channel, stored before they are confirmed, handled once."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, inbound: InboundUpdate) -> bool:
        """Store a new update (True); a copy of one stored before is ignored (False)."""
        statement = upsert_insert(self._session, _inbox).values(
            channel=inbound.channel,
            update_id=inbound.update_id,
            chat_key=inbound.chat_key or f"{inbound.channel}:{inbound.update_id}",
            payload=inbound.payload,
            status="received",
            attempts=0,
            next_attempt_at=inbound.received_at,
            received_at=inbound.received_at,
        )
        result = await self._session.execute(
            statement.on_conflict_do_nothing(index_elements=[_inbox.c.channel, _inbox.c.update_id])
        )
        return rowcount(result) > 0

    async def claim(self, claim: Claim, limit: int) -> list[StoredUpdate]:
        """Take due updates (and those of gone workers) as `handling`, at most one per chat:
        each the first unfinished update of its chat. Claimers on PostgreSQL skip the rows
        another claimer is taking instead of waiting for it."""
        postgres = self._session.get_bind().dialect.name == "postgresql"
        statement = _CLAIMABLE_SKIPPING if postgres else _CLAIMABLE
        found = await self._session.execute(
            statement, {**claims.values(claim), "claim_limit": limit}
        )
        rows = found.all()
        if not rows:
            return []
        taken = [row.id for row in rows]
        await self._session.execute(
            _TAKE, {"claim_ids": taken, "claim_by": claim.worker, "claim_lease": claim.lease_until}
        )
        return [
            StoredUpdate(
                row.id, row.channel, row.update_id, row.payload, row.attempts + 1, row.received_at
            )
            for row in rows
        ]

    async def finish(
        self, update_id: int, status: str, at: datetime, error: str | None = None
    ) -> None:
        """Mark an update done (its payload is no longer kept) or failed (kept, with why); the
        worker that held it stays named on it (who handled it), its lease is dropped."""
        values: dict[str, object] = {"status": status, "finished_at": at, "error": error}
        if status == "done":
            values["payload"] = {}
        await self._session.execute(
            update(_inbox).where(_inbox.c.id == update_id).values(lease_until=None, **values)
        )

    async def retry_later(self, update_id: int, at: datetime, error: str) -> None:
        """Hand a claimed update back, to be handled again at `at`."""
        await self._set(update_id, status="received", next_attempt_at=at, error=error)

    async def claimers(self) -> list[str]:
        """The workers handling updates now."""
        return await claims.claimers(self._session, _inbox, STATES)

    async def next_due(self) -> datetime | None:
        """When the earliest waiting update is due."""
        return await claims.next_due(self._session, _inbox, STATES)

    async def status(self, channel: str, update_id: str) -> str | None:
        """The status of a stored update, or None if it was never stored."""
        found = await self._session.scalar(
            select(_inbox.c.status).where(
                _inbox.c.channel == channel, _inbox.c.update_id == update_id
            )
        )
        return None if found is None else str(found)

    async def _set(self, update_id: int, **values: object) -> None:
        await self._session.execute(
            update(_inbox)
            .where(_inbox.c.id == update_id)
            .values(claimed_by=None, lease_until=None, **values)
        )


class SqlIncidentRepository:
    """System failures per kind, for one notice per kind per quarter hour."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, kind: str) -> Incident | None:
        """The kind's record, locked until commit (PostgreSQL) so counts add up."""
        statement = select(_incidents).where(_incidents.c.kind == kind)
        if self._session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else _incident(row)

    async def put(self, incident: Incident) -> None:
        """Store the kind's record."""
        values = {
            "notified_at": incident.notified_at,
            "suppressed": incident.suppressed,
            "trace": incident.trace,
            "total": incident.total,
        }
        statement = upsert_insert(self._session, _incidents).values(kind=incident.kind, **values)
        await self._session.execute(
            statement.on_conflict_do_update(index_elements=[_incidents.c.kind], set_=values)
        )

    async def waiting(self, notified_before: datetime) -> list[Incident]:
        """Kinds with failures not told yet whose last notice is older than `notified_before`."""
        rows = await self._session.execute(
            select(_incidents).where(
                _incidents.c.suppressed > 0, _incidents.c.notified_at <= notified_before
            )
        )
        return [_incident(row) for row in rows]


def _incident(row: Any) -> Incident:
    return Incident(row.kind, row.notified_at, row.suppressed, row.trace, row.total)
