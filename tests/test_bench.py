"""`python -m bench --quick`: every part of the benchmark runs and reports its figures.

Each part runs as `make bench` runs it, in a process of its own, with small counts; the test
checks what a reader of bench/RESULTS.md relies on (a figure beside its baseline, a ratio,
the goal and whether it is met), not how fast this machine is.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# part -> (its heading in RESULTS.md, figures it must report, a figure with a goal, if any)
PARTS = {
    "mixed": ("1. Mixed traffic", 1, "mixed traffic"),
    "approval": ("2. Approval latency", 4, "p95"),
    "load": ("3. Offered load, 1/2/4 workers", 3, "SQLite, 1 worker: lost"),
    "sweep": ("4. Reminder sweep, 10,000 open cases", 2, "SQLite: periodic tick"),
    "burst": ("5. Outbox burst", 4, "most messages to one chat in any sliding second"),
    "documents": ("6. Documents", 8, None),  # the issue sets no goal: documents per second
    "startup": ("7. Start-up and memory", 4, "idle RSS"),
}
ROW = re.compile(r"^\| (?P<name>[^|]+) \| (?P<value>[^|]+) \| (?P<base>[^|]+) \| "
                 r"(?P<ratio>[^|]+) \| (?P<goal>[^|]+) \| (?P<met>[^|]+) \|$")  # fmt: skip


def quick(part: str, folder: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """`python -m bench --quick --only PART`; its output and the results file."""
    out = folder / "RESULTS.md"
    command = [sys.executable, "-m", "bench", "--quick", "--only", part, "--seconds", "2",
               "--out", str(out), "--output", str(folder / "output")]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    return done, out.read_text() if out.exists() else ""


def section(results: str, heading: str) -> list[dict[str, str]]:
    """The table rows under `## heading`."""
    rows, inside = [], False
    for line in results.splitlines():
        if line.startswith("## "):
            inside = line == f"## {heading}"
        elif inside and (match := ROW.match(line)) and match["name"] != "figure":
            rows.append({k: v.strip() for k, v in match.groupdict().items()})
    return rows


@pytest.mark.parametrize("part", list(PARTS))
def test_quick_run_of_each_part_reports_its_figures_beside_their_baselines(part, tmp_path):
    heading, count, with_goal = PARTS[part]

    done, results = quick(part, tmp_path)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "failed" not in results
    assert "## Machine" in results and "CPU:" in results and "SQLite:" in results
    rows = section(results, heading)
    measured = [r for r in rows if r["value"] != "n/a"]
    assert len(measured) >= count, results
    assert all(re.match(r"^[\d,.]+", r["value"]) for r in measured), rows
    assert any(r["ratio"].endswith("×") for r in measured), rows
    if with_goal is not None:
        goal = next(r for r in rows if with_goal in r["name"])
        assert goal["goal"] != "—" and goal["met"] in ("met", "MISSED"), goal
