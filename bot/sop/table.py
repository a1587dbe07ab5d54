"""The SOP as a plain-text table for a terminal (`sopbot sop show`)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from bot.sop.model import DecisionKind, Sop, Step

WIDTH = 140
_GAP = "  "
# Heading and share of the room left once the unwrapped columns (share 0) have their width.
_COLUMNS = (
    ("No", 0),
    ("Kode", 0),
    ("Kegiatan", 4),
    ("Pelaksana", 3),
    ("Kelengkapan", 3),
    ("Mutu baku", 0),
    ("Output", 3),
    ("Keputusan/lanjut", 0),
)
_MAX_FIXED = 26
_DECISION_WORDS = {DecisionKind.APPROVE: "setuju", DecisionKind.RETURN: "kembali"}

Cell = list[str]


def render_table(sop: Sop) -> str:
    """The SOP's steps as a text table, headed by its number and title, ending with the total."""
    rows = [_row(sop, step) for step in sop.steps]
    widths = _widths([[[heading] for heading, _ in _COLUMNS], *rows])
    rule = _GAP.join("-" * width for width in widths)
    lines = [f"SOP {sop.number}: {sop.title}", sop.organisation, ""]
    lines += _render_row([[heading] for heading, _ in _COLUMNS], widths)
    lines.append(rule.replace("-", "="))
    for row in rows:
        lines += _render_row(row, widths)
        lines.append(rule)
    notes = _notes(sop)
    if notes:
        lines += ["Keterangan:", *notes, ""]
    rules = _time_rules(sop)
    if rules:
        lines += ["Aturan waktu isian:", *rules, ""]
    total = sop.total_mutu_baku.text if sop.total_mutu_baku else "tidak ditetapkan"
    lines.append(f"Total mutu baku: {total}")
    return "\n".join(lines)


def _row(sop: Sop, step: Step) -> list[Cell]:
    performers = [sop.roles[step.performer].title]
    performers += [f"dengan {sop.roles[role].title}" for role in step.participants]
    outputs = [sop.artifact_label(key) for key in step.produces]
    outputs += [
        f"{sop.artifact_label(key)} (bila {_DECISION_WORDS[decision.kind]})"
        for decision in step.decisions
        for key in decision.records
        if key not in step.produces
    ]
    return [
        [str(step.number)],
        [step.code],
        [step.title],
        performers,
        _items(sop.artifact_label(key) for key in step.needs),
        [step.mutu_baku.text],
        _items(outputs),
        _next(sop, step),
    ]


def _items(labels: Iterable[str]) -> Cell:
    items = list(labels)
    if not items:
        return ["-"]
    return items if len(items) == 1 else [f"- {item}" for item in items]


def _next(sop: Sop, step: Step) -> Cell:
    if step.decisions:
        return [f"{_DECISION_WORDS[d.kind]} → {_target(sop, d.goto)}" for d in step.decisions]
    return ["selesai" if step.goto is None else f"→ {_target(sop, step.goto)}"]


def _target(sop: Sop, code: str | None) -> str:
    return "selesai" if code is None else str(sop.step(code).number)


def _widths(rows: list[list[Cell]]) -> list[int]:
    widths = []
    for column, (_, share) in enumerate(_COLUMNS):
        items = [item for row in rows for item in row[column]]
        if share == 0:
            widths.append(min(_MAX_FIXED, max(len(item) for item in items)))
        else:  # at least the longest word, so that no word is cut
            widths.append(max(len(word) + 2 for item in items for word in item.split()))
    room = max(0, WIDTH - sum(widths) - len(_GAP) * (len(_COLUMNS) - 1))
    shares = sum(share for _, share in _COLUMNS)
    extra = [room * share // shares for _, share in _COLUMNS]
    return [width + more for width, more in zip(widths, extra, strict=True)]


def _render_row(row: list[Cell], widths: list[int]) -> list[str]:
    wrapped = [_wrap(cell, width) for cell, width in zip(row, widths, strict=True)]
    height = max(len(lines) for lines in wrapped)
    lines = []
    for index in range(height):
        parts = [
            (cell[index] if index < len(cell) else "").ljust(width)
            for cell, width in zip(wrapped, widths, strict=True)
        ]
        lines.append(_GAP.join(parts).rstrip())
    return lines


def _wrap(cell: Cell, width: int) -> list[str]:
    lines: list[str] = []
    for item in cell:
        indent = "  " if item.startswith("- ") else ""
        lines += textwrap.wrap(item, width, subsequent_indent=indent) or [""]
    return lines


def _notes(sop: Sop) -> list[str]:
    notes: list[str] = []
    for step in sop.steps:
        indent = " " * len(f"No {step.number}: ")
        for text in _step_notes(sop, step):
            notes += textwrap.wrap(f"No {step.number}: {text}", WIDTH, subsequent_indent=indent)
    return notes


def _step_notes(sop: Sop, step: Step) -> list[str]:
    texts = []
    if step.precondition is not None:
        when = ", ".join(
            f"mitra {sop.partner_kinds.get(value, value)}" if key == "partner_kind" else value
            for key, value in step.precondition.when.items()
        )
        needed = "; ".join(sop.artifact_label(key) for key in step.precondition.requires)
        texts.append(
            f"Bila {when}: dimulai setelah ada {needed}."
            if when
            else f"Dimulai setelah ada {needed}."
        )
    if step.clock_starts_at is not None:
        texts.append(f"Mutu baku dihitung sejak {sop.artifact_label(step.clock_starts_at)}.")
    if step.assigns:
        texts.append(f"Menunjuk {', '.join(sop.roles[role].title for role in step.assigns)}.")
    for decision in step.decisions:
        if decision.kind is DecisionKind.RETURN and decision.fix_time is not None:
            to = _target(sop, decision.goto)
            texts.append(
                f"Bila dikembalikan: waktu perbaikan {decision.fix_time.text} (langkah {to})."
            )
    if step.note:
        texts.append(step.note)
    return texts


_LIMIT_NAMES = {"now": "saat diisi", "deadline": "batas waktu langkahnya"}


def _time_rules(sop: Sop) -> list[str]:
    """What each date or document may not precede or follow, as the chat enforces it."""
    lines = []
    for artifact in sop.artifacts.values():
        parts = [
            f"{words} {' dan '.join(_limit(sop, name) for name in names)}"
            for words, names in (("tidak sebelum", artifact.not_before),
                                 ("tidak sesudah", artifact.not_after))
            if names
        ]  # fmt: skip
        if artifact.office_hours:
            parts.append("hanya pada hari dan jam kerja")
        if parts:
            text = f"- {artifact.label}: {'; '.join(parts)}."
            lines += textwrap.wrap(text, WIDTH, subsequent_indent="  ")
    return lines


def _limit(sop: Sop, name: str) -> str:
    return _LIMIT_NAMES.get(name) or sop.artifact_label(name)
