"""`sopbot register`, `sopbot export` and `sopbot user set` through the real command line."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from bot.workflow import commands as c
from tests.test_cli import data_dir, ok, on_app, open_case, register, rows, sopbot

__all__ = ["data_dir"]  # the autouse fixture: a private data directory per test


@pytest.fixture
def kabag() -> int:
    return register("kabag", "Drs. Budi Santoso")


def issued_disposisi(kabag: int) -> str:
    """A case whose lembar disposisi the Kabag had the bot make (numbered from the register)."""
    ref = open_case(kabag)
    ketua = register("ketua_tim", "Siti Rahmawati")

    async def body(app):
        case = await app.workflow.get(ref)
        await app.workflow.handle(
            c.AssignPerformer(kabag, case.id, "penugasan", None, "ketua_tim", ketua)
        )
        from bot.bootstrap import build_chat

        person = (await app.workflow.roster()).person(kabag)
        await build_chat(app).documents.issue("disposisi_kabag", case, "penugasan", person)

    on_app(body)
    return ref


def test_user_set_records_pangkat_and_golongan_for_the_signature_blocks(kabag):
    output = ok("user", "set", "Budi", "--pangkat", "Pembina Tingkat I", "--golongan", "IV/b",
                "--nip", "197001011995031001")  # fmt: skip

    assert "Pembina Tingkat I (IV/b)" in output
    assert (
        "1 | Drs. Budi Santoso | 197001011995031001 | Pembina Tingkat I (IV/b) | kabag | aktif"
        in rows(ok("user", "list"))
    )


def test_register_list_prints_number_date_hal_case_and_status(kabag):
    ref = issued_disposisi(kabag)

    table = rows(ok("register", "list", "--kind", "disposisi", "--year", "2026"))

    assert table[0] == "ID | Jenis | No. | Nomor | Tanggal | Hal | Perkara | Status"
    assert table[2] == (
        f"1 | disposisi | 1 | 1/Disp-Tapem/III/2026 | 2026-03-16 | Kerja sama pengelolaan "
        f"sampah | {ref} | terbit"
    )


def test_register_cancel_keeps_the_number_marked_cancelled_and_csv_writes_it(kabag, tmp_path):
    issued_disposisi(kabag)

    ok("register", "cancel", "1", "--reason", "Salah alamat")
    ok("register", "list", "--csv", str(tmp_path / "register.csv"))

    written = (tmp_path / "register.csv").read_text(encoding="utf-8-sig")
    [header, row] = list(csv.reader(io.StringIO(written)))
    assert header == ["ID", "Jenis", "No.", "Nomor", "Tanggal", "Hal", "Perkara", "Status"]
    assert row[3] == "1/Disp-Tapem/III/2026"
    assert row[7] == "dibatalkan (Salah alamat)"


def test_signing_an_unfinished_case_is_refused_and_numbers_nothing(kabag):
    ref = issued_disposisi(kabag)

    result = sopbot("register", "sign", ref, "--on", "2026-03-16")

    assert result.exit_code == 1
    assert "belum selesai" in result.stderr
    assert "kb" not in ok("register", "list")


def test_export_of_an_unfinished_case_writes_both_packages_and_says_what_is_missing(
    kabag, tmp_path, monkeypatch
):
    monkeypatch.setenv("SOPBOT_SOFFICE", "soffice-not-installed")
    ref = issued_disposisi(kabag)

    srikandi = ok("export", "srikandi", ref, "--out", str(tmp_path / "out"))
    archive = ok("export", "archive", ref, "--out", str(tmp_path / "out"))

    assert "belum lengkap" in srikandi and "belum selesai" in srikandi
    assert "soffice-not-installed" in srikandi
    assert "belum lengkap" in archive
    written = sorted(p.name for p in Path(tmp_path / "out").iterdir())
    assert written == [f"arsip-{ref}.zip", f"srikandi-{ref}.zip"]
    with zipfile.ZipFile(tmp_path / "out" / f"srikandi-{ref}.zip") as package:
        names = package.namelist()
    assert f"srikandi-{ref}/naskah/01-disposisi-1-Disp-Tapem-III-2026.docx" in names
