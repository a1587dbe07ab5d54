"""`sopbot demo --interactive`: a person plays a role in the browser against the real bot."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future
from pathlib import Path

import httpx
import pytest

from bot.bootstrap import interactive_demo
from bot.bootstrap.demo import staged
from handlers.telegram.demo import Stage, register
from handlers.telegram.interactive import build_play
from tests.test_web_browser import PNG_MAGIC, browse, chromium

KABAG_CHAT = 1001
OPEN = "/baru Pemerintah Kota Bandung | Pengelolaan sampah"


@pytest.fixture
async def stage(tmp_path: Path) -> AsyncIterator[Stage]:
    async with staged(Stage(lambda line: None, tmp_path / "data")) as stage:
        await register(stage)
        yield stage


@pytest.fixture
async def page(stage: Stage) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_play(stage))
    async with httpx.AsyncClient(transport=transport, base_url="http://play") as client:
        yield client


async def test_the_page_shows_the_chosen_role_registered_with_the_bot(page):
    answer = await page.get("/", params={"who": "sekda"})

    assert answer.status_code == 200
    assert "Dr. Hendra Wijaya, M.M." in answer.text
    assert "/start" in answer.text  # the registration that already happened


async def test_a_typed_message_reaches_the_bot_and_its_buttons_appear(page):
    sent = await page.post("/send", data={"who": "kabag", "text": OPEN})

    assert sent.status_code == 303 and sent.headers["location"] == "/?who=kabag#akhir"
    shown = (await page.get("/", params={"who": "kabag"})).text
    assert "Apa jenis mitranya?" in shown
    assert 'value="jp:0:' in shown and "Pemerintah Daerah lain" in shown


async def test_pressing_a_button_on_the_page_answers_the_bot(page, stage):
    await page.post("/send", data={"who": "kabag", "text": OPEN})
    asked = stage.standin.world.chats[KABAG_CHAT].messages[-1]

    data = asked.buttons[0][0][1]  # the first kind, bound to this question
    assert data.startswith("jp:0:")
    await page.post("/press", data={"who": "kabag", "message": asked.message_id, "data": data})

    assert stage.standin.world.chats[KABAG_CHAT].messages[-1].message_id != asked.message_id
    shown = (await page.get("/?who=kabag")).text
    assert "Apa jenis mitranya?" in shown and 'value="jp:0"' not in shown  # answered
    assert "Silakan ketik Nomor dan tanggal surat jawaban" in shown  # the next question


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The interactive demo under uvicorn on its own loop in a thread; its URL."""
    started: Future[tuple[str, asyncio.AbstractEventLoop, asyncio.Event]] = Future()

    async def main() -> None:
        stop = asyncio.Event()
        async with interactive_demo(lambda line: None, tmp_path / "data", "127.0.0.1", 0) as url:
            started.set_result((url, asyncio.get_running_loop(), stop))
            await stop.wait()

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:
            if not started.done():
                started.set_exception(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    url, loop, stop = started.result(timeout=90)
    yield url
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=30)


def test_chromium_shows_the_kabag_chat_of_the_interactive_demo_on_a_phone(served, tmp_path):
    binary = chromium()
    shots = Path(os.environ.get("SOPBOT_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    png = shots / "interactive.png"
    png.unlink(missing_ok=True)

    dom = browse(binary, tmp_path / "p1", f"{served}?who=kabag", "--dump-dom")
    shot = browse(binary, tmp_path / "p2", f"{served}?who=kabag", f"--screenshot={png}")

    assert "Drs. Budi Santoso, M.Si." in dom.stdout, dom.stderr[-2000:]
    assert png.exists(), shot.stderr[-2000:]
    assert png.read_bytes().startswith(PNG_MAGIC) and png.stat().st_size > 10_000
