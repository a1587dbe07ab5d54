"""`sopbot` as operators start it, with one broken setting each, and waiting for a service.

Every case is the real `sopbot` command in a directory of its own (no `.env`) with only the
settings of the case in its environment. A broken setting must end in at most two lines on
stderr naming the setting, in Indonesian, with exit code 2 and no traceback. Most of a case's
time is Python importing sopbot, so the cases run side by side, once per module, and each test
reads its own result. The Bot API is the stand-in served over a socket. Settings checked by
the same code as one here (the other listen ports, the second of two settings that go together)
are tested in process, in `test_startup.py`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import make_url

from bot.config import Settings
from handlers.telegram.standin import StandIn
from storage.db import SQLITE_FILENAME

TOKEN = "123456:GOOD-TOKEN"
SECRET = "a-long-random-secret"
OUTCOME_SECONDS = 60
WAIT_SECONDS = 20

T = TypeVar("T")


def sopbot_command() -> list[str]:
    """The installed `sopbot` script beside this Python, or the same entry point through it."""
    script = shutil.which("sopbot", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-c", "from bot.cli import app; app()"]


def environment(**settings: str) -> dict[str, str]:
    """This process's environment without any sopbot setting, plus `settings`."""
    ours = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env.update(settings, PYTHONUNBUFFERED="1")
    return env


def free_port() -> int:
    """A loopback port nothing listens on (bound once and released)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    settings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    code: int | None
    stdout: str
    stderr: str


async def run_case(case: Case, workdir: Path) -> Outcome:
    """Run one case in `workdir` (its data directory is `workdir/data` unless it says)."""
    settings = {"SOPBOT_DATA_DIR": str(workdir / "data"), **case.settings}
    process = await asyncio.create_subprocess_exec(
        *sopbot_command(),
        *case.args,
        cwd=workdir,
        env=environment(**settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), OUTCOME_SECONDS)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
    return Outcome(process.returncode, out.decode(), err.decode())


async def run_cases(cases: dict[str, Case], root: Path) -> dict[str, Outcome]:
    """The cases side by side, as many at a time as there are CPUs (so that on a busy machine
    no case waits out its time for a turn), each in `root/<name>`; their outcomes by name."""
    turns = asyncio.Semaphore(os.cpu_count() or 2)

    async def in_turn(case: Case, workdir: Path) -> Outcome:
        async with turns:
            return await run_case(case, workdir)

    outcomes = await asyncio.gather(*(in_turn(case, root / name) for name, case in cases.items()))
    return dict(zip(cases, outcomes, strict=True))


def in_own_loop(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` on a private event loop, away from the tests' loops."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def workdir(root: Path, migrated: Path | None = None) -> Path:
    """A case's directory; with `migrated`, a copy of that database in its data directory.

    Cases that get past the database start from a migrated copy: migrating would cost each
    process about as much as everything else it does.
    """
    (root / "data").mkdir(parents=True)
    if migrated is not None:
        shutil.copyfile(migrated, root / "data" / SQLITE_FILENAME)
    return root


def broken_settings(root: Path, migrated: Path, busy: int, bot_api: int) -> dict[str, Case]:
    """One case per broken setting, each with its directory made under `root`.

    `busy` is a port in use, `bot_api` the stand-in's; `dead` is a port where nothing listens.
    """
    dead = free_port()
    a_file = root / "a-file"
    a_file.write_text("not a folder\n", encoding="utf-8")
    broken_sop = root / "broken-sop.yaml"
    broken_sop.write_text("code: x\nsteps:\n  - number: [1\n", encoding="utf-8")
    telegram = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": f"http://127.0.0.1:{dead}/bot"}
    whatsapp = {"WHATSAPP_PHONE_ID": "1234567890", "WHATSAPP_TOKEN": "graph-token"}
    cases = {
        "url_unparseable": Case(("db", "upgrade"), {"DATABASE_URL": "sopbot-database"}),
        "url_driver": Case(
            ("db", "upgrade"),
            {"DATABASE_URL": "postgresql://sopbot:Rahasia99@127.0.0.1:5432/sopbot"},
        ),
        "postgres_down": Case(
            ("db", "upgrade"),
            {"DATABASE_URL": f"postgresql+asyncpg://sopbot@127.0.0.1:{dead}/sopbot"},
        ),
        "data_dir_file": Case(("invite", "--role", "kabag"), {"SOPBOT_DATA_DIR": str(a_file)}),
        "data_dir_uncreatable": Case(("db", "upgrade"), {"SOPBOT_DATA_DIR": str(a_file / "d")}),
        "sop_missing": Case(("report", "--all"), {"SOPBOT_SOP_FILE": str(root / "none.yaml")}),
        "sop_malformed": Case(("remind",), {"SOPBOT_SOP_FILE": str(broken_sop)}),
        "invalid_value": Case(("run",), {**telegram, "SOPBOT_SWEEP_SECONDS": "1"}),
        "token_rejected": Case(
            ("run",),
            {
                "TELEGRAM_BOT_TOKEN": "123456:WRONG-TOKEN",
                "TELEGRAM_BASE_URL": f"http://127.0.0.1:{bot_api}/bot",
            },
        ),
        "bot_api_down": Case(("remind",), telegram),
        "webhook_url": Case(("run", "--webhook"), telegram),
        "whatsapp_secret": Case(("run",), whatsapp),
        "dashboard_port": Case(
            ("run", "--dashboard"), {"SOPBOT_WEB_SECRET": SECRET, "SOPBOT_WEB_PORT": str(busy)}
        ),
        "dashboard_secret": Case(("run", "--dashboard"), telegram),
    }
    locked = root / "locked"
    locked.mkdir(mode=0o500)
    # Root writes into a read-only folder all the same, but not into a process's /proc folder.
    unwritable = locked if os.geteuid() != 0 else Path("/proc/1")
    cases["data_dir_read_only"] = Case(("db", "upgrade"), {"SOPBOT_DATA_DIR": str(unwritable)})
    for name in cases:
        workdir(root / name, migrated if name in ("token_rejected", "bot_api_down") else None)
    return cases


async def broken_outcomes(root: Path, migrated: Path, busy: int) -> dict[str, Outcome]:
    """Every broken-setting case, with the Bot API stand-in (it knows only TOKEN) serving."""
    standin = StandIn(token=TOKEN)
    bot_api = await standin.serve()
    try:
        return await run_cases(broken_settings(root, migrated, busy, bot_api), root)
    finally:
        await standin.aclose()


@pytest.fixture(scope="module")
def outcomes(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> dict[str, Outcome]:
    """The outcome of every broken-setting case, run side by side once for the module."""
    root = tmp_path_factory.mktemp("broken-settings")
    with socket.create_server(("127.0.0.1", 0)) as busy:
        return in_own_loop(broken_outcomes(root, sqlite_template, busy.getsockname()[1]))


@pytest.fixture(scope="module")
def postgres_outcomes(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Outcome]:
    """A role PostgreSQL refuses and a database it does not have, on the test server."""
    server = make_url(postgres_url)
    cases = {
        "role": Case(
            ("db", "upgrade"),
            {"DATABASE_URL": server.set(username="sopbot_no_such_role").render_as_string(False)},
        ),
        "database": Case(
            ("user", "list"),
            {"DATABASE_URL": server.set(database="sopbot_no_such_db").render_as_string(False)},
        ),
    }
    root = tmp_path_factory.mktemp("postgres-settings")
    for name in cases:
        workdir(root / name)
    return in_own_loop(run_cases(cases, root))


def assert_explained(outcome: Outcome, setting: str, wording: str) -> None:
    """Exit 2; one or two lines on stderr, the first naming `setting`; Indonesian; no traceback."""
    lines = outcome.stderr.strip().splitlines()
    assert outcome.code == 2, outcome.stderr
    assert 1 <= len(lines) <= 2, outcome.stderr
    assert lines[0].startswith(f"{setting}: "), outcome.stderr
    assert wording in outcome.stderr
    assert "Traceback" not in outcome.stderr + outcome.stdout


def test_an_unparseable_database_url_is_named(outcomes):
    assert_explained(outcomes["url_unparseable"], "DATABASE_URL", "tidak dapat dibaca")


def test_a_database_url_with_a_driver_sopbot_lacks_is_named_without_its_password(outcomes):
    outcome = outcomes["url_driver"]

    assert_explained(outcome, "DATABASE_URL", "postgresql+asyncpg://sopbot:***@127.0.0.1")
    assert "Rahasia99" not in outcome.stderr


def test_postgresql_that_does_not_answer_stops_a_one_shot_command(outcomes):
    assert_explained(outcomes["postgres_down"], "DATABASE_URL", "tidak dapat dihubungi")


@pytest.mark.postgres
def test_a_role_postgresql_refuses_is_named(postgres_outcomes):
    assert_explained(postgres_outcomes["role"], "DATABASE_URL", 'menolak pengguna "sopbot_no')


@pytest.mark.postgres
def test_a_postgresql_database_that_does_not_exist_is_named(postgres_outcomes):
    outcome = postgres_outcomes["database"]

    assert_explained(outcome, "DATABASE_URL", 'tidak memiliki basis data "sopbot_no_such_db"')


def test_a_data_dir_that_is_a_file_is_named(outcomes):
    assert_explained(outcomes["data_dir_file"], "SOPBOT_DATA_DIR", "adalah berkas, bukan folder")


def test_a_data_dir_that_cannot_be_created_is_named(outcomes):
    assert_explained(outcomes["data_dir_uncreatable"], "SOPBOT_DATA_DIR", "tidak dapat dibuat")


def test_a_data_dir_that_cannot_be_written_is_named(outcomes):
    assert_explained(outcomes["data_dir_read_only"], "SOPBOT_DATA_DIR", "tidak dapat ditulisi")


def test_a_missing_sop_file_is_named(outcomes):
    assert_explained(outcomes["sop_missing"], "SOPBOT_SOP_FILE", "tidak dapat dibaca (tidak ada)")


def test_a_malformed_sop_file_is_named_with_its_line(outcomes):
    assert_explained(outcomes["sop_malformed"], "SOPBOT_SOP_FILE", "broken-sop.yaml:4 tidak sah")


def test_a_setting_that_fails_validation_is_named_in_indonesian(outcomes):
    outcome = outcomes["invalid_value"]

    assert_explained(outcome, "SOPBOT_SWEEP_SECONDS", "harus paling sedikit 5")


def test_a_token_telegram_rejects_is_named(outcomes):
    outcome = outcomes["token_rejected"]

    assert_explained(outcome, "TELEGRAM_BOT_TOKEN", "ditolak oleh Bot API Telegram")
    assert "WRONG-TOKEN" not in outcome.stderr


def test_a_bot_api_that_does_not_answer_stops_a_one_shot_command(outcomes):
    assert_explained(outcomes["bot_api_down"], "TELEGRAM_BASE_URL", "tidak dapat dihubungi")


def test_webhook_mode_without_its_url_is_named(outcomes):
    assert_explained(outcomes["webhook_url"], "TELEGRAM_WEBHOOK_URL", "belum diisi")


def test_whatsapp_without_its_app_secret_is_named(outcomes):
    assert_explained(outcomes["whatsapp_secret"], "WHATSAPP_APP_SECRET", "belum diisi")


def test_a_listen_port_in_use_is_named(outcomes):
    outcome = outcomes["dashboard_port"]

    assert_explained(outcome, "SOPBOT_WEB_PORT", "port sudah dipakai program lain")


def test_the_dashboard_without_its_secret_is_named(outcomes):
    assert_explained(outcomes["dashboard_secret"], "SOPBOT_WEB_SECRET", "belum diisi")


class Running:
    """A `sopbot` process whose stderr is read line by line as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._more = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, workdir: Path, *args: str, **settings: str) -> Running:
        settings.setdefault("SOPBOT_DATA_DIR", str(workdir / "data"))
        process = await asyncio.create_subprocess_exec(
            *sopbot_command(),
            *args,
            cwd=workdir,
            env=environment(**settings),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            async with self._more:
                self.lines.append(line.decode())
                self._more.notify_all()

    async def said(self, text: str) -> None:
        """Return once a line containing `text` was written; fail after WAIT_SECONDS."""

        async def seen() -> None:
            async with self._more:
                await self._more.wait_for(lambda: any(text in line for line in self.lines))

        try:
            await asyncio.wait_for(seen(), WAIT_SECONDS)
        except TimeoutError:
            pytest.fail(f"sopbot never said {text!r}; it said:\n{''.join(self.lines)}")

    async def stop(self) -> int:
        """SIGTERM, as systemd stops it; the exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), WAIT_SECONDS)
        except TimeoutError:
            self.process.kill()
            raise
        await self._reader
        return code

    @property
    def output(self) -> str:
        return "".join(self.lines)


async def test_sopbot_run_waits_for_the_bot_api_and_starts_once_it_answers(tmp_path):
    port = free_port()
    bot = await Running.start(
        tmp_path,
        "run",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=f"http://127.0.0.1:{port}/bot",
        TELEGRAM_BASE_FILE_URL=f"http://127.0.0.1:{port}/file/bot",
    )
    standin = StandIn(token=TOKEN)
    try:
        await bot.said(f"Menunggu Bot API Telegram di 127.0.0.1:{port}")
        await standin.serve(port=port)

        await standin.wait_for(lambda: bool(standin.calls_to("getUpdates")), WAIT_SECONDS)
    finally:
        code = await bot.stop()
        await standin.aclose()

    assert code == 0
    assert f"Bot API Telegram di 127.0.0.1:{port} sudah menjawab" in bot.output
    assert "Traceback" not in bot.output


async def test_sigterm_while_waiting_for_postgresql_ends_sopbot_run_cleanly_its_password_unshown(
    tmp_path,
):
    dead = free_port()
    bot = await Running.start(
        tmp_path,
        "run",
        TELEGRAM_BOT_TOKEN=TOKEN,
        DATABASE_URL=f"postgresql+asyncpg://sopbot:Rahasia-Db-99@127.0.0.1:{dead}/sopbot",
        SOPBOT_LOG_LEVEL="DEBUG",
    )
    await bot.said(f"Menunggu PostgreSQL di 127.0.0.1:{dead} (koneksi ditolak)")

    code = await bot.stop()

    assert code == 0
    assert "sopbot dihentikan." in bot.output
    assert "Traceback" not in bot.output
    assert "Rahasia-Db-99" not in bot.output
