"""Chat windows, messages held behind a template notice, and the webhook inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import ChatWindow, HeldMessage, InboundUpdate
from bot.replies import Reply
from storage.sql import table, upsert_insert

_windows = table("chat_windows")
_held = table("held_messages")
_inbox = table("inbound_updates")


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
    """Incoming webhook updates, stored before they are acted on."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def receive(self, inbound: InboundUpdate) -> str | None:
        """Store a new update (None), or count one more attempt of a stored one (its status)."""
        key = (_inbox.c.channel == inbound.channel) & (_inbox.c.update_id == inbound.update_id)
        statement = upsert_insert(self._session, _inbox).values(
            channel=inbound.channel,
            update_id=inbound.update_id,
            payload=inbound.payload,
            status="received",
            attempts=1,
            received_at=inbound.received_at,
        )
        inserted = await self._session.execute(
            statement.on_conflict_do_nothing(
                index_elements=[_inbox.c.channel, _inbox.c.update_id]
            ).returning(_inbox.c.update_id)
        )
        if inserted.one_or_none() is not None:
            return None
        await self._session.execute(
            update(_inbox).where(key).values(attempts=_inbox.c.attempts + 1)
        )
        status = await self._session.scalar(select(_inbox.c.status).where(key))
        return str(status)

    async def finish(
        self, channel: str, update_id: str, status: str, at: datetime, error: str | None = None
    ) -> None:
        """Mark an update done (its payload is no longer kept) or failed (kept, with why)."""
        values: dict[str, object] = {"status": status, "finished_at": at, "error": error}
        if status == "done":
            values["payload"] = {}
        await self._session.execute(
            update(_inbox)
            .where(_inbox.c.channel == channel, _inbox.c.update_id == update_id)
            .values(**values)
        )
