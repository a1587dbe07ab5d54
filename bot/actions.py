"""Compact, channel-neutral encoding of a button press (Telegram callback data, WhatsApp id)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import StaleAction

MAX_BYTES = 64

VERBS = {
    "ap": "approve",
    "kb": "return",
    "sl": "complete",
    "sp": "submit",
    "lw": "skip",
}
_CODES = {name: code for code, name in VERBS.items()}


@dataclass(frozen=True)
class Action:
    verb: str
    case_id: int
    step_number: int
    version: int


def encode(verb: str, case_id: int, step_number: int, version: int) -> str:
    """`ap:42:7:3`: verb, case id, SOP step number and task version, within 64 bytes."""
    data = f"{_CODES[verb]}:{case_id}:{step_number}:{version}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("action does not fit in 64 bytes")
    return data


def decode(data: str) -> Action:
    """Parse encoded action data, or raise StaleAction for anything malformed."""
    parts = data.split(":")
    if len(parts) != 4 or parts[0] not in VERBS:
        raise StaleAction()
    try:
        case_id, step_number, version = (int(p) for p in parts[1:])
    except ValueError:
        raise StaleAction() from None
    if min(case_id, step_number, version) < 0:
        raise StaleAction()
    return Action(VERBS[parts[0]], case_id, step_number, version)
