"""4. The reminder sweep over 10,000 open cases, on SQLite and PostgreSQL.

One case is opened through the workflow service (its step run, artefacts and reminder plan
are what the bot writes); the other 9,999 are copies of its rows with new ids and references,
each opened 6 s after the one before (over 16.7 hours), so that a minute's worth of reminders
falls due in any minute. Figures: the periodic tick
(`Periodic.tick`, what `sopbot run` runs every SOPBOT_SWEEP_SECONDS and `sopbot remind` once:
reminders, digest, failure counts) one minute after the one before, and the first tick after
the bot was away for the first half hour of the day, which finds that half hour's reminders
due at once (informational). Baseline: the
bare claim of the same due rows (one UPDATE … RETURNING, rolled back) on the same database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select, text, update

from bench.processes import Rig
from bench.report import Figure, Say
from bot.bootstrap.app import App, build_app
from bot.clock import JAKARTA, FixedClock
from bot.periodic import Periodic, TickReport
from storage.models import Base, ReminderRow
from tests.office import MONDAY_MORNING, Office

PART = "4. Reminder sweep, 10,000 open cases"
SPAN_SECONDS = 60_000  # the copies are opened over the 16.7 hours after the original
FIRST_TICK = datetime(2026, 3, 2, 9, 30, tzinfo=JAKARTA)
CHUNK = 1000


async def _template(app: App) -> int:
    office = Office(app.uow, app.files, app.clock, app.sop)  # type: ignore[arg-type]
    office.workflow, office.admin = app.workflow, app.admin
    await office.hire()
    case = await office.open()
    return case.id or 0


def _case_tables() -> list[Table]:
    """The cases table and every table that belongs to a case, parents first."""
    return [t for t in Base.metadata.sorted_tables if t.name == "cases" or "case_id" in t.c]


@dataclass
class Copier:
    """Copies of one case's rows: new ids, new references, moved in time."""

    template: dict[str, list[dict[str, Any]]]
    last_id: dict[str, int]  # per table, the highest id given so far
    copies: int
    new_ids: dict[tuple[str, int, int], int] = field(default_factory=dict)

    def rows(self, table: Table, n: int) -> list[dict[str, Any]]:
        """Copy `n` of the table's rows of the case."""
        shift = timedelta(seconds=n * SPAN_SECONDS / self.copies)
        out = []
        for row in self.template[table.name]:
            new: dict[str, Any] = {
                k: (v + shift if isinstance(v, datetime) else v) for k, v in row.items()
            }
            if "id" in new:
                self.last_id[table.name] += 1
                new["id"] = self.last_id[table.name]
                self.new_ids[(table.name, n, row["id"])] = new["id"]
            if table.name == "cases":
                new["ref"] = f"KB-BENCH-{n:05d}"
            else:
                new["case_id"] = self.new_ids[("cases", n, row["case_id"])]
            if new.get("step_run_id") is not None:
                new["step_run_id"] = self.new_ids[("step_runs", n, row["step_run_id"])]
            if "document_id" in new:
                new["document_id"] = None  # a case at step 1 has no documents
            out.append(new)
        return out


async def clone(app: App, case_id: int, copies: int) -> None:
    """`copies` copies of the case's rows, each moved in time by its own offset."""
    tables = [t for t in Base.metadata.sorted_tables if t.name == "cases" or "case_id" in t.c]
    async with app.engine.begin() as connection:
        template: dict[str, list[dict[str, Any]]] = {}
        last_id: dict[str, int] = {}
        for table in tables:
            key = table.c.id if table.name == "cases" else table.c.case_id
            rows = (await connection.execute(select(table).where(key == case_id))).mappings()
            template[table.name] = [dict(row) for row in rows]
            if "id" in table.c:
                highest = await connection.scalar(select(func.max(table.c.id)))
                last_id[table.name] = int(highest or 0)
        copier = Copier(template, last_id, copies)
        for start in range(1, copies + 1, CHUNK):
            for table in tables:
                rows = [r for n in range(start, min(copies + 1, start + CHUNK))
                        for r in copier.rows(table, n)]  # fmt: skip
                if rows:
                    await connection.execute(insert(table), rows)
        if connection.dialect.name == "postgresql":  # explicit ids: move the sequences on
            for table in tables:
                if "id" in table.c:
                    await connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"))  # fmt: skip


async def bare_claim(app: App, at: datetime) -> tuple[float, int]:
    """Seconds for the plain UPDATE that claims the rows due at `at`, and how many (undone)."""
    started = time.perf_counter()
    async with app.engine.connect() as connection:
        transaction = await connection.begin()
        claimed = await connection.execute(
            update(ReminderRow)
            .where(ReminderRow.status == "pending", ReminderRow.due_at <= at)
            .values(status="sent", sent_at=at)
            .returning(ReminderRow.id)
        )
        count = len(claimed.all())
        await transaction.rollback()
    return time.perf_counter() - started, count


async def tick(app: App, at: datetime) -> tuple[float, TickReport]:
    """One periodic tick as of `at`: seconds and what it did."""
    periodic = Periodic(app.workflow, None, clock=FixedClock(at))
    started = time.perf_counter()
    report = await periodic.tick()
    return time.perf_counter() - started, report


async def measure(folder: Path, backend: str, cases: int) -> tuple[list[float], list[Any]]:
    """Seed, then the bare claim and the tick: first after an absence, then a minute later."""
    rig = Rig(folder, backend)
    await rig.open()
    try:
        app = await build_app(rig.settings, FixedClock(MONDAY_MORNING))
        try:
            started = time.perf_counter()
            await clone(app, await _template(app), cases - 1)
            seeded = time.perf_counter() - started
            figures: list[float] = [seeded]
            reports: list[Any] = []
            for at in (FIRST_TICK, FIRST_TICK + timedelta(minutes=1)):
                bare, due = await bare_claim(app, at)
                seconds, report = await tick(app, at)
                figures += [bare, seconds]
                reports.append((due, report))
            return figures, reports
        finally:
            await app.close()
    finally:
        await rig.close()


async def run(say: Say, quick: bool, postgres: bool, folder: Path) -> list[Figure]:
    """Both databases (PostgreSQL when it answers)."""
    cases = 500 if quick else 10_000
    figures: list[Figure] = []
    lanes = [("SQLite", "sqlite")] + ([("PostgreSQL", "postgres")] if postgres else [])
    for label, backend in lanes:
        (seeded, bare1, first, bare2, steady), reports = await measure(
            folder / f"sweep-{backend}", backend, cases)  # fmt: skip
        (due1, report1), (due2, report2) = reports
        say(f"    {label}: {cases} cases seeded in {seeded:.1f} s; first tick {report1}; "
            f"a minute later {report2}")  # fmt: skip
        figures += [
            Figure(PART, f"{label}: periodic tick, {due2} reminders due", steady, "s", bare2,
                   "bare claim of those rows", "< 1 s", steady < 1.0),
            Figure(PART, f"{label}: first tick after an absence, {due1} reminders due", first,
                   "s", bare1, "bare claim of those rows",
                   note=f"{report1.swept.queued} messages queued, "
                   f"{report1.swept.superseded} superseded"),
        ]  # fmt: skip
    return figures
