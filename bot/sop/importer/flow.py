"""Settle what needs every step known: step codes, decisions and where each one goes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.sop.importer.roles import Column, named
from bot.sop.importer.steps import Check, StepDraft
from bot.sop.importer.wording import nominal
from bot.texts import t


def name_steps(steps: Sequence[StepDraft]) -> None:
    """Codes from the activities' verbs; a code used twice gets the performer, then the number."""
    bases = [nominal(step.title) for step in steps]
    pairs = [(base, step.performer) for base, step in zip(bases, steps, strict=True)]
    taken: set[str] = set()
    for step, base in zip(steps, bases, strict=True):
        code = base
        if bases.count(base) > 1:
            code = f"{base}_{step.performer}"
            if pairs.count((base, step.performer)) > 1:
                code = f"{code}_{step.number}"
        if code in taken:
            code = f"{code}_{step.number}"
        step.code = code
        taken.add(code)


def decisions(
    steps: Sequence[StepDraft], columns: Sequence[Column], checks: list[Check]
) -> dict[int, list[dict[str, Any]]]:
    """The decisions of each review step (by index): approve goes on, return goes back."""
    found: dict[int, list[dict[str, Any]]] = {}
    for index, step in enumerate(steps):
        if step.review is None:
            continue
        following = steps[index + 1] if index + 1 < len(steps) else None
        where = ("steps", index, "decisions")
        approve: dict[str, Any] = {
            "kind": "approve",
            "label": step.review.approve_label or t("import.label.approve"),
            "goto": following.code if following else None,
        }
        if step.produces and step.needs:
            approve["records"] = list(step.produces)
        target = named(columns, step.review.approve_to) if step.review.approve_to else None
        if target is not None and following is not None and target.key != following.performer:
            checks.append(Check((*where, 0), f"{step.row}: " + t(
                "import.check.approve_target", written=step.review.approve_to,
                title=_title(columns, following.performer))))  # fmt: skip
        returned = {
            "kind": "return",
            "label": step.review.return_label or t("import.label.return"),
            "goto": _return_to(steps, index, columns, checks),
            "note_required": True,
        }
        found[index] = [approve, returned]
    return found


def _return_to(
    steps: Sequence[StepDraft], index: int, columns: Sequence[Column], checks: list[Check]
) -> str:
    """The latest earlier step of the role the case goes back to; else the step before."""
    step = steps[index]
    assert step.review is not None
    written = step.review.return_to
    role = named(columns, written) if written else None
    earlier = [s for s in steps[:index] if role is not None and s.performer == role.key]
    if earlier:
        return earlier[-1].code
    fallback = steps[index - 1] if index > 0 else step
    where = ("steps", index, "decisions", 1)
    if written:
        text = t("import.check.return_target", written=written, number=fallback.number)
    else:
        text = t("import.check.return_unnamed", number=fallback.number)
    checks.append(Check(where, f"{step.row}: {text}"))
    return fallback.code


def _title(columns: Sequence[Column], key: str) -> str:
    return next(column.title for column in columns if column.key == key)
