"""3. Simulated users at a fixed offered load, on SQLite and PostgreSQL, with 1, 2, 4 workers.

The real processes: one `sopbot run` (the receiver, polling the stand-in over loopback HTTP)
and N-1 `sopbot run --worker`. 200 TKKSD members send `/tugas`, `/status`, `/sop` and
`/bantuan` in turn, at a fixed total rate for the given seconds (open loop: a slow bot does not
slow the senders); each command has exactly one answer, so a chat's k-th answer belongs to its
k-th command. The offered load is 1.8× what one worker answered of a burst of 150 commands
sent at once, measured just before on the same database (`--rate` fixes it instead), so one
worker saturates and two can show 1.6× if they scale. Then the bot is given time to finish.
Figures: answers per second while the load runs, p95 of the answer time (the command
entering the stand-in to its answer reaching it), and lost (commands the bot never answered
although it reports nothing left to do). Sending is paced as configured by default (30
messages a second per process, one a second per chat). SQLite runs one worker only.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from bench.approval import percentile
from bench.office import chat_users, seed
from bench.processes import Rig, has_worker_option
from bench.report import Figure, Say

PART = "3. Offered load, 1/2/4 workers"
COMMANDS = ("/tugas", "/status", "/sop", "/bantuan")
DRAIN_SECONDS = 120.0  # an idle worker drains the backlog of a saturating load in about 50 s
BURST = 150  # commands at once, to find what one worker answers per second
OVERLOAD = 1.8  # the offered load, times that


@dataclass(frozen=True)
class Load:
    """What one run measured."""

    offered: float  # commands per second actually sent
    answers_per_second: float  # answers within the loaded window, per second
    p95: float  # seconds
    sent: int
    answered: int
    lost: int  # never answered while the bot had nothing left to do
    stuck: int  # still unanswered when the drain time ran out
    problems: int  # error lines in the bot's log


async def measure(folder: Path, backend: str, workers: int, users: int, rate: float,
                  seconds: float) -> Load:  # fmt: skip
    """One run: start the processes, offer the load, wait for the bot, count."""
    rig = Rig(folder, backend)
    await rig.open()
    try:
        ids, _ = await seed(rig.settings, users, 0)
        people = [u for k, u in chat_users(rig.standin, ids).items() if k.startswith("reader")]
        await rig.start(workers)
        if workers > 1:
            await asyncio.sleep(2.0)  # the workers have no sign of being ready but their log
        sent: dict[int, list[float]] = {user.id: [] for user in people}
        started = time.monotonic()
        total = int(rate * seconds)
        for index in range(total):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            user = people[index % len(people)]
            sent[user.id].append(time.monotonic())
            user.send(COMMANDS[(index // len(people)) % len(COMMANDS)])
        offered = total / (time.monotonic() - started)
        stuck = 0
        try:
            await rig.settle(max_wait=DRAIN_SECONDS)
        except TimeoutError:
            stuck = sum(await rig.waiting())  # updates to handle and answers to send
        answers: dict[int, list[float]] = {user.id: [] for user in people}
        for call in rig.standin.calls:
            if call.method == "sendMessage" and call.status == 200:
                chat = int(call.params.get("chat_id", 0) or 0)
                if chat in answers:
                    answers[chat].append(call.at)
        times = [got - asked for chat in sent for asked, got in zip(sent[chat], answers[chat],
                                                                    strict=False)]  # fmt: skip
        answered = len(times)
        end = started + seconds
        within = sum(1 for chat in answers for at in answers[chat] if at <= end)
        p95 = percentile(times, 0.95) if times else float("nan")
        stuck = min(stuck, total - answered)
        lost = total - answered - stuck
        return Load(offered, within / seconds, p95, total, answered, lost, stuck,
                    rig.log_problems())  # fmt: skip
    finally:
        await rig.close()


async def capacity(folder: Path, backend: str, users: int, burst: int) -> float:
    """Commands per second one worker answers when `burst` commands arrive at once."""
    rig = Rig(folder, backend)
    await rig.open()
    try:
        ids, _ = await seed(rig.settings, users, 0)
        people = [u for k, u in chat_users(rig.standin, ids).items() if k.startswith("reader")]
        await rig.start(1)
        started = time.monotonic()
        for index in range(burst):
            people[index % len(people)].send(COMMANDS[index % len(COMMANDS)])
        await rig.settle(max_wait=DRAIN_SECONDS)
        return burst / (time.monotonic() - started)
    finally:
        await rig.close()


async def run(say: Say, quick: bool, seconds: float, rate: float | None, postgres: bool,
              folder: Path) -> list[Figure]:  # fmt: skip
    """SQLite with one worker; PostgreSQL with 1, 2 and 4 when `sopbot run --worker` exists.

    Without `rate`, each database's offered load is OVERLOAD times what one worker answered
    of a burst just before: one worker saturates, and two can show 1.6× if they scale.
    """
    users = 20 if quick else 200
    worker_option = has_worker_option()
    lanes = [("SQLite", "sqlite", 1)]
    if postgres:
        lanes += [("PostgreSQL", "postgres", n) for n in (1, 2, 4)]
    figures: list[Figure] = []
    single: dict[str, float] = {}
    rates: dict[str, float] = {}
    for label, backend, workers in lanes:
        if label not in rates:
            if rate is not None:
                rates[label] = rate
            else:
                burst = 30 if quick else BURST
                found = await capacity(folder / f"{backend}-burst", backend, users, burst)
                rates[label] = max(1.0, round(OVERLOAD * found))
                figures.append(Figure(
                    PART, f"{label}, 1 worker: a burst of {burst} commands at once", found,
                    "answers/s", note=f"the offered load below is {OVERLOAD}× this"))  # fmt: skip
                say(f"    {label}: one worker answered a burst at {found:.1f} commands/s; "
                    f"offered load {rates[label]:.0f} commands/s")  # fmt: skip
        name = f"{label}, {workers} worker{'s' if workers > 1 else ''}"
        if workers > 1 and not worker_option:
            say(f"    {name}: not available (this sopbot has no `sopbot run --worker`)")
            figures.append(Figure(PART, f"{name}: answers/s", float("nan"), "answers/s",
                                  note="not available: no `sopbot run --worker`"))  # fmt: skip
            continue
        load = await measure(folder / f"{backend}-{workers}", backend, workers, users,
                             rates[label], seconds)  # fmt: skip
        say(f"    {name}: {load}")
        if workers == 1:
            single[label] = load.answers_per_second
            figures.append(Figure(
                PART, f"{name}: answers/s at {load.offered:.0f} commands/s offered",
                load.answers_per_second, "answers/s", load.offered, "offered load",
                note="saturated" if load.answers_per_second < 0.95 * load.offered
                else "not saturated: raise --rate"))  # fmt: skip
        else:
            base = single.get(label)
            goal = "≥ 1.6× one worker" if workers == 2 else ""
            met = None if not goal or base is None else load.answers_per_second >= 1.6 * base
            figures.append(Figure(PART, f"{name}: answers/s", load.answers_per_second,
                                  "answers/s", base, "one worker", goal, met))  # fmt: skip
        figures.append(Figure(PART, f"{name}: p95 answer time", load.p95 * 1000, "ms"))
        figures.append(Figure(PART, f"{name}: lost", load.lost, "", goal="0",
                              met=load.lost == 0 and load.stuck == 0,
                              note=f"{load.answered} of {load.sent} answered"
                              + (f", {load.stuck} still queued after {DRAIN_SECONDS:.0f} s"
                                 if load.stuck else "")))  # fmt: skip
    return figures
