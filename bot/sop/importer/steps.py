"""Turn the rows of an activity table into steps: performer, needs, produces, mutu baku, notes.

What a row leaves open is written down as a `Check` at the YAML key it concerns, with the row
it came from; the step still gets a value the loader accepts (a placeholder where needed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.sop.importer.artifacts import Artifacts, contained, guess_kind
from bot.sop.importer.cells import Signal
from bot.sop.importer.durations import read_duration
from bot.sop.importer.roles import Column, named
from bot.sop.importer.table import Activity, ActivityTable
from bot.sop.importer.wording import (
    Review,
    Wait,
    activity_title,
    companions,
    paragraph,
    review,
    split_items,
    wait,
)
from bot.texts import t

PLACEHOLDER_DURATION = "1 hari"
_ASSIGNING = re.compile(
    r"^(menugaskan|menunjuk|mendisposisikan|memerintahkan|menginstruksikan)\b", re.I
)
_MEETING = re.compile(r"\brapat\b", re.IGNORECASE)

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Check:
    """Something the importer could not decide: where in the draft, and what to look at."""

    path: Path
    text: str


@dataclass
class StepDraft:
    """A step as read from its row, before codes and decisions are settled."""

    activity: Activity
    row: str  # how checks name the row: "No 7"
    number: int
    title: str
    performer: str
    assigns: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    produces: list[str] = field(default_factory=list)
    mutu_baku: str = PLACEHOLDER_DURATION
    review: Review | None = None
    wait: Wait | None = None
    requires: str = ""  # the artifact a wait needs
    note: str = ""
    code: str = ""


class StepReader:
    """Reads the rows in order, naming artifacts as they first appear."""

    def __init__(self, table: ActivityTable, artifacts: Artifacts) -> None:
        self.table = table
        self.columns: Sequence[Column] = table.performers
        self.artifacts = artifacts
        self.intake: list[str] = []
        self.checks: list[Check] = []
        self.steps: list[StepDraft] = []

    def read(self) -> list[StepDraft]:
        """Every activity row as a step, in table order."""
        for activity in self.table.activities:
            self.steps.append(self._step(activity))
        return self.steps

    def check(self, path: Path, row: str, key: str, **params: Any) -> None:
        """Note something to look at, at `path`, as found in `row`."""
        self.checks.append(Check(path, f"{row}: {t(key, **params)}"))

    def _step(self, activity: Activity) -> StepDraft:
        index = len(self.steps)
        row = _row(activity)
        where: Path = ("steps", index)
        title = activity_title(activity.text)
        if not title:
            title = t("import.untitled", number=activity.number or activity.position)
            self.check((*where, "title"), row, "import.check.no_title")
        step = StepDraft(activity, row, self._number(activity, row, where), title, "")
        step.review = self._review(activity)
        self._performer(step, where)
        self._needs(step, index, where)
        self._produces(step, index, where)
        self._duration(step, where)
        self._keterangan(step, where)
        return step

    def _number(self, activity: Activity, row: str, where: Path) -> int:
        previous = self.steps[-1].number if self.steps else 0
        written = activity.number.rstrip(".)").strip()
        if written.isdigit() and int(written) > previous:
            return int(written)
        self.check((*where, "number"), row, "import.check.number",
                   written=activity.number, number=previous + 1)  # fmt: skip
        return previous + 1

    def _review(self, activity: Activity) -> Review | None:
        found = review(activity.text)
        if found is not None:
            return found
        # No decision wording, but a diamond, or both arrows' labels: a review all the same.
        signals = activity.signals
        both = any(s.returned for s in signals) and any(s.approve for s in signals)
        return Review("", "", "", "") if both or any(s.decision for s in signals) else None

    def _performer(self, step: StepDraft, where: Path) -> None:
        activity, title = step.activity, step.title
        pairs = list(zip(self.columns, activity.signals, strict=True))
        for column, cell in pairs:
            if cell.other and not cell.acts and not _labelled(cell):
                self.check((*where, "performer"), step.row, "import.check.unclear_mark",
                           text=cell.other, title=column.title)  # fmt: skip
        acting = [c for c, s in pairs if s.acts or (s.other and not _labelled(s))]
        labelled = [c for c, s in pairs if c not in acting and s.anything]
        excluded = self._targets(step.review)
        deciding = [c for c, s in pairs if s.decision and c.key not in excluded]
        candidates = deciding or [c for c in acting if c.key not in excluded]
        if not deciding and len(candidates) > 1:
            # A role the activity names ("Menugaskan Ketua Tim") is its object, not its performer.
            candidates = [c for c in candidates if not c.named_in(title)] or candidates
        candidates = candidates or [c for c in labelled if c.key not in excluded]
        if not candidates:
            fallback = self.steps[-1].performer if self.steps else self.columns[0].key
            self.check((*where, "performer"), step.row, "import.check.no_performer",
                       role=self._title(fallback))  # fmt: skip
            step.performer = fallback
            return
        step.performer = candidates[0].key
        for column in acting:
            if column is candidates[0] or column.key in excluded:
                continue
            if _ASSIGNING.match(title) and column.named_in(title):
                step.assigns.append(column.key)
                self.check((*where, "assigns"), step.row, "import.check.assigns",
                           title=column.title)  # fmt: skip
            else:
                self.check((*where, "performer"), step.row, "import.check.extra_mark",
                           title=column.title)  # fmt: skip
        who = companions(title)
        if who and named(self.columns, who) is None:
            self.check((*where, "performer"), step.row, "import.check.companions", who=who)

    def _targets(self, found: Review | None) -> set[str]:
        """Roles a decision sends the case to: they receive, they do not perform this row."""
        if found is None:
            return set()
        targets = (named(self.columns, w) for w in (found.return_to, found.approve_to) if w)
        return {column.key for column in targets if column is not None}

    def _title(self, key: str) -> str:
        return next(c.title for c in self.columns if c.key == key)

    def _needs(self, step: StepDraft, index: int, where: Path) -> None:
        for item in split_items(step.activity.kelengkapan):
            key = self.artifacts.find(item)
            if key is None and (close := self.artifacts.similar(item)) is not None:
                key = close
                self.check((*where, "needs"), step.row, "import.check.similar",
                           label=item, known=self.artifacts.label(close))  # fmt: skip
            if key is None and index == 0:
                key = self.artifacts.add(item, "any", None)
                self.intake.append(key)  # asked when a case is opened
            elif key is None:
                key = self.artifacts.add(item, guess_kind(item), None)
                self.check((*where, "needs"), step.row, "import.check.missing_output", label=item)
            if key not in step.needs:
                step.needs.append(key)

    def _produces(self, step: StepDraft, index: int, where: Path) -> None:
        for item in split_items(step.activity.output):
            key = self.artifacts.find(item)
            if key in step.needs:
                continue  # received and handed on: a review passes the same document along
            passed = next(
                (n for n in step.needs if contained(item, self.artifacts.label(n))), None
            )
            if key is None and passed is not None:
                self.artifacts.alias(item, passed)
                self.check((*where, "needs"), step.row, "import.check.passed_on",
                           label=item, known=self.artifacts.label(passed))  # fmt: skip
                continue
            if key is None and (close := self.artifacts.similar(item)) is not None:
                key = close
                self.check((*where, "produces"), step.row, "import.check.similar",
                           label=item, known=self.artifacts.label(close))  # fmt: skip
            if key is None:
                key = self.artifacts.add(item, guess_kind(item), index)
            elif self.artifacts.items[key].produced_by is None:
                self.artifacts.items[key].produced_by = index
            if key not in step.produces:
                step.produces.append(key)

    def _duration(self, step: StepDraft, where: Path) -> None:
        written = " ".join(step.activity.waktu.split())
        reading = read_duration(written)
        path = (*where, "mutu_baku")
        if reading.duration is None:
            key = "import.check.duration_unknown" if written else "import.check.duration_empty"
            self.check(path, step.row, key, written=written, placeholder=PLACEHOLDER_DURATION)
            return
        step.mutu_baku = reading.duration.text
        if reading.adjusted:
            self.check(path, step.row, "import.check.duration_adjusted",
                       written=written, duration=step.mutu_baku)  # fmt: skip
        if _MEETING.search(step.title) and reading.duration.is_working_time:
            self.check(path, step.row, "import.check.meeting")

    def _keterangan(self, step: StepDraft, where: Path) -> None:
        text = " ".join(step.activity.keterangan.split())
        if not text:
            return
        found = wait(text)
        if found is None:
            step.note = paragraph(text)
            return
        step.wait = found
        key = self.artifacts.find(found.thing)
        step.requires = key or self.artifacts.add(found.thing, "any", None)
        step.note = paragraph(text)


def _labelled(cell: Signal) -> bool:
    return cell.approve or cell.returned or cell.connector


def _row(activity: Activity) -> str:
    if activity.number:
        return t("import.row", number=activity.number)
    return t("import.row_position", position=activity.position)
