"""Whether the worker that claimed a row still runs: locks the operating system or the server
drop when a process dies, however it dies.

SQLite runs on one machine: each worker holds an exclusive `flock` on a file of its own beside
the database. PostgreSQL may serve several machines: each worker holds a session-level advisory
lock on a connection it keeps open. A worker whose lock can be taken by someone else is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import secrets
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)

# The first key of PostgreSQL's two-key advisory locks that name workers.
_WORKER_LOCKS = 0x50_6F_62
# The first key of the locks that let one worker of several do a piece of work at a time.
_JOB_LOCKS = 0x50_6F_63


def new_worker_id() -> str:
    """A name for this process: host, pid and a random part (pids are reused)."""
    host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:20]
    return f"{host}-{os.getpid()}-{secrets.token_hex(4)}"


class FileLiveness:
    """Liveness by `flock` on `<folder>/<worker>.lock` (SQLite: one machine)."""

    def __init__(self, folder: Path, worker: str | None = None) -> None:
        self.folder = folder
        self.worker = worker or new_worker_id()
        self._held: IO[str] | None = None

    async def start(self) -> None:
        """Take this worker's lock; it is held until stop() or the process ends."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = self._path(self.worker).open("w")
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._held = handle

    async def dead(self, workers: Sequence[str]) -> frozenset[str]:
        """The workers among `workers` whose lock nobody holds."""
        return frozenset(w for w in workers if w != self.worker and not self._alive(w))

    async def alive_count(self) -> int:
        """How many workers run now, this one included."""
        return 1 + len(await self.others_alive())

    async def others_alive(self) -> list[str]:
        """The other workers whose lock is held now (their processes run)."""
        if not self.folder.is_dir():
            return []
        others = [path.stem for path in self.folder.glob("*.lock")]
        return sorted(w for w in others if w != self.worker and self._alive(w))

    async def stop(self) -> None:
        """Drop the lock and its file."""
        if self._held is not None:
            with contextlib.suppress(FileNotFoundError):
                self._path(self.worker).unlink()
            self._held.close()
            self._held = None

    def _alive(self, worker: str) -> bool:
        path = self._path(worker)
        try:
            handle = path.open("r")
        except FileNotFoundError:
            return False
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return False

    def _path(self, worker: str) -> Path:
        return self.folder / f"{re.sub(r'[^A-Za-z0-9.-]', '_', worker)}.lock"


class PostgresLiveness:
    """Liveness by a session-level advisory lock held on a connection of its own."""

    def __init__(self, engine: AsyncEngine, worker: str | None = None) -> None:
        self.engine = engine
        self.worker = worker or new_worker_id()
        self._connection: AsyncConnection | None = None
        self._checking = asyncio.Lock()  # the held connection runs one check at a time

    async def start(self) -> None:
        """Take this worker's lock on a connection kept open until stop()."""
        connection = await self.engine.connect()
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(
            text("SELECT pg_advisory_lock(:space, :key)"),
            {"space": _WORKER_LOCKS, "key": _key(self.worker)},
        )
        self._connection = connection

    async def dead(self, workers: Sequence[str]) -> frozenset[str]:
        """The workers among `workers` whose lock nobody holds."""
        others = [w for w in workers if w != self.worker]
        if not others:
            return frozenset()
        if self._connection is None:
            async with self.engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                return await _gone(connection, others)
        # The connection that holds this worker's own lock asks too: a claim then costs no
        # connection of the pool (and no ping and isolation change of one) while other
        # workers hold rows. Trying another worker's key there leaves our own lock as it is.
        async with self._checking:
            return await _gone(self._connection, others)

    async def alive_count(self) -> int:
        """How many workers hold their lock on this database now, this one included."""
        async with self.engine.connect() as connection:
            found = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND classid::bigint = :space AND objsubid = 2 AND database ="
                    " (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"space": _WORKER_LOCKS},
            )
        return max(1, int(found or 0))

    async def stop(self) -> None:
        """Drop the lock; the connection goes back to the pool without it."""
        async with self._checking:
            await self._stop()

    async def _stop(self) -> None:
        if self._connection is not None:
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:space, :key)"),
                {"space": _WORKER_LOCKS, "key": _key(self.worker)},
            )
            await self._connection.close()
            self._connection = None


async def _gone(connection: AsyncConnection, workers: Sequence[str]) -> frozenset[str]:
    """The workers whose lock could be taken (and is let go again at once) on `connection`."""
    gone = set()
    for worker in workers:
        params = {"space": _WORKER_LOCKS, "key": _key(worker)}
        taken = await connection.scalar(text("SELECT pg_try_advisory_lock(:space, :key)"), params)
        if taken:
            gone.add(worker)
            await connection.execute(text("SELECT pg_advisory_unlock(:space, :key)"), params)
    return frozenset(gone)


def _key(worker: str) -> int:
    return int.from_bytes(hashlib.sha256(worker.encode()).digest()[:4], "big", signed=True)


def liveness_for(
    engine: AsyncEngine, worker: str | None = None
) -> FileLiveness | PostgresLiveness:
    """The liveness locks that suit the engine's database."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return PostgresLiveness(engine, worker)
    database = url.database or ""
    if not database or database == ":memory:":
        raise ValueError("worker liveness needs a SQLite database file")
    return FileLiveness(Path(database).with_name(Path(database).name + ".workers"), worker)


@asynccontextmanager
async def exclusively(engine: AsyncEngine, job: str) -> AsyncIterator[bool]:
    """Whether this process may do `job` now: on PostgreSQL, True for one worker at a time
    (a session advisory lock tried without waiting, held while the block runs); SQLite has
    one worker, so always True there."""
    if engine.url.get_backend_name() != "postgresql":
        yield True
        return
    params = {"space": _JOB_LOCKS, "key": _key(job)}
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        taken = bool(
            await connection.scalar(text("SELECT pg_try_advisory_lock(:space, :key)"), params)
        )
        try:
            yield taken
        finally:
            if taken:
                await connection.execute(text("SELECT pg_advisory_unlock(:space, :key)"), params)
