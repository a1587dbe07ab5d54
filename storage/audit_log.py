"""The audit trail in SQL: entries are buffered, then chained, keyed and written at commit."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import GENESIS, AuditKey, canonical, chain_hash
from bot.ports import AuditEntry, AuditHead, AuditRecord
from storage.sql import table, upsert_insert

logger = logging.getLogger(__name__)

_events = table("audit_events")
_head = table("audit_head")
_HEAD_ID = 1


def entry_from_body(body: str) -> AuditEntry:
    """Rebuild an entry from its canonical JSON, keeping the original UTC offset of `at`."""
    data = json.loads(body)
    return AuditEntry(
        at=datetime.fromisoformat(data["at"]),
        kind=data["kind"],
        actor_id=data["actor_id"],
        case_ref=data["case_ref"],
        data=data["data"],
    )


class SqlAuditLog:
    """Collects a transaction's audit entries and links them into the hash chain at commit.

    With an audit key, each entry and the head row get their MAC; without one (tools and tests
    that do not care about the audit) they are written unkeyed.
    """

    def __init__(self, session: AsyncSession, key: AuditKey | None = None) -> None:
        self._session = session
        self._key = key
        self._pending: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> None:
        """Buffer an entry; it is written when the unit of work commits."""
        self._pending.append(entry)

    async def all(self) -> list[AuditRecord]:
        """Every stored entry in chain order."""
        result = await self._session.execute(select(_events).order_by(_events.c.id))
        return [_record(row) for row in result]

    async def head(self) -> AuditHead:
        """The id and hash the chain's head row says the last entry has, with its MAC."""
        row = (
            await self._session.execute(
                select(_head.c.last_id, _head.c.last_hash, _head.c.mac).where(
                    _head.c.id == _HEAD_ID
                )
            )
        ).one_or_none()
        return AuditHead(row.last_id, row.last_hash, row.mac) if row else AuditHead(0, GENESIS)

    async def sign(self, macs: Mapping[int, str]) -> None:
        """Store MACs on entries that have none (a MAC once written is never replaced)."""
        if not macs:
            return
        await self._session.execute(
            update(_events)
            .where(_events.c.id == bindparam("entry_id"), _events.c.mac.is_(None))
            .values(mac=bindparam("entry_mac")),
            [{"entry_id": entry_id, "entry_mac": mac} for entry_id, mac in macs.items()],
        )

    def discard(self) -> None:
        """Forget buffered entries (the transaction rolled back)."""
        self._pending.clear()

    async def write_pending(self) -> None:
        """Chain the buffered entries after the current head and store them."""
        if not self._pending:
            return
        bodies = [_checked_body(entry) for entry in self._pending]
        prev_hash, _ = await self._lock_head()
        last_id = 0
        for entry, body in zip(self._pending, bodies, strict=True):
            digest = chain_hash(prev_hash, entry)
            result = await self._session.execute(
                insert(_events)
                .values(
                    at=entry.at,
                    kind=entry.kind,
                    actor_id=entry.actor_id,
                    case_ref=entry.case_ref,
                    body=body,
                    prev_hash=prev_hash,
                    hash=digest,
                    mac=self._key.entry_mac(digest) if self._key else None,
                )
                .returning(_events.c.id)
            )
            last_id = result.scalar_one()
            prev_hash = digest
        await self._session.execute(
            update(_head)
            .where(_head.c.id == _HEAD_ID)
            .values(
                last_hash=prev_hash,
                last_id=last_id,
                mac=self._key.head_mac(last_id, prev_hash) if self._key else None,
            )
        )
        self._pending.clear()

    async def _lock_head(self) -> tuple[str, int]:
        """Read the chain head, holding its row lock until commit (PostgreSQL).

        SQLite needs no row lock: BEGIN IMMEDIATE already serializes writers.
        """
        head = select(_head.c.last_hash, _head.c.last_id).where(_head.c.id == _HEAD_ID)
        row = (await self._session.execute(head.with_for_update())).one_or_none()
        if row is None:
            last = (
                await self._session.execute(
                    select(_events.c.hash, _events.c.id).order_by(_events.c.id.desc()).limit(1)
                )
            ).one_or_none()
            logger.warning("audit_head row missing; rebuilding it from the last audit event")
            seed = upsert_insert(self._session, _head).values(
                id=_HEAD_ID,
                last_hash=last.hash if last else GENESIS,
                last_id=last.id if last else 0,
            )
            await self._session.execute(seed.on_conflict_do_nothing(index_elements=[_head.c.id]))
            row = (await self._session.execute(head.with_for_update())).one()
        return row.last_hash, row.last_id


def _checked_body(entry: AuditEntry) -> str:
    """The canonical body, refusing entries that would not read back to the same text."""
    body = canonical(entry)
    if canonical(entry_from_body(body)) != body:
        raise ValueError(f"audit entry {entry.kind} does not survive a JSON round trip")
    return body


def _record(row: Row[Any]) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        entry=entry_from_body(row.body),
        prev_hash=row.prev_hash,
        hash=row.hash,
        mac=row.mac,
    )
