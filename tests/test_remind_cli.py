"""`sopbot remind [--at ISO_TIME]` end to end: one sweep as of that time, then the outbox.

Without a token the messages stay queued for the running bot; with one, they are sent through
the Bot API stand-in served over real HTTP on a loopback port (from a thread of its own, as a
separate Telegram would be).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.config import Settings
from handlers.telegram.standin import StandIn
from storage.db import SQLITE_FILENAME
from tests.test_cli import invite, ok, open_case, redeem

KABAG_CHAT = 1001


@pytest.fixture(autouse=True)
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A private data directory; no `.env` and no SOPBOT_*/DATABASE_URL from outside."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    monkeypatch.setenv("SOPBOT_DATA_DIR", str(data))
    return data


@pytest.fixture
def case(data_dir: Path) -> str:
    """A case opened Monday 16 March 2026 08:00: step 1 is due at 08:15, half-time 08:08."""
    kabag = redeem(invite("kabag", "Drs. Budi Santoso, M.Si."), str(KABAG_CHAT))
    return open_case(kabag)


def queued_reminders(data_dir: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(data_dir / SQLITE_FILENAME)) as db:
        query = "SELECT key, status FROM outbox WHERE key LIKE 'reminder:%' ORDER BY id"
        return [(key, status) for key, status in db.execute(query)]


class ServedStandIn:
    """The stand-in on a loopback port, its event loop in a thread."""

    def __init__(self) -> None:
        self.standin = StandIn()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> ServedStandIn:
        self.thread.start()
        self.port = self.call(self.standin.serve())
        return self

    def __exit__(self, *exc: object) -> None:
        self.call(self.standin.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    def call(self, coroutine):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)


@pytest.fixture
def telegram(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    with ServedStandIn() as served:
        served.standin.user(KABAG_CHAT, "Budi", started=True)
        base = f"http://127.0.0.1:{served.port}"
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST")
        monkeypatch.setenv("TELEGRAM_BASE_URL", f"{base}/bot")
        monkeypatch.setenv("TELEGRAM_BASE_FILE_URL", f"{base}/file/bot")
        yield served.standin


def test_remind_at_half_time_queues_the_reminder_for_the_running_bot(case, data_dir):
    output = ok("remind", "--at", "2026-03-16T08:08")

    assert "1 pesan diantrekan" in output and "TELEGRAM_BOT_TOKEN belum diisi" in output
    assert queued_reminders(data_dir) == [("reminder:1", "pending")]


def test_remind_twice_at_the_same_time_queues_the_reminder_once(case, data_dir):
    ok("remind", "--at", "2026-03-16T08:08")

    output = ok("remind", "--at", "2026-03-16T08:08")

    assert "0 pesan diantrekan" in output
    assert len(queued_reminders(data_dir)) == 1


def test_remind_at_night_waits_for_office_hours(case, data_dir):
    output = ok("remind", "--at", "2026-03-16T20:00")

    assert "di luar jam kerja" in output
    assert queued_reminders(data_dir) == []


def test_remind_with_a_token_sends_the_reminder_through_telegram(case, data_dir, telegram):
    output = ok("remind", "--at", "2026-03-16T08:08")

    # Also sent: the task message queued when the case was opened, and the Kabag's digest.
    texts = [message.text for message in telegram.sent_to(KABAG_CHAT)]
    assert "Terkirim 3" in output
    assert sum("Pengingat:" in text for text in texts) == 1
    assert queued_reminders(data_dir) == [("reminder:1", "sent")]
