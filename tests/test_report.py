"""Compliance figures of a case with a late step and two returns, checked by hand.

The case is tests/scenario.py. Office minutes are counted by hand from its clock times
(Mon–Thu 07:30–16:00 = 510 minutes, Fri 07:30–16:30 = 540 minutes).
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from docx import Document

from bot.calendar import OfficeCalendar
from bot.clock import JAKARTA
from bot.config import Settings
from bot.documents import DocumentSettings, laporan_kepatuhan
from bot.reports.csvfile import COLUMNS, to_csv
from bot.reports.figures import case_report, period_report
from bot.workflow.model import CaseStatus, DeviationKind, Outcome
from tests.scenario import LATE_REASON, SEKDA_NOTE, WALIKOTA_NOTE, late_case_with_two_returns


def jkt(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JAKARTA)


@pytest.fixture
async def walked(office):
    """The scenario's case and what a report needs, as of the case's closing."""
    case = await late_case_with_two_returns(office)
    roster = await office.workflow.roster()
    return office, case, roster


@pytest.fixture
async def report(walked):
    office, case, roster = walked
    return case_report(case, office.sop, roster, OfficeCalendar(), jkt("2026-03-20 12:00"))


def test_every_run_reports_its_planned_and_actual_office_minutes_and_lateness(report):
    rows = [
        (r.step_code, r.round, r.planned_minutes, r.actual_minutes, r.late_minutes)
        for r in report.runs
    ]

    assert rows == [
        ("penugasan", 1, 15, 60, 45),  # due 09:15, done 10:00
        # Mon 10:00-16:00 (360) + Tue 510 + Wed 07:30-10:00 (150); done Tue 14:00: 360 + 390
        ("persiapan", 1, 1020, 750, 0),
        ("rapat_koordinasi", 1, 120, 90, 0),  # clock from the meeting, Wed 09:00
        # Wed 10:30-16:00 (330) + Thu 510 + Fri 540 + Mon..Thu 4x510 + Fri 07:30-10:30 (180);
        # done Mon 13:00: 330 + 510 + 540 + 330
        ("penyusunan", 1, 3600, 1710, 0),
        ("penyampaian", 1, 15, 10, 0),
        ("telaah_sekda", 1, 15, 10, 0),
        # A fix after a return runs against the SOP file's fix_time, 2 working days, not
        # step 5's 15 minutes: Mon 13:20-16:00 (160) + Tue 510 + Wed 07:30-13:20 (350)
        ("penyampaian", 2, 1020, 10, 0),
        ("telaah_sekda", 2, 15, 10, 0),
        ("telaah_walikota", 1, 15, 10, 0),
        ("telaah_sekda", 3, 1020, 10, 0),  # answering the Wali Kota's return: its fix time
        ("telaah_walikota", 2, 15, 10, 0),
        # Mon 14:10-16:00 (110) + Tue 07:30-14:10 (400); done Tue 09:00: 110 + 90
        ("jadwal_penandatanganan", 1, 510, 200, 0),
    ]


def test_the_late_step_shows_start_due_finish_and_the_reason_given(report):
    first = report.runs[0]

    assert (first.started_at, first.due_at, first.finished_at) == (
        jkt("2026-03-02 09:00"),
        jkt("2026-03-02 09:15"),
        jkt("2026-03-02 10:00"),
    )
    assert [(d.kind, d.late_minutes, d.reason) for d in first.deviations] == [
        (DeviationKind.WAKTU, 45, LATE_REASON)
    ]
    assert report.late_runs == 1


def test_steps_measured_in_days_also_report_working_days(report):
    days = [(r.step_code, r.planned_days, r.actual_days) for r in report.runs if r.planned_days]

    assert days == [
        ("persiapan", 2, 1),
        ("penyusunan", 7, 3),  # Wed 4 -> Mon 9: Thu, Fri, Mon
        ("penyampaian", 2, 0),  # the fixes, against 2 hari kerja, done the same day
        ("telaah_sekda", 2, 0),
        ("jadwal_penandatanganan", 1, 1),
    ]


def test_each_return_is_a_loop_timed_until_the_reviewer_has_the_draft_again(report):
    loops = [
        (loop.step_code, loop.returned_by, loop.note, loop.back_to, loop.resumed_at, loop.minutes)
        for loop in report.loops
    ]

    assert loops == [
        (
            "telaah_sekda",
            "Dr. Hendra Wijaya, M.M.",
            SEKDA_NOTE,
            "penyampaian",
            jkt("2026-03-09 13:30"),
            10,
        ),
        (
            "telaah_walikota",
            "H. Sachrudin",
            WALIKOTA_NOTE,
            "telaah_sekda",
            jkt("2026-03-09 14:00"),
            10,
        ),
    ]


def test_the_case_total_is_measured_against_the_sops_eleven_days(report):
    # Mon 2 Mar 09:00 -> Tue 10 Mar 09:00: 420 + 510 + 510 + 510 + 540 + 510 + 90
    assert (report.total_minutes, report.total_working_days) == (3090, 6)
    assert (report.sop_total, report.sop_total_days) == ("11 hari", 11)
    assert report.sop_due_at == jkt("2026-03-17 09:00")  # the 11th working day after 2 Mar
    assert report.within_total and report.over_minutes == 0
    assert report.ended_at == jkt("2026-03-10 09:00")


def test_a_plh_approval_names_the_deputy_and_the_official_acted_for(report):
    plh = [r for r in report.runs if r.acting_for]

    assert [(r.step_code, r.round, r.performer, r.acting_for, r.delegation_kind) for r in plh] == [
        ("telaah_sekda", 3, "Joko Susilo, S.Sos.", "Dr. Hendra Wijaya, M.M.", "plh")
    ]


def test_kelengkapan_and_output_are_present_on_every_finished_run(report):
    assert {(r.kelengkapan_ok, r.output_ok) for r in report.runs} == {(True, True)}


async def test_an_open_case_is_measured_up_to_the_report_time(office):
    case = await office.open()  # step 1 due Mon 09:15, never finished
    roster = await office.workflow.roster()

    figures = case_report(case, office.sop, roster, OfficeCalendar(), jkt("2026-03-03 08:00"))

    assert figures.status is CaseStatus.RUNNING and figures.ended_at is None
    assert figures.runs[0].outcome is None
    assert figures.runs[0].late_minutes == 435  # Mon 09:15-16:00 (405) + Tue 07:30-08:00 (30)


async def test_a_period_report_holds_only_the_cases_opened_in_the_period(office):
    early = await office.open(subject="Kerja sama A")
    office.clock.set(jkt("2026-03-05 09:00"))
    late = await office.open(subject="Kerja sama B")
    roster = await office.workflow.roster()
    cases = [await office.case(early), await office.case(late)]

    period = period_report(
        cases, office.sop, roster, OfficeCalendar(), jkt("2026-03-06 09:00"), date(2026, 3, 3)
    )

    assert [c.ref for c in period.cases] == [late.ref]


def test_the_csv_has_one_row_per_run_with_the_same_figures(report):
    rows = list(csv.DictReader(io.StringIO(to_csv([report]).decode("utf-8-sig"))))

    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == len(report.runs)
    first, returned = rows[0], rows[5]
    assert (first["menit_mutu_baku"], first["menit_aktual"], first["menit_terlambat"]) == (
        "15",
        "60",
        "45",
    )
    assert first["alasan"] == LATE_REASON
    assert first["mulai"] == "2026-03-02T09:00+07:00"
    assert (returned["kode_langkah"], returned["hasil"], returned["catatan"]) == (
        "telaah_sekda",
        Outcome.RETURNED.value,
        SEKDA_NOTE,
    )


@pytest.fixture
def document_settings() -> DocumentSettings:
    return DocumentSettings.from_settings(Settings(_env_file=None))


def test_the_report_docx_has_a_row_per_run_and_the_timeline_chart(
    report, walked, document_settings
):
    office = walked[0]

    built = laporan_kepatuhan(report, office.sop, document_settings, at=jkt("2026-03-20 12:00"))

    document = Document(io.BytesIO(built.data))
    runs_table = next(t for t in document.tables if t.rows[0].cells[0].text == "No")
    assert len(runs_table.rows) == 1 + len(report.runs)
    assert runs_table.rows[1].cells[10].text == "Selesai; terlambat 45 menit"
    assert len(document.inline_shapes) == 2  # the letterhead's logo and the chart
    with zipfile.ZipFile(io.BytesIO(built.data)) as package:
        assert any(name.endswith(".png") for name in package.namelist())
    assert built.filename == "laporan-kepatuhan-KB-2026-0001.docx"


def test_the_timeline_chart_is_a_reproducible_png(report):
    from bot.reports.chart import timeline_png

    png = timeline_png(report)

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert timeline_png(report) == png  # same figures, same picture
