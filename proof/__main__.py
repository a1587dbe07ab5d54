"""`python -m proof`: crash the real bot at seeded points and check that nothing was lost.

    python -m proof --kills 1000 --external 100          # what `make proof` runs
    python -m proof --kills 50 --external 10             # the short version CI runs
    python -m proof --backends sqlite --seed 123456 ...  # replay a failing seed
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sys
import time
from pathlib import Path

import typer

from proof.crash import LaneResult, Target, crash_lane
from proof.faults import FaultReport, fault_mixes

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"

cli = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@cli.command()
def main(
    kills: int = typer.Option(1000, help="Crashes at failpoints per backend."),
    external: int = typer.Option(100, help="kill -9 from outside per backend."),
    backends: str = typer.Option("sqlite,postgres", help="sqlite, postgres or both."),
    lanes: int = typer.Option(2, help="Lanes run side by side per backend."),
    seed: int = typer.Option(None, help="Replay: the seed a failing run printed."),
    faults: bool = typer.Option(True, help="Also run the fault mixes."),
    commands: int = typer.Option(6, help="Commands per official in each fault mix."),
    out: Path = typer.Option(Path("proof-output"), help="Logs and databases go here."),
) -> None:
    """Run the proof and print what it found; exit 1 if anything was lost or doubled."""
    seed = seed if seed is not None else random.SystemRandom().randrange(10**9)
    shutil.rmtree(out, ignore_errors=True)
    postgres = os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES)
    ok = asyncio.run(_run(kills, external, backends.split(","), lanes, seed,
                          commands if faults else 0, out.resolve(), postgres))  # fmt: skip
    raise typer.Exit(0 if ok else 1)


async def _run(kills: int, external: int, backends: list[str], lanes: int, seed: int,
               commands: int, out: Path, postgres: str) -> bool:  # fmt: skip
    ok = True
    for backend in backends:
        started = time.monotonic()
        target = Target(-(-kills // lanes), -(-external // lanes))
        seeds = [seed + index for index in range(lanes)]
        results = await asyncio.gather(*(
            crash_lane(out / backend / f"lane{index}", backend, postgres, lane_seed, target)
            for index, lane_seed in enumerate(seeds)
        ))  # fmt: skip
        ok &= _print_crashes(backend, results, time.monotonic() - started)
        if commands:
            report = await fault_mixes(out / backend / "faults", backend, postgres, seed, commands)
            ok &= _print_faults(backend, report)
    print("all held" if ok else f"FAILED: replay with --seed {seed} --backends ...")
    return ok


def _print_crashes(backend: str, results: list[LaneResult], seconds: float) -> bool:
    crashes: dict[str, int] = {}
    for result in results:
        for stage, count in result.exits.failpoints.items():
            crashes[stage] = crashes.get(stage, 0) + count
    total = sum(crashes.values())
    killed = sum(r.exits.killed for r in results)
    verdicts = [r.verdict for r in results]
    print(f"\n== {backend}: {len(results)} lanes, {sum(r.cases for r in results)} whole cases, "
          f"{seconds / 60:.1f} min")
    print(f"kill points run: {total} at failpoints, {killed} kill -9 from outside")
    for stage in sorted(crashes):
        print(f"  {stage:18} {crashes[stage]}")
    stopped = sum(r.exits.stopped for r in results)
    if stopped:
        print(f"  ended by the proof's own stop before a clean stop: {stopped}")
    others = [code for r in results for code in r.exits.other]
    if others:
        print(f"  unexpected exit codes: {others}")
    print(f"user actions: {sum(v.actions for v in verdicts)}, "
          f"lost {sum(v.actions_lost for v in verdicts)}, "
          f"doubled {sum(v.actions_doubled for v in verdicts)}")
    print(f"messages: {sum(v.messages for v in verdicts)}, "
          f"lost {sum(v.messages_lost for v in verdicts)}, "
          f"doubled {sum(v.messages_doubled for v in verdicts)} "
          f"(sends whose outcome was unknown: {sum(v.unknown_sends for v in verdicts)}, "
          f"each logged)")
    ok = not others
    for result in results:
        for failure in result.verdict.failures[:20]:
            print(f"  FAIL (seed {result.seed}): {failure}")
        ok &= result.verdict.ok
    return ok


def _print_faults(backend: str, report: FaultReport) -> bool:
    print(f"fault mixes ({backend}):")
    for line in report.lines():
        print(f"  {line}")
    return report.ok


if __name__ == "__main__":
    sys.exit(cli())
