"""Compact, channel-neutral encoding of a button press (Telegram callback data, WhatsApp id).

`ap:42:7:3` is verb `ap` (approve) with integer arguments: case 42, SOP step 7, task version 3.
Every press is re-checked against the current state by the core, so the data only needs to
name what was pressed; a forged or malformed one decodes to StaleAction.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import StaleAction

MAX_BYTES = 64

# verb name -> (code, number of integer arguments)
VERBS: dict[str, tuple[str, int]] = {
    "approve": ("ap", 3),  # case, step number, task version
    "return": ("kb", 3),
    "complete": ("sl", 3),
    "submit": ("sp", 3),
    "skip": ("lw", 3),
    "confirm": ("ya", 3),  # the confirmed Selesai (a step that asks) or Setujui (a decision)
    "noted": ("yn", 3),  # case, step number, task version: the typed note or reason confirmed
    "checks": ("lc", 2),  # case, step number: the full draft check of the step's draft
    "input": ("in", 3),  # case, step number, artifact index in the SOP's artifact list
    "generate": ("tg", 3),  # same, but let the bot build the document from its template
    "pick": ("pk", 4),  # case, step number, role index, person id
    "date": ("dt", 3),  # case, step number, yyyymmdd
    "at": ("wk", 3),  # case, step number, yyyymmddhhmm: an offered time for the step's input
    "task": ("tk", 2),  # case, step number: show that task
    "amend": ("ub", 2),  # case, step number: the card lists its filled items to change
    "card": ("kt", 2),  # case, step number: the card again, in place of the pressed message
    "upload_to": ("ut", 3),  # case, step number, artifact index: file the pending upload there
    "kind": ("jp", 2),  # /baru: partner kind index, dialogue tag
    "sop": ("ps", 2),  # /baru with several SOPs: index among those offered, dialogue tag
    "toggle": ("pt", 3),  # case, step number, person id (choose meeting participants)
    "done": ("ok", 1),  # finish a multi-choice prompt: dialogue tag
    "cancel": ("bt", 1),  # cancel the pending dialogue: its tag (0: a question not stored)
    "resume": ("lj", 1),  # a second /baru: go on with the dialogue with that tag
    "abandon": ("tl", 1),  # a second /baru: leave the dialogue with that tag, start anew
    "channel": ("sr", 1),  # /saluran: index in CHANNELS, where notifications go
    "package": ("pa", 1),  # case: the finished case's records package (SRIKANDI)
    "unchanged": ("tp", 3),  # case, step number, task version: a returned draft kept as it is
}
# Buttons of a dialogue question: their last argument is the tag of the question they belong
# to (`Prompt.data["_tag"]`), so a button of a discarded dialogue does not act on a newer one.
PROMPT_BOUND = frozenset({"kind", "sop", "done", "cancel", "resume", "abandon"})
# Buttons whose first argument is a case id.
CASE_FIRST = frozenset(VERBS) - PROMPT_BOUND - {"channel"}
CHANNELS = ("telegram", "whatsapp")
_BY_CODE = {code: (name, arity) for name, (code, arity) in VERBS.items()}


@dataclass(frozen=True)
class Action:
    verb: str
    args: tuple[int, ...]


def encode(verb: str, *args: int) -> str:
    """Encode a press as `code:arg:arg…`, at most 64 bytes."""
    code, arity = VERBS[verb]
    if len(args) != arity:
        raise ValueError(f"{verb} takes {arity} arguments, got {len(args)}")
    data = ":".join([code, *(str(int(a)) for a in args)])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("action does not fit in 64 bytes")
    return data


def decode(data: str) -> Action:
    """Parse encoded action data, or raise StaleAction for anything malformed."""
    code, *parts = data.split(":")
    if code not in _BY_CODE or len(data.encode()) > MAX_BYTES:
        raise StaleAction()
    verb, arity = _BY_CODE[code]
    if len(parts) != arity or not all(p.isdigit() for p in parts):
        raise StaleAction()
    return Action(verb, tuple(int(p) for p in parts))
