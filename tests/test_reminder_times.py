"""When each reminder and escalation of a whole case fires, over real 2026 office days.

The case starts on Tuesday 17 March 2026 at 15:30, the eve of Nyepi: 18-24 March are Nyepi, Idul
Fitri, cuti bersama and a weekend, and 3 April is Good Friday. Every time below counts office
time only (Mon-Thu 07:30-16:00, Fri 07:30-16:30). The Sekda returns the draft once.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.clock import JAKARTA
from bot.workflow import commands as c
from tests.fakes import FakeDB
from tests.office import Office


def at(office: Office, month: int, day: int, hour: int, minute: int) -> None:
    office.clock.set(datetime(2026, month, day, hour, minute, tzinfo=JAKARTA))


async def walk(office: Office) -> None:
    """The whole case, each step finished at a set time."""
    at(office, 3, 17, 15, 30)
    case = await office.open()
    at(office, 3, 17, 15, 40)
    await office.assign_and_dispose(case)
    at(office, 3, 27, 10, 0)
    await office.prepare(case, meeting="2026-03-30 09:00")
    at(office, 3, 30, 10, 50)
    await office.attach("ketua", case, "rapat_koordinasi", "notulensi")
    await office.attach("ketua", case, "rapat_koordinasi", "draft_rancangan")
    await office.act("ketua", c.Complete, case, "rapat_koordinasi")
    at(office, 4, 8, 14, 0)
    await office.attach("ketua", case, "penyusunan", "rancangan_berparaf")
    await office.act("ketua", c.Complete, case, "penyusunan")
    at(office, 4, 8, 14, 10)
    await office.act("kabag", c.Submit, case, "penyampaian")
    at(office, 4, 8, 15, 55)
    await office.act("sekda", c.Return, case, "telaah_sekda", note="Pasal 3 perlu diperbaiki")
    at(office, 4, 9, 8, 0)
    await office.attach("kabag", case, "penyampaian", "rancangan_berparaf")
    await office.act("kabag", c.Submit, case, "penyampaian")
    at(office, 4, 9, 8, 10)
    await office.act("sekda", c.Approve, case, "telaah_sekda")
    at(office, 4, 9, 8, 20)
    await office.act("walikota", c.Approve, case, "telaah_walikota")


@pytest.fixture
async def plan(office: Office, db: FakeDB) -> dict[tuple[str, int], list[tuple[str, str, str]]]:
    """Every reminder row of the walked case, per run: (rung, when, to whom)."""
    await walk(office)
    case = (await office.workflow.cases())[0]
    runs = {run.id: (run.step_code, run.round) for run in case.runs}
    who = {person_id: key for key, person_id in office.ids.items()}
    rows: dict[tuple[str, int], list[tuple[str, str, str]]] = {}
    for reminder in sorted(db.reminders.values(), key=lambda r: (r.due_at, r.id or 0)):
        when = reminder.due_at.strftime("%a %d %b %H:%M")
        rows.setdefault(runs[reminder.step_run_id], []).append(
            (reminder.kind, when, who[reminder.recipient_id])
        )
    return rows


EXPECTED = {
    # 15 minutes from Tuesday 15:30; "30 menit before" does not fit a 15-minute step. The
    # escalations wait out Nyepi, Idul Fitri and cuti bersama until Wednesday 25 March.
    ("penugasan", 1): [
        ("separuh", "Tue 17 Mar 15:38", "kabag"),
        ("jatuh_tempo", "Tue 17 Mar 15:45", "kabag"),
        ("eskalasi_pelaksana", "Wed 25 Mar 08:15", "kabag"),
        ("eskalasi_atasan", "Wed 25 Mar 09:15", "sekda"),
        ("eskalasi_atasan_2", "Wed 25 Mar 15:45", "walikota"),
    ],
    # 2 hari from Tuesday 15:40: due Thursday 26 March 15:40; the superiors are the Kabag and
    # the Sekda (Ketua Tim → Kabag → Sekda).
    ("persiapan", 1): [
        ("separuh", "Wed 25 Mar 15:40", "ketua"),
        ("menjelang", "Thu 26 Mar 15:10", "ketua"),
        ("jatuh_tempo", "Thu 26 Mar 15:40", "ketua"),
        ("eskalasi_pelaksana", "Fri 27 Mar 08:10", "ketua"),
        ("eskalasi_atasan", "Fri 27 Mar 09:10", "kabag"),
        ("eskalasi_atasan_2", "Fri 27 Mar 15:40", "sekda"),
    ],
    # The meeting's own plan: nothing while it runs (09:00-11:00 Monday 30 March).
    ("rapat_koordinasi", 1): [
        ("jatuh_tempo", "Mon 30 Mar 11:00", "ketua"),
        ("eskalasi_pelaksana", "Mon 30 Mar 12:00", "ketua"),
        ("eskalasi_atasan", "Mon 30 Mar 13:00", "kabag"),
        ("eskalasi_atasan_2", "Tue 31 Mar 11:00", "sekda"),
    ],
    # 7 hari kerja from Monday 30 March 10:50, skipping Good Friday 3 April: due 9 April.
    ("penyusunan", 1): [
        ("separuh", "Thu 02 Apr 15:05", "ketua"),
        ("menjelang", "Thu 09 Apr 10:20", "ketua"),
        ("jatuh_tempo", "Thu 09 Apr 10:50", "ketua"),
        ("eskalasi_pelaksana", "Thu 09 Apr 11:50", "ketua"),
        ("eskalasi_atasan", "Thu 09 Apr 12:50", "kabag"),
        ("eskalasi_atasan_2", "Fri 10 Apr 10:50", "sekda"),
    ],
    # The Kabag's superiors are the Sekda and the Wali Kota.
    ("penyampaian", 1): [
        ("separuh", "Wed 08 Apr 14:08", "kabag"),
        ("jatuh_tempo", "Wed 08 Apr 14:15", "kabag"),
        ("eskalasi_pelaksana", "Wed 08 Apr 15:15", "kabag"),
        ("eskalasi_atasan", "Thu 09 Apr 07:45", "sekda"),
        ("eskalasi_atasan_2", "Thu 09 Apr 14:15", "walikota"),
    ],
    # The Sekda answers to the Wali Kota, who answers to nobody: no second rung.
    ("telaah_sekda", 1): [
        ("separuh", "Wed 08 Apr 14:18", "sekda"),
        ("jatuh_tempo", "Wed 08 Apr 14:25", "sekda"),
        ("eskalasi_pelaksana", "Wed 08 Apr 15:25", "sekda"),
        ("eskalasi_atasan", "Thu 09 Apr 07:55", "walikota"),
    ],
    # Returned at 15:55: the fix has the SOP file's fix_time, 2 working days, to Fri 15:55
    # (Friday closes at 16:30).
    ("penyampaian", 2): [
        ("separuh", "Thu 09 Apr 15:55", "kabag"),
        ("menjelang", "Fri 10 Apr 15:25", "kabag"),
        ("jatuh_tempo", "Fri 10 Apr 15:55", "kabag"),
        ("eskalasi_pelaksana", "Mon 13 Apr 07:55", "kabag"),
        ("eskalasi_atasan", "Mon 13 Apr 08:55", "sekda"),
        ("eskalasi_atasan_2", "Mon 13 Apr 15:55", "walikota"),
    ],
    ("telaah_sekda", 2): [
        ("separuh", "Thu 09 Apr 08:08", "sekda"),
        ("jatuh_tempo", "Thu 09 Apr 08:15", "sekda"),
        ("eskalasi_pelaksana", "Thu 09 Apr 09:15", "sekda"),
        ("eskalasi_atasan", "Thu 09 Apr 10:15", "walikota"),
    ],
    ("telaah_walikota", 1): [
        ("separuh", "Thu 09 Apr 08:18", "walikota"),
        ("jatuh_tempo", "Thu 09 Apr 08:25", "walikota"),
        ("eskalasi_pelaksana", "Thu 09 Apr 09:25", "walikota"),
    ],
    # 1 hari from Thursday 08:20: due Friday 10 April 08:20.
    ("jadwal_penandatanganan", 1): [
        ("separuh", "Thu 09 Apr 12:35", "walikota"),
        ("menjelang", "Fri 10 Apr 07:50", "walikota"),
        ("jatuh_tempo", "Fri 10 Apr 08:20", "walikota"),
        ("eskalasi_pelaksana", "Fri 10 Apr 09:20", "walikota"),
    ],
}


@pytest.mark.parametrize("run", list(EXPECTED), ids=lambda run: f"{run[0]}-{run[1]}")
async def test_each_task_of_a_whole_case_is_reminded_and_escalated_in_office_time(plan, run):
    assert plan[run] == EXPECTED[run]


async def test_a_whole_case_schedules_reminders_for_every_task_and_no_other(plan):
    assert sorted(plan) == sorted(EXPECTED)


async def test_a_reminder_at_closing_time_waits_for_the_next_opening(office, db):
    # Step 10 given on Friday 16:20 is due Monday 16:20, clipped to Monday's closing (16:00).
    case = await office.open()
    await office.until_sekda(case)
    await office.act("sekda", c.Approve, case, "telaah_sekda")
    at(office, 3, 27, 16, 20)

    await office.act("walikota", c.Approve, case, "telaah_walikota")

    run = (await office.case(case)).current_run("jadwal_penandatanganan")
    due = [r for r in db.reminders.values() if r.step_run_id == run.id and r.kind == "jatuh_tempo"]
    assert run.due_at == datetime(2026, 3, 30, 16, 0, tzinfo=JAKARTA)
    assert [r.due_at for r in due] == [datetime(2026, 3, 31, 7, 30, tzinfo=JAKARTA)]


async def test_a_rung_already_past_when_the_task_starts_is_not_scheduled(office, db):
    # The meeting was set for 09:00 but step 2 is finished only at 11:30: the meeting's clock
    # started at 09:00, so its "at the deadline" (11:00) is not scheduled any more.
    case = await office.open()
    await office.assign_and_dispose(case)
    at(office, 3, 4, 8, 50)
    await office.attach("ketua", case, "persiapan", "surat_undangan")
    await office.attach("ketua", case, "persiapan", "draft_rancangan")
    await office.fact("ketua", case, "persiapan", "tempat_rapat", "Ruang Rapat Tapem")
    await office.fact("ketua", case, "persiapan", "waktu_rapat", "2026-03-04 09:00")
    at(office, 3, 4, 11, 30)

    await office.act("ketua", c.Complete, case, "persiapan")

    run = (await office.case(case)).current_run("rapat_koordinasi")
    kinds = [r.kind for r in db.reminders.values() if r.step_run_id == run.id]
    assert kinds == ["eskalasi_pelaksana", "eskalasi_atasan", "eskalasi_atasan_2"]
