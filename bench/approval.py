"""2. Approval press → the next approver's message, against the echo bot's round trip.

The Sekda presses "Setujui" on a case's task card and then "Ya, setujui" on the confirmation;
the time is taken from the confirming press to the Wali Kota's first message about that case
reaching the Bot API (sequentially for 30 cases, then 10 confirmed at once). The echo bot's
round trip is a text to the first answer reaching the Bot API, the same two ways. Both bots
are processes of their own polling the stand-in over loopback HTTP, as against a local Bot
API server: the real `sopbot run` on SQLite, and `python -m bench.echo`. The bot's pacing of
one message a second per chat is off (SOPBOT_SEND_CHAT_SECONDS=0): with it, ten approvals
reaching the one Wali Kota at once are ten seconds apart by Telegram's rule, not by the bot.
"""

from __future__ import annotations

import asyncio
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.office import Staff, chat_users, seed
from bench.processes import Rig
from bench.report import Figure, Say
from handlers.telegram.standin import StandIn
from proof.process import base_env

PART = "2. Approval latency"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def _first_call_at(standin: StandIn, chat: int, contains: str, since: int) -> float | None:
    for call in standin.calls[since:]:
        if (
            call.method in ("sendMessage", "editMessageText")
            and str(call.params.get("chat_id")) == str(chat)
            and contains in str(call.params.get("text", ""))
        ):
            return call.at
    return None


async def _approvals(staff: Staff, refs: list[str]) -> list[float]:
    """Confirm the Sekda's approval of every case in `refs` at once; seconds until each
    case's message to the Wali Kota was sent."""
    standin = staff.standin
    sekda, walikota = staff.users["sekda"], staff.users["walikota"]
    for ref in refs:
        sekda.press("Setujui", staff.card("sekda", ref, "Setujui"))
    await staff.settle()
    confirmations = [staff.card("sekda", ref, "Ya, setujui") for ref in refs]
    mark = len(standin.calls)
    pressed = time.monotonic()
    for confirmation in confirmations:
        sekda.press("Ya, setujui", confirmation)
    arrived: dict[str, float] = {}

    def all_arrived() -> bool:
        for ref in refs:
            if ref not in arrived:
                at = _first_call_at(standin, walikota.id, ref, mark)
                if at is not None:
                    arrived[ref] = at
        return len(arrived) == len(refs)

    await standin.wait_for(all_arrived, max_wait=120)
    await staff.settle()
    return [arrived[ref] - pressed for ref in refs]


async def _echo_trips(standin: StandIn, chats: list[int]) -> list[float]:
    users = [standin.user(chat, f"u{chat}", started=True) for chat in chats]
    mark = len(standin.calls)
    sent = time.monotonic()
    for user in users:
        user.send(f"halo {user.id}")
    arrived: dict[int, float] = {}

    def all_arrived() -> bool:
        for user in users:
            if user.id not in arrived:
                at = _first_call_at(standin, user.id, f"halo {user.id}", mark)
                if at is not None:
                    arrived[user.id] = at
        return len(arrived) == len(users)

    await standin.wait_for(all_arrived, max_wait=60)
    await standin.settle()
    return [arrived[user.id] - sent for user in users]


async def echo(folder: Path, sequential: int, together: int) -> tuple[list[float], list[float]]:
    """The echo bot's round trips (its own process): one at a time, then `together` at once."""
    standin = StandIn()
    port = await standin.serve()
    url = f"http://127.0.0.1:{port}/bot"
    with (folder / "echo.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.echo", url, stdout=log, stderr=log, env=base_env()
        )
    try:
        await standin.wait_for(lambda: bool(standin.calls_to("getUpdates")), 60)
        await _echo_trips(standin, [9000])  # warm-up
        one = [(await _echo_trips(standin, [9000]))[0] for _ in range(sequential)]
        many = await _echo_trips(standin, [9100 + i for i in range(together)])
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()
        await standin.aclose()
    return one, many


async def sopbot(folder: Path, sequential: int, together: int) -> tuple[list[float], list[float]]:
    """The real bot's (`sopbot run`) approval latencies, one at a time, then `together`."""
    rig = Rig(folder / "sopbot", env_extra={"SOPBOT_SEND_CHAT_SECONDS": "0"})
    await rig.open()
    try:
        ids, refs = await seed(rig.settings, 0, sequential + together + 1)
        staff = Staff(rig.standin, chat_users(rig.standin, ids), refs, rig.settle)
        await rig.start()
        await staff.settle()
        await _approvals(staff, refs[:1])  # warm-up
        one = [(await _approvals(staff, [ref]))[0] for ref in refs[1 : sequential + 1]]
        many = await _approvals(staff, refs[sequential + 1 :])
    finally:
        await rig.close()
    return one, many


def _figures(label: str, real: list[float], base: list[float]) -> list[Figure]:
    out = []
    for name, share in (("p50", 0.5), ("p95", 0.95)):
        value, baseline = percentile(real, share) * 1000, percentile(base, share) * 1000
        goal = "≤ 2× echo" if name == "p95" else ""
        met = value <= 2 * baseline if name == "p95" else None
        out.append(Figure(PART, f"{label}, {name}", value, "ms", baseline,
                          f"echo round trip {name}", goal, met))  # fmt: skip
    return out


async def run(say: Say, quick: bool) -> list[Figure]:
    """Measure both ways and compare."""
    sequential, together = (3, 3) if quick else (30, 10)
    with tempfile.TemporaryDirectory(prefix="sopbot-bench-") as folder:
        echo_one, echo_many = await echo(Path(folder), sequential, together)
        one, many = await sopbot(Path(folder), sequential, together)
    say(f"    approval latencies one at a time (ms): "
        f"{', '.join(f'{x * 1000:.0f}' for x in one)}")  # fmt: skip
    say(f"    {together} at once (ms): {', '.join(f'{x * 1000:.0f}' for x in many)}; "
        f"median of echo {statistics.median(echo_one) * 1000:.1f} ms")  # fmt: skip
    return [
        *_figures(f"sequential, {sequential} cases", one, echo_one),
        *_figures(f"{together} cases at once", many, echo_many),
    ]
