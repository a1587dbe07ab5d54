"""3. Simulated users at a fixed offered load, on SQLite and PostgreSQL, with 1, 2, 4 workers.

The real processes: one `sopbot run` (the receiver, polling the stand-in over loopback HTTP)
and N-1 `sopbot run --worker`. 200 TKKSD members send `/tugas`, `/status`, `/sop` and
`/bantuan` in turn, at a fixed total rate for the given seconds (open loop: a slow bot does not
slow the senders); each command has exactly one answer, so a chat's k-th answer belongs to its
k-th command. Then the bot is given time to finish.

Two rates are counted while the load runs. Updates handled per second (the inbox rows whose
handling committed in the window) is what workers add: the goal of two workers is on it.
Answers per second is what reaches the people, and sending is paced as configured (30 messages
a second for the whole bot, shared by its workers, one a second per chat): more than 30 answers
a second is not allowed by Telegram however many workers run, so beyond it the answers wait in
the outbox and the answer time grows. The offered load is 1.8× the updates per second one
worker handled of a burst of 150 commands sent at once, measured just before on the same
database (`--rate` fixes it instead), so one worker saturates its handling and two can show
1.6× if they scale. Figures: handled/s, answers/s, p95 of the answer time (the command entering
the stand-in to its answer reaching it), and lost (commands the bot never answered although it
reports nothing left to do). SQLite runs one worker only.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.approval import percentile
from bench.office import chat_users, seed
from bench.processes import Rig, has_worker_option
from bench.report import Figure, Say

PART = "3. Offered load, 1/2/4 workers"
COMMANDS = ("/tugas", "/status", "/sop", "/bantuan")
# The answers beyond 30 a second wait in the outbox: a minute of 100 commands a second takes
# about three more minutes to send.
DRAIN_SECONDS = 300.0
BURST = 150  # commands at once, to find what one worker answers per second
OVERLOAD = 1.8  # the offered load, times that


@dataclass(frozen=True)
class Load:
    """What one run measured."""

    offered: float  # commands per second actually sent
    handled_per_second: float  # updates whose handling committed within the window, per second
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
        began = datetime.now(UTC)
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
        until = began + timedelta(seconds=seconds)
        handled = sum(1 for at in await rig.finished() if began <= at <= until)
        p95 = percentile(times, 0.95) if times else float("nan")
        stuck = min(stuck, total - answered)
        lost = total - answered - stuck
        return Load(offered, handled / seconds, within / seconds, p95, total, answered, lost,
                    stuck, rig.log_problems())  # fmt: skip
    finally:
        await rig.close()


async def capacity(folder: Path, backend: str, users: int, burst: int) -> float:
    """Updates per second one worker handles when `burst` commands arrive at once."""
    rig = Rig(folder, backend)
    await rig.open()
    try:
        ids, _ = await seed(rig.settings, users, 0)
        people = [u for k, u in chat_users(rig.standin, ids).items() if k.startswith("reader")]
        await rig.start(1)
        began = datetime.now(UTC)
        for index in range(burst):
            people[index % len(people)].send(COMMANDS[index % len(COMMANDS)])
        await rig.settle(max_wait=DRAIN_SECONDS)
        last = max(await rig.finished())
        return burst / max((last - began).total_seconds(), 1e-3)
    finally:
        await rig.close()


async def run(say: Say, quick: bool, seconds: float, rate: float | None, postgres: bool,
              folder: Path) -> list[Figure]:  # fmt: skip
    """SQLite with one worker; PostgreSQL with 1, 2 and 4 when `sopbot run --worker` exists.

    Without `rate`, each database's offered load is OVERLOAD times what one worker handled
    of a burst just before: one worker saturates, and two can show 1.6× if they scale.
    """
    users = 20 if quick else 200
    worker_option = has_worker_option()
    lanes = [("SQLite", "sqlite", 1)]
    if postgres:
        lanes += [("PostgreSQL", "postgres", n) for n in (1, 2, 4)]
    figures: list[Figure] = []
    single: dict[str, Load] = {}
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
                    "handled/s", note=f"the offered load below is {OVERLOAD}× this"))  # fmt: skip
                say(f"    {label}: one worker handled a burst at {found:.1f} updates/s; "
                    f"offered load {rates[label]:.0f} commands/s")  # fmt: skip
        name = f"{label}, {workers} worker{'s' if workers > 1 else ''}"
        if workers > 1 and not worker_option:
            say(f"    {name}: not available (this sopbot has no `sopbot run --worker`)")
            figures.append(Figure(PART, f"{name}: handled/s", float("nan"), "handled/s",
                                  note="not available: no `sopbot run --worker`"))  # fmt: skip
            continue
        load = await measure(folder / f"{backend}-{workers}", backend, workers, users,
                             rates[label], seconds)  # fmt: skip
        say(f"    {name}: {load}")
        figures += _figures(name, load, single.get(label), workers)
        if workers == 1:
            single[label] = load
    return figures


def _figures(name: str, load: Load, one: Load | None, workers: int) -> list[Figure]:
    """The figures of one run; beside one worker's when there are more."""
    if workers == 1:
        handled = Figure(
            PART, f"{name}: handled/s at {load.offered:.0f} commands/s offered",
            load.handled_per_second, "handled/s", load.offered, "offered load",
            note="saturated" if load.handled_per_second < 0.95 * load.offered
            else "not saturated: raise --rate")  # fmt: skip
        answers = Figure(PART, f"{name}: answers/s", load.answers_per_second, "answers/s",
                         note="sending paced to Telegram's 30 messages a second")  # fmt: skip
    else:
        goal = "≥ 1.6× one worker" if workers == 2 else ""
        base = one.handled_per_second if one else None
        met = None if not goal or base is None else load.handled_per_second >= 1.6 * base
        handled = Figure(PART, f"{name}: handled/s", load.handled_per_second, "handled/s",
                         base, "one worker", goal, met)  # fmt: skip
        answers = Figure(PART, f"{name}: answers/s", load.answers_per_second, "answers/s",
                         one.answers_per_second if one else None, "one worker",
                         note="the workers share Telegram's 30 messages a second")  # fmt: skip
    queued = f", {load.stuck} still queued after {DRAIN_SECONDS:.0f} s" if load.stuck else ""
    return [
        handled,
        answers,
        Figure(PART, f"{name}: p95 answer time", load.p95 * 1000, "ms"),
        Figure(PART, f"{name}: lost", load.lost, "", goal="0",
               met=load.lost == 0 and load.stuck == 0,
               note=f"{load.answered} of {load.sent} answered{queued}"),
    ]
