"""Start-up in process: waiting for a service on a fake clock, and the messages of a bad setting.

The real command with a broken environment is in `test_startup_cli.py`; here nothing sleeps:
`wait_until_ready` gets a sleep that only moves a `FixedClock`.
"""

from __future__ import annotations

import ast
import logging
import re
import socket
import sqlite3
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import event
from starlette.applications import Starlette

from bot import bootstrap
from bot.clock import JAKARTA, FixedClock
from bot.config import ConfigError, Settings, load_settings
from bot.preflight import Listener, check_free, check_run, listen_errors
from bot.startup import StartupError, Unreachable, reason_of, wait_until_ready, when_ready
from bot.texts import catalog
from handlers.telegram.standin import StandIn
from handlers.whatsapp.server import serving
from storage.db import make_engine, ping, sqlite_url_for

ROOT = Path(__file__).resolve().parents[1]
STARTED = datetime(2026, 3, 16, 8, 0, tzinfo=JAKARTA)
POSTGRES = "PostgreSQL di 127.0.0.1:5432"


class FakeTime:
    """A sleep that only advances the clock, and the delays it was asked for."""

    def __init__(self) -> None:
        self.clock = FixedClock(STARTED)
        self.delays: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock.advance(seconds=seconds)


class Service:
    """A probe that does not answer until `answers_after` calls have failed."""

    def __init__(self, answers_after: int) -> None:
        self.answers_after = answers_after
        self.calls = 0

    async def probe(self) -> str:
        self.calls += 1
        if self.calls <= self.answers_after:
            raise Unreachable(
                "DATABASE_URL", POSTGRES, "koneksi ditolak", "startup.db.unreachable_fix"
            )
        return "ready"


class LogAtFakeTime(logging.Handler):
    """Records each startup log line with the fake time it was written at."""

    def __init__(self, clock: FixedClock) -> None:
        super().__init__(logging.INFO)
        self.clock = clock
        self.lines: list[tuple[datetime, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((self.clock.now(), record.levelno, record.getMessage()))


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def log(time: FakeTime):
    handler = LogAtFakeTime(time.clock)
    logger = logging.getLogger("bot.startup")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


async def wait(service: Service, time: FakeTime) -> str:
    return await wait_until_ready(
        POSTGRES, service.probe, sleep=time.sleep, now=time.clock.now, log_every=60
    )


async def test_waiting_backs_off_exponentially_up_to_a_minute(time, log):
    service = Service(answers_after=9)

    await wait(service, time)

    assert time.delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]


async def test_waiting_continues_as_soon_as_the_service_answers(time, log):
    service = Service(answers_after=2)

    result = await wait(service, time)

    assert result == "ready"
    assert service.calls == 3
    assert "PostgreSQL di 127.0.0.1:5432 sudah menjawab" in log.lines[-1][2]


async def test_a_service_that_answers_at_once_is_not_waited_for(time, log):
    result = await wait(Service(answers_after=0), time)

    assert result == "ready"
    assert time.delays == []
    assert log.lines == []


async def test_waiting_logs_at_once_then_at_most_once_a_minute(time, log):
    service = Service(answers_after=16)  # fails at 0, 1, 3, 7, 15, 31, 63, 123, ... 603 s

    await wait(service, time)

    warnings = [(at, text) for at, level, text in log.lines if level == logging.WARNING]
    gaps = [(b[0] - a[0]).total_seconds() for a, b in pairwise(warnings)]
    assert warnings[0][1].startswith("Menunggu PostgreSQL di 127.0.0.1:5432 (koneksi ditolak)")
    assert len(warnings) == 11
    assert min(gaps) >= 60


async def test_a_later_log_line_says_since_when_it_waits(time, log):
    await wait(Service(answers_after=7), time)  # fails at 0, 1, 3, 7, 15, 31 and 63 s

    still = [text for _, _, text in log.lines if text.startswith("Masih menunggu")]
    assert still == [
        "Masih menunggu PostgreSQL di 127.0.0.1:5432 sejak 08:00 WIB "
        "(koneksi ditolak; sudah 7 kali dicoba)."
    ]


async def test_a_wrong_setting_is_not_waited_for(time, log):
    async def rejected() -> None:
        raise StartupError("DATABASE_URL", "startup.db.unparseable", "startup.db.unparseable_fix")

    with pytest.raises(StartupError):
        await wait_until_ready(POSTGRES, rejected, sleep=time.sleep, now=time.clock.now)

    assert time.delays == []


async def test_without_patience_an_unreachable_service_names_its_setting():
    with pytest.raises(StartupError) as raised:
        await when_ready(POSTGRES, Service(answers_after=1).probe, None)

    first, fix = raised.value.lines()
    assert (
        first
        == "DATABASE_URL: PostgreSQL di 127.0.0.1:5432 tidak dapat dihubungi (koneksi ditolak)."
    )
    assert fix.startswith("Pastikan PostgreSQL berjalan")


async def test_an_sqlite_database_another_process_holds_is_waited_for_not_a_crash(tmp_path):
    engine = make_engine(sqlite_url_for(tmp_path))

    @event.listens_for(engine.sync_engine, "connect")
    def impatient(connection, _record) -> None:  # gives up after 0.1 s, not 5 s
        connection.execute("PRAGMA busy_timeout=100")

    other = sqlite3.connect(tmp_path / "sopbot.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another sopbot in the middle of a write
    try:
        with pytest.raises(Unreachable) as raised:
            await ping(engine, "SOPBOT_DATA_DIR")
    finally:
        other.execute("ROLLBACK")
        other.close()
    await ping(engine, "SOPBOT_DATA_DIR")  # free again: it answers
    await engine.dispose()

    first, fix = raised.value.as_error().lines()
    assert first == (
        f"SOPBOT_DATA_DIR: SQLite di {tmp_path / 'sopbot.sqlite3'} tidak dapat dihubungi "
        "(basis data sedang dikunci oleh proses lain)."
    )
    assert fix.startswith("Tunggu sampai proses sopbot lain selesai menulis")


def test_a_connection_error_is_explained_by_its_first_known_cause():
    try:
        try:
            raise ConnectionRefusedError(111, "Connect call failed")
        except OSError as refused:
            raise RuntimeError("All connection attempts failed") from refused
    except RuntimeError as wrapped:
        reason = reason_of(wrapped)

    assert reason == "koneksi ditolak"
    assert reason_of(socket.gaierror(-2, "Name or service not known")) == "nama host tidak dikenal"


def test_an_invalid_setting_is_explained_in_indonesian_with_the_value_given(monkeypatch):
    monkeypatch.setenv("SOPBOT_SWEEP_SECONDS", "1")

    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None)

    assert raised.value.lines()[0] == (
        'SOPBOT_SWEEP_SECONDS: nilainya tidak sah: harus paling sedikit 5 (tertulis: "1").'
    )


def test_a_port_taken_by_another_program_names_the_port_setting():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]

        with pytest.raises(StartupError) as raised:
            check_free(Listener("SOPBOT_WEB_LISTEN", "SOPBOT_WEB_PORT", "127.0.0.1", port))

    assert raised.value.setting == "SOPBOT_WEB_PORT"
    assert "port sudah dipakai program lain" in str(raised.value)


def test_two_services_on_one_port_are_refused_before_either_listens():
    settings = Settings(
        _env_file=None,
        whatsapp_phone_id="1",
        whatsapp_token="t",
        whatsapp_app_secret="s",
        whatsapp_verify_token="v",
        sopbot_web_secret="w",
        sopbot_web_port=8080,
        whatsapp_webhook_port=8080,
    )

    with pytest.raises(StartupError) as raised:
        check_run(settings, webhook=False, dashboard=True)

    assert (
        raised.value.lines()[0] == "SOPBOT_WEB_PORT: port 8080 sama dengan WHATSAPP_WEBHOOK_PORT."
    )


WEBHOOK = {
    "telegram_bot_token": "1:x",
    "telegram_webhook_url": "https://bot.example.go.id/telegram",
    "telegram_webhook_secret": "rahasia",
}
WHATSAPP = {
    "whatsapp_phone_id": "1",
    "whatsapp_token": "t",
    "whatsapp_app_secret": "s",
    "whatsapp_verify_token": "v",
}


@pytest.mark.parametrize(
    "given, webhook, dashboard, port_setting",
    [
        (WEBHOOK, True, False, "TELEGRAM_WEBHOOK_PORT"),
        (WHATSAPP, False, False, "WHATSAPP_WEBHOOK_PORT"),
        ({"sopbot_web_secret": "w"}, False, True, "SOPBOT_WEB_PORT"),
    ],
)
def test_each_listen_port_in_use_names_its_own_setting(given, webhook, dashboard, port_setting):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        settings = Settings(_env_file=None, **given, **{port_setting.lower(): port})

        with pytest.raises(StartupError) as raised:
            check_run(settings, webhook=webhook, dashboard=dashboard)

    assert raised.value.setting == port_setting


@pytest.mark.parametrize(
    "given, webhook, missing",
    [
        ({**WEBHOOK, "telegram_webhook_secret": None}, True, "TELEGRAM_WEBHOOK_SECRET"),
        ({**WHATSAPP, "whatsapp_verify_token": None}, False, "WHATSAPP_VERIFY_TOKEN"),
    ],
)
def test_a_setting_that_goes_with_another_is_named_when_missing(given, webhook, missing):
    settings = Settings(_env_file=None, **given)

    with pytest.raises(StartupError) as raised:
        check_run(settings, webhook=webhook, dashboard=False)

    assert raised.value.lines()[0] == f"{missing}: belum diisi."


def both_webhooks(**changes: object) -> Settings:
    """Telegram's webhook (at /telegram) and WhatsApp's (at /whatsapp) on one free port."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    given = {**WEBHOOK, **WHATSAPP, "telegram_webhook_port": port, "whatsapp_webhook_port": port}
    return Settings(_env_file=None, **{**given, **changes})


def test_the_two_webhooks_may_share_one_address_at_different_paths():
    check_run(both_webhooks(), webhook=True, dashboard=False)


@pytest.mark.parametrize(
    "changes",
    [{"whatsapp_webhook_path": "/telegram"}, {"whatsapp_webhook_listen": "0.0.0.0"}],
    ids=["one path", "another address on the port"],
)
def test_the_two_webhooks_on_one_port_are_refused_unless_they_can_share_it(changes):
    with pytest.raises(StartupError) as raised:
        check_run(both_webhooks(**changes), webhook=True, dashboard=False)

    assert raised.value.setting == "WHATSAPP_WEBHOOK_PORT"
    assert "sama dengan TELEGRAM_WEBHOOK_PORT" in raised.value.lines()[0]


def test_a_database_sopbot_does_not_support_is_named():
    with pytest.raises(StartupError) as raised:
        make_engine("mysql://sopbot@127.0.0.1/sopbot")

    assert raised.value.lines()[0] == 'DATABASE_URL: basis data "mysql" tidak didukung.'


def test_a_webhook_secret_telegram_would_refuse_is_named():
    settings = Settings(_env_file=None, **{**WEBHOOK, "telegram_webhook_secret": "rahasia kota"})

    with pytest.raises(StartupError) as raised:
        check_run(settings, webhook=True, dashboard=False)

    assert raised.value.setting == "TELEGRAM_WEBHOOK_SECRET"


def test_every_startup_text_key_in_the_code_is_in_the_catalogue():
    key = re.compile(r"startup\.[a-z0-9_.]*[a-z0-9_]")
    used = set()
    for package in ("bot", "storage", "handlers"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                text = node.value if isinstance(node, ast.Constant) else None
                if isinstance(text, str) and key.fullmatch(text):
                    used.add(text)

    assert used - set(catalog()) == set()


async def start_webhook(tmp_path: Path, standin: StandIn, port: int) -> StartupError:
    """The bot in webhook mode on `port` against the stand-in; the error it raises."""
    api = await standin.serve()
    settings = Settings(
        _env_file=None,
        **WEBHOOK,
        telegram_base_url=f"http://127.0.0.1:{api}/bot",
        telegram_webhook_port=port,
        sopbot_data_dir=tmp_path,
    )
    app = await bootstrap.build_app(settings, FixedClock(STARTED))
    try:
        channels = bootstrap.build_channels(bootstrap.build_chat(app), settings)
        with pytest.raises(StartupError) as raised:
            async with bootstrap.running(app, channels, webhook=True):
                pass
    finally:
        await app.close()
        await standin.aclose()
    return raised.value


async def test_a_webhook_url_telegram_refuses_is_named(tmp_path):
    standin = StandIn()
    standin.fail_next("setWebhook", status=400)
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]

    error = await start_webhook(tmp_path, standin, port)

    assert error.lines()[0] == (
        "TELEGRAM_WEBHOOK_URL: ditolak oleh Telegram saat memasang webhook (Bad Request)."
    )


async def test_a_webhook_port_taken_after_the_check_is_still_named(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        error = await start_webhook(tmp_path, StandIn(), taken.getsockname()[1])

    assert error.setting == "TELEGRAM_WEBHOOK_PORT"


async def test_a_server_whose_port_is_taken_after_the_check_is_still_named():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        listener = Listener("WHATSAPP_WEBHOOK_LISTEN", "WHATSAPP_WEBHOOK_PORT", "127.0.0.1", port)

        with pytest.raises(StartupError) as raised, listen_errors(listener):
            async with serving(Starlette(), "127.0.0.1", port):
                pass

    assert raised.value.setting == "WHATSAPP_WEBHOOK_PORT"


START_UP = """
import asyncio, sys
from pathlib import Path
import bot.cli
import bot.bootstrap.running
import handlers.telegram.app
from bot import bootstrap
from bot.config import Settings

async def main() -> None:
    settings = Settings(sopbot_data_dir=Path(sys.argv[1]), telegram_bot_token="1:abc")
    app = await bootstrap.build_app(settings)
    await app.close()

asyncio.run(main())
heavy = ("alembic", "docx", "docxtpl", "dateparser", "bot.sop.importer")
print(",".join(name for name in heavy if name in sys.modules))
"""


def test_a_start_on_a_migrated_database_loads_no_document_library_nor_alembic(tmp_path):
    """They are loaded when first needed (a document, a typed date, an SOP import, a
    migration), not by every start."""
    import subprocess
    import sys

    run = [sys.executable, "-c", START_UP, str(tmp_path)]
    first = subprocess.run(run, capture_output=True, text=True, check=True)
    again = subprocess.run(run, capture_output=True, text=True, check=True)

    assert "alembic" in first.stdout  # the first start migrates
    assert again.stdout.strip() == ""
