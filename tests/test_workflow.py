"""Service tests of the workflow on in-memory fakes: a whole case, loops, roles, delegation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.audit import verify
from bot.clock import JAKARTA
from bot.errors import (
    AlreadyProcessed,
    CaseClosed,
    FixNeeded,
    InvalidInput,
    MissingKelengkapan,
    NoteRequired,
    NotPermitted,
    NotYourTask,
    StaleAction,
)
from bot.workflow import commands as c
from bot.workflow.model import CaseStatus, DeviationKind, Outcome
from bot.workflow.service import UpdateKey
from tests.fakes import TEST_AUDIT_KEY


def outcomes(case) -> list[tuple[str, int, str | None]]:
    return [(r.step_code, r.round, r.outcome.value if r.outcome else None) for r in case.runs]


async def test_a_new_case_starts_with_the_kabag_assignment_due_in_15_minutes(office):
    case = await office.open()

    run = case.current_run("penugasan")
    assert case.ref == "KB-2026-0001"
    assert run.assignee_id == office.ids["kabag"]
    assert run.due_at == datetime(2026, 3, 2, 9, 15, tzinfo=JAKARTA)


async def test_a_whole_case_walks_every_step_with_two_returns_by_each_reviewer(office):
    case = await office.open()
    await office.until_sekda(case)

    for note in ("Pasal 3 perlu diperbaiki", "Pasal 5 belum sesuai"):
        await office.act("sekda", c.Return, case, "telaah_sekda", note=note)
        await office.fix(case)
        await office.act("kabag", c.Submit, case, "penyampaian")
    await office.act("sekda", c.Approve, case, "telaah_sekda")
    for note in ("Jangka waktu terlalu panjang", "Mohon tambah pasal kahar"):
        await office.act("walikota", c.Return, case, "telaah_walikota", note=note)
        await office.act("sekda", c.Approve, case, "telaah_sekda")
    await office.act("walikota", c.Approve, case, "telaah_walikota")
    await office.fact(
        "walikota", case, "jadwal_penandatanganan", "rencana_penandatanganan", "2026-03-10 10:00"
    )
    await office.act("walikota", c.Complete, case, "jadwal_penandatanganan")

    done = await office.case(case)
    assert done.status is CaseStatus.DONE
    assert outcomes(done) == [
        ("penugasan", 1, "selesai"),
        ("persiapan", 1, "selesai"),
        ("rapat_koordinasi", 1, "selesai"),
        ("penyusunan", 1, "selesai"),
        ("penyampaian", 1, "selesai"),
        ("telaah_sekda", 1, "dikembalikan"),
        ("penyampaian", 2, "selesai"),
        ("telaah_sekda", 2, "dikembalikan"),
        ("penyampaian", 3, "selesai"),
        ("telaah_sekda", 3, "disetujui"),
        ("telaah_walikota", 1, "dikembalikan"),
        ("telaah_sekda", 4, "disetujui"),
        ("telaah_walikota", 2, "dikembalikan"),
        ("telaah_sekda", 5, "disetujui"),
        ("telaah_walikota", 3, "disetujui"),
        ("jadwal_penandatanganan", 1, "selesai"),
    ]
    assert done.has("rancangan_disetujui")
    assert [r.note for r in done.runs if r.outcome is Outcome.RETURNED] == [
        "Pasal 3 perlu diperbaiki",
        "Pasal 5 belum sesuai",
        "Jangka waktu terlalu panjang",
        "Mohon tambah pasal kahar",
    ]


async def test_the_whole_case_leaves_an_unbroken_audit_chain(office):
    case = await office.open()
    await office.until_sekda(case)
    await office.act("sekda", c.Return, case, "telaah_sekda", note="Perbaiki pasal 2")

    async with office.uow() as uow:
        records = await uow.audit.all()

    assert verify(records, TEST_AUDIT_KEY).ok
    kinds = [r.entry.kind for r in records]
    assert "CaseOpened" in kinds and "StepFinished" in kinds and "TaskAssigned" in kinds
    returned = [r.entry for r in records if r.entry.data.get("outcome") == "dikembalikan"]
    assert returned[0].data["note"] == "Perbaiki pasal 2"
    assert returned[0].actor_id == office.ids["sekda"]


async def test_the_sekda_return_reaches_the_kabag_with_the_note(office, db):
    case = await office.open()
    await office.until_sekda(case)

    await office.act("sekda", c.Return, case, "telaah_sekda", note="Pasal 3 perlu diperbaiki")

    messages = [m for m, _ in db.outbox.values()]
    to_kabag = [m for m in messages if m.recipient_id == office.ids["kabag"]]
    card, document = to_kabag[-2:]
    assert "Pasal 3 perlu diperbaiki" in card.reply.params["intro"]
    assert [ch.label_key for ch in card.reply.choices] == [
        "button.upload",
        "button.unchanged",
        "button.submit",
    ]
    # the returned file follows the card that explains it, with a one-line caption
    assert card.reply.files == () and document.reply.text_key == "document.caption"
    assert document.reply.params == {
        "label": "Rancangan Kesepakatan Bersama berparaf Ketua Tim",
        "version": 1,
        "ref": case.ref,
    }


async def test_the_sekda_return_also_reaches_the_ketua_tim_with_the_note_and_the_file(office, db):
    case = await office.open()
    await office.until_sekda(case)

    await office.act("sekda", c.Return, case, "telaah_sekda", note="Pasal 3 perlu diperbaiki")

    messages = [m for m, _ in db.outbox.values()]
    told, document = [m for m in messages if m.recipient_id == office.ids["ketua"]][-2:]
    assert told.reply.text_key == "task.returned_told"
    assert told.reply.params["note"] == "Pasal 3 perlu diperbaiki"
    assert [f.filename for f in document.reply.files] == ["rancangan_berparaf.docx"]


async def test_a_returned_draft_cannot_be_sent_up_again_without_a_new_version(office):
    case = await office.open()
    await office.until_sekda(case)
    await office.act("sekda", c.Return, case, "telaah_sekda", note="Pasal 3 perlu diperbaiki")

    with pytest.raises(FixNeeded) as error:
        await office.act("kabag", c.Submit, case, "penyampaian")

    assert error.value.params["missing"] == "Rancangan Kesepakatan Bersama berparaf Ketua Tim"
    await office.fix(case)
    await office.act("kabag", c.Submit, case, "penyampaian")
    assert (await office.case(case)).current_run("telaah_sekda") is not None


async def test_a_returned_draft_sent_up_unchanged_records_why(office):
    case = await office.open()
    await office.until_sekda(case)
    await office.act("sekda", c.Return, case, "telaah_sekda", note="Pasal 3 perlu diperbaiki")

    office.clock.set(office.clock.now() + timedelta(minutes=10))
    with pytest.raises(NoteRequired):
        await office.act("kabag", c.KeepUnchanged, case, "penyampaian", reason="  ")
    reason = "Pasal 3 sudah sesuai dengan Permendagri 22/2020"
    await office.act("kabag", c.KeepUnchanged, case, "penyampaian", reason=reason)
    await office.act("kabag", c.Submit, case, "penyampaian")

    done = await office.case(case)
    assert done.artifacts["alasan_tanpa_perubahan"].value == reason
    assert done.artifacts["rancangan_berparaf"].version == 1
    async with office.uow() as uow:
        records = await uow.audit.all()
    recorded = [r.entry.data for r in records if r.entry.kind == "ArtifactRecorded"]
    assert recorded[-1]["value"] == reason


async def test_unchanged_is_refused_where_nothing_was_returned(office):
    case = await office.open()
    await office.until_sekda(case)
    await office.act("sekda", c.Approve, case, "telaah_sekda")

    with pytest.raises(InvalidInput):
        await office.act(
            "walikota", c.KeepUnchanged, case, "telaah_walikota", reason="Sudah benar"
        )


async def test_a_fix_after_a_return_is_due_in_the_sop_files_fix_time(office):
    case = await office.open()
    await office.until_sekda(case)  # Wed 4 March 10:30

    await office.act("sekda", c.Return, case, "telaah_sekda", note="Pasal 3 perlu diperbaiki")

    run = (await office.case(case)).current_run("penyampaian")
    assert office.sop.step("telaah_sekda").decisions[1].fix_time.text == "2 hari kerja"
    assert run.due_at == datetime(2026, 3, 6, 10, 30, tzinfo=JAKARTA)  # not 15 minutes


async def test_a_wali_kota_return_reaches_the_sekda_with_the_choice_and_goes_down_and_up(
    office, db
):
    case = await office.open()
    await office.until_sekda(case)
    await office.act("sekda", c.Approve, case, "telaah_sekda")
    await office.act("walikota", c.Return, case, "telaah_walikota", note="Tambah pasal kahar")

    to_sekda = [m for m, _ in db.outbox.values() if m.recipient_id == office.ids["sekda"]]
    card = next(m for m in reversed(to_sekda) if m.reply.text_key == "task.view")
    assert "Tambah pasal kahar" in card.reply.params["intro"]
    assert "Kembalikan" in card.reply.params["intro"] and "Setujui" in card.reply.params["intro"]

    await office.act("sekda", c.Return, case, "telaah_sekda", note="Mohon ditindaklanjuti")
    to_kabag = [m for m, _ in db.outbox.values() if m.recipient_id == office.ids["kabag"]]
    card = next(m for m in reversed(to_kabag) if m.reply.text_key == "task.view")
    assert "Mohon ditindaklanjuti" in card.reply.params["intro"]
    assert "Tambah pasal kahar" in card.reply.params["intro"]  # the Wali Kota's note too

    await office.fix(case)
    await office.act("kabag", c.Submit, case, "penyampaian")
    await office.act("sekda", c.Approve, case, "telaah_sekda")
    await office.act("walikota", c.Approve, case, "telaah_walikota")
    done = await office.case(case)
    assert done.artifacts["rancangan_berparaf"].version == 2
    assert done.artifacts["rancangan_disetujui"].version == 2  # the number the draft had


async def test_completing_without_kelengkapan_names_exactly_what_is_missing(office):
    case = await office.open()
    await office.attach("kabag", case, "penugasan", "disposisi_kabag")

    with pytest.raises(MissingKelengkapan) as error:
        await office.act("kabag", c.Complete, case, "penugasan")

    assert error.value.params["missing"] == "penunjukan Ketua Tim Otonomi Daerah dan Kerja Sama"
    assert (await office.case(case)).current_run("penugasan") is not None


async def test_step_two_lists_every_missing_output(office):
    case = await office.open()
    await office.assign_and_dispose(case)
    await office.attach("ketua", case, "persiapan", "draft_rancangan")

    with pytest.raises(MissingKelengkapan) as error:
        await office.act("ketua", c.Complete, case, "persiapan")

    assert error.value.params["missing"] == (
        "Surat undangan; Tempat rapat dan kelengkapannya; Waktu rapat koordinasi"
    )


async def test_the_ketua_tim_named_by_the_kabag_gets_step_two(office):
    case = await office.open()

    await office.assign_and_dispose(case, ketua="ketua2")

    run = (await office.case(case)).current_run("persiapan")
    assert run.assignee_id == office.ids["ketua2"]


async def test_the_meeting_step_clock_starts_at_the_meeting_time(office):
    case = await office.open()
    await office.assign_and_dispose(case)

    await office.prepare(case, meeting="2026-03-03 13:00")

    run = (await office.case(case)).current_run("rapat_koordinasi")
    assert run.started_at == datetime(2026, 3, 3, 13, 0, tzinfo=JAKARTA)
    assert run.due_at == datetime(2026, 3, 3, 15, 0, tzinfo=JAKARTA)


async def test_a_wrong_role_cannot_approve_for_the_sekda(office):
    case = await office.open()
    await office.until_sekda(case)

    with pytest.raises(NotYourTask) as error:
        await office.act("ketua", c.Approve, case, "telaah_sekda")

    assert error.value.params["assignee"] == "Dr. Hendra Wijaya, M.M."
    assert (await office.case(case)).current_run("telaah_sekda").is_open


async def test_another_ketua_tim_cannot_finish_a_colleagues_task(office):
    case = await office.open()
    await office.assign_and_dispose(case)

    with pytest.raises(NotYourTask):
        await office.act("ketua2", c.Complete, case, "persiapan")


async def test_a_plh_acts_for_the_sekda_and_is_recorded_as_such(office):
    case = await office.open()
    await office.until_sekda(case)
    await office.admin.delegate("Hendra", "Joko", "plh", date(2026, 3, 4), date(2026, 3, 6))

    await office.act("asisten", c.Approve, case, "telaah_sekda")

    run = (await office.case(case)).latest_run("telaah_sekda")
    assert run.decided_by == office.ids["asisten"]
    assert run.acting_for == office.ids["sekda"]
    assert run.delegation_kind == "plh"


async def test_a_delegation_outside_its_dates_gives_no_authority(office):
    case = await office.open()
    await office.until_sekda(case)
    await office.admin.delegate("Hendra", "Joko", "plh", date(2026, 3, 9), date(2026, 3, 13))

    with pytest.raises(NotYourTask):
        await office.act("asisten", c.Approve, case, "telaah_sekda")


async def test_a_revoked_delegation_gives_no_authority(office):
    case = await office.open()
    await office.until_sekda(case)
    delegation = await office.admin.delegate(
        "Hendra", "Joko", "plt", date(2026, 3, 1), date(2026, 3, 31)
    )

    await office.admin.revoke(delegation.id)

    with pytest.raises(NotYourTask):
        await office.act("asisten", c.Approve, case, "telaah_sekda")


async def test_a_double_tap_acts_once_and_names_who_processed_it(office):
    case = await office.open()
    await office.until_sekda(case)
    version = await office.version(case, "telaah_sekda")
    await office.act("sekda", c.Approve, case, "telaah_sekda", task_version=version)

    with pytest.raises(AlreadyProcessed) as error:
        await office.act("sekda", c.Approve, case, "telaah_sekda", task_version=version)

    assert error.value.params["by"] == "Dr. Hendra Wijaya, M.M."
    assert [r.step_code for r in (await office.case(case)).open_runs()] == ["telaah_walikota"]


async def test_a_button_from_an_earlier_round_is_stale(office):
    case = await office.open()
    await office.until_sekda(case)
    old = await office.version(case, "telaah_sekda")
    await office.act("sekda", c.Return, case, "telaah_sekda", note="Perbaiki")
    await office.fix(case)
    await office.act("kabag", c.Submit, case, "penyampaian")

    with pytest.raises(StaleAction):
        await office.act("sekda", c.Approve, case, "telaah_sekda", task_version=old + 7)

    with pytest.raises(AlreadyProcessed):
        await office.act("sekda", c.Approve, case, "telaah_sekda", task_version=old)


async def test_a_return_without_a_note_is_refused_and_changes_nothing(office):
    case = await office.open()
    await office.until_sekda(case)

    with pytest.raises(NoteRequired):
        await office.act("sekda", c.Return, case, "telaah_sekda", note="   ")

    assert (await office.case(case)).current_run("telaah_sekda").is_open


async def test_cancelling_closes_every_open_task_and_tells_everyone_involved(office, db):
    case = await office.open()
    await office.assign_and_dispose(case)

    await office.workflow.handle(c.CancelCase(office.ids["kabag"], case.id, "Mitra mundur"))

    cancelled = await office.case(case)
    assert cancelled.status is CaseStatus.CANCELLED
    assert cancelled.cancel_reason == "Mitra mundur"
    assert cancelled.open_runs() == []
    messages = [m for m, _ in db.outbox.values()]
    told = {m.recipient_id for m in messages if m.reply.text_key == "case.cancelled"}
    assert told == {office.ids["kabag"], office.ids["ketua"]}


async def test_a_ketua_tim_may_not_cancel_a_case(office):
    case = await office.open()

    with pytest.raises(NotPermitted):
        await office.workflow.handle(c.CancelCase(office.ids["ketua"], case.id, "Tidak jadi"))


async def test_a_cancelled_case_refuses_further_actions(office):
    case = await office.open()
    await office.workflow.handle(c.CancelCase(office.ids["admin"], case.id, "Salah input"))

    with pytest.raises(CaseClosed):
        await office.act("kabag", c.Complete, case, "penugasan", task_version=1)


async def test_a_kl_case_waits_until_the_agency_approval_is_recorded(office):
    case = await office.open(partner="Kementerian Dalam Negeri", kind="kl_lpnk")

    assert case.status is CaseStatus.WAITING
    assert case.open_runs() == []
    with pytest.raises(StaleAction):
        await office.act("kabag", c.Complete, case, "penugasan", task_version=1)


async def test_recording_the_kl_approval_starts_step_one(office):
    case = await office.open(partner="Kementerian Dalam Negeri", kind="kl_lpnk")
    office.clock.set(datetime(2026, 3, 3, 14, 0, tzinfo=JAKARTA))

    await office.workflow.handle(
        c.RecordPrecondition(office.ids["kabag"], case.id, "persetujuan_kl", "Surat B-77/2026")
    )

    started = await office.case(case)
    assert started.status is CaseStatus.RUNNING
    assert started.current_run("penugasan").started_at == office.clock.now()


async def test_a_kl_case_opened_with_the_approval_starts_at_once(office):
    case = await office.open(
        partner="Kementerian Dalam Negeri", kind="kl_lpnk", persetujuan_kl="Surat B-77/2026"
    )

    assert case.status is CaseStatus.RUNNING
    assert case.current_run("penugasan") is not None


async def test_a_late_step_records_its_lateness_in_working_minutes_with_the_reason(office):
    case = await office.open()
    await office.attach("kabag", case, "penugasan", "disposisi_kabag")
    await office.workflow.handle(
        c.AssignPerformer(
            office.ids["kabag"], case.id, "penugasan", None, "ketua_tim", office.ids["ketua"]
        )
    )
    office.clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=JAKARTA))

    await office.act("kabag", c.Complete, case, "penugasan", reason="Menunggu surat asli")

    late = await office.case(case)
    run = late.latest_run("penugasan")
    # due Mon 09:15; Mon 09:15-16:00 is 405 working minutes, Tue 07:30-08:00 is 30 more
    assert run.late_minutes == 435
    assert [(d.kind, d.late_minutes, d.reason) for d in late.deviations] == [
        (DeviationKind.WAKTU, 435, "Menunggu surat asli")
    ]


async def test_an_on_time_step_records_no_deviation(office):
    case = await office.open()

    await office.assign_and_dispose(case)

    done = await office.case(case)
    run = done.latest_run("penugasan")
    assert (run.kelengkapan_ok, run.output_ok, run.late_minutes) == (True, True, 0)
    assert done.deviations == []


async def test_skipping_records_the_missing_output_with_its_reason(office):
    case = await office.open()
    await office.assign_and_dispose(case)

    await office.act("ketua", c.Skip, case, "persiapan", reason="Rapat via daring, tanpa undangan")

    skipped = await office.case(case)
    assert skipped.latest_run("persiapan").outcome is Outcome.SKIPPED
    kinds = [(d.kind, d.reason) for d in skipped.deviations]
    assert (DeviationKind.OUTPUT, "Rapat via daring, tanpa undangan") in kinds


async def test_a_return_by_the_walikota_is_not_a_missing_output(office):
    case = await office.open()
    await office.until_sekda(case)
    await office.act("sekda", c.Approve, case, "telaah_sekda")

    await office.act("walikota", c.Return, case, "telaah_walikota", note="Pasal 7 diperjelas")

    returned = await office.case(case)
    assert returned.latest_run("telaah_walikota").output_ok is True
    assert returned.deviations == []


async def test_a_decision_step_cannot_be_finished_with_selesai(office):
    case = await office.open()
    await office.until_sekda(case)

    with pytest.raises(InvalidInput):
        await office.act("sekda", c.Complete, case, "telaah_sekda")


async def test_a_meeting_time_that_is_not_a_time_is_refused(office):
    case = await office.open()
    await office.assign_and_dispose(case)

    with pytest.raises(InvalidInput) as error:
        await office.fact("ketua", case, "persiapan", "waktu_rapat", "besok pagi")

    assert "besok pagi" in error.value.params["reason"]


async def test_a_redelivered_update_is_processed_once(office):
    case = await office.open()
    await office.until_sekda(case)
    update = UpdateKey("telegram", "1001")
    version = await office.version(case, "telaah_sekda")
    await office.act("sekda", c.Approve, case, "telaah_sekda", update=update, task_version=version)

    again = await office.act(
        "sekda", c.Approve, case, "telaah_sekda", update=update, task_version=version
    )

    assert again.duplicate


async def test_waiting_lists_overdue_tasks_first_with_whom_they_wait_for(office):
    late = await office.open(subject="Kerja sama A")
    office.clock.set(datetime(2026, 3, 2, 11, 0, tzinfo=JAKARTA))
    fresh = await office.open(subject="Kerja sama B")

    items = await office.workflow.waiting()

    assert [(i.case_ref, i.overdue_minutes) for i in items] == [(late.ref, 105), (fresh.ref, 0)]
    assert items[0].waiting_for == ("Drs. Budi Santoso, M.Si.",)


async def test_a_progress_report_reaches_the_kabag(office, db):
    case = await office.open()
    await office.assign_and_dispose(case)

    await office.workflow.handle(
        c.ReportProgress(office.ids["ketua"], case.id, "Undangan sedang ditandatangani")
    )

    reports = [m for m, _ in db.outbox.values() if m.reply.text_key == "progress.reported"]
    assert [m.recipient_id for m in reports] == [office.ids["kabag"]]
    assert reports[0].reply.params["text"] == "Undangan sedang ditandatangani"


async def test_only_someone_working_on_the_case_may_report_progress(office):
    case = await office.open()
    await office.assign_and_dispose(case)

    with pytest.raises(NotPermitted):
        await office.workflow.handle(c.ReportProgress(office.ids["tkksd"], case.id, "Halo"))
