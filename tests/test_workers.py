"""Several workers: `sopbot run --worker` receives nothing and shares the inbox with others."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import bootstrap
from bot.bootstrap.running import build_channels, refuse_second_sqlite_worker, running
from bot.config import Settings
from bot.inbox import InboxWorker, Received
from bot.startup import StartupError
from handlers.telegram.adapter import chat_key
from handlers.telegram.standin.core import StandIn
from storage.db import make_engine
from storage.liveness import FileLiveness, exclusively
from storage.sql import table

TOKEN = "7000000001:WORKERS-token-for-the-stand-in"
AUDIT_KEY = "workers-audit-key-" + "k" * 32
COMMANDS = ("/tugas", "/bantuan", "/sop", "/status", "/tugas", "/bantuan")
WAIT_SECONDS = 120.0  # two processes start, then handle a few hundred updates on two cores


def settings_for(database_url: str, api_port: int, data_dir: Path) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"http://127.0.0.1:{api_port}/bot",
        "TELEGRAM_BASE_FILE_URL": f"http://127.0.0.1:{api_port}/file/bot",
        "DATABASE_URL": database_url,
        "SOPBOT_DATA_DIR": str(data_dir),
        "SOPBOT_AUDIT_KEY": AUDIT_KEY,
        "SOPBOT_SEND_CHAT_SECONDS": "0",
        "SOPBOT_SWEEP_SECONDS": "3600",
    }


def as_settings(values: dict[str, str]) -> Settings:
    return Settings.model_validate({k.lower(): v for k, v in values.items()})


async def store_sent(app: Any, standin: StandIn) -> int:
    """Store what the simulated people sent, as the receiver would have."""
    queue = standin.world.queue
    payloads = [queue.history(update_id) for update_id in queue.created()]
    inbox = InboxWorker(app.uow, app.clock, app.sop, {})
    received = [Received("telegram", str(p["update_id"]), p, chat_key(p)) for p in payloads]
    return await inbox.store(received)


async def until(check: Any, what: str) -> None:
    """Wait for the other processes until `check()` holds (they run on the real clock)."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.2)


def sopbot() -> str:
    return str(Path(sys.executable).with_name("sopbot"))


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_worker_processes_handle_each_update_once_and_each_chat_in_order(
    database_url, engine, tmp_path
):
    standin = StandIn(token=TOKEN)
    port = await standin.serve()
    values = settings_for(database_url, port, tmp_path / "data")
    app = await bootstrap.build_app(as_settings(values))
    users = []
    for n in range(40):
        code, _ = await app.admin.create_invite("tkksd", f"Pegawai Nomor {n}")
        users.append((standin.user(3000 + n, f"Pegawai{n}"), code))
    for round_ in range(1 + len(COMMANDS)):  # chats interleaved: everyone's first, then second…
        for user, code in users:
            user.send(f"/start {code}" if round_ == 0 else COMMANDS[round_ - 1])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOPBOT_", "TELEGRAM_"))}
    env |= values
    logs = [(tmp_path / f"worker{i}.log").open("wb") for i in range(2)]
    workers = [
        await asyncio.create_subprocess_exec(
            sopbot(), "run", "--worker", env=env, stdout=log, stderr=log, cwd=tmp_path
        )
        for log in logs
    ]
    inbox, outbox = table("inbox"), table("outbox")

    async def all_sent() -> bool:
        async with engine.connect() as connection:
            open_updates = await connection.scalar(
                select(inbox.c.id).where(inbox.c.status != "done").limit(1)
            )
            unsent = await connection.scalar(
                select(outbox.c.id).where(outbox.c.status != "sent").limit(1)
            )
        return open_updates is None and unsent is None

    try:
        await standin.wait_for(lambda: len(standin.calls_to("getMe")) >= 2, max_wait=60)
        stored = await store_sent(app, standin)
        await until(all_sent, "every update handled and every answer sent")
    finally:
        for process in workers:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        codes = [await process.wait() for process in workers]
        for log in logs:
            log.close()
    async with engine.connect() as connection:
        rows = (await connection.execute(
            select(inbox.c.status, inbox.c.attempts, inbox.c.claimed_by)
        )).all()  # fmt: skip
        answers = (await connection.execute(
            select(outbox.c.chat_key, outbox.c.key).order_by(outbox.c.id)
        )).all()  # fmt: skip
    await app.close()
    await standin.aclose()

    assert stored == len(users) * (1 + len(COMMANDS)) == len(rows)
    assert {(status, attempts) for status, attempts, _ in rows} == {("done", 1)}
    assert len({worker for _, _, worker in rows}) == 2  # both took their share
    assert codes == [0, 0]
    assert standin.calls_to("getUpdates") == []  # workers receive nothing
    answered: dict[str, list[int]] = {}
    for chat, key in answers:
        answered.setdefault(chat, []).append(int(key.split(":")[2]))
    assert len(answered) == len(users)
    assert all(ids == sorted(ids) for ids in answered.values())  # each chat's in its order
    for n in range(len(users)):
        texts = [m.text for m in standin.sent_to(3000 + n)]
        assert "Selamat datang" in texts[0]  # /start was handled before the chat's commands
        assert not any("belum terdaftar" in text for text in texts)


async def test_a_worker_handles_stored_updates_without_asking_telegram_for_any(tmp_path):
    standin = StandIn()
    values = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'sopbot.sqlite3'}", 0, tmp_path)
    app = await bootstrap.build_app(as_settings(values))
    code, _ = await app.admin.create_invite("tkksd", "Rina Marlina, S.E.")
    user = standin.user(1005, "Rina")
    user.send(f"/start {code}")
    channels = build_channels(
        bootstrap.build_chat(app), app.settings, rate_limit=False,
        telegram_requests=lambda: _request(standin),
    )  # fmt: skip

    async with running(app, channels, rate_limit=False, receive=False, serve_webhooks=False):
        await store_sent(app, standin)
        await standin.wait_for(lambda: bool(standin.sent_to(1005)), max_wait=30)
    await app.close()

    assert "Selamat datang" in standin.sent_to(1005)[0].text
    assert standin.calls_to("getUpdates") == []
    assert standin.calls_to("deleteWebhook") == [] and standin.calls_to("setWebhook") == []


async def test_a_second_worker_on_sqlite_is_refused_in_indonesian(tmp_path):
    values = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'sopbot.sqlite3'}", 0, tmp_path)
    app = await bootstrap.build_app(as_settings(values))
    other = FileLiveness(tmp_path / "sopbot.sqlite3.workers", "host-1-aaaa")
    await other.start()

    try:
        with pytest.raises(StartupError) as refused:
            await refuse_second_sqlite_worker(app)
    finally:
        await other.stop()
        await app.close()

    assert "SQLite hanya melayani satu worker" in str(refused.value)
    assert "PostgreSQL" in str(refused.value)


def _request(standin: StandIn) -> Any:
    from telegram.request import HTTPXRequest

    return HTTPXRequest(httpx_kwargs={"transport": standin.transport})




@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_only_one_worker_ticks_at_a_time(database_url, engine):
    other = make_engine(database_url)  # another process's engine

    try:
        async with exclusively(engine, "tick") as first, exclusively(other, "tick") as second:
            pass
        async with exclusively(other, "tick") as afterwards:
            pass
    finally:
        await other.dispose()

    assert (first, second, afterwards) == (True, False, True)
