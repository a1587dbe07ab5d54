"""The agenda register on SQLite and PostgreSQL: consecutive numbers, no gap, no duplicate."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.clock import JAKARTA
from bot.config import Settings
from bot.documents import DocumentSettings
from bot.documents.render import BuiltDocument
from bot.errors import RegisterBusy
from bot.records.register import Register
from bot.sop.loader import load_sop
from bot.sop.registry import SopRegistry
from bot.workflow.model import Case
from storage import uow as storage_uow
from storage.sql import table
from tests.fakes import TEST_AUDIT_KEY
from tests.test_several_sops import PKS

AT = datetime(2026, 3, 17, 9, 0, tzinfo=JAKARTA)
CONCURRENT = 50


@pytest.fixture
def register(file_store) -> Register:
    settings = DocumentSettings.from_settings(Settings(_env_file=None))
    return Register(load_sop(), file_store, settings)


def letter(nomor: str) -> BuiltDocument:
    """A stand-in naskah: the register only needs its bytes and its name."""
    return BuiltDocument(f"undangan {nomor}".encode(), "surat-undangan.docx")


def unstored_case() -> Case:
    return Case("KB-2026-0001", "Pemerintah Kota Bandung", "pemda", "Sampah", AT, 1)


async def issue_one(uow_factory, register: Register) -> int:
    async with uow_factory() as uow:
        issued = await register.issue(uow, "undangan", unstored_case(), AT, None, letter)
        await uow.commit()
    return issued.entry.number


async def test_fifty_concurrent_number_requests_get_fifty_distinct_consecutive_numbers(
    uow_factory, register
):
    numbers = await asyncio.gather(*(issue_one(uow_factory, register) for _ in range(CONCURRENT)))

    assert sorted(numbers) == list(range(1, CONCURRENT + 1))
    async with uow_factory() as uow:
        entries = await uow.register.list("undangan", 2026)
    assert [e.number for e in entries] == list(range(1, CONCURRENT + 1))
    assert len({e.nomor for e in entries}) == CONCURRENT


async def test_a_number_taken_in_a_transaction_that_rolls_back_is_given_again(
    uow_factory, register
):
    async with uow_factory() as uow:
        await register.issue(uow, "undangan", unstored_case(), AT, None, letter)
        # no commit: the issuing action failed after taking the number

    number = await issue_one(uow_factory, register)

    assert number == 1


async def test_numbers_run_per_kind_and_per_year(uow_factory):
    async with uow_factory() as uow:
        taken = [
            await uow.register.take("undangan", 2026),
            await uow.register.take("disposisi", 2026),
            await uow.register.take("undangan", 2026),
            await uow.register.take("undangan", 2027),
        ]
        await uow.commit()

    assert taken == [1, 1, 2, 1]


async def test_a_cancelled_number_stays_in_the_register_and_is_not_given_again(
    uow_factory, register
):
    first = await issue_one(uow_factory, register)
    async with uow_factory() as uow:
        (entry,) = await uow.register.list("undangan")
        await register.cancel(uow, entry.id, AT, "tanggal rapat berubah", None)
        await uow.commit()

    second = await issue_one(uow_factory, register)

    async with uow_factory() as uow:
        entries = await uow.register.list("undangan")
    assert (first, second) == (1, 2)
    assert [(e.number, e.status) for e in entries] == [(1, "cancelled"), (2, "issued")]
    assert entries[0].cancel_reason == "tanggal rapat berubah"


async def test_issuing_again_for_the_same_case_cancels_the_earlier_naskah(uow_factory, register):
    await issue_one(uow_factory, register)

    await issue_one(uow_factory, register)

    async with uow_factory() as uow:
        entries = await uow.register.list("undangan")
        audit = [r.entry.kind for r in await uow.audit.all()]
    assert [e.status for e in entries] == ["cancelled", "issued"]
    assert entries[0].cancel_reason == f"diganti naskah nomor {entries[1].nomor}"
    assert audit == ["NaskahIssued", "NaskahCancelled", "NaskahIssued"]


# SQLite takes its write lock when a transaction begins: a busy one is the busy_timeout's case.
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_register_held_too_long_refuses_with_register_busy_and_issues_nothing(
    database_url, session_factory, uow_factory, register
):
    impatient = storage_uow.uow_factory(session_factory, TEST_AUDIT_KEY, register_wait=0.2)
    async with uow_factory() as holder:
        await holder.register.take("undangan", 2026)  # holds the counter until it ends

        with pytest.raises(RegisterBusy):
            async with impatient() as uow:
                await register.issue(uow, "undangan", unstored_case(), AT, None, letter)
                await uow.commit()

        await holder.rollback()
    async with uow_factory() as uow:
        assert await uow.register.list() == []
        counters = (await uow.session.execute(select(table("agenda_counters")))).all()
    assert counters == []
    assert await issue_one(uow_factory, register) == 1


def case_of(sop_code: str, ref: str) -> Case:
    return Case(ref, "Pemerintah Kota Bandung", "pemda", "Sampah", AT, 1, sop_code=sop_code)


async def test_each_sops_naskah_take_its_own_number_format_from_one_count_per_kind(
    uow_factory, file_store
):
    settings = DocumentSettings.from_settings(Settings(_env_file=None))
    register = Register(SopRegistry([load_sop(), load_sop(PKS)]), file_store, settings)

    async with uow_factory() as uow:
        kb = await register.issue(uow, "persetujuan", case_of("sop54-2025", "KB-2026-0001"),
                                  AT, None, letter)  # fmt: skip
        pks = await register.issue(uow, "persetujuan", case_of("pks-2025", "PKS-2026-0001"),
                                   AT, None, letter)  # fmt: skip
        await uow.commit()

    assert (kb.entry.number, kb.entry.nomor) == (1, "1/LP-Tapem/III/2026")
    assert (pks.entry.number, pks.entry.nomor) == (2, "100.3.4/2/LP-PKS/III/2026")
    assert pks.entry.details["klasifikasi"] == "100.3.4"
