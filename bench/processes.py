"""Real `sopbot run` processes against the Bot API stand-in served on a loopback socket.

A rig is one stand-in, one database (SQLite in its folder, or a fresh PostgreSQL database that
is dropped afterwards) and the processes started on them. `settle()` knows the bot is done,
although it runs elsewhere, as the proof does: no update unconfirmed, no request being
answered, and no update to handle or message to send left in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot import bootstrap
from bot.config import Settings
from handlers.telegram.standin import StandIn
from proof.process import base_env, sopbot
from storage.db import make_engine
from storage.models import InboxRow

TOKEN = "7000000002:BENCH-token-for-the-stand-in"
AUDIT_KEY = "bench-audit-key-" + "k" * 32
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def postgres_server() -> str:
    """The PostgreSQL server the benchmark makes its databases on (as the tests do)."""
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES)


async def admin_sql(statement: str, server: str | None = None) -> str:
    """Run one statement on the server outside a transaction; its first value as text."""
    engine = make_engine(server or postgres_server(), poolclass=NullPool,
                         isolation_level="AUTOCOMMIT")  # fmt: skip
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(statement))
            return str(result.scalar()) if result.returns_rows else ""
    finally:
        await engine.dispose()


async def postgres_version() -> str:
    """The server's version, or "" when it does not answer."""
    try:
        return await asyncio.wait_for(admin_sql("SHOW server_version"), 10)
    except Exception:  # any failure means: no PostgreSQL for this run
        return ""


def has_worker_option() -> bool:
    """Whether this sopbot offers `sopbot run --worker` (a process that receives nothing)."""
    done = subprocess.run([sopbot(), "run", "--help"], capture_output=True, text=True,
                          env={**base_env(), "COLUMNS": "200"}, timeout=60)  # fmt: skip
    return "--worker" in done.stdout


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB."""
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return float("nan")


@dataclass
class Rig:
    """The stand-in, a database and the bot processes of one measurement."""

    folder: Path
    backend: str = "sqlite"  # sqlite | postgres
    env_extra: dict[str, str] = field(default_factory=dict)
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)

    async def open(self) -> None:
        """Serve the stand-in and make the database."""
        self.folder = self.folder.resolve()  # the processes run in it: no relative paths
        self.folder.mkdir(parents=True, exist_ok=True)
        self.standin = StandIn(token=TOKEN)
        self.port = await self.standin.serve()
        self._db = ""
        if self.backend == "postgres":
            self._db = f"sopbot_bench_{uuid.uuid4().hex[:12]}"
            await admin_sql(f'CREATE DATABASE "{self._db}"')
            url = make_url(postgres_server()).set(database=self._db)
            self.database_url = url.render_as_string(hide_password=False)
        else:
            self.database_url = f"sqlite+aiosqlite:///{self.folder / 'sopbot.sqlite3'}"
        values = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": f"http://127.0.0.1:{self.port}/bot",
            "TELEGRAM_BASE_FILE_URL": f"http://127.0.0.1:{self.port}/file/bot",
            "DATABASE_URL": self.database_url,
            "SOPBOT_DATA_DIR": str(self.folder / "data"),
            "SOPBOT_AUDIT_KEY": AUDIT_KEY,
            "SOPBOT_SWEEP_SECONDS": "3600",  # the benchmarks time the sweep on their own
            **self.env_extra,
        }
        self.env = {**base_env(), **values}
        self.settings = Settings.model_validate({k.lower(): v for k, v in values.items()})
        self.app = await bootstrap.build_app(self.settings)  # migrates

    async def close(self) -> None:
        """Stop every process, release the database (PostgreSQL: drop it)."""
        await self.stop()
        await self.app.close()
        await self.standin.aclose()
        if self._db:
            await admin_sql(f'DROP DATABASE IF EXISTS "{self._db}" WITH (FORCE)')

    async def spawn(self, *args: str) -> asyncio.subprocess.Process:
        """Start `sopbot ARGS` with the rig's environment, output to a log in its folder."""
        with (self.folder / "sopbot.log").open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sopbot(), *args, env=self.env, stdout=log, stderr=log, cwd=self.folder
            )
        self.processes.append(process)
        return process

    async def start(self, workers: int = 1) -> list[asyncio.subprocess.Process]:
        """One receiver (`sopbot run`) and `workers - 1` `sopbot run --worker`, once polling."""
        mark = len(self.standin.calls)
        started = [await self.spawn("run")]
        started += [await self.spawn("run", "--worker") for _ in range(workers - 1)]
        await self.polled(mark)
        return started

    async def polled(self, mark: int, max_wait: float = 60.0) -> float:
        """The monotonic time of the first getUpdates after call number `mark`."""
        found: list[float] = []

        def polling() -> bool:
            found.extend(c.at for c in self.standin.calls[mark:] if c.method == "getUpdates")
            return bool(found)

        await self.standin.wait_for(polling, max_wait)
        return found[0]

    async def stop(self) -> None:
        """SIGTERM every process and wait for it."""
        for process in self.processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        self.processes = []

    async def waiting(self) -> tuple[int, int]:
        """Updates not handled yet and messages not sent yet, in the database."""
        async with self.app.engine.connect() as connection:
            inbox = await connection.scalar(
                text("SELECT count(*) FROM inbox WHERE status IN ('received', 'handling')")
            )
            outbox = await connection.scalar(
                text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
            )
        return int(inbox or 0), int(outbox or 0)

    async def finished(self) -> list[datetime]:
        """When each handled update was finished (the handling transaction's clock)."""
        column = InboxRow.finished_at
        async with self.app.engine.connect() as connection:
            rows = await connection.execute(select(column).where(column.is_not(None)))
        return [row[0] for row in rows]

    async def idle(self) -> bool:
        """Nothing the bot still has to do, as far as the stand-in and the database tell."""
        standin = self.standin
        if standin.pending_updates or standin.in_flight:
            return False
        return await self.waiting() == (0, 0)

    async def settle(self, max_wait: float = 120.0) -> None:
        """Until the bot is idle twice in a row, 10 ms apart."""
        deadline = time.monotonic() + max_wait
        quiet = 0
        while quiet < 2:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot did not settle: {await self.waiting()} waiting")
            quiet = quiet + 1 if await self.idle() else 0
            await asyncio.sleep(0.01)
        for process in self.processes:
            if process.returncode is not None:
                raise RuntimeError(f"sopbot exited with {process.returncode}; see its log")

    def log_problems(self) -> int:
        """Lines of the processes' log that report an error or a traceback."""
        log = self.folder / "sopbot.log"
        if not log.exists():
            return 0
        return sum(1 for row in log.read_text(errors="replace").splitlines()
                   if "Traceback" in row or " ERROR " in row)  # fmt: skip
