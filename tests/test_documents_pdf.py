"""Every generated document opens in LibreOffice: each converts to PDF with `soffice --headless`.

Skipped when LibreOffice is not installed, unless `SOPBOT_REQUIRE_LIBREOFFICE=1` (CI), which
turns a missing `soffice` into a failure. All documents convert in one soffice run, with a
private profile so a desktop LibreOffice that is open does not interfere.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest

from bot.calendar import OfficeCalendar
from bot.clock import JAKARTA
from bot.config import Settings
from bot.documents import (
    DocumentSettings,
    Meeting,
    Minutes,
    diff_drafts,
    laporan_kepatuhan,
    lembar_disposisi,
    lembar_persetujuan,
    notulen_rapat,
    rancangan_kb,
    surat_undangan,
    version_diff_docx,
)
from bot.documents.render import BuiltDocument
from bot.reports.figures import case_report
from tests.drafts import draft
from tests.fakes import FakeDB, MemoryFileStore, fake_uow_factory
from tests.office import Office
from tests.scenario import late_case_with_two_returns

AT = datetime(2026, 3, 10, 9, 0, tzinfo=JAKARTA)
NAMES = [
    "lembar-disposisi",
    "surat-undangan",
    "notulen-rapat",
    "rancangan-kesepakatan-bersama",
    "lembar-persetujuan",
    "laporan-kepatuhan",
    "perubahan-v1-v2",
]
SOFFICE_SECONDS = 300


async def _documents() -> list[BuiltDocument]:
    """One of each document, for the scenario's whole case."""
    office = await Office(fake_uow_factory(FakeDB()), MemoryFileStore()).hire()
    case = await late_case_with_two_returns(office)
    roster = await office.workflow.roster()
    settings = DocumentSettings.from_settings(Settings(_env_file=None))
    sop = office.sop
    meeting = Meeting.from_case(case, invitees=("Kepala Bappeda", "Rina Marlina, S.E."))
    people = ("Rina Marlina, S.E.",)
    minutes = Minutes(meeting, office.ids["ketua"], people, ("Ruang lingkup",), ("Sepakat",))
    report = case_report(case, sop, roster, OfficeCalendar(), AT)
    changes = diff_drafts(draft(), draft(term="3 (tiga) tahun"))
    return [
        lembar_disposisi(case, sop, roster, settings, at=AT),
        surat_undangan(case, sop, roster, settings, meeting, at=AT),
        notulen_rapat(case, sop, roster, settings, minutes, at=AT),
        rancangan_kb(case, sop, roster, settings, at=AT),
        lembar_persetujuan(case, sop, roster, settings, at=AT),
        laporan_kepatuhan(report, sop, settings, at=AT),
        version_diff_docx(changes, case, settings, at=AT, old_version=1, new_version=2),
    ]


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        reason = "LibreOffice (soffice) is not installed"
        if os.environ.get("SOPBOT_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(f"{reason}; SOPBOT_REQUIRE_LIBREOFFICE=1 requires it", pytrace=False)
        pytest.skip(f"{reason}; apt-get install libreoffice-writer-nogui to run these tests")
    return found


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every document converted to PDF by one headless LibreOffice run, by file stem."""
    soffice = _soffice()
    folder = tmp_path_factory.mktemp("pdf")
    with ThreadPoolExecutor(max_workers=1) as pool:  # away from pytest-asyncio's loop
        documents = pool.submit(asyncio.run, _documents()).result()
    paths = []
    for document in documents:
        paths.append(folder / document.filename)
        paths[-1].write_bytes(document.data)
    profile = (folder / "profile").as_uri()
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore"]
    command += ["--convert-to", "pdf", "--outdir", str(folder), *map(str, paths)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=SOFFICE_SECONDS)
    assert done.returncode == 0, done.stderr
    return {
        _stem(path): path.with_suffix(".pdf").read_bytes()
        for path in paths
        if path.with_suffix(".pdf").exists()
    }


def _stem(path: Path) -> str:
    return path.stem.removesuffix("-KB-2026-0001")


@pytest.mark.parametrize("name", NAMES)
def test_the_document_converts_to_a_pdf_with_libreoffice(pdfs, name):
    pdf = pdfs.get(name)

    assert pdf is not None, f"soffice made no PDF of {name}; made {sorted(pdfs)}"
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 1
