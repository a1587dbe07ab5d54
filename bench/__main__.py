"""`make bench` / `python -m bench`: every benchmark, each figure beside its baseline.

    python -m bench [--quick] [--only load,sweep] [--seconds 60] [--rate N] [--out FILE]

Every baseline is measured in the same run on the same machine; the figures, their ratios,
the goals and whether they are met are printed as they come and written to bench/RESULTS.md
with the machine's description. `--quick` is a sanity run of a few seconds per part (small
counts, short load), written to bench-output/RESULTS-quick.md unless `--out` says otherwise.
The processes' logs and the run's log are kept in bench-output/.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import approval, burst, documents, load, mixed, startup, sweep
from bench.processes import postgres_version
from bench.report import Figure, line, machine, markdown, say

OUTPUT = Path("bench-output")
RESULTS = Path("bench/RESULTS.md")
MODULES = (mixed, approval, load, sweep, burst, documents, startup)
PARTS = ("mixed", "approval", "load", "sweep", "burst", "documents", "startup")


def arguments(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a sanity run")
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run, of: {', '.join(PARTS)}",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="how long the offered load runs (default 60; 3 with --quick)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="offered load in commands/s (default: 1.8× one worker's burst)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--out", type=Path, default=None, help="where to write the results")
    parser.add_argument(
        "--output",
        type=Path,
        default=OUTPUT,
        help="folder for the logs and the databases (emptied first)",
    )
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    return args  # fmt: skip


def _log_to(path: Path) -> None:
    """The bot's own log lines (in-process parts) go to a file, not between the figures."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)


async def main(args: argparse.Namespace) -> int:
    """Run the chosen parts; 1 if a part failed."""
    quick = args.quick
    seconds = args.seconds or (3.0 if quick else 60.0)
    version = "" if args.no_postgres else await postgres_version()
    postgres = bool(version)
    described = machine(version)
    say("Machine: " + "; ".join(described))
    runs: dict[str, Callable[[], Awaitable[list[Figure]]]] = {
        "mixed": lambda: mixed.run(say, quick),
        "approval": lambda: approval.run(say, quick),
        "load": lambda: load.run(say, quick, seconds, args.rate, postgres, args.output / "load"),
        "sweep": lambda: sweep.run(say, quick, postgres, args.output / "sweep"),
        "burst": lambda: burst.run(say, quick),
        "documents": lambda: documents.run(say, quick),
        "startup": lambda: startup.run(say, quick, args.output / "startup"),
    }
    started_at, started = datetime.now(UTC), time.monotonic()
    figures: list[Figure] = []
    notes: list[str] = []
    failed = False
    for part in [p for p in PARTS if p in args.only.split(",")]:
        say(f"\n{part} …")
        part_started = time.monotonic()
        try:
            found = await runs[part]()
        except Exception:
            failed = True
            trace = traceback.format_exc()
            say(trace)
            notes.append(f"{part} failed: {trace.strip().splitlines()[-1]}")
            continue
        for figure in found:
            say(line(figure))
        say(f"  ({time.monotonic() - part_started:.0f} s)")
        figures += found
    if not postgres:
        notes.append("PostgreSQL did not answer (TEST_DATABASE_URL): its figures are missing.")
    write(args, figures, described, notes, started_at, time.monotonic() - started)
    return 1 if failed else 0


def _how(doc: str) -> str:
    """A part's module docstring after its title line, as one paragraph."""
    return " ".join(doc.split("\n\n", 1)[-1].split())


def prepare(output: Path) -> None:
    """An empty output folder with the run's log in it."""
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    _log_to(output / "bench.log")


def write(args: argparse.Namespace, figures: list[Figure], described: list[str],
          notes: list[str], started_at: datetime, elapsed: float) -> None:  # fmt: skip
    """The results file, and the summary line."""
    logged = (args.output / "bench.log").read_text(errors="replace").count(" ERROR ")
    notes.append(f"Errors logged by the bot in the in-process parts: {logged} "
                 f"({args.output}/bench.log; the processes' logs are beside it).")  # fmt: skip
    command = " ".join(["python -m bench", *sys.argv[1:]])
    out = args.out or (args.output / "RESULTS-quick.md" if args.quick else RESULTS)
    out.parent.mkdir(parents=True, exist_ok=True)
    how = {module.PART: _how(module.__doc__ or "") for module in MODULES}
    out.write_text(markdown(figures, described, notes, command, started_at, elapsed, how))
    missed = sum(1 for f in figures if f.met is False)
    say(f"\n{len(figures)} figures in {elapsed / 60:.1f} min; goals missed: {missed}; "
        f"written to {out}")  # fmt: skip


if __name__ == "__main__":
    options = arguments(sys.argv[1:])
    prepare(options.output)
    sys.exit(asyncio.run(main(options)))
