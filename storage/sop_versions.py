"""The stored versions of every SOP: a changed file becomes the next version when loaded."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sop.loader import parse_sop
from bot.sop.model import Sop
from bot.sop.registry import LoadedSop, SopRegistry, SopVersion
from storage.models import SopVersionRow

ATTEMPTS = 3


def digest(text: str) -> str:
    """The sha256 of an SOP file's text, as stored."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def sync_versions(
    sessions: async_sessionmaker[AsyncSession], loaded: Sequence[LoadedSop], now: datetime
) -> SopRegistry:
    """Store each loaded SOP whose text differs from its newest stored version as the next
    version, and return every stored version of the loaded SOPs.

    Two processes starting at once may both store the same new text; the loser of the race
    reads the winner's row instead.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with sessions() as session, session.begin():
                for item in loaded:
                    await _store_if_changed(session, item, now)
            break
        except IntegrityError:
            if attempt == ATTEMPTS:
                raise
    async with sessions() as session:
        return await _all_versions(session, loaded)


async def list_versions(sessions: async_sessionmaker[AsyncSession], code: str) -> list[SopVersion]:
    """Every stored version of an SOP, oldest first."""
    async with sessions() as session:
        rows = await session.scalars(
            select(SopVersionRow).where(SopVersionRow.code == code).order_by(SopVersionRow.version)
        )
        return [SopVersion(r.code, r.version, r.sha256, r.text, r.loaded_at) for r in rows]


async def _store_if_changed(session: AsyncSession, item: LoadedSop, now: datetime) -> None:
    newest = await session.scalar(
        select(SopVersionRow)
        .where(SopVersionRow.code == item.sop.code)
        .order_by(SopVersionRow.version.desc())
        .limit(1)
    )
    sha = digest(item.text)
    if newest is not None and newest.sha256 == sha:
        return
    version = 1 if newest is None else newest.version + 1
    session.add(SopVersionRow(code=item.sop.code, version=version, sha256=sha,
                              text=item.text, loaded_at=now))  # fmt: skip
    await session.flush()


async def _all_versions(session: AsyncSession, loaded: Sequence[LoadedSop]) -> SopRegistry:
    """Every stored version of the loaded SOPs, in load order (the newest is the file as
    read), and of the SOPs whose file is gone, so their running cases can finish."""
    sops: list[Sop] = []
    for item in loaded:
        rows = list(await session.scalars(
            select(SopVersionRow).where(SopVersionRow.code == item.sop.code)
            .order_by(SopVersionRow.version)
        ))  # fmt: skip
        for row in rows[:-1]:
            sops.append(_parsed(row, item.sop.source))
        sops.append(replace(item.sop, version=rows[-1].version))
    codes = [item.sop.code for item in loaded]
    gone = await session.scalars(
        select(SopVersionRow)
        .where(SopVersionRow.code.not_in(codes))
        .order_by(SopVersionRow.code, SopVersionRow.version)
    )
    return SopRegistry(sops, [_parsed(row, f"sop_versions:{row.code}") for row in gone])


def _parsed(row: SopVersionRow, source: str) -> Sop:
    """An older stored version, parsed again (it was valid when stored)."""
    return replace(parse_sop(row.text, f"{source} (versi {row.version})"), version=row.version)
