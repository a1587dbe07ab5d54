"""Used dashboard login codes and failed invite attempts: security state that must survive a
restart and be shared by every worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.sql import rowcount, table, upsert_insert

_login_codes = table("used_login_codes")
_failures = table("invite_failures")


class SqlLoginCodeRepository:
    """One row per used login nonce, until the code it came from has expired."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def use(self, nonce: str, expires_at: datetime, at: datetime) -> bool:
        """Record the nonce as used; False if any process recorded it before."""
        statement = upsert_insert(self._session, _login_codes).values(
            nonce=nonce, expires_at=expires_at, used_at=at
        )
        result = await self._session.execute(
            statement.on_conflict_do_nothing(index_elements=[_login_codes.c.nonce])
        )
        return rowcount(result) == 1

    async def purge(self, now: datetime) -> int:
        """Forget nonces whose codes have expired: those codes are refused anyway."""
        result = await self._session.execute(
            delete(_login_codes).where(_login_codes.c.expires_at <= now)
        )
        return rowcount(result)


class SqlInviteFailureRepository:
    """Failed invite attempts per chat account."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, channel: str, external_id: str, at: datetime) -> None:
        """Record one failed attempt."""
        await self._session.execute(
            insert(_failures).values(channel=channel, external_id=external_id, at=at)
        )

    async def after(self, channel: str, external_id: str, after: datetime) -> list[datetime]:
        """The account's failed attempts later than `after`, oldest first."""
        result = await self._session.execute(
            select(_failures.c.at)
            .where(
                _failures.c.channel == channel,
                _failures.c.external_id == external_id,
                _failures.c.at > after,
            )
            .order_by(_failures.c.at, _failures.c.id)
        )
        return list(result.scalars())

    async def purge(self, before: datetime) -> int:
        """Forget attempts older than `before`; they no longer count."""
        result = await self._session.execute(delete(_failures).where(_failures.c.at < before))
        return rowcount(result)
