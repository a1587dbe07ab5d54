"""Plt./Plh.: tasks, reminders and escalations for an absent official reach the acting official
for the delegation's dates; the holder is told once; the report and the audit trail name both."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from bot.calendar import OfficeCalendar
from bot.clock import JAKARTA
from bot.config import Settings
from bot.documents import DocumentSettings
from bot.documents.report_docx import laporan_kepatuhan
from bot.ports import OutgoingMessage
from bot.reminders import sweep
from bot.render_text import render
from bot.reports.csvfile import to_csv
from bot.reports.figures import case_report
from bot.workflow import commands as c
from bot.workflow.model import Case
from tests.docx_reading import table_containing
from tests.fakes import FakeDB
from tests.office import Office


def at(office: Office, month: int, day: int, hour: int, minute: int) -> None:
    office.clock.set(datetime(2026, month, day, hour, minute, tzinfo=JAKARTA))


def messages_to(db: FakeDB, office: Office, who: str, prefix: str = "") -> list[OutgoingMessage]:
    return [
        m
        for key, (m, _) in db.outbox.items()
        if key.startswith(prefix) and m.recipient_id == office.ids[who]
    ]


async def step_two(office: Office) -> Case:
    """Step 2 (2 hari) lies with the Ketua Tim from Tuesday 17 March 15:40; due 26 March."""
    at(office, 3, 17, 15, 30)
    case = await office.open()
    at(office, 3, 17, 15, 40)
    await office.assign_and_dispose(case)
    return case


async def test_a_reminder_due_while_a_plt_is_in_office_reaches_the_plt(office, db):
    await step_two(office)
    await office.admin.delegate("Siti", "Andi", "plt", date(2026, 3, 25), date(2026, 3, 27))
    at(office, 3, 25, 15, 40)  # half the mutu baku: the Ketua Tim's first reminder

    await sweep(office.uow, office.sop, office.clock, office.workflow.calendar)

    [reminder] = messages_to(db, office, "ketua2", "reminder:")
    assert messages_to(db, office, "ketua", "reminder:") == []
    text = render(reminder.reply)
    assert "Yth. Bapak/Ibu Plt. Ketua Tim Otonomi Daerah dan Kerja Sama (untuk " \
           "Siti Rahmawati, S.H.)," in text  # fmt: skip
    assert "⏰ Pengingat:" in text and "[Lewati]" in text


async def test_the_plt_may_act_on_the_task_the_reminder_brought(office, db):
    case = await step_two(office)
    await office.admin.delegate("Siti", "Andi", "plt", date(2026, 3, 25), date(2026, 3, 27))
    at(office, 3, 25, 15, 40)
    await office.attach("ketua2", case, "persiapan", "surat_undangan")

    stored = await office.case(case)

    assert stored.artifacts["surat_undangan"].recorded_by == office.ids["ketua2"]


async def test_the_absent_holder_is_told_once_not_at_every_reminder(office, db):
    await step_two(office)
    await office.admin.delegate("Siti", "Andi", "plt", date(2026, 3, 25), date(2026, 3, 27))
    for hour, minute in ((15, 40), (15, 50), (16, 0)):
        at(office, 3, 25, hour, minute)
        await sweep(office.uow, office.sop, office.clock, office.workflow.calendar)
    at(office, 3, 26, 15, 50)
    await sweep(office.uow, office.sop, office.clock, office.workflow.calendar)

    told = messages_to(db, office, "ketua")
    notices = [m for m in told if m.reply.text_key == "acting.holder_notice"]
    assert len(notices) == 1
    assert "diteruskan kepada Plt. Andi Pratama, S.IP." in render(notices[0].reply)
    assert len(messages_to(db, office, "ketua2", "reminder:")) >= 2


async def test_a_reminder_after_the_delegation_ended_reaches_the_holder_again(office, db):
    await step_two(office)
    await office.admin.delegate("Siti", "Andi", "plt", date(2026, 3, 23), date(2026, 3, 25))
    at(office, 3, 26, 15, 20)  # 30 minutes before the deadline

    await sweep(office.uow, office.sop, office.clock, office.workflow.calendar)

    assert len(messages_to(db, office, "ketua", "reminder:")) == 1
    assert messages_to(db, office, "ketua2", "reminder:") == []


async def test_an_escalation_to_an_absent_superior_goes_to_their_plh(office, db):
    await step_two(office)
    await office.admin.delegate("Budi", "Joko", "plh", date(2026, 3, 26), date(2026, 3, 27))
    at(office, 3, 27, 9, 10)  # due 26 March 15:40; the superior hears 2 office hours later

    await sweep(office.uow, office.sop, office.clock, office.workflow.calendar)

    [escalation] = messages_to(db, office, "asisten", "reminder:")
    assert escalation.reply.text_key == "reminder.escalation"
    assert "Yth. Bapak/Ibu Plh. Kepala Bagian Tata Pemerintahan (untuk Drs. Budi " \
           "Santoso, M.Si.)," in render(escalation.reply)  # fmt: skip
    assert messages_to(db, office, "kabag", "reminder:") == []
    kinds = [r.entry for r in db.audit if r.entry.kind == "TaskDelegated"]
    assert [(e.data["holder"], e.data["deputy"], e.data["why"]) for e in kinds] == [
        ("Drs. Budi Santoso, M.Si.", "Joko Susilo, S.Sos.", "escalation")
    ]


async def test_a_task_for_an_absent_official_goes_to_the_acting_official(office, db):
    await office.admin.delegate("Hendra", "Joko", "plh", date(2026, 3, 4), date(2026, 3, 4))
    case = await office.open()
    await office.assign_and_dispose(case)
    await office.prepare(case)
    at(office, 3, 4, 10, 30)

    await office.meet_and_draft(case)
    await office.act("kabag", c.Submit, case, "penyampaian")

    [task] = [m for m in messages_to(db, office, "asisten") if m.reply.text_key == "task.view"]
    assert "[Setujui]" in render(task.reply) and "Plh. Sekretaris Daerah" in render(task.reply)
    assert [m for m in messages_to(db, office, "sekda") if m.reply.text_key == "task.view"] == []
    [notice] = [m for m in messages_to(db, office, "sekda")
                if m.reply.text_key == "acting.holder_notice"]  # fmt: skip
    assert "Plh. Joko Susilo, S.Sos." in render(notice.reply)
    delegated = [r.entry for r in db.audit if r.entry.kind == "TaskDelegated"]
    assert [(e.data["holder"], e.data["deputy"], e.data["delegation_kind"]) for e in delegated] \
        == [("Dr. Hendra Wijaya, M.M.", "Joko Susilo, S.Sos.", "plh")]  # fmt: skip


async def approved_by_the_sekdas_plh(office: Office) -> Case:
    """The Sekda is away on 4 March; Joko approves step 7 as his Plh."""
    await office.admin.delegate("Hendra", "Joko", "plh", date(2026, 3, 4), date(2026, 3, 4))
    case = await office.open()
    await office.assign_and_dispose(case)
    await office.prepare(case)
    at(office, 3, 4, 10, 30)
    await office.meet_and_draft(case)
    await office.act("kabag", c.Submit, case, "penyampaian")
    await office.act("asisten", c.Approve, case, "telaah_sekda")
    return case


async def test_the_compliance_report_names_the_acting_official_and_the_holder(office, db):
    case = await approved_by_the_sekdas_plh(office)

    report = case_report(
        await office.case(case), office.sop, await office.workflow.roster(), OfficeCalendar(),
        office.clock.now(),
    )  # fmt: skip

    [run] = [r for r in report.runs if r.step_code == "telaah_sekda"]
    assert (run.performer, run.acting_for, run.delegation_kind) == (
        "Joko Susilo, S.Sos.", "Dr. Hendra Wijaya, M.M.", "plh"
    )  # fmt: skip
    finished = [r.entry for r in db.audit if r.entry.kind == "StepFinished"][-1]
    assert (finished.actor_id, finished.data["acting_for"]) == (
        office.ids["asisten"], office.ids["sekda"]
    )  # fmt: skip


async def test_the_compliance_report_as_printed_and_as_csv_names_both(office, db):
    case = await approved_by_the_sekdas_plh(office)
    report = case_report(
        await office.case(case), office.sop, await office.workflow.roster(), OfficeCalendar(),
        office.clock.now(),
    )  # fmt: skip

    printed = laporan_kepatuhan(
        report, office.sop, DocumentSettings.from_settings(Settings(_env_file=None)),
        at=office.clock.now(), chart=False,
    )  # fmt: skip
    sheet = list(csv.DictReader(io.StringIO(to_csv((report,)).decode("utf-8-sig"))))

    rows = table_containing(printed.data, "Joko Susilo, S.Sos.")
    [row] = [r for r in rows if any("Joko Susilo" in cell for cell in r)]
    assert "Joko Susilo, S.Sos. (Plh. untuk Dr. Hendra Wijaya, M.M.)" in row
    [run] = [r for r in sheet if r["kode_langkah"] == "telaah_sekda"]
    assert (run["pelaksana"], run["atas_nama"], run["jenis_pelimpahan"]) == (
        "Joko Susilo, S.Sos.", "Dr. Hendra Wijaya, M.M.", "plh"
    )  # fmt: skip
