"""The keyed audit chain on real databases (SQLite and PostgreSQL): tampering of every kind is
found with the first bad entry, and entries written before the key are sealed once."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.admin import Admin
from bot.audit import GENESIS, SEALED, AuditKey, canonical, chain_hash, verify
from bot.clock import JAKARTA, FixedClock
from bot.ports import AuditEntry, AuditRecord
from bot.sop.loader import load_sop
from bot.texts import t
from storage.audit_log import entry_from_body
from storage.uow import SqlAlchemyUnitOfWork
from storage.uow import uow_factory as make_uow_factory
from tests.fakes import TEST_AUDIT_KEY

UowFactory = Callable[[], SqlAlchemyUnitOfWork]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)
OTHER_KEY = AuditKey(b"another-audit-key-that-is-long-enough-000")


def entry(kind: str, **data: Any) -> AuditEntry:
    return AuditEntry(NOW, kind, 1, "KB-2026-0001", dict(data))


async def write(uow_factory: UowFactory, *kinds: str) -> None:
    """One transaction appending an entry of each kind."""
    async with uow_factory() as uow:
        for kind in kinds:
            uow.audit.append(entry(kind, step=1))
        await uow.commit()


async def check(uow_factory: UowFactory, key: AuditKey = TEST_AUDIT_KEY) -> Any:
    async with uow_factory() as uow:
        return verify(await uow.audit.all(), key, await uow.audit.head())


async def records(uow_factory: UowFactory) -> list[AuditRecord]:
    async with uow_factory() as uow:
        return await uow.audit.all()


async def execute(engine: AsyncEngine, sql: str, *params: dict[str, Any]) -> None:
    async with engine.begin() as connection:
        await connection.execute(text(sql), list(params) if len(params) > 1 else params[0])


async def recompute_without_the_key(
    engine: AsyncEngine,
    uow_factory: UowFactory,
    edit: Callable[[dict[str, Any]], None] | None = None,
    *,
    at_id: int = 2,
    drop_macs: bool = False,
) -> None:
    """What someone with write access but no key can do: change entry `at_id`, then rebuild
    every later hash link and the head so that plain sha256 verification passes again."""
    prev = GENESIS
    rows = []
    for record in await records(uow_factory):
        body = json.loads(canonical(record.entry))
        if record.id == at_id and edit is not None:
            edit(body)
        rebuilt = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        digest = chain_hash(prev, entry_from_body(rebuilt))
        mac = None if drop_macs else record.mac
        rows.append({"id": record.id, "body": rebuilt, "prev": prev, "hash": digest, "mac": mac})
        prev = digest
    await execute(
        engine,
        "UPDATE audit_events SET body = :body, prev_hash = :prev, hash = :hash, mac = :mac "
        "WHERE id = :id",
        *rows,
    )
    head_mac = "NULL" if drop_macs else "mac"
    await execute(
        engine,
        f"UPDATE audit_head SET last_hash = :hash, mac = {head_mac} WHERE id = 1",
        {"hash": prev},
    )


def sha256_links_hold(chain: list[AuditRecord]) -> bool:
    """The plain hash chain, as it was checked before it was keyed."""
    prevs = [GENESIS] + [record.hash for record in chain[:-1]]
    return all(
        record.prev_hash == prev and record.hash == chain_hash(prev, record.entry)
        for record, prev in zip(chain, prevs, strict=True)
    )


def forge_actor(body: dict[str, Any]) -> None:
    body["actor_id"] = 99


# Keyed chain


async def test_a_chain_written_with_the_key_verifies_with_that_key(uow_factory):
    await write(uow_factory, "CaseOpened", "TaskAssigned")
    await write(uow_factory, "StepCompleted")

    report = await check(uow_factory)

    assert (report.ok, report.checked) == (True, 3)
    assert all(record.mac for record in await records(uow_factory))


async def test_the_same_chain_fails_under_another_key_at_the_first_entry(uow_factory):
    await write(uow_factory, "CaseOpened", "TaskAssigned")

    report = await check(uow_factory, OTHER_KEY)

    assert (report.ok, report.broken_at, report.reason) == (False, 1, t("audit.reason.mac"))


async def test_an_edited_row_is_reported_at_that_entry(uow_factory, engine):
    await write(uow_factory, "CaseOpened", "TaskAssigned", "StepCompleted")
    await execute(
        engine,
        "UPDATE audit_events SET body = replace(body, 'TaskAssigned', 'StepSkipped') WHERE id = 2",
        {},
    )

    report = await check(uow_factory)

    assert (report.ok, report.broken_at) == (False, 2)
    assert report.reason == t("audit.reason.body_changed")


async def test_a_chain_recomputed_without_the_key_fails_at_the_first_changed_entry(
    uow_factory, engine
):
    await write(uow_factory, "CaseOpened", "TaskAssigned", "StepCompleted", "StepApproved")
    await recompute_without_the_key(engine, uow_factory, forge_actor, at_id=2)
    assert sha256_links_hold(await records(uow_factory))

    report = await check(uow_factory)

    assert (report.ok, report.broken_at, report.reason) == (False, 2, t("audit.reason.mac"))


async def test_a_recomputed_chain_with_its_macs_removed_after_a_change_fails_there(
    uow_factory, engine
):
    await write(uow_factory, "CaseOpened", "TaskAssigned", "StepCompleted")
    await recompute_without_the_key(engine, uow_factory, forge_actor, at_id=2)
    await execute(engine, "UPDATE audit_events SET mac = NULL WHERE id >= 2", {})

    report = await check(uow_factory)

    assert (report.ok, report.broken_at) == (False, 2)
    assert report.reason == t("audit.reason.unkeyed_after_keyed")
    assert not report.sealable


async def test_a_recomputed_chain_without_any_mac_is_not_verified(uow_factory, engine):
    await write(uow_factory, "CaseOpened", "TaskAssigned", "StepCompleted")
    await recompute_without_the_key(engine, uow_factory, forge_actor, at_id=2, drop_macs=True)

    report = await check(uow_factory)

    assert (report.ok, report.broken_at, report.unkeyed) == (False, 1, (1, 2, 3))


async def test_cutting_the_end_is_detected(uow_factory, engine):
    await write(uow_factory, "CaseOpened", "TaskAssigned", "StepCompleted")
    await execute(engine, "DELETE FROM audit_events WHERE id = 3", {})

    report = await check(uow_factory)

    assert (report.ok, report.broken_at, report.checked) == (False, 3, 2)
    assert report.reason == t("audit.reason.tail_missing")


async def test_cutting_the_end_and_moving_the_head_back_without_the_key_is_detected(
    uow_factory, engine
):
    await write(uow_factory, "CaseOpened", "TaskAssigned", "StepCompleted")
    second = (await records(uow_factory))[1]
    await execute(engine, "DELETE FROM audit_events WHERE id = 3", {})
    await execute(
        engine,
        "UPDATE audit_head SET last_id = 2, last_hash = :hash WHERE id = 1",
        {"hash": second.hash},
    )

    report = await check(uow_factory)

    assert (report.ok, report.broken_at, report.reason) == (False, 2, t("audit.reason.head_mac"))


async def test_a_head_stripped_of_its_mac_is_detected(uow_factory, engine):
    await write(uow_factory, "CaseOpened")
    await execute(engine, "UPDATE audit_head SET mac = NULL WHERE id = 1", {})

    report = await check(uow_factory)

    assert (report.ok, report.reason) == (False, t("audit.reason.head_unkeyed"))


# Entries written before the chain was keyed


@pytest.fixture
def unkeyed_uow_factory(session_factory: async_sessionmaker[AsyncSession]) -> UowFactory:
    """Units of work writing the audit the way the bot did before it had a key."""
    return make_uow_factory(session_factory)


@pytest.fixture
def admin(uow_factory: UowFactory) -> Admin:
    return Admin(uow_factory, load_sop(), FixedClock(NOW), audit_key=TEST_AUDIT_KEY)


async def test_entries_written_before_the_key_are_reported_as_an_unkeyed_prefix(
    uow_factory, unkeyed_uow_factory
):
    await write(unkeyed_uow_factory, "CaseOpened", "TaskAssigned")
    await write(uow_factory, "StepCompleted")

    report = await check(uow_factory)

    assert (report.ok, report.sealable, report.unkeyed, report.broken_at) == (
        False,
        True,
        (1, 2),
        1,
    )
    assert report.reason == t("audit.reason.unkeyed", count=2, first=1, last=2)


async def test_sealing_keys_the_unkeyed_prefix_and_records_it(
    admin, uow_factory, unkeyed_uow_factory
):
    await write(unkeyed_uow_factory, "CaseOpened", "TaskAssigned")
    await write(uow_factory, "StepCompleted")

    outcome = await admin.seal_audit()

    assert outcome.sealed == (1, 2)
    assert (await check(uow_factory)).ok
    last = (await records(uow_factory))[-1]
    assert (last.entry.kind, last.entry.data) == (SEALED, {"first": 1, "last": 2, "count": 2})


async def test_a_sealed_trail_needs_no_second_seal(admin, unkeyed_uow_factory):
    await write(unkeyed_uow_factory, "CaseOpened")
    await admin.seal_audit()

    again = await admin.seal_audit()

    assert (again.report.ok, again.sealed) == (True, ())


async def test_a_sealed_trail_whose_macs_were_removed_is_not_sealed_again(
    admin, uow_factory, unkeyed_uow_factory, engine
):
    await write(unkeyed_uow_factory, "CaseOpened")
    await admin.seal_audit()
    await recompute_without_the_key(engine, uow_factory, forge_actor, at_id=1, drop_macs=True)

    outcome = await admin.seal_audit()

    assert (outcome.sealed, outcome.sealed_before) == ((), 2)
    assert not (await check(uow_factory)).ok


async def test_a_broken_legacy_prefix_is_not_sealed(
    admin, uow_factory, unkeyed_uow_factory, engine
):
    await write(unkeyed_uow_factory, "CaseOpened", "TaskAssigned")
    await execute(
        engine, "UPDATE audit_events SET body = replace(body, 'Task', 'Tusk') WHERE id = 2", {}
    )

    outcome = await admin.seal_audit()

    assert (outcome.sealed, outcome.report.broken_at) == ((), 2)
    assert [record.mac for record in await records(uow_factory)] == [None, None]


async def test_an_unkeyed_entry_after_keyed_ones_is_always_a_failure(
    uow_factory, unkeyed_uow_factory
):
    await write(uow_factory, "CaseOpened")
    await write(unkeyed_uow_factory, "TaskAssigned")

    report = await check(uow_factory)

    assert (report.ok, report.sealable, report.broken_at) == (False, False, 2)
