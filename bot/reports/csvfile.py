"""The compliance figures as CSV: one row per step run, for spreadsheets.

Column names are stable identifiers (they are data, not prose); times are ISO 8601 in WIB;
minutes are office minutes. Semicolon-free values are not assumed: the csv module quotes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from bot.clock import JAKARTA
from bot.reports.figures import CaseReport, RunFigures

COLUMNS = (
    "perkara",
    "mitra",
    "status_perkara",
    "no_langkah",
    "kode_langkah",
    "putaran",
    "pelaksana",
    "atas_nama",
    "jenis_pelimpahan",
    "mulai",
    "batas_waktu",
    "selesai",
    "hasil",
    "mutu_baku",
    "menit_mutu_baku",
    "menit_aktual",
    "hari_kerja_mutu_baku",
    "hari_kerja_aktual",
    "menit_terlambat",
    "kelengkapan_ada",
    "output_ada",
    "penyimpangan",
    "alasan",
    "catatan",
)


def _iso(at: datetime | None) -> str:
    return at.astimezone(JAKARTA).isoformat(timespec="minutes") if at else ""


def _flag(value: bool | None) -> str:
    return "" if value is None else ("ya" if value else "tidak")


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _row(case: CaseReport, run: RunFigures) -> list[str]:
    return [
        case.ref,
        case.partner,
        case.status.value,
        str(run.number),
        run.step_code,
        str(run.round),
        run.performer,
        run.acting_for or "",
        run.delegation_kind or "",
        _iso(run.started_at),
        _iso(run.due_at),
        _iso(run.finished_at),
        run.outcome.value if run.outcome else "",
        run.mutu_baku,
        str(run.planned_minutes),
        str(run.actual_minutes),
        _number(run.planned_days),
        _number(run.actual_days),
        str(run.late_minutes),
        _flag(run.kelengkapan_ok),
        _flag(run.output_ok),
        " | ".join(d.detail for d in run.deviations),
        " | ".join(d.reason or "" for d in run.deviations),
        run.note or "",
    ]


def to_csv(reports: Iterable[CaseReport]) -> bytes:
    """UTF-8 CSV (with BOM, so spreadsheet programs read the accents) of every run."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for case in reports:
        writer.writerows(_row(case, run) for run in case.runs)
    return out.getvalue().encode("utf-8-sig")
