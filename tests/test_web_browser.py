"""The dashboard in a real browser: headless Chromium against uvicorn on a loopback port.

Chromium comes from Debian (`apt-get install chromium`). Without it the test is skipped, unless
`SOPBOT_REQUIRE_CHROMIUM=1` (CI), which makes it fail instead. Set `SOPBOT_SCREENSHOT_DIR` to
keep the screenshot somewhere to look at.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import Settings
from handlers.whatsapp.server import serving
from tests.web_office import open_office

BROWSER_SECONDS = 90
PHONE = "412,915"  # a common Android phone's viewport, CSS pixels
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def chromium() -> str:
    """The Chromium binary, or skip (fail under SOPBOT_REQUIRE_CHROMIUM=1)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("SOPBOT_REQUIRE_CHROMIUM") == "1":
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return found


@dataclass
class Served:
    url: str
    late_ref: str
    codes: list[str]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Served]:
    """The dashboard under uvicorn on its own loop in a thread, with three kabag login codes."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    started: Future[tuple[Served, asyncio.AbstractEventLoop, asyncio.Event]] = Future()

    async def main() -> None:
        office = await open_office(tmp_path / "data")
        stop = asyncio.Event()
        listener = socket.create_server(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        try:
            async with serving(office.dashboard(), "127.0.0.1", 0, sock=listener):
                codes = [office.login_code("kabag") for _ in range(3)]
                started.set_result(
                    (Served(url, office.late_ref, codes), asyncio.get_running_loop(), stop)
                )
                await stop.wait()
        finally:
            await office.app.close()

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:  # surface a failed start in the test, not the thread
            if not started.done():
                started.set_exception(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    info, loop, stop = started.result(timeout=60)
    yield info
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=30)


def browse(binary: str, profile: Path, url: str, *action: str) -> subprocess.CompletedProcess[str]:
    """One headless Chromium run on `url` with a fresh profile, offline apart from loopback."""
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={PHONE}",
            *action,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_SECONDS,
        check=False,
    )


def test_chromium_logs_in_by_link_and_renders_the_open_cases_on_a_phone(served, tmp_path):
    binary = chromium()
    shots = Path(os.environ.get("SOPBOT_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    png = shots / "dashboard.png"
    png.unlink(missing_ok=True)

    login = f"{served.url}/login?code="
    dom = browse(binary, tmp_path / "p1", login + served.codes[0], "--dump-dom")
    shot = browse(binary, tmp_path / "p2", login + served.codes[1], f"--screenshot={png}")

    assert served.late_ref in dom.stdout, dom.stderr[-2000:]
    assert "terlambat 50 menit" in dom.stdout
    assert png.exists(), shot.stderr[-2000:]
    data = png.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (412, 915)


def test_chromium_renders_a_case_timeline_from_a_login_link_with_next(served, tmp_path):
    binary = chromium()
    shots = Path(os.environ.get("SOPBOT_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    png = shots / "case.png"
    png.unlink(missing_ok=True)
    url = f"{served.url}/login?code={served.codes[2]}&next=/kasus/{served.late_ref}"

    shot = browse(binary, tmp_path / "p3", url, f"--screenshot={png}", "--window-size=412,1400")

    assert png.exists(), shot.stderr[-2000:]
    assert png.read_bytes().startswith(PNG_MAGIC) and png.stat().st_size > 10_000
