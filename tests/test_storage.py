"""Storage on real databases: every test runs on SQLite and on PostgreSQL (see conftest)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.audit import GENESIS, canonical, verify
from bot.calendar import HolidayOverride
from bot.clock import JAKARTA
from bot.errors import CaseNotFound, ConcurrentUpdate, InvalidInvite, NotFound, UserNotFound
from bot.ports import AuditEntry, DocumentRecord, Invite, OutgoingMessage
from bot.replies import Choice, Reply
from bot.workflow.model import (
    ArtifactValue,
    Case,
    CaseStatus,
    Deviation,
    DeviationKind,
    Outcome,
    StepRun,
)
from storage.db import make_engine
from storage.migrate import alembic_config, head_revision, upgrade
from storage.models import Base
from storage.types import AwareDateTime
from storage.uow import SqlAlchemyUnitOfWork
from tests.fakes import TEST_AUDIT_KEY

UowFactory = Callable[[], SqlAlchemyUnitOfWork]

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)


def new_case(created_by: int, ref: str = "KB-2026-0001") -> Case:
    """A running case with one open run of step 1."""
    case = Case(
        ref=ref,
        partner="Pemerintah Kota Bandung",
        partner_kind="pemda",
        subject="Kerja sama pengelolaan sampah",
        created_at=NOW,
        created_by=created_by,
    )
    case.assignments["kabag"] = created_by
    case.runs.append(StepRun("penugasan", 1, NOW, NOW + timedelta(minutes=15), created_by))
    case.artifacts["disposisi_walikota"] = ArtifactValue(
        "disposisi_walikota", "Disposisi No. 005/123", "penugasan", created_by, NOW
    )
    return case


async def stored_case(uow_factory: UowFactory, ref: str = "KB-2026-0001") -> Case:
    """A committed case created by a freshly registered Kabag."""
    async with uow_factory() as uow:
        kabag = await uow.people.add("Drs. Budi Santoso", ["kabag"])
        case = new_case(kabag.id, ref)
        await uow.cases.add(case)
        await uow.commit()
    return case


def entry(kind: str, at: datetime = NOW, **data: object) -> AuditEntry:
    return AuditEntry(at, kind, 1, "KB-2026-0001", dict(data))


async def append_and_commit(uow_factory: UowFactory, *entries: AuditEntry) -> None:
    async with uow_factory() as uow:
        for item in entries:
            uow.audit.append(item)
        await uow.commit()


async def count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(
            select(func.count()).select_from(Base.metadata.tables[table])
        )


# Migrations


async def test_migrations_create_every_table_of_the_models(engine):
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))

    assert tables == set(Base.metadata.tables) | {"alembic_version"}


async def test_the_migrated_schema_matches_the_models(engine):
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )

    assert diff == []


async def test_upgrading_an_up_to_date_database_leaves_it_at_head(engine):
    await upgrade(engine)

    async with engine.connect() as connection:
        current = await connection.run_sync(
            lambda c: MigrationContext.configure(c).get_current_revision()
        )

    assert current == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_newest_revision_read_from_the_migration_files_is_alembics_head():
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_start_on_a_database_at_head_does_not_load_alembic(tmp_path):
    """Run in a process of its own: this one has Alembic loaded already."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'at-head.sqlite3'}"
    program = (
        "import asyncio, sys\n"
        "from storage.migrate import upgrade\n"
        "asyncio.run(upgrade(sys.argv[1]))\n"
        "print('alembic' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", program, url], capture_output=True,
                           text=True, check=True)  # fmt: skip
    again = subprocess.run([sys.executable, "-c", program, url], capture_output=True,
                           text=True, check=True)  # fmt: skip

    assert (first.stdout.strip(), again.stdout.strip()) == ("True", "False")


async def test_a_database_behind_head_is_still_migrated(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'behind.sqlite3'}"
    await upgrade(url, "0009")
    engine = make_engine(url)
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()

    assert "cache_versions" in tables  # made by 0010


# The case aggregate


async def test_adding_a_case_gives_ids_to_the_case_and_its_runs(uow_factory):
    case = await stored_case(uow_factory)

    assert case.id is not None
    assert all(run.id is not None for run in case.runs)


async def test_a_case_reads_back_with_runs_deviations_artifacts_and_assignments(uow_factory):
    case = await stored_case(uow_factory)
    async with uow_factory() as uow:
        loaded = await uow.cases.get(case.id)
        run = loaded.runs[0]
        run.outcome = Outcome.COMPLETED
        run.finished_at = NOW + timedelta(hours=1)
        run.decided_by = case.created_by
        run.late_minutes = 45
        loaded.runs.append(StepRun("persiapan", 1, NOW, NOW + timedelta(days=2), None))
        loaded.deviations.append(
            Deviation("penugasan", 1, DeviationKind.WAKTU, "terlambat", NOW, late_minutes=45)
        )
        loaded.assignments["ketua_tim"] = case.created_by
        await uow.cases.save(loaded)
        await uow.commit()

    async with uow_factory() as uow:
        again = await uow.cases.get_by_ref("KB-2026-0001")

    assert again == loaded


async def test_a_case_holds_the_latest_value_of_each_artifact(uow_factory):
    case = await stored_case(uow_factory)
    async with uow_factory() as uow:
        loaded = await uow.cases.get(case.id)
        loaded.artifacts["disposisi_walikota"] = ArtifactValue(
            "disposisi_walikota", "Disposisi No. 005/200", "penugasan", None, NOW, version=2
        )
        await uow.cases.save(loaded)
        await uow.commit()

    async with uow_factory() as uow:
        again = await uow.cases.get(case.id)

    assert again.artifacts["disposisi_walikota"].value == "Disposisi No. 005/200"
    assert again.artifacts["disposisi_walikota"].version == 2


async def test_every_value_of_an_artifact_stays_in_its_history(uow_factory):
    case = await stored_case(uow_factory)
    async with uow_factory() as uow:
        loaded = await uow.cases.get(case.id)
        loaded.artifacts["disposisi_walikota"] = ArtifactValue(
            "disposisi_walikota", "Disposisi No. 005/200", "penugasan", None, NOW, version=2
        )
        await uow.cases.save(loaded)
        await uow.commit()

    async with uow_factory() as uow:
        history = await uow.cases.history(case.id, "disposisi_walikota")

    assert [(a.version, a.value) for a in history] == [
        (1, "Disposisi No. 005/123"),
        (2, "Disposisi No. 005/200"),
    ]


async def test_saving_a_case_increments_its_version(uow_factory):
    case = await stored_case(uow_factory)

    async with uow_factory() as uow:
        loaded = await uow.cases.get(case.id)
        await uow.cases.save(loaded)
        await uow.commit()

    async with uow_factory() as uow:
        again = await uow.cases.get(case.id)

    assert again.version == loaded.version == 1


async def test_a_reason_given_later_for_a_deviation_is_stored(uow_factory):
    case = await stored_case(uow_factory)
    async with uow_factory() as uow:
        loaded = await uow.cases.get(case.id)
        loaded.deviations.append(Deviation("penugasan", 1, DeviationKind.OUTPUT, "kurang", NOW))
        await uow.cases.save(loaded)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.cases.get(case.id)
        loaded.deviations[0].reason = "Berkas menyusul dari Sekretariat"
        await uow.cases.save(loaded)
        await uow.commit()

    async with uow_factory() as uow:
        again = await uow.cases.get(case.id)

    assert [d.reason for d in again.deviations] == ["Berkas menyusul dari Sekretariat"]


async def test_an_assignment_dropped_from_a_case_is_deleted(uow_factory):
    case = await stored_case(uow_factory)

    async with uow_factory() as uow:
        loaded = await uow.cases.get(case.id)
        del loaded.assignments["kabag"]
        await uow.cases.save(loaded)
        await uow.commit()

    async with uow_factory() as uow:
        again = await uow.cases.get(case.id)

    assert again.assignments == {}


async def test_saving_a_stale_copy_of_a_case_raises_concurrent_update(uow_factory):
    case = await stored_case(uow_factory)
    async with uow_factory() as first:
        mine = await first.cases.get(case.id)
    async with uow_factory() as second:
        theirs = await second.cases.get(case.id)
    mine.subject, theirs.subject = "Perihal A", "Perihal B"
    async with uow_factory() as uow:
        await uow.cases.save(mine)
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(ConcurrentUpdate):
            await uow.cases.save(theirs)


async def test_a_second_case_with_the_same_reference_raises_concurrent_update(uow_factory):
    case = await stored_case(uow_factory)

    async with uow_factory() as uow:
        with pytest.raises(ConcurrentUpdate):
            await uow.cases.add(new_case(case.created_by, case.ref))


async def test_an_unknown_case_raises_case_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(CaseNotFound) as raised:
            await uow.cases.get_by_ref("KB-2026-0404")

    assert raised.value.params == {"ref": "KB-2026-0404"}


async def test_next_ref_counts_per_prefix_and_year(uow_factory):
    await stored_case(uow_factory, "KB-2026-0001")
    await stored_case(uow_factory, "KB-2026-0002")
    await stored_case(uow_factory, "KB-2025-0009")

    async with uow_factory() as uow:
        refs = [await uow.cases.next_ref("KB", 2026), await uow.cases.next_ref("KB", 2027)]

    assert refs == ["KB-2026-0003", "KB-2027-0001"]


async def test_listing_active_cases_leaves_out_closed_ones(uow_factory):
    await stored_case(uow_factory, "KB-2026-0001")
    closed = await stored_case(uow_factory, "KB-2026-0002")
    async with uow_factory() as uow:
        loaded = await uow.cases.get(closed.id)
        loaded.status, loaded.closed_at = CaseStatus.DONE, NOW
        await uow.cases.save(loaded)
        await uow.commit()

    async with uow_factory() as uow:
        active = [c.ref for c in await uow.cases.list(active_only=True)]
        everything = [c.ref for c in await uow.cases.list()]

    assert (active, everything) == (["KB-2026-0001"], ["KB-2026-0001", "KB-2026-0002"])


# People, delegations, invites, holidays, documents


async def test_a_person_keeps_roles_and_chat_identities(uow_factory):
    async with uow_factory() as uow:
        person = await uow.people.add("Siti Rahmawati", ["ketua_tim", "tkksd"], nip="1982")
        await uow.people.add_role(person.id, "admin")
        await uow.people.bind_identity(person.id, "telegram", "5551234")
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.people.by_identity("telegram", "5551234")

    assert found is not None
    assert (found.id, found.roles) == (person.id, frozenset({"ketua_tim", "tkksd", "admin"}))


async def test_binding_a_chat_identity_again_moves_it_to_the_new_person(uow_factory):
    async with uow_factory() as uow:
        old = await uow.people.add("Rina Marlina", ["tkksd"])
        new = await uow.people.add("Andi Pratama", ["tkksd"])
        await uow.people.bind_identity(old.id, "whatsapp", "628111")
        await uow.commit()

    async with uow_factory() as uow:
        await uow.people.bind_identity(new.id, "whatsapp", "628111")
        found = await uow.people.by_identity("whatsapp", "628111")

    assert found == new


async def test_an_unknown_chat_identity_is_nobody(uow_factory):
    async with uow_factory() as uow:
        found = await uow.people.by_identity("whatsapp", "628123")

    assert found is None


async def test_an_unknown_person_raises_user_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(UserNotFound) as raised:
            await uow.people.get(404)

    assert raised.value.params == {"who": "404"}


async def test_the_roster_lists_inactive_people_and_delegations(uow_factory):
    async with uow_factory() as uow:
        sekda = await uow.people.add("Dr. Hendra Wijaya", ["sekda"])
        deputy = await uow.people.add("Joko Susilo", [])
        await uow.people.set_active(deputy.id, False)
        await uow.delegations.add(sekda.id, deputy.id, "plh", date(2026, 3, 2), date(2026, 3, 6))
        await uow.commit()

    async with uow_factory() as uow:
        roster = await uow.people.roster()

    assert roster.people[deputy.id].active is False
    assert [d.deputy_id for d in roster.delegations] == [deputy.id]


async def test_a_revoked_delegation_is_listed_as_revoked(uow_factory):
    async with uow_factory() as uow:
        sekda = await uow.people.add("Dr. Hendra Wijaya", ["sekda"])
        deputy = await uow.people.add("Joko Susilo", [])
        added = await uow.delegations.add(
            sekda.id, deputy.id, "plt", date(2026, 3, 2), date(2026, 3, 6)
        )
        await uow.commit()

    async with uow_factory() as uow:
        revoked = await uow.delegations.revoke(added.id)
        await uow.commit()
    async with uow_factory() as uow:
        listed = await uow.delegations.list()

    assert revoked.revoked is True
    assert listed == [revoked]


async def test_revoking_an_unknown_delegation_raises_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.delegations.revoke(404)


async def test_an_invite_can_be_claimed_once(uow_factory):
    invite = Invite("sekda", "Dr. Hendra Wijaya", "1968", NOW + timedelta(days=7))
    async with uow_factory() as uow:
        await uow.invites.add("hash-1", invite, NOW)
        await uow.commit()

    async with uow_factory() as uow:
        claimed = await uow.invites.claim("hash-1", NOW + timedelta(hours=1))
        await uow.commit()

    assert claimed == invite


async def test_claiming_a_used_invite_raises_invalid_invite_used(uow_factory):
    async with uow_factory() as uow:
        await uow.invites.add("hash-1", Invite("tkksd", None, None, NOW + timedelta(days=7)), NOW)
        await uow.invites.claim("hash-1", NOW)
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(InvalidInvite) as raised:
            await uow.invites.claim("hash-1", NOW)

    assert raised.value.params["reason"] == "used"


async def test_claiming_an_expired_invite_raises_invalid_invite_expired(uow_factory):
    async with uow_factory() as uow:
        await uow.invites.add("hash-1", Invite("tkksd", None, None, NOW + timedelta(days=7)), NOW)
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(InvalidInvite) as raised:
            await uow.invites.claim("hash-1", NOW + timedelta(days=7))

    assert raised.value.params["reason"] == "expired"


async def test_claiming_an_unknown_invite_raises_invalid_invite_unknown(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(InvalidInvite) as raised:
            await uow.invites.claim("no-such-hash", NOW)

    assert raised.value.params["reason"] == "unknown"


async def test_holiday_overrides_are_put_replaced_listed_and_deleted(uow_factory):
    async with uow_factory() as uow:
        await uow.holidays.put(HolidayOverride(date(2026, 4, 1), "HUT Kota", True))
        await uow.holidays.put(HolidayOverride(date(2026, 2, 28), "Hari kerja", False))
        await uow.holidays.put(HolidayOverride(date(2026, 4, 1), "HUT Kota Tangerang", True))
        await uow.commit()

    async with uow_factory() as uow:
        deleted = [
            await uow.holidays.delete(date(2026, 2, 28)),
            await uow.holidays.delete(date(2026, 5, 1)),
        ]
        listed = await uow.holidays.list()

    assert deleted == [True, False]
    assert listed == [HolidayOverride(date(2026, 4, 1), "HUT Kota Tangerang", True)]


async def test_documents_are_numbered_per_case_and_kind(uow_factory):
    case = await stored_case(uow_factory)

    async with uow_factory() as uow:
        stored = [
            await uow.documents.add(
                DocumentRecord(case.id, kind, f"{kind}.docx", "a" * 64, 10, "x", None, NOW)
            )
            for kind in ("undangan", "notulen", "undangan")
        ]
        await uow.commit()

    assert [(d.kind, d.version) for d in stored] == [
        ("undangan", 1),
        ("notulen", 1),
        ("undangan", 2),
    ]
    async with uow_factory() as uow:
        assert await uow.documents.list_for_case(case.id) == stored


# Outbox and update log


async def test_the_outbox_ignores_a_message_whose_key_is_queued(uow_factory, engine):
    case = await stored_case(uow_factory)
    message = OutgoingMessage(case.created_by, Reply("task.assigned", {"ref": case.ref}), "k-1")

    async with uow_factory() as uow:
        await uow.outbox.add(message, NOW)
        await uow.outbox.add(OutgoingMessage(case.created_by, Reply("other"), "k-1"), NOW)
        await uow.commit()

    assert await count(engine, "outbox") == 1


async def test_the_outbox_stores_the_reply_as_json_due_at_not_before(uow_factory, engine):
    case = await stored_case(uow_factory)
    reply = Reply("task.assigned", {"ref": case.ref}, (Choice("btn.approve", "ap:1:1:1"),))
    later = NOW + timedelta(hours=2)
    async with uow_factory() as uow:
        await uow.outbox.add(OutgoingMessage(case.created_by, reply, "k-1", later), NOW)
        await uow.commit()

    async with engine.connect() as connection:
        row = (await connection.execute(select(Base.metadata.tables["outbox"]))).one()

    assert Reply.from_json(row.payload) == reply
    assert (row.status, row.next_attempt_at, row.created_at) == ("pending", later, NOW)


async def test_an_update_is_new_the_first_time_and_seen_the_second(uow_factory):
    async with uow_factory() as uow:
        first = await uow.updates.seen("telegram", "1001", NOW)
        await uow.commit()

    async with uow_factory() as uow:
        second = await uow.updates.seen("telegram", "1001", NOW)

    assert (first, second) == (False, True)


# Audit chain


async def test_audit_entries_of_several_transactions_form_one_verifiable_chain(uow_factory):
    await append_and_commit(uow_factory, entry("CaseOpened"), entry("TaskAssigned", step=1))
    await append_and_commit(uow_factory, entry("StepReturned", note="Pasal 3 diperbaiki"))

    async with uow_factory() as uow:
        records = await uow.audit.all()

    assert verify(records, TEST_AUDIT_KEY).ok
    assert [r.entry.kind for r in records] == ["CaseOpened", "TaskAssigned", "StepReturned"]
    assert records[0].prev_hash == GENESIS


async def test_an_audit_entry_reads_back_with_its_original_offset(uow_factory):
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    await append_and_commit(uow_factory, entry("CaseOpened", at=at, missing=["a", "b"]))

    async with uow_factory() as uow:
        (record,) = await uow.audit.all()

    assert record.entry == entry("CaseOpened", at=at, missing=["a", "b"])
    assert record.entry.at.utcoffset() == timedelta(0)


async def test_a_tampered_audit_body_breaks_the_chain_at_that_row(uow_factory, engine):
    await append_and_commit(uow_factory, entry("CaseOpened"), entry("TaskAssigned"))
    await append_and_commit(uow_factory, entry("StepCompleted"))
    async with uow_factory() as uow:
        target = (await uow.audit.all())[1]
    forged = json.loads(canonical(target.entry))
    forged["actor_id"] = 99
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE audit_events SET body = :body WHERE id = :id"),
            {"body": json.dumps(forged), "id": target.id},
        )

    async with uow_factory() as uow:
        report = verify(await uow.audit.all(), TEST_AUDIT_KEY)

    assert (report.ok, report.broken_at) == (False, target.id)


async def test_entries_cut_off_the_end_of_the_chain_are_detected(uow_factory, engine):
    await append_and_commit(uow_factory, entry("CaseOpened"), entry("TaskAssigned"))
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM audit_events WHERE id = 2"))

    async with uow_factory() as uow:
        report = verify(await uow.audit.all(), TEST_AUDIT_KEY, await uow.audit.head())

    assert (report.ok, report.broken_at, report.checked) == (False, 2, 1)


async def test_leaving_without_commit_stores_nothing_not_even_audit(uow_factory, engine):
    async with uow_factory() as uow:
        person = await uow.people.add("Rina Marlina", ["tkksd"])
        await uow.cases.add(new_case(person.id))
        uow.audit.append(entry("CaseOpened"))

    assert [await count(engine, t) for t in ("people", "cases", "audit_events")] == [0, 0, 0]


async def test_concurrent_units_of_work_leave_one_unbroken_audit_chain(uow_factory):
    async def worker(n: int) -> None:
        async with uow_factory() as uow:
            await uow.people.list()
            uow.audit.append(entry("Ping", worker=n, part=1))
            await asyncio.sleep(0)
            uow.audit.append(entry("Ping", worker=n, part=2))
            await uow.commit()

    await asyncio.gather(*(worker(n) for n in range(5)))

    async with uow_factory() as uow:
        records = await uow.audit.all()
    assert verify(records, TEST_AUDIT_KEY).ok
    assert len(records) == 10


# Column types


async def test_stored_instants_read_back_aware_in_jakarta_time(uow_factory, engine):
    at = datetime(2026, 3, 2, 2, 30, tzinfo=UTC)
    async with uow_factory() as uow:
        await uow.updates.seen("telegram", "1001", at)
        await uow.commit()

    async with engine.connect() as connection:
        stored = await connection.scalar(select(Base.metadata.tables["processed_updates"].c.at))

    assert stored == at
    assert (stored.tzinfo, stored.hour) == (JAKARTA, 9)


async def test_a_naive_datetime_is_refused(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(StatementError) as raised:
            await uow.updates.seen("telegram", "1001", datetime(2026, 3, 2, 9, 0))

    assert isinstance(raised.value.orig, ValueError)


def test_the_datetime_type_refuses_naive_values_itself():
    naive = datetime(2026, 3, 2, 9, 0)

    with pytest.raises(ValueError, match="naive"):
        AwareDateTime().process_bind_param(naive, postgresql.dialect())
