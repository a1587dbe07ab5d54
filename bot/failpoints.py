"""Crash points for the proof that nothing is lost: exit hard at a named stage boundary.

`make proof` starts `sopbot run` with SOPBOT_FAILPOINT=`<stage>:<n>`; the n-th time the process
passes that stage it ends at once with `os._exit`, without cleanup, as a power cut or `kill -9`
would. Unset (always, in production) `reached` does nothing.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

# Every boundary between two durable steps of an update, a message and a reminder.
STAGES = (
    "update.fetched",  # a batch came from the platform, not yet stored
    "update.stored",  # stored, not yet confirmed to the platform
    "update.claimed",  # a worker took it, not yet handled
    "update.handled",  # handled inside its transaction, not yet committed
    "update.committed",  # committed, the button's spinner not yet answered
    "outbox.claimed",  # a message taken to be sent, not yet sent
    "outbox.sent",  # the platform accepted it, not yet recorded
    "outbox.marked",  # recorded as sent
    "reminder.claimed",  # due reminders taken and their messages queued, not yet committed
    "reminder.queued",  # committed
)
EXIT_CODE = 86


@dataclass
class _Plan:
    stage: str
    remaining: int


_plan: _Plan | None = None


def parse(spec: str) -> tuple[str, int]:
    """`outbox.sent:3` → ("outbox.sent", 3); anything else is refused."""
    stage, _, count = spec.strip().partition(":")
    if stage not in STAGES or not count.isdigit() or int(count) < 1:
        raise ValueError(f"expected <stage>:<n> with a stage of {', '.join(STAGES)}")
    return stage, int(count)


def arm(spec: str | None) -> None:
    """Exit at the n-th pass of a stage: `outbox.sent:3`. None or blank disarms."""
    global _plan
    if not spec or not spec.strip():
        _plan = None
        return
    _plan = _Plan(*parse(spec))


def reached(stage: str) -> None:
    """Mark a pass of `stage`; the armed pass ends the process on the spot."""
    plan = _plan
    if plan is None or plan.stage != stage:
        return
    plan.remaining -= 1
    if plan.remaining == 0:
        sys.stderr.write(f"failpoint {stage} reached: exiting\n")
        sys.stderr.flush()
        os._exit(EXIT_CODE)
