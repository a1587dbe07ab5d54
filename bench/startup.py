"""7. Start-up to polling, idle memory and memory after 100 cases, of the real `sopbot run`.

Start-up is the time from starting the process to its first getUpdates reaching the stand-in,
on a database already migrated (the median of three starts); the first start, which creates
the database, is given too. Memory is the process's resident set (VmRSS) once it is idle, and
again after the Kabag opened 100 cases in chat and took each through step 1 (the /baru
dialogue, the Ketua Tim chosen, the lembar disposisi built, Selesai). Baseline: the bare echo
bot started the same way (`python -m bench.echo`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import time
from pathlib import Path

from bench.office import Staff, chat_users, seed
from bench.processes import Rig, rss_mib
from bench.report import Figure, Say
from handlers.telegram.standin import StandIn
from proof.process import base_env

PART = "7. Start-up and memory"
STARTS = 3
IDLE_SECONDS = 2.0
# One message a second per chat would make the walk take half an hour; memory is the point.
UNPACED = {"SOPBOT_SEND_CHAT_SECONDS": "0"}


async def echo_start(folder: Path) -> tuple[float, float]:
    """Seconds from starting the echo bot to its first getUpdates, and its idle RSS."""
    standin = StandIn()
    port = await standin.serve()
    try:
        with (folder / "echo.log").open("ab") as log:
            started = time.monotonic()
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.echo", f"http://127.0.0.1:{port}/bot",
                stdout=log, stderr=log, env=base_env())  # fmt: skip
        await standin.wait_for(lambda: bool(standin.calls_to("getUpdates")), 60)
        seconds = standin.calls_to("getUpdates")[0].at - started
        await asyncio.sleep(IDLE_SECONDS)
        rss = rss_mib(process.pid)
        process.send_signal(signal.SIGTERM)
        await process.wait()
        return seconds, rss
    finally:
        await standin.aclose()


async def sopbot_start(rig: Rig) -> tuple[float, int]:
    """Seconds from starting `sopbot run` to its first getUpdates, and its pid."""
    mark = len(rig.standin.calls)
    started = time.monotonic()
    process = await rig.spawn("run")
    return await rig.polled(mark) - started, process.pid


async def open_cases(staff: Staff, count: int, pid: int) -> list[float]:
    """The Kabag opens `count` cases in chat and takes each through step 1; the process's
    RSS after each quarter of them."""
    kabag = staff.users["kabag"]
    steps = []
    for number in range(1, count + 1):
        for kind, words in (
            ("send", f"/baru Pemerintah Kota Mitra {number} | Kerja sama {number}"),
            ("press", "Pemerintah Daerah lain"),
            ("send", f"415.4/{number}-Tapem, surat balasan"),
            ("send", f"Disposisi Wali Kota No. 005/{number}-Tapem"),
            ("press", "Siti Rahmawati"),
            ("press", "Buat Lembar disposisi"),
            ("press", "Selesai"),
        ):
            if kind == "send":
                kabag.send(words)
            else:
                kabag.press(words)
            await staff.settle()
        if number % max(1, count // 4) == 0:
            steps.append(rss_mib(pid))
    return steps


async def run(say: Say, quick: bool, folder: Path) -> list[Figure]:
    """Start-ups, then memory idle and after the cases."""
    cases = 3 if quick else 100
    os.makedirs(folder, exist_ok=True)
    echo_seconds, echo_rss = await echo_start(folder)
    rig = Rig(folder / "startup", env_extra=UNPACED)
    first_rig = Rig(folder / "first-start")
    await first_rig.open()
    try:
        # `open` migrated it; the very first start creates a database of its own.
        first_rig.env["DATABASE_URL"] = f"sqlite+aiosqlite:///{first_rig.folder / 'new.db'}"
        first, _ = await sopbot_start(first_rig)
    finally:
        await first_rig.close()
    await rig.open()
    try:
        ids, _ = await seed(rig.settings, 0, 0)
        staff = Staff(rig.standin, chat_users(rig.standin, ids), [], rig.settle)
        starts = []
        for _ in range(1 if quick else STARTS):
            seconds, pid = await sopbot_start(rig)
            starts.append(seconds)
            await rig.settle()
            await rig.stop()
        seconds, pid = await sopbot_start(rig)
        await rig.settle()
        await asyncio.sleep(IDLE_SECONDS)
        idle = rss_mib(pid)
        started = time.monotonic()
        steps = await open_cases(staff, cases, pid)
        walked = time.monotonic() - started
        await asyncio.sleep(IDLE_SECONDS)
        after = rss_mib(pid)
    finally:
        await rig.close()
    say(f"    start-ups {', '.join(f'{s:.2f}' for s in starts)} s; first start {first:.2f} s; "
        f"{cases} cases walked in {walked:.1f} s; RSS after each quarter of them "
        f"{', '.join(f'{m:.0f}' for m in steps)} MiB")  # fmt: skip
    median = statistics.median(starts)
    return [
        Figure(PART, "start-up to the first getUpdates (migrated database)", median, "s",
               echo_seconds, "bare echo bot", "≤ 2 s", median <= 2.0),
        Figure(PART, "first start (creates and migrates the database)", first, "s",
               echo_seconds, "bare echo bot"),
        Figure(PART, "idle RSS", idle, "MiB", echo_rss, "bare echo bot", "≤ 150 MiB",
               idle <= 150),
        Figure(PART, f"RSS after {cases} cases through step 1", after, "MiB", echo_rss,
               "bare echo bot", "≤ 150 MiB", after <= 150,
               note="after each quarter: " + ", ".join(f"{m:.0f}" for m in steps) + " MiB"),
    ]  # fmt: skip
