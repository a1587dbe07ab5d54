"""Claiming rows in order per chat, shared by the inbox and the outbox.

A row waits (`pending`, `received`) until its next attempt is due, then a worker claims it
(`sending`, `handling`) with a lease. A claimed row is free again when its lease runs out or
its worker is gone (the worker's liveness lock was dropped when its process died). A row is
never claimed while an earlier row of the same chat is held by a live worker or waits for its
retry, so a chat's rows are handled in order.

Two ways keep concurrent claimers from taking one chat's rows out of order:
- the inbox takes only the head of each chat (`claimable_head`: no earlier row of the chat is
  unfinished at all), and on PostgreSQL locks what it takes with `FOR UPDATE SKIP LOCKED`: a
  second claimer skips a head being taken and sees the row behind it still blocked, so
  claimers never wait for each other;
- the outbox claims several rows of a chat at once (a chat's burst is paced by one sender
  task), so its claims are serialized instead (PostgreSQL: a transaction-level advisory lock;
  SQLite: `BEGIN IMMEDIATE`). The sender claims in a short transaction of its own; an update
  claims what it queued at the end of its transaction, just before the commit, and only if
  no other claimer holds the lock (it never waits for it there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Table,
    and_,
    bindparam,
    exists,
    func,
    not_,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import Claim

# Any constant will do: every claimer of inbox and outbox rows takes the same lock.
_CLAIM_LOCK = 0x5067_6F62_6F74


@dataclass(frozen=True)
class States:
    """The status of a row that waits to be claimed, and of a claimed one."""

    waiting: str
    claimed: str


def order(table: Any) -> tuple[ColumnElement[Any], ...]:
    """A row's place in its chat's order: its `position` if it has one, else its id."""
    c = table.c
    if "position" in c:
        return (func.coalesce(c.position, c.id), c.id)
    return (c.id,)


# The claim's values, bound at execution (`values`): a claiming statement is built once per
# table and reused, not built again for every claim.
_NOW = "claim_now"
_DEAD = "claim_dead"


def values(claim: Claim) -> dict[str, Any]:
    """The parameters of a claiming condition for `claim`."""
    return {_NOW: claim.now, _DEAD: sorted(claim.dead)}


def claimable(table: Table, states: States) -> ColumnElement[bool]:
    """Rows that may be claimed now, none behind an earlier row of its chat."""
    c = table.c
    now: BindParameter[datetime] = bindparam(_NOW)
    due = and_(c.status == states.waiting, c.next_attempt_at <= now)
    orphaned = and_(c.status == states.claimed, _gone(table))
    earlier = table.alias("earlier")
    e = earlier.c
    held = and_(e.status == states.claimed, not_(_gone(earlier)))
    retrying = and_(e.status == states.waiting, e.next_attempt_at > now)
    before = tuple_(*order(earlier)) < tuple_(*order(table))
    blocked = exists().where(e.chat_key == c.chat_key, before, or_(held, retrying))
    return and_(or_(due, orphaned), not_(blocked))


def claimable_head(table: Table, states: States) -> ColumnElement[bool]:
    """Rows that may be claimed now and are the first unfinished row of their chat."""
    c = table.c
    due = and_(c.status == states.waiting, c.next_attempt_at <= bindparam(_NOW))
    orphaned = and_(c.status == states.claimed, _gone(table))
    earlier = table.alias("earlier")
    e = earlier.c
    unfinished = e.status.in_((states.waiting, states.claimed))
    before = tuple_(*order(earlier)) < tuple_(*order(table))
    blocked = exists().where(e.chat_key == c.chat_key, before, unfinished)
    return and_(or_(due, orphaned), not_(blocked))


def _gone(table: Any) -> ColumnElement[bool]:
    c = table.c
    dead: BindParameter[list[str]] = bindparam(_DEAD, expanding=True)
    return or_(c.lease_until <= bindparam(_NOW), c.claimed_by.in_(dead))


async def serialize_claims(session: AsyncSession, wait: bool = True) -> bool:
    """Make concurrent claimers wait for each other (SQLite's write lock does so already);
    without `wait`, False instead of waiting when another claimer holds the lock."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    if not wait:
        taken = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _CLAIM_LOCK}
        )
        return bool(taken)
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CLAIM_LOCK})
    return True


async def claimers(session: AsyncSession, table: Table, states: States) -> list[str]:
    """The workers that hold rows now."""
    rows = await session.execute(
        select(table.c.claimed_by).where(table.c.status == states.claimed).distinct()
    )
    return [str(worker) for (worker,) in rows if worker]


async def next_due(session: AsyncSession, table: Table, states: States) -> datetime | None:
    """When the earliest waiting row is due, if any waits."""
    found: Any = await session.scalar(
        select(func.min(table.c.next_attempt_at)).where(table.c.status == states.waiting)
    )
    return found  # type: ignore[no-any-return]
