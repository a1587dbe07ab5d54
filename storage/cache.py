"""What rarely changes, kept per process: the roster (people, roles, chat accounts,
delegations) and the admin's holiday overrides.

Correct across processes by a version counter per cached thing, in the `cache_versions` table:
every write of the roster or the holidays bumps its counter in the same transaction as the
change. A transaction reads the counters once (one small query) and uses the process's copy only
if it was loaded at that same version; otherwise it loads afresh and keeps that. A change
committed by any process (the bot, a worker, `sopbot` CLI commands) therefore reaches every
process at its next transaction. A transaction that changed a thing itself reads it from the
database from then on, and never fills the process's copy with what it may still roll back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.sql import table

T = TypeVar("T")

ROSTER = "roster"
HOLIDAYS = "holidays"
NAMES = (ROSTER, HOLIDAYS)

_versions = table("cache_versions")


class SharedCache:
    """The process's copies, each with the version it was loaded at."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, Any]] = {}

    def get(self, name: str, version: int) -> Any:
        """The copy of `name` loaded at `version`, or None."""
        found = self._entries.get(name)
        return found[1] if found is not None and found[0] == version else None

    def put(self, name: str, version: int, value: Any) -> None:
        """Keep `value` as `name` at `version`."""
        self._entries[name] = (version, value)


class TxCache:
    """One transaction's view of the cache (its savepoints share it)."""

    def __init__(self, session: AsyncSession, shared: SharedCache | None) -> None:
        self._session = session
        self._shared = shared
        self._seen: dict[str, int] | None = None
        self._changed: set[str] = set()
        # Pending questions this transaction read or cleared, by person (SqlPromptRepository).
        self.prompts: dict[int, Any] = {}
        # Cases this transaction loaded or stored, by id, each as it was then (SqlCaseRepository).
        self.cases: dict[int, Any] = {}

    def rolled_back(self) -> None:
        """Part or all of the transaction was undone: forget the rows it kept."""
        self.prompts.clear()
        self.cases.clear()

    async def cached(self, name: str, load: Callable[[], Awaitable[T]]) -> T:
        """`name` from the process's copy if it is current, else loaded (and kept)."""
        if self._shared is None or name in self._changed:
            return await load()
        if self._seen is None:
            rows = await self._session.execute(select(_versions.c.name, _versions.c.version))
            self._seen = {row.name: int(row.version) for row in rows}
        version = self._seen.get(name)
        if version is None:
            return await load()
        found = self._shared.get(name, version)
        if found is not None:
            return found  # type: ignore[no-any-return]
        value = await load()
        self._shared.put(name, version, value)
        return value

    async def changed(self, name: str) -> None:
        """This transaction changes `name`: bump its version for every process."""
        self._changed.add(name)
        await self._session.execute(
            update(_versions)
            .where(_versions.c.name == name)
            .values(version=_versions.c.version + 1)
        )
