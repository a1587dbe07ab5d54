"""The dashboard with two SOPs: every SOP's open tasks, `?sop=KODE` for one, and each case's
timeline in its own SOP's steps."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

import httpx
import pytest

from bot.bootstrap import build_app
from bot.clock import FixedClock
from bot.config import Settings
from bot.workflow.commands import OpenCase
from tests.web_office import NOW, SECRET, WebOffice

SOP54 = Path(str(resources.files("bot.sop") / "sop54_2025.yaml"))
PKS = Path(str(resources.files("bot.sop") / "samples" / "pks_2025.yaml"))


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[WebOffice]:
    (tmp_path / "sops").mkdir()
    shutil.copy(PKS, tmp_path / "sops" / PKS.name)
    settings = Settings(sopbot_data_dir=tmp_path / "data", sopbot_web_secret=SECRET,
                        sopbot_sop_file=SOP54, sopbot_sop_dir=tmp_path / "sops")  # fmt: skip
    clock = FixedClock(NOW)
    app = await build_app(settings, clock)
    kabag = await app.admin.add_person("Drs. Budi Santoso, M.Si.", ["kabag"])
    facts = {"disposisi_walikota": "Disposisi No. 005/123-Tapem"}
    kb = await app.workflow.open_case(OpenCase(kabag.id, "Kota Bandung", "pemda", "Sampah", facts))
    pks = await app.workflow.open_case(
        OpenCase(kabag.id, "Kota Bogor", "pemda", "PKS Transportasi", {}, "pks-2025")
    )
    assert kb.case is not None and pks.case is not None
    yield WebOffice(app, settings, clock, {"kabag": kabag}, kb.case.ref, pks.case.ref, "")
    await app.close()


@pytest.fixture
async def browser(office: WebOffice) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=office.dashboard())
    async with httpx.AsyncClient(transport=transport, base_url="http://dasbor") as client:
        await client.get("/login", params={"code": office.login_code("kabag")})
        yield client


async def test_the_list_shows_every_sops_tasks_and_sop_keeps_one(browser, office):
    everything = await browser.get("/")
    only_pks = await browser.get("/", params={"sop": "pks-2025"})

    kb, pks = office.late_ref, office.fresh_ref  # the office's two cases: one of each SOP
    assert (kb, pks) == ("KB-2026-0001", "PKS-2026-0001")
    assert kb in everything.text and pks in everything.text
    assert pks in only_pks.text and kb not in only_pks.text


async def test_a_case_page_shows_the_steps_of_its_own_sop(browser, office):
    page = await browser.get(f"/kasus/{office.fresh_ref}")

    assert page.status_code == 200
    assert "Menugaskan Ketua Tim menyusun rancangan perjanjian kerja sama" in page.text
