"""One lane of the proof: the stand-ins, a database, the bot process, the simulated officials.

`settle()` is how the officials know the bot is done with what they did, although it runs in
another process: Telegram has no update the bot has not confirmed, Meta none the webhook has not
acknowledged, no request is being answered, and the database holds no update still to handle
and no message still to send. A crashed bot is started again meanwhile, per the crash plan.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import bootstrap
from bot.config import Settings
from handlers.telegram.standin import SimMessage, StandIn
from handlers.telegram.standin.users import SimUser
from handlers.whatsapp.standin import APP_SECRET, PHONE_ID, VERIFY_TOKEN, GraphStandIn
from handlers.whatsapp.standin.model import Sent
from handlers.whatsapp.standin.users import SimUser as WaUser
from proof.process import BotProcess, Exits, base_env
from storage.db import make_engine

TOKEN = "7000000001:PROOF-token-for-the-stand-in"
WA_TOKEN = "proof-wa-token"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SETTLE_SECONDS = 120.0  # a restart takes a few seconds; many in a row take longer

# Who plays whom: (key, role, name); the Sekda uses WhatsApp, everyone else Telegram.
CAST = (
    ("kabag", "kabag", "Drs. Budi Santoso, M.Si."),
    ("ketua", "ketua_tim", "Siti Rahmawati, S.H."),
    ("tkksd", "tkksd", "Rina Marlina, S.E."),
    ("walikota", "walikota", "H. Sachrudin"),
    ("sekda", "sekda", "Dr. Hendra Wijaya, M.M."),
)
TELEGRAM_IDS = {"kabag": 1001, "ketua": 1002, "tkksd": 1005, "walikota": 1004}
SEKDA_WA_ID = "6281100000003"

# Decides, before each start of the bot, whether and where it will crash.
Plan = Callable[[], "Crash"]


@dataclass(frozen=True)
class Crash:
    """A start's fate: exit at a failpoint (`stage:n`), or a kill -9 after `kill_after` s."""

    failpoint: str | None = None
    kill_after: float | None = None


_MIGRATING = asyncio.Lock()


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Lane:
    """A lane of the proof on its own folder and database."""

    folder: Path
    backend: str  # sqlite | postgres
    postgres: str  # server URL for PostgreSQL lanes
    plan: Plan = field(default=lambda: Crash())
    pacing: bool = False  # Telegram's one message a second per chat, as in production
    exits: Exits = field(default_factory=Exits)
    actions: int = 0

    async def open(self) -> None:
        """Stand-ins serving, the database migrated, the officials invited."""
        self.folder = self.folder.resolve()  # the bot runs in this folder: no relative paths
        self.folder.mkdir(parents=True, exist_ok=True)
        self.standin = StandIn(token=TOKEN)
        api = await self.standin.serve()
        self.graph = GraphStandIn(token=WA_TOKEN)
        await self.graph.serve()
        self.webhook_port = free_port()
        self.graph.webhook_url = f"http://127.0.0.1:{self.webhook_port}/whatsapp"
        self.database_url = await self._database()
        assert self.graph.url is not None
        values: dict[str, str] = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": f"http://127.0.0.1:{api}/bot",
            "TELEGRAM_BASE_FILE_URL": f"http://127.0.0.1:{api}/file/bot",
            "DATABASE_URL": self.database_url,
            "SOPBOT_DATA_DIR": str(self.folder / "data"),
            "SOPBOT_AUDIT_KEY": "proof-audit-key-" + "k" * 32,
            # The bot's own tick would sweep reminders at a moment no run repeats: the
            # proof sweeps them with `sopbot remind --at` at fixed points instead.
            "SOPBOT_SWEEP_SECONDS": "3600",
            # The stand-ins enforce no flood limits here: pacing would only slow the proof.
            "SOPBOT_SEND_CHAT_SECONDS": "1.0" if self.pacing else "0",
            "WHATSAPP_PHONE_ID": PHONE_ID,
            "WHATSAPP_TOKEN": WA_TOKEN,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "WHATSAPP_WEBHOOK_PORT": str(self.webhook_port),
            "WHATSAPP_GRAPH_URL": self.graph.url,
        }
        self.env = {**base_env(), **values}
        self.settings = Settings.model_validate({k.lower(): v for k, v in values.items()})
        async with _MIGRATING:  # Alembic's context is one per process
            self.app = await bootstrap.build_app(self.settings)
        self.bot = BotProcess(self.env, self.folder / "sopbot.log", self.exits)
        self.telegram: dict[str, SimUser] = {}
        self.whatsapp: dict[str, WaUser] = {}
        self._kill: asyncio.Task[None] | None = None

    async def close(self) -> None:
        """Stop the bot cleanly and release everything; PostgreSQL databases are dropped."""
        if self._kill is not None:
            self._kill.cancel()
        await self.bot.stop()
        await self.app.close()
        await self.standin.aclose()
        await self.graph.aclose()
        if self.backend == "postgres":
            await _admin(self.postgres, f'DROP DATABASE IF EXISTS "{self._db}" WITH (FORCE)')

    async def _database(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite+aiosqlite:///{self.folder / 'sopbot.sqlite3'}"
        self._db = f"sopbot_proof_{uuid.uuid4().hex[:12]}"
        await _admin(self.postgres, f'CREATE DATABASE "{self._db}"')
        url = make_url(self.postgres).set(database=self._db)
        return url.render_as_string(hide_password=False)

    # -- the officials -----------------------------------------------------------------

    async def hire(self) -> None:
        """Everyone redeems an invite code: /start on Telegram, daftar on WhatsApp."""
        for key, role, name in CAST:
            if key in TELEGRAM_IDS:
                await self.hire_on_telegram(key, TELEGRAM_IDS[key], role, name)
            else:
                code, _ = await self.app.admin.create_invite(role, name)
                self.whatsapp[key] = self.graph.user(SEKDA_WA_ID, name.split()[0])
                await self.say(key, f"daftar {code}")

    async def hire_on_telegram(self, key: str, user_id: int, role: str, name: str) -> None:
        """`key` redeems an invite code on Telegram with /start CODE."""
        code, _ = await self.app.admin.create_invite(role, name)
        self.telegram[key] = self.standin.user(user_id, name.split()[0])
        await self.say(key, f"/start {code}")

    async def say(self, who: str, words: str) -> None:
        """`who` writes, then waits for the bot."""
        await self._act(who, lambda u: u.send(words), lambda u: u.say(words))

    async def press(self, who: str, label: str) -> None:
        """`who` presses the newest button whose label holds `label`."""
        await self._act(who, lambda u: u.press(label), lambda u: u.press(label))

    async def upload(self, who: str, filename: str, data: bytes) -> None:
        """`who` sends a .docx."""
        await self._act(
            who, lambda u: u.upload(filename, data, DOCX), lambda u: u.upload(filename, data, DOCX)
        )

    def last(self, who: str) -> str:
        """The text of the newest message `who` got."""
        if who in self.telegram:
            return self._user(who).last.text
        return self.whatsapp[who].last.text

    def inbox(self, who: str) -> list[SimMessage] | list[Sent]:
        """Every message `who` got."""
        if who in self.telegram:
            return self._user(who).inbox
        return self.whatsapp[who].inbox

    def _user(self, who: str) -> SimUser:
        return self.telegram[who]

    async def _act(
        self, who: str, on_telegram: Callable[[SimUser], Any], on_whatsapp: Callable[[WaUser], Any]
    ) -> None:
        await self.settle()  # the button to press exists only once the bot answered
        if who in self.telegram:
            on_telegram(self.telegram[who])
        else:
            on_whatsapp(self.whatsapp[who])
        self.actions += 1
        await self.settle()

    async def remind(self, at: str, plan: Callable[[], str | None]) -> None:
        """`sopbot remind --at AT` beside the running bot, started again until it finished."""
        from proof.process import run_once

        await self.settle()
        log = self.folder / "remind.log"
        while await run_once(self.env, ["remind", "--at", at], log, self.exits, plan()) != 0:
            pass
        await self.settle()

    # -- settling ------------------------------------------------------------------------

    async def settle(self) -> None:
        """Until the bot is done with everything it got, restarting it whenever it crashed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_SECONDS
        while True:
            await self._keep_running()
            self.graph.kick()
            if await self._quiet():
                return
            if loop.time() > deadline:
                raise TimeoutError(f"the bot did not settle: {await self._state()}")
            await asyncio.sleep(0.02)

    async def _keep_running(self) -> None:
        await self.bot.reap()
        if self.bot.alive:
            return
        crash = self.plan()
        await self.bot.start(crash.failpoint)
        if crash.kill_after is not None:
            self._kill = asyncio.create_task(self._kill_later(self.bot.starts, crash.kill_after))

    async def _kill_later(self, start: int, seconds: float) -> None:
        await asyncio.sleep(seconds)
        if self.bot.starts == start:  # the same process, not one started after it died
            self.bot.kill()

    async def _quiet(self) -> bool:
        if self.standin.pending_updates or self.graph.pending or self.standin.in_flight:
            return False
        waiting = await self._waiting()
        return waiting == (0, 0)

    async def _waiting(self) -> tuple[int, int]:
        """Updates not handled yet, and messages not sent yet, in the bot's database."""
        async with self.app.engine.connect() as connection:
            inbox = await connection.scalar(
                text("SELECT count(*) FROM inbox WHERE status IN ('received', 'handling')")
            )
            outbox = await connection.scalar(
                text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
            )
        return int(inbox or 0), int(outbox or 0)

    async def _state(self) -> str:
        return (f"updates unconfirmed {self.standin.pending_updates}, WhatsApp pending "
                f"{self.graph.pending}, inbox and outbox waiting {await self._waiting()}, "
                f"bot alive {self.bot.alive}")  # fmt: skip

    @property
    def engine(self) -> AsyncEngine:
        """The lane's database, for the checks."""
        engine: AsyncEngine = self.app.engine
        return engine


async def _admin(server_url: str, statement: str) -> None:
    from sqlalchemy.pool import NullPool

    engine = make_engine(server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


Step = Callable[[Lane], Awaitable[None]]
