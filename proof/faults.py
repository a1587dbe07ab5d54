"""The fault mixes: many officials at once while the platform misbehaves, the bot running on.

Twenty officials send commands side by side, each reading the answer before the next, with
Telegram's pacing on (one message a second per chat). First without faults (the baseline), then:
5 % of all sends refused before they take effect and 5 % whose answer is lost after they did; a
429 with retry_after=10 on one chat; a 5 s stall on one chat. For each: commands that got no
answer (lost), answers that came twice (doubled, against the sends whose outcome was unknown),
and the longest extra wait the fault caused in the *other* chats.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from proof.world import Lane

PEOPLE = 20
COMMANDS = 6  # per person and mix (the default)
# Between an answer and the next command: longer than Telegram's pace of one message a second
# per chat, so an answer's wait is the bot's doing, not the pacing's.
THINK_SECONDS = 1.2
FIRST_ID = 3001
ANSWER_WAIT = 60.0


@dataclass
class Mix:
    """What one mix did."""

    name: str
    commands: int = 0
    lost: int = 0
    doubled: int = 0
    unknown_sends: int = 0
    latencies: dict[int, list[float]] = field(default_factory=dict)  # chat -> seconds

    def others(self, faulty: int | None) -> list[float]:
        """Answer times in the chats without the fault."""
        return [s for chat, found in self.latencies.items() if chat != faulty for s in found]


@dataclass
class FaultReport:
    """The mixes, against the baseline."""

    baseline: Mix
    mixes: list[tuple[Mix, int | None]]  # each with its faulty chat (None: all chats)

    def lines(self) -> list[str]:
        """One line per mix."""
        base = statistics.median(self.baseline.others(None))
        out = [f"baseline: {self.baseline.commands} commands, answer p50 {base * 1000:.0f} ms, "
               f"max {max(self.baseline.others(None)) * 1000:.0f} ms"]  # fmt: skip
        for mix, faulty in self.mixes:
            line = (f"{mix.name}: {mix.commands} commands, lost {mix.lost}, doubled "
                    f"{mix.doubled} (sends whose outcome was unknown: {mix.unknown_sends})")
            if faulty is not None:
                slowest = max(mix.others(faulty))
                line += (f", longest extra delay in other chats {self.extra(mix, faulty):.2f} s "
                         f"(their slowest answer {slowest:.2f} s)")  # fmt: skip
            out.append(line)
        return out

    def extra(self, mix: Mix, faulty: int) -> float:
        """How much longer than the baseline's slowest answer the other chats waited."""
        return max(0.0, max(mix.others(faulty)) - max(self.baseline.others(None)))

    @property
    def ok(self) -> bool:
        """Nothing lost, copies only where unknown, other chats at most a second later."""
        for mix, faulty in self.mixes:
            if mix.lost or mix.doubled > mix.unknown_sends:
                return False
            if faulty is not None and self.extra(mix, faulty) > 1.0:
                return False
        return True


async def fault_mixes(
    folder: Path, backend: str, postgres: str, seed: int, commands: int = COMMANDS
) -> FaultReport:
    """The baseline and the three mixes on one running bot, `commands` per person each."""
    lane = Lane(folder, backend, postgres, pacing=True)
    await lane.open()
    try:
        for index in range(PEOPLE):
            await lane.hire_on_telegram(f"staf{index}", FIRST_ID + index, "tkksd", f"Staf {index}")
        await asyncio.sleep(THINK_SECONDS)  # the welcome messages' pace is over
        baseline = await _mix(lane, "baseline", commands)
        chaos = lane.standin.chaos(0.05, 0.05, seed)
        refused_lost = await _mix(lane, "5% sends refused, 5% answers lost", commands)
        refused_lost.name += f" ({chaos.refused} refused, {chaos.lost} lost)"
        lane.standin.chaos(0, 0, seed)
        lane.standin.fail_next("sendMessage", status=429, retry_after=10, chat_id=FIRST_ID)
        throttled = await _mix(lane, "429 (retry_after 10 s) on one chat", commands)
        lane.standin.stall(FIRST_ID, 5.0)
        stalled = await _mix(lane, "5 s stall on one chat", commands)
        lane.standin.stall(FIRST_ID, 0)
        return FaultReport(baseline, [(refused_lost, None), (throttled, FIRST_ID),
                                      (stalled, FIRST_ID)])  # fmt: skip
    finally:
        await lane.close()


async def _mix(lane: Lane, name: str, commands: int) -> Mix:
    mix = Mix(name)
    doubtful_before = await _doubtful(lane)
    counts = {key: len(lane.standin.sent_to(user.id)) for key, user in lane.telegram.items()}
    await asyncio.gather(*(_person(lane, key, mix, commands) for key in lane.telegram))
    await lane.settle()
    for key, user in lane.telegram.items():
        got = len(lane.standin.sent_to(user.id)) - counts[key]
        mix.lost += max(0, commands - got)
        mix.doubled += max(0, got - commands)
    mix.unknown_sends = await _doubtful(lane) - doubtful_before
    return mix


async def _person(lane: Lane, key: str, mix: Mix, commands: int) -> None:
    """One official: a command, then wait for its answer before the next."""
    user = lane.telegram[key]
    times = mix.latencies.setdefault(user.id, [])
    for _ in range(commands):
        before = len(lane.standin.sent_to(user.id))
        started = time.monotonic()
        user.send("/sop")
        mix.commands += 1
        try:
            await lane.standin.wait_for(
                lambda before=before: len(lane.standin.sent_to(user.id)) > before,  # type: ignore[misc]
                max_wait=ANSWER_WAIT,
            )
        except TimeoutError:
            continue  # counted as lost at the end, if it never comes
        times.append(time.monotonic() - started)
        await asyncio.sleep(THINK_SECONDS)


async def _doubtful(lane: Lane) -> int:
    async with lane.engine.connect() as db:
        found = await db.scalar(text("SELECT sum(attempts - 1) FROM outbox WHERE doubtful"))
        return int(found or 0)
