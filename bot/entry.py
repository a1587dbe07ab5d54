"""The `sopbot` command's entry point: a SIGTERM while the command still imports is a clean stop.

Importing the command line takes a moment; until a command installs its own handlers (`sopbot
run` does, in `bot.startup`), a SIGTERM would end the process as killed. Nothing has begun
then, so a supervisor stopping it (systemd, docker, a restart) gets a clean exit instead.
"""

from __future__ import annotations

import signal
from types import FrameType


def _stop_while_starting(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main() -> None:
    """Run the `sopbot` command line."""
    signal.signal(signal.SIGTERM, _stop_while_starting)
    from bot.cli import app

    app()
