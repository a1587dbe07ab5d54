"""The timeline chart of a case: planned (mutu baku) against actual time per step run.

The axis is office time (hours inside office hours since the first step started), so nights,
weekends and holidays do not stretch the bars. matplotlib is used through its object API with
the Agg canvas: no pyplot, no global backend switch, no display needed.
"""

from __future__ import annotations

import io

from bot.reports.figures import CaseReport, RunFigures
from bot.texts import t

PLANNED = "#c8c8c8"
ON_TIME = "#2b6cb0"
LATE = "#c53030"
MIN_WIDTH_HOURS = 0.05  # a 15-minute step stays visible beside a 7-day one


def _label(run: RunFigures) -> str:
    if run.round > 1:
        return t("report.chart.run_round", number=run.number, round=run.round)
    return t("report.chart.run", number=run.number)


def timeline_png(report: CaseReport, *, dpi: int = 150) -> bytes:
    """A PNG bar chart: for each run, its planned and its actual office time."""
    from matplotlib.artist import Artist
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    runs = report.runs
    figure = Figure(figsize=(10, 1.6 + 0.42 * max(len(runs), 1)), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for row, run in enumerate(runs):
        start = run.offset_minutes / 60
        planned = max(run.planned_minutes / 60, MIN_WIDTH_HOURS)
        actual = max(run.actual_minutes / 60, MIN_WIDTH_HOURS)
        axes.barh(row - 0.18, planned, left=start, height=0.34, color=PLANNED)
        color = LATE if run.late_minutes else ON_TIME
        axes.barh(row + 0.18, actual, left=start, height=0.34, color=color)
    handles: list[Artist] = [
        Patch(color=PLANNED, label=t("report.chart.planned")),
        Patch(color=ON_TIME, label=t("report.chart.on_time")),
        Patch(color=LATE, label=t("report.chart.late")),
    ]
    if report.sop_total_minutes is not None:
        total = t("report.chart.total", total=report.sop_total or "")
        handles.append(
            axes.axvline(
                report.sop_total_minutes / 60, color=LATE, linestyle="--", lw=1, label=total
            )
        )
    axes.set_yticks(range(len(runs)), [_label(r) for r in runs], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel(t("report.chart.axis"), fontsize=9)
    axes.set_title(t("report.chart.title", ref=report.ref), fontsize=10)
    axes.grid(axis="x", linewidth=0.4, alpha=0.5)
    axes.legend(handles=handles, fontsize=8, loc="lower right")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
