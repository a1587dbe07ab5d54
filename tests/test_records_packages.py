"""The SRIKANDI registration package and the case archive: their contents, their manifests,
without LibreOffice, of an unfinished case, twice from the same data, and from the chat."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from bot import actions
from bot.chat.core import ChatCore
from bot.chat.model import Incoming, Sender
from bot.config import Settings
from bot.periodic import Periodic
from bot.records.sheet import COLUMNS, SRIKANDI_COLUMNS
from bot.records.zipping import MANIFEST
from bot.sop.loader import parse_sop
from bot.uploads import UploadPolicy
from tests.docx_reading import table_with
from tests.fakes import FakeDB, MemoryFileStore, fake_uow_factory
from tests.records_office import RecordsOffice, records_office, through_the_meeting, to_the_end
from tests.test_sop_records import SHIPPED, UNDANGAN

SRIKANDI_FIELDS = (
    "Jenis Naskah", "Sifat", "Tingkat Urgensi", "Klasifikasi", "Nomor", "Tanggal", "Hal",
    "Isi Ringkas", "Penandatangan", "Tujuan", "Tembusan", "Lampiran",
)  # fmt: skip
SIFAT = {"Biasa", "Terbatas", "Rahasia", "Sangat Rahasia"}


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def manifest_verifies(files: dict[str, bytes], folder: str) -> bool:
    """Every file but the manifest is listed once, with its sha256, and nothing else is."""
    listed = {}
    for line in files[f"{folder}/{MANIFEST}"].decode().splitlines():
        digest, name = line.split("  ", 1)
        listed[f"{folder}/{name}"] = digest
    present = {name for name in files if name != f"{folder}/{MANIFEST}"}
    return set(listed) == present and all(
        hashlib.sha256(files[name]).hexdigest() == digest for name, digest in listed.items()
    )


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        reason = "LibreOffice (soffice) is not installed"
        if os.environ.get("SOPBOT_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(f"{reason}; SOPBOT_REQUIRE_LIBREOFFICE=1 requires it", pytrace=False)
        pytest.skip(f"{reason}; apt-get install libreoffice-writer-nogui to run this test")
    return found


async def finished_and_signed(ro: RecordsOffice) -> str:
    case = await to_the_end(ro, await through_the_meeting(ro))
    ro.at("2026-03-16 11:00")
    await ro.records.record_signing(case.ref, date(2026, 3, 16))
    return case.ref


async def fake_office(settings: Settings | None = None) -> RecordsOffice:
    return await records_office(fake_uow_factory(FakeDB()), MemoryFileStore(), settings)


async def test_the_srikandi_package_has_the_metadata_columns_pdfs_and_a_verifying_manifest():
    ro = await fake_office(Settings(_env_file=None, sopbot_soffice=soffice()))
    ref = await finished_and_signed(ro)

    package = await ro.records.srikandi(ref)

    folder = "srikandi-KB-2026-0001"
    files = unzip(package.data)
    assert package.filename == f"{folder}.zip" and package.complete
    assert manifest_verifies(files, folder)
    naskah = sorted(n.split("/", 2)[2] for n in files if n.startswith(f"{folder}/naskah/"))
    stems = ["01-disposisi-1-Disp-Tapem-III-2026", "02-undangan-005-1-Tapem-III-2026",
             "03-persetujuan-1-LP-Tapem-III-2026", "04-kb-1-KB-Tapem-III-2026"]  # fmt: skip
    assert naskah == sorted(f"{s}.{e}" for s in stems for e in ("docx", "pdf"))
    assert all(files[f"{folder}/naskah/{s}.pdf"].startswith(b"%PDF-") for s in stems)
    sheet = list(csv.reader(io.StringIO(files[f"{folder}/metadata.csv"].decode("utf-8-sig"))))
    assert tuple(sheet[0][:12]) == SRIKANDI_FIELDS == SRIKANDI_COLUMNS
    assert [row[0] for row in sheet[1:]] == [
        "Lembar Disposisi", "Surat Undangan", "Lembar Persetujuan", "Kesepakatan Bersama"
    ]  # fmt: skip
    assert [row[4] for row in sheet[1:]] == [
        "1/Disp-Tapem/III/2026", "005/1-Tapem/III/2026", "1/LP-Tapem/III/2026",
        "1/KB-Tapem/III/2026",
    ]  # fmt: skip
    assert {row[1] for row in sheet[1:]} <= SIFAT
    dates = ["2026-03-02", "2026-03-02", "2026-03-10", "2026-03-16"]
    assert [row[5] for row in sheet[1:]] == dates
    undangan = dict(zip(sheet[0], sheet[2], strict=True))
    assert undangan["Tingkat Urgensi"] == "Segera" and undangan["Klasifikasi"] == "005"
    assert undangan["Tembusan"] == (
        "Wali Kota Tangerang (sebagai laporan); Sekretaris Daerah Kota Tangerang"
    )
    assert undangan["Berkas"] == f"{stems[1]}.pdf; {stems[1]}.docx"
    book = load_workbook(io.BytesIO(files[f"{folder}/metadata.xlsx"]))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert [row[4] for row in rows[1:]] == [row[4] for row in sheet[1:]]
    assert rows[4][5] == datetime(2026, 3, 16)


async def test_without_libreoffice_the_package_holds_the_docx_and_says_pdfs_could_not_be_made():
    ro = await fake_office(Settings(_env_file=None, sopbot_soffice="soffice-not-installed"))
    ref = await finished_and_signed(ro)

    package = await ro.records.srikandi(ref)

    files = unzip(package.data)
    folder = "srikandi-KB-2026-0001"
    assert package.pdf_problem is not None and not package.complete
    assert "soffice-not-installed" in package.pdf_problem
    assert not any(name.endswith(".pdf") for name in files)
    assert len([n for n in files if n.endswith(".docx")]) == 4
    notes = files[f"{folder}/KETERANGAN.txt"].decode()
    assert "tidak terpasang" in notes and "README" in notes
    sheet = list(csv.reader(io.StringIO(files[f"{folder}/metadata.csv"].decode("utf-8-sig"))))
    assert {row[13] for row in sheet[1:]} == {"PDF belum dapat dibuat; gunakan .docx"}
    assert manifest_verifies(files, folder)


async def test_sifat_urgensi_and_klasifikasi_of_a_kind_come_from_the_sop_file():
    rahasia = UNDANGAN.replace("sifat: biasa, urgensi: segera", "sifat: rahasia, urgensi: "
                               "amat_segera").replace('"005"', '"000.9"')  # fmt: skip
    sop = parse_sop(SHIPPED.replace(UNDANGAN, rahasia))
    settings = Settings(_env_file=None, sopbot_soffice="soffice-not-installed")
    ro = await records_office(fake_uow_factory(FakeDB()), MemoryFileStore(), settings, sop)
    case = await through_the_meeting(ro)

    package = await ro.records.srikandi(case.ref)

    (entry,) = await ro.records.entries("undangan")
    assert entry.nomor == "000.9/1-Tapem/III/2026"
    letter = ro.office.files.read(entry.sha256 or "")
    assert table_with(letter, "Nomor")[1] == ["Sifat", ":", "Rahasia"]
    files = unzip(package.data)
    sheet = csv.DictReader(io.StringIO(files["srikandi-KB-2026-0001/metadata.csv"]
                                       .decode("utf-8-sig")))  # fmt: skip
    [row] = [r for r in sheet if r["Jenis Naskah"] == "Surat Undangan"]
    assert (row["Sifat"], row["Tingkat Urgensi"], row["Klasifikasi"], row["Nomor"]) == (
        "Rahasia", "Amat Segera", "000.9", "000.9/1-Tapem/III/2026"
    )  # fmt: skip


async def test_an_unfinished_case_exports_what_exists_and_says_what_is_missing():
    ro = await fake_office(Settings(_env_file=None, sopbot_soffice="soffice-not-installed"))
    case = await through_the_meeting(ro)

    package = await ro.records.srikandi(case.ref)

    assert package.missing == (
        "Perkara KB-2026-0001 belum selesai (status: berjalan).",
        "Lembar Persetujuan belum diterbitkan (terbit ketika perkara selesai).",
        "Kesepakatan Bersama belum bernomor: penandatanganannya belum dicatat "
        "(sopbot register sign KB-2026-0001).",
    )
    files = unzip(package.data)
    notes = files["srikandi-KB-2026-0001/KETERANGAN.txt"].decode()
    assert "belum lengkap" in notes and package.missing[0] in notes
    assert sorted(n.rsplit("/", 1)[1] for n in files if "/naskah/" in n) == [
        "01-disposisi-1-Disp-Tapem-III-2026.docx", "02-undangan-005-1-Tapem-III-2026.docx",
    ]  # fmt: skip


async def test_a_naskah_uploaded_without_a_number_is_included_and_marked(uow_factory, file_store):
    ro = await records_office(
        uow_factory, file_store, Settings(_env_file=None, sopbot_soffice="soffice-not-installed")
    )
    case = await ro.office.open()
    await ro.office.assign_and_dispose(case)  # an uploaded disposisi: no agenda number

    package = await ro.records.srikandi(case.ref)

    files = unzip(package.data)
    assert "srikandi-KB-2026-0001/belum-bernomor/disposisi_kabag-v1-disposisi_kabag.docx" in files
    assert "Lembar Disposisi belum diterbitkan dengan nomor agenda." in package.missing


async def test_the_archive_is_identical_when_built_twice(uow_factory, file_store):
    ro = await records_office(uow_factory, file_store)
    ref = await finished_and_signed(ro)
    ro.at("2026-04-01 10:00")  # built later: the time of the export changes nothing

    first = await ro.records.archive(ref)
    ro.at("2026-04-02 14:00")
    second = await ro.records.archive(ref)

    assert first.data == second.data
    assert first.filename == "arsip-KB-2026-0001.zip"


async def test_the_archive_holds_every_version_the_returns_the_trail_and_its_verification(
    uow_factory, file_store
):
    ro = await records_office(uow_factory, file_store)
    ref = await finished_and_signed(ro)

    package = await ro.records.archive(ref)

    folder = "arsip-KB-2026-0001"
    files = unzip(package.data)
    assert manifest_verifies(files, folder)
    names = {name.removeprefix(f"{folder}/") for name in files}
    assert {"dokumen/draft_rancangan/v01-draft_rancangan.docx",
            "dokumen/draft_rancangan/v02-draft_rancangan.docx",
            "dokumen/lembar_persetujuan/v01-lembar-persetujuan-KB-2026-0001.docx",
            "dokumen/kesepakatan_bersama/v01-kesepakatan-bersama-KB-2026-0001.docx",
            "laporan/laporan-kepatuhan-KB-2026-0001.docx",
            "laporan/laporan-kepatuhan-KB-2026-0001.csv",
            "riwayat-KB-2026-0001.txt", "register-agenda.csv", "jejak-audit.jsonl",
            "jejak-audit-verifikasi.txt", "pengembalian.csv",
            "KETERANGAN.txt"} <= names  # fmt: skip
    returned = files[f"{folder}/pengembalian.csv"].decode("utf-8-sig")
    returns = list(csv.reader(io.StringIO(returned)))
    assert returns[1][:5] == ["7", "1", "Dr. Hendra Wijaya, M.M.", "2026-03-09T13:20+07:00",
                              "Pasal 3 perlu diperbaiki"]  # fmt: skip
    verification = files[f"{folder}/jejak-audit-verifikasi.txt"].decode()
    assert verification.startswith("Jejak audit utuh:")
    trail = files[f"{folder}/jejak-audit.jsonl"].decode().splitlines()
    assert trail and all('"case": "KB-2026-0001"' in line for line in trail)
    assert package.missing == ()


async def test_the_kabags_button_in_the_finish_notice_queues_the_package_and_it_is_sent():
    db = FakeDB()
    ro = await records_office(
        fake_uow_factory(db), MemoryFileStore(),
        Settings(_env_file=None, sopbot_soffice="soffice-not-installed"),
    )  # fmt: skip
    ref = await finished_and_signed(ro)
    kabag = ro.office.ids["kabag"]
    [notice] = [m for m, _ in db.outbox.values()
                if m.reply.text_key == "case.closed" and m.recipient_id == kabag]  # fmt: skip
    [button] = [c for c in notice.reply.choices if c.label_key == "button.package"]
    async with ro.office.uow() as uow:
        await uow.people.bind_identity(kabag, "telegram", "1001")
        await uow.commit()
    chat = ChatCore(ro.office.workflow, ro.office.admin, ro.office.files,
                    UploadPolicy(frozenset({"docx"}), 2**20), ro.documents)  # fmt: skip

    answer = await chat.handle(Incoming(Sender("telegram", "1001"), "u1", action=button.action))
    await chat.handle(Incoming(Sender("telegram", "1001"), "u2", action=button.action))
    report = await Periodic(ro.office.workflow, None, exports=ro.records.process_exports).tick()

    assert answer.replies[0].text_key == "records.package_requested"
    assert report.packages == 1
    [sent] = [m for m, _ in db.outbox.values() if m.key.startswith("export:")]
    assert sent.recipient_id == kabag
    assert sent.reply.files[0].filename == f"srikandi-{ref}.zip"
    assert sent.reply.text_key == "records.package_partial"  # no PDFs without LibreOffice
    assert "RecordsPackageSent" in [r.entry.kind for r in db.audit]
    other = [m for m, _ in db.outbox.values()
             if m.reply.text_key == "case.closed" and m.recipient_id != kabag]  # fmt: skip
    assert other and all(not m.reply.choices for m in other)


async def test_only_who_may_take_records_may_press_the_package_button():
    ro = await fake_office()
    case = await through_the_meeting(ro)
    ketua = ro.office.ids["ketua"]
    async with ro.office.uow() as uow:
        await uow.people.bind_identity(ketua, "telegram", "1002")
        await uow.commit()
    chat = ChatCore(ro.office.workflow, ro.office.admin, ro.office.files,
                    UploadPolicy(frozenset({"docx"}), 2**20), ro.documents)  # fmt: skip

    answer = await chat.handle(
        Incoming(Sender("telegram", "1002"), "u1", action=actions.encode("package", case.id))
    )

    assert answer.toast is not None and answer.toast.text_key == "error.not_permitted"


def test_text_in_the_metadata_sheet_is_never_read_as_a_formula():
    from bot.records.sheet import MetadataRow, to_xlsx

    row = MetadataRow("Surat Undangan", "Biasa", "Segera", "005", "005/1", date(2026, 3, 2),
                      '=HYPERLINK("http://contoh.invalid","klik")', "-", "-", "-", "-", "-",
                      "-")  # fmt: skip

    book = load_workbook(io.BytesIO(to_xlsx([row], datetime(2026, 3, 2, 9, 0))))

    cell = book.active.cell(2, 7)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://contoh.invalid","klik")', "s")
