"""One whole case on a known clock: a late first step, two returns and a Plh approval.

Every time below is set by hand, so the compliance figures can be worked out by hand too
(tests/test_report.py does). Office hours are the defaults: Mon–Thu 07:30–16:00,
Fri 07:30–16:30; 2–10 March 2026 has no holiday.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.clock import JAKARTA
from bot.workflow import commands as c
from bot.workflow.model import Case
from tests.office import Office

LATE_REASON = "Menunggu surat asli dari Bagian Umum"
SEKDA_NOTE = "Pasal 3 perlu diperbaiki"
WALIKOTA_NOTE = "Jangka waktu diperjelas"
MEETING = "2026-03-04 09:00"
SIGNING = "2026-03-16 10:00"


def at(office: Office, when: str) -> None:
    """Move the office clock to a Jakarta time written `YYYY-MM-DD HH:MM`."""
    office.clock.set(datetime.fromisoformat(when).replace(tzinfo=JAKARTA))


async def late_case_with_two_returns(office: Office) -> Case:
    """Walk SOP 54 from 2 March 09:00 to 10 March 09:00 (see the module docstring)."""
    case = await office.open()  # Mon 2 March 09:00: step 1 due 09:15
    await office.attach("kabag", case, "penugasan", "disposisi_kabag")
    await office.workflow.handle(
        c.AssignPerformer(
            office.ids["kabag"], case.id or 0, "penugasan", None, "ketua_tim", office.ids["ketua"]
        )
    )
    at(office, "2026-03-02 10:00")  # 45 minutes late
    await office.act("kabag", c.Complete, case, "penugasan", reason=LATE_REASON)
    at(office, "2026-03-03 14:00")
    await office.prepare(case, meeting=MEETING)
    at(office, "2026-03-04 10:30")
    await office.attach("ketua", case, "rapat_koordinasi", "notulensi")
    await office.attach("ketua", case, "rapat_koordinasi", "draft_rancangan")
    await office.act("ketua", c.Complete, case, "rapat_koordinasi")
    at(office, "2026-03-09 13:00")
    await office.attach("ketua", case, "penyusunan", "rancangan_berparaf")
    await office.act("ketua", c.Complete, case, "penyusunan")
    await _reviews(office, case)
    at(office, "2026-03-10 09:00")
    await office.fact(
        "walikota", case, "jadwal_penandatanganan", "rencana_penandatanganan", SIGNING
    )
    await office.act("walikota", c.Complete, case, "jadwal_penandatanganan")
    return await office.case(case)


async def _reviews(office: Office, case: Case) -> None:
    """Monday 9 March: submit, Sekda returns, submit, Sekda approves, Wali Kota returns,
    a Plh approves for the Sekda, the Wali Kota approves: ten minutes apart."""
    steps = [
        ("13:10", "kabag", c.Submit, "penyampaian", {}),
        ("13:20", "sekda", c.Return, "telaah_sekda", {"note": SEKDA_NOTE}),
        ("13:30", "kabag", c.Submit, "penyampaian", {}),
        ("13:40", "sekda", c.Approve, "telaah_sekda", {}),
        ("13:50", "walikota", c.Return, "telaah_walikota", {"note": WALIKOTA_NOTE}),
        ("14:00", "asisten", c.Approve, "telaah_sekda", {}),
        ("14:10", "walikota", c.Approve, "telaah_walikota", {}),
    ]
    await office.admin.delegate("Hendra", "Joko", "plh", date(2026, 3, 9), date(2026, 3, 9))
    for time, who, command, step, extra in steps:
        if command is c.Submit and time != "13:10":  # the Kabag's fix after the Sekda's return
            at(office, "2026-03-09 13:25")
            await office.attach("kabag", case, "penyampaian", "rancangan_berparaf")
        at(office, f"2026-03-09 {time}")
        await office.act(who, command, case, step, **extra)
