"""The real `sopbot` processes of the proof: started, crashed, killed, started again."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bot.failpoints import EXIT_CODE


def sopbot() -> str:
    """The `sopbot` command installed beside this Python."""
    found = Path(sys.executable).with_name("sopbot")
    if not found.exists():
        raise RuntimeError(f"the sopbot command is not installed beside {sys.executable}")
    return str(found)


@dataclass
class Exits:
    """How the processes of a lane ended."""

    failpoints: dict[str, int] = field(default_factory=dict)  # stage -> crashes there
    killed: int = 0  # kill -9 from outside, when the crash plan chose
    clean: int = 0
    stopped: int = 0  # ended by the proof's own stop before the process could stop cleanly
    other: list[int] = field(default_factory=list)  # unexpected exit codes

    @property
    def crashes(self) -> int:
        """Crashes at a failpoint."""
        return sum(self.failpoints.values())


class BotProcess:
    """One `sopbot run` at a time, its output appended to a log file."""

    def __init__(self, env: dict[str, str], log: Path, exits: Exits) -> None:
        self.env = env
        self.log = log
        self.exits = exits
        self.process: asyncio.subprocess.Process | None = None
        self.failpoint: str | None = None
        self.starts = 0
        self._ending: str | None = None  # "kill" or "stop": what the proof did to end it

    @property
    def alive(self) -> bool:
        """Whether the process runs."""
        return self.process is not None and self.process.returncode is None

    async def start(self, failpoint: str | None = None) -> None:
        """Start `sopbot run`, armed to crash at `failpoint` (`stage:n`) if given."""
        env = {**self.env, "SOPBOT_FAILPOINT": failpoint or ""}
        self.failpoint = failpoint
        self.starts += 1
        self._ending = None
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sopbot(), "run", env=env, stdout=out, stderr=out, cwd=self.log.parent
            )

    def kill(self) -> None:
        """kill -9: no cleanup at all."""
        if self.alive and self.process is not None:
            self._ending = "kill"
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGKILL)

    async def reap(self) -> int | None:
        """If the process ended, record how; its exit code (None while it runs)."""
        process = self.process
        if process is None or process.returncode is None:
            return None
        self.process = None
        record(self.exits, process.returncode, self.failpoint, self._ending)
        return process.returncode

    async def stop(self) -> None:
        """SIGTERM, and wait for a clean stop."""
        process = self.process
        if process is None:
            return
        if process.returncode is None:
            self._ending = self._ending or "stop"
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        await self.reap()


async def run_once(env: dict[str, str], args: list[str], log: Path, exits: Exits,
                   failpoint: str | None) -> int:  # fmt: skip
    """Run a one-shot `sopbot` command (e.g. `remind`) to its end; its exit code."""
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sopbot(), *args, env={**env, "SOPBOT_FAILPOINT": failpoint or ""},
            stdout=out, stderr=out, cwd=log.parent,
        )  # fmt: skip
        code = await process.wait()
    record(exits, code, failpoint)
    return code


_KILLED = (-signal.SIGKILL, 128 + signal.SIGKILL)
_TERMINATED = (-signal.SIGTERM, 128 + signal.SIGTERM)


def record(exits: Exits, code: int, failpoint: str | None, ending: str | None = None) -> None:
    """Count how a process ended; `ending` is what the proof did to end it ("kill", "stop").

    Only a SIGKILL the crash plan sent counts as a kill -9 from outside. SIGTERM ends the
    process without cleanup only in the instant before Python has run the first line of
    `sopbot` (a stop right after a restart), and a stop that timed out ends in SIGKILL: both
    are the proof's own stop. A process killed by anything else is unexpected.
    """
    if code == EXIT_CODE and failpoint:
        stage = failpoint.partition(":")[0]
        exits.failpoints[stage] = exits.failpoints.get(stage, 0) + 1
    elif code == 0:
        exits.clean += 1
    elif ending == "kill" and code in _KILLED:
        exits.killed += 1
    elif ending == "stop" and code in _KILLED + _TERMINATED:
        exits.stopped += 1
    else:
        exits.other.append(code)


def base_env() -> dict[str, str]:
    """The environment without any SOPBOT_/TELEGRAM_/WHATSAPP_/DATABASE_ setting of the shell."""
    prefixes = ("SOPBOT_", "TELEGRAM_", "WHATSAPP_", "DATABASE_URL")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
