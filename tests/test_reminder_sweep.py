"""The reminder sweep on in-memory fakes: what is sent, to whom, once, and what never is."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.clock import JAKARTA
from bot.ports import OutgoingMessage
from bot.reminders import SweepReport, sweep
from bot.render_text import render
from bot.workflow import commands as c
from bot.workflow.model import Case
from tests.fakes import FakeDB, FakeUnitOfWork
from tests.office import Office


def at(office: Office, month: int, day: int, hour: int, minute: int) -> None:
    office.clock.set(datetime(2026, month, day, hour, minute, tzinfo=JAKARTA))


async def swept(office: Office) -> SweepReport:
    return await sweep(office.uow, office.sop, office.clock, office.workflow.calendar)


def reminders_to(db: FakeDB, office: Office, who: str) -> list[OutgoingMessage]:
    return [
        m
        for key, (m, _) in db.outbox.items()
        if key.startswith("reminder:") and m.recipient_id == office.ids[who]
    ]


async def step_two(office: Office) -> Case:
    """A case whose step 2 (2 hari) lies with the Ketua Tim from Tuesday 17 March 15:40."""
    at(office, 3, 17, 15, 30)
    case = await office.open()
    at(office, 3, 17, 15, 40)
    await office.assign_and_dispose(case)
    return case


async def meeting(office: Office) -> Case:
    """A case whose meeting (step 3) runs Monday 2 March 09:00-11:00."""
    case = await office.open()
    await office.assign_and_dispose(case)
    await office.prepare(case, meeting="2026-03-02 09:00")
    return case


async def test_nothing_is_sent_before_a_reminder_is_due(office, db):
    await step_two(office)
    at(office, 3, 25, 15, 39)

    report = await swept(office)

    assert report == SweepReport()
    assert reminders_to(db, office, "ketua") == []


async def test_half_the_mutu_baku_reminds_the_performer_with_the_task_and_its_buttons(office, db):
    await step_two(office)
    at(office, 3, 25, 15, 40)

    await swept(office)

    [message] = reminders_to(db, office, "ketua")
    text = render(message.reply)
    assert "Pengingat:" in text and "sisa 8 jam 30 menit waktu kerja" in text
    assert "Perkara KB-2026-0001" in text and "Langkah 2" in text
    assert "[Lewati]" in text and "[Unggah Surat undangan]" in text


async def test_a_reminder_says_what_is_still_missing(office, db):
    case = await step_two(office)
    await office.attach("ketua", case, "persiapan", "surat_undangan")
    at(office, 3, 25, 15, 40)

    await swept(office)

    [message] = reminders_to(db, office, "ketua")
    missing = render(message.reply).split("Yang masih kurang: ")[1].split(".\n\n")[0]
    assert missing == (
        "Tempat rapat dan kelengkapannya; Waktu rapat koordinasi; Draft rancangan kerja sama"
    )


async def test_a_late_task_reminder_says_how_late_it_is_in_office_time(office, db):
    await step_two(office)
    at(office, 3, 27, 8, 10)  # due Thursday 15:40: 20 minutes that day, 40 on Friday

    await swept(office)

    latest = reminders_to(db, office, "ketua")[-1]
    assert "telah terlewati; terlambat 1 jam" in render(latest.reply)


async def test_an_escalation_tells_the_superior_whose_task_is_late_and_by_how_much(office, db):
    await step_two(office)
    at(office, 3, 27, 9, 10)

    await swept(office)

    [message] = reminders_to(db, office, "kabag")
    text = render(message.reply)
    assert message.reply.text_key == "reminder.escalation"
    assert "Siti Rahmawati, S.H. (Ketua Tim Otonomi Daerah dan Kerja Sama)" in text
    assert "terlambat 2 jam" in text and "Yang masih kurang: Surat undangan" in text


async def test_an_escalation_carries_no_buttons_of_someone_elses_task(office, db):
    await step_two(office)
    at(office, 3, 27, 9, 10)

    await swept(office)

    [message] = reminders_to(db, office, "kabag")
    assert message.reply.choices == ()


async def test_a_sweep_outside_office_hours_claims_nothing(office, db):
    await step_two(office)
    at(office, 3, 25, 19, 0)  # separuh was due at 15:40

    report = await swept(office)

    assert report == SweepReport(quiet=True)
    assert reminders_to(db, office, "ketua") == []


async def test_a_reminder_due_in_the_evening_is_sent_at_the_next_office_opening(office, db):
    await step_two(office)
    at(office, 3, 25, 19, 0)
    await swept(office)
    at(office, 3, 26, 7, 30)

    report = await swept(office)

    assert report.queued == 1
    assert len(reminders_to(db, office, "ketua")) == 1


async def test_a_second_sweep_at_the_same_time_queues_nothing(office, db):
    await step_two(office)
    at(office, 3, 25, 15, 40)
    await swept(office)

    report = await swept(office)

    assert report == SweepReport()
    assert len(reminders_to(db, office, "ketua")) == 1


async def test_finishing_a_step_cancels_its_pending_reminders(office, db):
    case = await meeting(office)
    run = (await office.case(case)).current_run("rapat_koordinasi")

    await office.attach("ketua", case, "rapat_koordinasi", "notulensi")
    await office.act("ketua", c.Complete, case, "rapat_koordinasi")

    statuses = {r.kind: r.status for r in db.reminders.values() if r.step_run_id == run.id}
    assert set(statuses.values()) == {"cancelled"}
    assert len(statuses) == 4


async def test_the_reminders_of_a_finished_step_are_never_sent(office, db):
    case = await meeting(office)
    await office.attach("ketua", case, "rapat_koordinasi", "notulensi")
    await office.act("ketua", c.Complete, case, "rapat_koordinasi")
    at(office, 3, 3, 11, 0)  # a day after the meeting: every rung of step 3 is due by now

    report = await swept(office)

    assert report == SweepReport()
    assert reminders_to(db, office, "ketua") == reminders_to(db, office, "kabag") == []


async def test_the_next_step_gets_its_own_reminders_when_one_finishes(office, db):
    case = await meeting(office)
    await office.attach("ketua", case, "rapat_koordinasi", "notulensi")

    await office.act("ketua", c.Complete, case, "rapat_koordinasi")

    run = (await office.case(case)).current_run("penyusunan")
    pending = [r.kind for r in db.reminders.values() if r.step_run_id == run.id]
    assert pending == [
        "separuh", "menjelang", "jatuh_tempo", "eskalasi_pelaksana", "eskalasi_atasan",
        "eskalasi_atasan_2",
    ]  # fmt: skip


async def test_cancelling_a_case_cancels_every_pending_reminder(office, db):
    case = await meeting(office)

    await office.workflow.handle(c.CancelCase(office.ids["kabag"], case.id or 0, "Mitra mundur"))

    assert {r.status for r in db.reminders.values()} == {"cancelled"}


async def test_a_three_hour_outage_sends_each_missed_reminder_once(office, db):
    # Step 3's rungs: 11:00 and 12:00 to the Ketua Tim, 13:00 to the Kabag. The bot is down
    # from 10:30 to 13:30 and misses all three.
    await meeting(office)
    at(office, 3, 2, 13, 30)

    report = await swept(office)

    assert (report.claimed, report.queued, report.superseded) == (3, 2, 1)
    [to_ketua] = reminders_to(db, office, "ketua")
    assert "terlambat 2 jam 30 menit" in render(to_ketua.reply)
    assert len(reminders_to(db, office, "kabag")) == 1


async def test_a_reminder_superseded_during_an_outage_is_never_sent_later(office, db):
    await meeting(office)
    at(office, 3, 2, 13, 30)
    await swept(office)
    at(office, 3, 3, 11, 0)

    await swept(office)

    statuses = sorted(r.status for r in db.reminders.values() if r.kind != "separuh")
    assert statuses.count("superseded") == 1
    assert len(reminders_to(db, office, "ketua")) == 1


async def test_a_sweep_that_dies_before_its_commit_leaves_every_reminder_for_the_next(office, db):
    await meeting(office)
    at(office, 3, 2, 11, 0)
    dying = Office(lambda: DyingUnitOfWork(db), office.files, office.clock, office.sop)

    with pytest.raises(ConnectionError):
        await swept(dying)
    report = await swept(office)

    assert report.queued == 1
    assert len(reminders_to(db, office, "ketua")) == 1


async def test_a_step_whose_transaction_fails_leaves_no_reminders(office, db):
    async def boom(uow: object) -> None:
        raise RuntimeError("the update could not be stored")

    cmd = c.OpenCase(office.ids["kabag"], "Pemerintah Kota Bandung", "pemda", "Sampah",
                     {"disposisi_walikota": "Disposisi No. 1"})  # fmt: skip
    with pytest.raises(RuntimeError):
        await office.workflow.open_case(cmd, after=boom)

    assert (db.cases, db.reminders, db.outbox) == ({}, {}, {})


class DyingUnitOfWork(FakeUnitOfWork):
    """A unit of work whose process dies as it commits: nothing of it is stored."""

    async def commit(self) -> None:
        raise ConnectionError("the process died")
