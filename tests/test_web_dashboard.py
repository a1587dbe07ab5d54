"""The read-only web dashboard: login by one-time code, open cases, timeline, downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.texts import t
from handlers.web.app import COOKIE
from tests.web_office import DISPOSISI, WebOffice, open_office


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[WebOffice]:
    office = await open_office(tmp_path / "data")
    yield office
    await office.app.close()


@pytest.fixture
async def browser(office: WebOffice) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=office.dashboard())
    async with httpx.AsyncClient(transport=transport, base_url="http://dasbor") as client:
        yield client


async def login(browser: httpx.AsyncClient, office: WebOffice, role: str) -> httpx.Response:
    return await browser.get("/login", params={"code": office.login_code(role)})


async def test_every_page_but_the_login_needs_a_session(browser, office):
    pages = ["/", f"/kasus/{office.late_ref}", f"/kasus/{office.late_ref}/laporan.csv"]

    answers = [await browser.get(page) for page in pages]

    assert [(a.status_code, a.headers["location"]) for a in answers] == [(303, "/login")] * 3


@pytest.mark.parametrize("role", ["admin", "kabag", "sekda"])
async def test_admin_kabag_and_sekda_log_in_with_a_code_and_see_the_list(browser, office, role):
    answer = await login(browser, office, role)

    assert answer.status_code == 303 and COOKIE in answer.cookies
    page = await browser.get("/")
    assert page.status_code == 200
    assert t("web.signed_in_as", name=office.people[role].name) in page.text


async def test_the_login_link_goes_on_to_the_page_it_names(browser, office):
    code = office.login_code("kabag")

    answer = await browser.get("/login", params={"code": code, "next": "/kasus/KB-2026-0001"})

    assert answer.headers["location"] == "/kasus/KB-2026-0001"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
async def test_the_login_link_never_leads_off_the_site(browser, office, target):
    code = office.login_code("kabag")

    answer = await browser.get("/login", params={"code": code, "next": target})

    assert answer.headers["location"] == "/"


async def test_a_ketua_tim_is_refused_at_the_login(browser, office):
    answer = await login(browser, office, "ketua_tim")

    assert answer.status_code == 403
    assert t("web.login_refused") in answer.text
    assert COOKIE not in answer.cookies


async def test_a_login_code_works_only_once(browser, office):
    code = office.login_code("kabag")
    await browser.get("/login", params={"code": code})
    browser.cookies.clear()

    again = await browser.get("/login", params={"code": code})

    assert again.status_code == 403


async def test_the_login_form_accepts_the_code_by_post(browser, office):
    answer = await browser.post("/login", data={"code": office.login_code("sekda")})

    assert answer.status_code == 303 and COOKIE in answer.cookies


async def test_an_expired_or_forged_code_is_refused(browser, office):
    expired = office.login_code("kabag", seconds=-1)
    forged = office.login_code("kabag")[:-3] + "abc"

    answers = [await browser.get("/login", params={"code": c}) for c in (expired, forged)]

    assert [a.status_code for a in answers] == [403, 403]


async def test_a_forged_session_cookie_is_not_accepted(browser, office):
    browser.cookies.set(COOKIE, office.login_code("kabag"))  # a login code is no session

    answer = await browser.get("/")

    assert answer.status_code == 303


async def test_a_deactivated_person_loses_the_session_at_once(browser, office):
    await login(browser, office, "kabag")

    await office.app.admin.set_active(str(office.people["kabag"].id), False)

    assert (await browser.get("/")).status_code == 303


async def test_open_cases_list_the_overdue_one_first_with_its_lateness(browser, office):
    await login(browser, office, "kabag")

    page = (await browser.get("/")).text

    assert page.index(office.late_ref) < page.index(office.fresh_ref)
    assert t("web.late", late="50 menit") in page
    assert t("web.on_time") in page
    assert "Senin, 2 Maret 2026 pukul 09.15 WIB" in page


async def test_text_from_the_record_is_escaped(browser, office):
    await login(browser, office, "kabag")

    page = (await browser.get("/")).text

    assert "Pengelolaan sampah &lt;terpadu&gt;" in page and "<terpadu>" not in page


async def test_the_timeline_shows_each_step_run_with_its_due_time_and_performer(browser, office):
    await login(browser, office, "sekda")

    page = (await browser.get(f"/kasus/{office.late_ref}")).text

    assert "1. Menugaskan Ketua Tim" in page
    assert "Drs. Budi Santoso, M.Si." in page
    assert "Senin, 2 Maret 2026 pukul 09.00 WIB" in page  # started
    assert "Senin, 2 Maret 2026 pukul 09.15 WIB" in page  # due
    assert t("web.late", late="50 menit") in page
    assert "disposisi kabag.docx" in page


async def test_a_document_downloads_as_the_stored_bytes(browser, office):
    await login(browser, office, "admin")

    answer = await browser.get(f"/kasus/{office.late_ref}/berkas/{office.document_sha}")

    assert answer.status_code == 200
    assert answer.content == DISPOSISI == office.app.files.read(office.document_sha)
    assert "disposisi%20kabag.docx" in answer.headers["content-disposition"]


async def test_a_document_of_another_case_is_not_served_under_this_one(browser, office):
    await login(browser, office, "admin")

    answer = await browser.get(f"/kasus/{office.fresh_ref}/berkas/{office.document_sha}")

    assert answer.status_code == 404


async def test_the_compliance_report_downloads_as_docx_and_csv(browser, office):
    await login(browser, office, "kabag")

    docx = await browser.get(f"/kasus/{office.late_ref}/laporan.docx")
    table = await browser.get(f"/kasus/{office.late_ref}/laporan.csv")

    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert any(office.late_ref in cell for row in rows for cell in row)


async def test_an_unknown_case_is_a_page_in_indonesian(browser, office):
    await login(browser, office, "kabag")

    answer = await browser.get("/kasus/KB-2026-9999")

    assert answer.status_code == 404 and t("web.not_found") in answer.text


def test_the_web_package_talks_to_the_core_only():
    from tests.test_layers import files_in, offenders

    found = offenders(files_in("handlers/web"), ("storage", "telegram", "pywa", "sqlalchemy"))

    assert found == []
