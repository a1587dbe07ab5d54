"""Numbered naskah, Plt./Plh. signature blocks, the lembar persetujuan and the signing, on both
databases; the busy register on fakes, through the chat."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bot import actions
from bot.chat.core import ChatCore
from bot.chat.model import Incoming, Sender
from bot.config import Settings
from bot.errors import InvalidInput, RegisterBusy, RegisterCancelBusy
from bot.texts import t
from bot.uploads import UploadPolicy
from bot.workflow import commands as c
from storage import uow as storage_uow
from storage.db import make_engine, make_session_factory
from tests.docx_reading import lines, table_with
from tests.fakes import TEST_AUDIT_KEY, FakeDB, MemoryFileStore, fake_uow_factory
from tests.records_office import records_office, through_the_meeting, to_the_end

UNDANGAN = "005/1-Tapem/III/2026"


@pytest.fixture
async def ro(uow_factory, file_store):
    return await records_office(uow_factory, file_store)


async def test_the_disposisi_and_the_undangan_take_their_numbers_from_the_register(ro):
    case = await through_the_meeting(ro)

    entries = await ro.records.entries(year=2026)

    assert [(e.kind, e.number, e.nomor, e.case_ref) for e in entries] == [
        ("disposisi", 1, "1/Disp-Tapem/III/2026", "KB-2026-0001"),
        ("undangan", 1, UNDANGAN, "KB-2026-0001"),
    ]
    undangan = ro.office.files.read(case.artifacts["surat_undangan"].value)
    assert table_with(undangan, "Nomor")[0] == ["Nomor", ":", UNDANGAN]
    disposisi = ro.office.files.read(case.artifacts["disposisi_kabag"].value)
    assert "Nomor agenda: 1/Disp-Tapem/III/2026" in lines(disposisi)


async def test_a_cancelled_undangan_stays_in_the_register_and_the_next_takes_the_next_number(
    ro,
):
    case = await through_the_meeting(ro)
    (first,) = await ro.records.entries("undangan")
    await ro.records.cancel(first.id, "Tanggal rapat diubah")
    second_case = await ro.office.open(subject="Kerja sama air bersih")

    await ro.office.fact("kabag", second_case, "penugasan", "disposisi_walikota", "No. 9")
    await ro.office.workflow.handle(
        c.AssignPerformer(ro.office.ids["kabag"], second_case.id or 0, "penugasan", None,
                          "ketua_tim", ro.office.ids["ketua"])
    )  # fmt: skip
    await ro.office.act("kabag", c.Skip, second_case, "penugasan", reason="Disposisi lisan")
    await ro.office.fact("ketua", second_case, "persiapan", "tempat_rapat", "Ruang Rapat")
    await ro.office.fact("ketua", second_case, "persiapan", "waktu_rapat", "2026-03-04 09:00")
    ketua = await ro.person("ketua")
    await ro.documents.issue("surat_undangan", second_case, "persiapan", ketua)

    entries = await ro.records.entries("undangan", 2026)
    assert [(e.number, e.status, e.case_ref) for e in entries] == [
        (1, "cancelled", case.ref),
        (2, "issued", second_case.ref),
    ]
    assert entries[0].cancel_reason == "Tanggal rapat diubah"
    issued = await ro.office.case(second_case)
    letter = ro.office.files.read(issued.artifacts["surat_undangan"].value)
    assert table_with(letter, "Nomor")[0] == ["Nomor", ":", "005/2-Tapem/III/2026"]


async def test_a_plh_signed_undangan_shows_plh_the_acting_officials_name_pangkat_and_nip(ro):
    await ro.office.admin.delegate("Budi", "Joko", "plh", date(2026, 3, 2), date(2026, 3, 3))

    case = await through_the_meeting(ro)

    letter = lines(ro.office.files.read(case.artifacts["surat_undangan"].value))
    start = letter.index("a.n. SEKRETARIS DAERAH KOTA TANGERANG")
    assert letter[start : start + 5] == [
        "a.n. SEKRETARIS DAERAH KOTA TANGERANG",
        "Plh. Kepala Bagian Tata Pemerintahan,",
        "Joko Susilo, S.Sos.",
        "Penata Tingkat I (III/d)",
        "NIP. 19720404 199603 1 006",
    ]
    assert "Drs. Budi Santoso, M.Si." not in letter
    (entry,) = await ro.records.entries("undangan")
    assert entry.details["penandatangan"] == (
        "Plh. Kepala Bagian Tata Pemerintahan, Joko Susilo, S.Sos."
    )


async def test_a_plt_signing_with_a_superiors_authority_keeps_the_an_and_ub_lines(
    uow_factory, file_store
):
    title = ("a.n. SEKRETARIS DAERAH KOTA TANGERANG|Asisten Pemerintahan dan Kesejahteraan "
             "Rakyat|u.b.|Kepala Bagian Tata Pemerintahan")  # fmt: skip
    settings = Settings(_env_file=None, sopbot_doc_undangan_signer_title=title)
    ro = await records_office(uow_factory, file_store, settings)
    await ro.office.admin.delegate("Budi", "Joko", "plt", date(2026, 3, 2), date(2026, 3, 6))

    case = await through_the_meeting(ro)

    letter = lines(ro.office.files.read(case.artifacts["surat_undangan"].value))
    start = letter.index("a.n. SEKRETARIS DAERAH KOTA TANGERANG")
    assert letter[start : start + 7] == [
        "a.n. SEKRETARIS DAERAH KOTA TANGERANG",
        "Asisten Pemerintahan dan Kesejahteraan Rakyat",
        "u.b.",
        "Plt. Kepala Bagian Tata Pemerintahan,",
        "Joko Susilo, S.Sos.",
        "Penata Tingkat I (III/d)",
        "NIP. 19720404 199603 1 006",
    ]


async def test_an_official_signs_with_pangkat_and_nip_under_the_name(ro):
    case = await through_the_meeting(ro)

    disposisi = lines(ro.office.files.read(case.artifacts["disposisi_kabag"].value))

    start = disposisi.index("Kepala Bagian Tata Pemerintahan,")
    assert disposisi[start : start + 4] == [
        "Kepala Bagian Tata Pemerintahan,",
        "Drs. Budi Santoso, M.Si.",
        "Pembina Tingkat I (IV/b)",
        "NIP. 19700101 199503 1 001",
    ]


async def test_the_draft_agreement_has_no_number_and_the_register_none_before_the_signing(ro):
    case = await through_the_meeting(ro)
    ro.at("2026-03-04 10:30")

    stored = await ro.documents.generate("draft_rancangan", case, await ro.person("ketua"))
    finished = await to_the_end(ro, case)

    assert "NOMOR: ……………………………" in lines(ro.office.files.read(stored.sha256))
    assert finished.status.value == "selesai"
    assert await ro.records.entries("kb") == []


async def test_a_finished_case_issues_a_numbered_lembar_persetujuan_of_who_approved_when(ro):
    case = await to_the_end(ro, await through_the_meeting(ro))

    (entry,) = await ro.records.entries("persetujuan")

    assert (entry.nomor, entry.case_ref) == ("1/LP-Tapem/III/2026", case.ref)
    sheet = lines(ro.office.files.read(entry.sha256 or ""))
    assert "Nomor: 1/LP-Tapem/III/2026" in sheet
    approved = "disetujui oleh H. Sachrudin (Wali Kota) pada Senin, 9 Maret 2026 pukul 13.50 WIB"
    assert f"Rancangan disetujui: {approved}" in sheet
    async with ro.office.uow() as uow:
        documents = await uow.documents.list_for_case(case.id or 0)
        told = f"{case.ref}:persetujuan:1:{ro.office.ids['kabag']}"
        assert await uow.outbox.exists(told)
    assert [d.kind for d in documents if d.sha256 == entry.sha256] == ["lembar_persetujuan"]


async def test_a_plh_approval_is_on_the_lembar_persetujuan_for_whom_and_when(ro):
    case = await through_the_meeting(ro)
    await ro.office.admin.delegate("Hendra", "Joko", "plh", date(2026, 3, 9), date(2026, 3, 9))

    await to_the_end(ro, case, sekda="asisten")

    (entry,) = await ro.records.entries("persetujuan")
    trail = table_with(ro.office.files.read(entry.sha256 or ""), "No")
    approval = next(row for row in trail if row[3] == "disetujui")
    assert approval[2] == (
        "Joko Susilo, S.Sos.\nPlh. Sekretaris Daerah\nuntuk Dr. Hendra Wijaya, M.M.\n"
        "Penata Tingkat I (III/d)\nNIP. 19720404 199603 1 006"
    )
    assert approval[4] == "9 Mar 2026 13.40"


async def test_recording_the_signing_numbers_the_agreement_and_writes_the_number_into_it(ro):
    case = await to_the_end(ro, await through_the_meeting(ro))
    ro.at("2026-03-16 11:00")

    entry = await ro.records.record_signing(case.ref, date(2026, 3, 16))

    assert entry.nomor == "1/KB-Tapem/III/2026"
    agreement = lines(ro.office.files.read(entry.sha256 or ""))
    assert agreement[5:7] == ["NOMOR: 1/KB-Tapem/III/2026", "NOMOR: 415.4/33-Pem/2026"]
    async with ro.office.uow() as uow:
        kinds = [r.entry.kind for r in await uow.audit.all()]
    assert kinds[-2:] == ["NaskahIssued", "AgreementSigned"]
    with pytest.raises(InvalidInput, match="sudah dicatat dengan nomor 1/KB-Tapem/III/2026"):
        await ro.records.record_signing(case.ref, date(2026, 3, 16))


async def test_an_unfinished_case_cannot_have_its_agreement_numbered(ro):
    case = await through_the_meeting(ro)

    with pytest.raises(InvalidInput, match="belum selesai"):
        await ro.records.record_signing(case.ref, date(2026, 3, 2))

    assert await ro.records.entries("kb") == []


async def test_a_busy_register_refuses_the_button_with_a_clear_message_and_issues_nothing():
    db = FakeDB()
    ro = await records_office(fake_uow_factory(db), MemoryFileStore())
    case = await ro.office.open()
    await ro.office.workflow.handle(
        c.AssignPerformer(ro.office.ids["kabag"], case.id or 0, "penugasan", None, "ketua_tim",
                          ro.office.ids["ketua"])
    )  # fmt: skip
    async with ro.office.uow() as uow:
        await uow.people.bind_identity(ro.office.ids["kabag"], "telegram", "1001")
        await uow.commit()
    chat = ChatCore(ro.office.workflow, ro.office.admin, ro.office.files,
                    UploadPolicy(frozenset({"docx"}), 2**20), ro.documents)  # fmt: skip
    index = list(ro.office.sop.artifacts).index("disposisi_kabag")
    db.register_busy = True

    press = actions.encode("generate", case.id, 1, index)
    answer = await chat.handle(Incoming(Sender("telegram", "1001"), "u1", action=press))

    assert answer.toast is not None and answer.toast.text_key == "error.register_busy"
    assert "disposisi_kabag" not in (await ro.office.case(case)).artifacts
    assert db.register == [] and db.counters == {}


@pytest.fixture
async def finished_on_sqlite(database_url, file_store):
    """A finished case's records office on SQLite whose connections wait 0.2 s for a lock,
    not 5 s, and the case."""
    engine = make_engine(database_url)

    @event.listens_for(engine.sync_engine, "connect")
    def impatient(connection, _record) -> None:
        connection.execute("PRAGMA busy_timeout=200")

    uow = storage_uow.uow_factory(make_session_factory(engine), TEST_AUDIT_KEY)
    ro = await records_office(uow, file_store)
    case = await to_the_end(ro, await through_the_meeting(ro))
    ro.at("2026-03-16 11:00")
    yield ro, case
    await engine.dispose()


@contextmanager
def held_by_another_process(database_url: str) -> Iterator[None]:
    """The SQLite database's write lock held by another connection (e.g. `sopbot run` in the
    middle of a long write) while the block runs."""
    other = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_signing_while_another_process_holds_the_database_is_refused_and_numbers_nothing(
    database_url, finished_on_sqlite
):
    ro, case = finished_on_sqlite
    with held_by_another_process(database_url), pytest.raises(RegisterBusy):
        await ro.records.record_signing(case.ref, date(2026, 3, 16))

    assert await ro.records.entries("kb") == []
    entry = await ro.records.record_signing(case.ref, date(2026, 3, 16))
    assert entry.nomor == "1/KB-Tapem/III/2026"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_cancellation_while_another_process_holds_the_database_is_refused(
    database_url, finished_on_sqlite
):
    ro, case = finished_on_sqlite
    entry = await ro.records.record_signing(case.ref, date(2026, 3, 16))
    with held_by_another_process(database_url):
        with pytest.raises(RegisterCancelBusy) as refused:
            await ro.records.cancel(entry.id or 0, "Salah ketik pada perihal")
        assert await ro.records.entries("kb") == [entry]  # read beside the held lock

    assert "pembatalan belum dapat dicatat" in t(refused.value.text_key)
    again = await ro.records.cancel(entry.id or 0, "Salah ketik pada perihal")
    assert again.status == "cancelled"


async def test_a_signing_dated_before_the_case_finished_is_refused(ro):
    case = await to_the_end(ro, await through_the_meeting(ro))

    with pytest.raises(InvalidInput, match="mendahului selesainya perkara"):
        await ro.records.record_signing(case.ref, date(2026, 3, 9))

    assert await ro.records.entries("kb") == []


def test_plt_goes_before_the_signers_own_jabatan_and_keeps_the_an_and_ub_lines():
    from bot.documents.values import acting_title

    lines_ = ("a.n. WALI KOTA TANGERANG", "Sekretaris Daerah", "u.b.",
              "Kepala Bagian Tata Pemerintahan")  # fmt: skip

    assert acting_title(lines_, "plt") == (
        "a.n. WALI KOTA TANGERANG", "Sekretaris Daerah", "u.b.",
        "Plt. Kepala Bagian Tata Pemerintahan",
    )  # fmt: skip
