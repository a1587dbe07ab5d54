"""The crash run of one lane, and the same work without crashes to compare it with."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from bot.failpoints import STAGES
from proof.check import Verdict, history, verify
from proof.process import Exits
from proof.scenario import case
from proof.world import Crash, Lane

# The stages `sopbot run` passes; the reminder sweep's are passed by `sopbot remind`.
RUN_STAGES = tuple(s for s in STAGES if not s.startswith("reminder."))
REMIND_STAGES = tuple(s for s in STAGES if s.startswith(("reminder.", "outbox.")))


@dataclass(frozen=True)
class Target:
    """How many crashes a lane must see: at failpoints, and kill -9 from outside."""

    crashes: int
    kills: int


class CrashPlan:
    """Seeded: before each start of the bot, where (or when) it will die this time."""

    def __init__(self, seed: int, target: Target, exits: Exits) -> None:
        self.rng = random.Random(seed)
        self.target = target
        self.exits = exits
        self.armed = True

    def __call__(self) -> Crash:
        """The next start's fate."""
        if not self.armed:
            return Crash()
        kills_due = self.exits.killed < self.target.kills
        if kills_due and self.rng.random() < 0.15:
            return Crash(kill_after=self.rng.uniform(0.1, 2.5))
        return Crash(f"{self.rng.choice(RUN_STAGES)}:{self.rng.randint(1, 3)}")

    def remind(self) -> str | None:
        """The next `sopbot remind`'s failpoint, or none."""
        if not self.armed or self.rng.random() < 0.3:
            return None
        return f"{self.rng.choice(REMIND_STAGES)}:{self.rng.randint(1, 2)}"

    @property
    def done(self) -> bool:
        """Whether the lane has crashed enough."""
        return (self.exits.crashes >= self.target.crashes
                and self.exits.killed >= self.target.kills)  # fmt: skip


@dataclass
class LaneResult:
    """A lane's seed, its crashes, and the verdict of its history."""

    seed: int
    backend: str
    cases: int
    exits: Exits
    verdict: Verdict
    log: Path


async def crash_lane(folder: Path, backend: str, postgres: str, seed: int,
                     target: Target) -> LaneResult:  # fmt: skip
    """Cases, crashing all along, until the target is met; then the same without crashes."""
    crashed = Lane(folder / "crashed", backend, postgres)
    plan = CrashPlan(seed, target, crashed.exits)
    crashed.plan = plan
    await crashed.open()
    try:
        await crashed.hire()
        cases = 0
        while cases == 0 or not plan.done:
            cases += 1
            await case(crashed, cases, plan.remind)
        plan.armed = False
        await crashed.settle()
        await crashed.bot.stop()
        await crashed.settle()  # a last start, to send what the last crash left
        reference = await _without_crashes(folder / "reference", backend, postgres, cases)
        verdict = verify(crashed, await history(crashed.engine), reference)
    finally:
        await crashed.close()
    return LaneResult(seed, backend, cases, crashed.exits, verdict, crashed.folder / "sopbot.log")


async def _without_crashes(folder: Path, backend: str, postgres: str, cases: int):  # type: ignore[no-untyped-def]
    lane = Lane(folder, backend, postgres)
    await lane.open()
    try:
        await lane.hire()
        for number in range(1, cases + 1):
            await case(lane, number, lambda: None)
        await lane.settle()
        return await history(lane.engine)
    finally:
        await lane.close()
