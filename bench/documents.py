"""6. Building each kind of document, in documents per second.

The case is the tests' whole case (a late first step, two returns, a Plh approval), walked on
in-memory fakes; each builder of `bot.documents` (and the compliance chart) runs repeatedly on
it, as the bot runs it in a worker thread. Baseline: python-docx opening its default template,
adding one paragraph and saving it, the least any .docx costs.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import datetime

from docx import Document

from bench.report import Figure, Say
from bot.calendar import OfficeCalendar
from bot.clock import JAKARTA
from bot.config import Settings
from bot.documents import (
    DocumentSettings,
    Meeting,
    Minutes,
    laporan_kepatuhan,
    lembar_disposisi,
    lembar_persetujuan,
    notulen_rapat,
    rancangan_kb,
    surat_undangan,
)
from bot.documents.diff import diff_drafts, version_diff_docx
from bot.reports.chart import timeline_png
from bot.reports.figures import case_report
from tests.drafts import draft
from tests.fakes import FakeDB, MemoryFileStore, fake_uow_factory
from tests.office import Office
from tests.scenario import late_case_with_two_returns

PART = "6. Documents"
AT = datetime(2026, 3, 10, 9, 0, tzinfo=JAKARTA)


def bare_docx() -> bytes:
    """The baseline: one paragraph in python-docx's default document."""
    document = Document()
    document.add_paragraph("Kesepakatan Bersama")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def builders() -> dict[str, Callable[[], object]]:
    """Each kind's builder on the whole case."""
    office = await Office(fake_uow_factory(FakeDB()), MemoryFileStore()).hire()
    case = await late_case_with_two_returns(office)
    roster = await office.workflow.roster()
    settings = DocumentSettings.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    sop = office.sop
    meeting = Meeting.from_case(case, invitees=("Kepala Bappeda", "Rina Marlina, S.E."))
    people = ("Rina Marlina, S.E.",)
    minutes = Minutes(meeting, office.ids["ketua"], people, ("Ruang lingkup",), ("Sepakat",))
    report = case_report(case, sop, roster, OfficeCalendar(), AT)
    old, new = draft(), draft(term="3 (tiga) tahun")
    return {
        "lembar disposisi": lambda: lembar_disposisi(case, sop, roster, settings, at=AT),
        "surat undangan": lambda: surat_undangan(case, sop, roster, settings, meeting, at=AT),
        "notulen rapat": lambda: notulen_rapat(case, sop, roster, settings, minutes, at=AT),
        "rancangan KB": lambda: rancangan_kb(case, sop, roster, settings, at=AT),
        "lembar persetujuan": lambda: lembar_persetujuan(case, sop, roster, settings, at=AT),
        "laporan kepatuhan (.docx with chart)": lambda: laporan_kepatuhan(
            report, sop, settings, at=AT
        ),
        "grafik kepatuhan (.png)": lambda: timeline_png(report),
        "perbandingan versi (diff .docx)": lambda: version_diff_docx(
            diff_drafts(old, new), case, settings, at=AT, old_version=1, new_version=2
        ),
    }


def rate(build: Callable[[], object], seconds: float) -> float:
    """Builds per second over at least `seconds` (after one untimed build)."""
    build()
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds or count < 3:
        build()
        count += 1
    return count / elapsed


async def run(say: Say, quick: bool) -> list[Figure]:
    """Every kind against the bare .docx."""
    seconds = 0.3 if quick else 2.0
    base = rate(bare_docx, seconds)
    return [
        Figure(PART, kind, rate(build, seconds), "docs/s", base, "bare python-docx save")
        for kind, build in (await builders()).items()
    ]
