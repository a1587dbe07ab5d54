"""Figures of one benchmark run: printed beside their baselines and written to RESULTS.md."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """One measured figure beside the baseline measured in the same run.

    `ratio` is value / baseline unless given (some figures compare the other way round).
    `met` is None when the figure has no goal (informational).
    """

    part: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    goal: str = ""
    met: bool | None = None
    ratio: float | None = None
    note: str = ""

    @property
    def shown_ratio(self) -> str:
        """The ratio as printed, or a dash without a baseline."""
        ratio = self.ratio
        if ratio is None and self.baseline:
            ratio = self.value / self.baseline
        return "—" if ratio is None else f"{ratio:.2f}×"

    @property
    def verdict(self) -> str:
        """met / MISSED / — (no goal)."""
        return {True: "met", False: "MISSED", None: "—"}[self.met]


def number(value: float | None, unit: str = "") -> str:
    """A figure with sensible precision and its unit."""
    if value is None:
        return "—"
    if value != value:  # NaN: nothing measured
        return "n/a"
    if not unit and value == int(value):  # a count
        return f"{int(value):,}"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2 if abs(value) >= 1 else 3
    return f"{value:,.{digits}f} {unit}".strip()


def line(figure: Figure) -> str:
    """The printed line of a figure."""
    base = (
        f"{number(figure.baseline, figure.unit)} ({figure.baseline_name})"
        if figure.baseline is not None
        else "—"
    )
    goal = f"goal {figure.goal}: {figure.verdict}" if figure.goal else ""
    return (
        f"  {figure.name:<52} {number(figure.value, figure.unit):>14}   "
        f"baseline {base}   ratio {figure.shown_ratio}   {goal}"
    ).rstrip()


def _run(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip()


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or what the platform says)."""
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                return row.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> float:
    """Total memory in GiB."""
    try:
        for row in Path("/proc/meminfo").read_text().splitlines():
            if row.startswith("MemTotal:"):
                return int(row.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def machine(postgres_version: str) -> list[str]:
    """The machine's description, one item per line."""
    return [
        f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs",
        f"RAM: {ram_gib():.1f} GiB",
        f"OS: {platform.platform()}",
        f"Python: {sys.version.split()[0]} ({platform.python_implementation()})",
        f"SQLite: {sqlite3.sqlite_version}",
        f"PostgreSQL: {postgres_version or 'not reachable'}",
    ]


def markdown(
    figures: list[Figure],
    described: list[str],
    notes: list[str],
    command: str,
    started: datetime,
    seconds: float,
    how: dict[str, str] | None = None,
) -> str:
    """RESULTS.md: date, machine, then per part how it is measured and its table."""
    out = [
        "# sopbot benchmark results",
        "",
        f"Run `{command}` on {started.astimezone(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{seconds / 60:.1f} minutes in all. Every baseline was measured in the same run.",
        "",
        "## Machine",
        "",
        *[f"- {item}" for item in described],
        "",
    ]
    parts: dict[str, list[Figure]] = {}
    for figure in figures:
        parts.setdefault(figure.part, []).append(figure)
    for part, rows in parts.items():
        out += [f"## {part}", ""]
        if how and part in how:
            out += [how[part], ""]
        out += ["| figure | value | baseline | ratio | goal | met |",
                "|---|---|---|---|---|---|"]  # fmt: skip
        for f in rows:
            base = (f"{number(f.baseline, f.unit)} ({f.baseline_name})"
                    if f.baseline is not None else "—")  # fmt: skip
            name = f.name + (f" — {f.note}" if f.note else "")
            out.append(f"| {name} | {number(f.value, f.unit)} | {base} | {f.shown_ratio} | "
                       f"{f.goal or '—'} | {f.verdict} |")  # fmt: skip
        out.append("")
    if notes:
        out += ["## Notes", "", *[f"- {note}" for note in notes], ""]
    return "\n".join(out)


Say = Callable[[str], None]


def say(text: str) -> None:
    """Print at once (the run is long; progress matters)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
