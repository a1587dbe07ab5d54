"""The workflow service on real databases (SQLite always, PostgreSQL when reachable)."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest
from sqlalchemy import select

from bot.audit import verify
from bot.errors import AlreadyProcessed, NoteRequired
from bot.workflow import commands as c
from bot.workflow.model import CaseStatus, Outcome
from storage.models import OutboxRow
from tests.fakes import TEST_AUDIT_KEY
from tests.office import Office


@pytest.fixture
async def office(uow_factory, file_store) -> Office:
    return await Office(uow_factory, file_store).hire()


async def outbox(session_factory) -> list[dict]:
    async with session_factory() as session:
        rows = (await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars()
        return [
            {
                "to": r.recipient_id,
                "key": r.key,
                **(r.payload if isinstance(r.payload, dict) else json.loads(r.payload)),
            }
            for r in rows
        ]


async def test_a_whole_case_with_returns_survives_on_the_database(office):
    case = await office.open()
    await office.until_sekda(case)
    await office.act("sekda", c.Return, case, "telaah_sekda", note="Pasal 3 perlu diperbaiki")
    await office.fix(case)
    await office.act("kabag", c.Submit, case, "penyampaian")
    await office.act("sekda", c.Approve, case, "telaah_sekda")
    await office.act("walikota", c.Return, case, "telaah_walikota", note="Tambah pasal kahar")
    await office.act("sekda", c.Approve, case, "telaah_sekda")
    await office.act("walikota", c.Approve, case, "telaah_walikota")
    await office.fact(
        "walikota", case, "jadwal_penandatanganan", "rencana_penandatanganan", "2026-03-10 10:00"
    )

    await office.act("walikota", c.Complete, case, "jadwal_penandatanganan")

    done = await office.case(case)
    assert done.status is CaseStatus.DONE
    assert [r.outcome for r in done.runs].count(Outcome.RETURNED) == 2
    assert done.rounds_of("telaah_sekda") == 3
    assert done.artifacts["draft_rancangan"].version == 2
    assert verify(await _audit(office), TEST_AUDIT_KEY).ok


async def _audit(office):
    async with office.uow() as uow:
        return await uow.audit.all()


async def test_each_message_a_step_causes_is_in_the_outbox_after_the_commit(
    office, session_factory
):
    case = await office.open()
    await office.until_sekda(case)

    await office.act("sekda", c.Return, case, "telaah_sekda", note="Pasal 3 perlu diperbaiki")

    messages = await outbox(session_factory)
    to_kabag = [m for m in messages if m["to"] == office.ids["kabag"]]
    assert [m["text_key"] for m in to_kabag[-2:]] == ["task.view", "document.caption"]
    assert "Pasal 3 perlu diperbaiki" in to_kabag[-2]["params"]["intro"]
    assert len({m["key"] for m in messages}) == len(messages)


async def test_a_failed_command_leaves_no_trace(office, session_factory):
    case = await office.open()
    await office.until_sekda(case)
    before = (len(await outbox(session_factory)), len(await _audit(office)))

    with pytest.raises(NoteRequired):
        await office.act("sekda", c.Return, case, "telaah_sekda", note="")

    assert (len(await outbox(session_factory)), len(await _audit(office))) == before


async def test_two_concurrent_approvals_of_the_same_step_let_exactly_one_win(
    office, session_factory
):
    case = await office.open()
    await office.until_sekda(case)
    await office.admin.delegate("Hendra", "Joko", "plh", date(2026, 3, 1), date(2026, 3, 31))
    version = await office.version(case, "telaah_sekda")

    results = await asyncio.gather(
        office.act("sekda", c.Approve, case, "telaah_sekda", task_version=version),
        office.act("asisten", c.Approve, case, "telaah_sekda", task_version=version),
        return_exceptions=True,
    )

    wins = [r for r in results if not isinstance(r, BaseException)]
    losses = [r for r in results if isinstance(r, BaseException)]
    assert len(wins) == 1
    assert len(losses) == 1 and isinstance(losses[0], AlreadyProcessed)
    stored = await office.case(case)
    assert stored.rounds_of("telaah_sekda") == 1
    assert stored.rounds_of("telaah_walikota") == 1
    finished = [
        r
        for r in await _audit(office)
        if r.entry.kind == "StepFinished" and r.entry.data["step_code"] == "telaah_sekda"
    ]
    assert len(finished) == 1
    to_walikota = [m for m in await outbox(session_factory) if m["to"] == office.ids["walikota"]]
    assert [m["text_key"] for m in to_walikota] == ["task.view", "document.caption"]


async def test_many_concurrent_presses_of_one_button_act_once(office):
    case = await office.open()
    await office.until_sekda(case)
    version = await office.version(case, "telaah_sekda")

    results = await asyncio.gather(
        *[
            office.act("sekda", c.Approve, case, "telaah_sekda", task_version=version)
            for _ in range(5)
        ],
        return_exceptions=True,
    )

    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, AlreadyProcessed) for r in results if isinstance(r, BaseException))
    assert (await office.case(case)).rounds_of("telaah_walikota") == 1


async def test_concurrently_opened_cases_get_distinct_numbers(office):
    cases = await asyncio.gather(*[office.open(subject=f"Kerja sama {i}") for i in range(6)])

    assert sorted(case.ref for case in cases) == [f"KB-2026-000{n}" for n in range(1, 7)]


async def test_the_plh_approval_is_stored_with_whom_it_was_for(office):
    case = await office.open()
    await office.until_sekda(case)
    await office.admin.delegate("Hendra", "Joko", "plh", date(2026, 3, 1), date(2026, 3, 31))

    await office.act("asisten", c.Approve, case, "telaah_sekda")

    run = (await office.case(case)).latest_run("telaah_sekda")
    assert (run.decided_by, run.acting_for, run.delegation_kind) == (
        office.ids["asisten"],
        office.ids["sekda"],
        "plh",
    )
