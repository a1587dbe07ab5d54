"""Dashboard login codes are single-use across restarts and workers (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.bootstrap import App, build_dashboard
from bot.calendar import wall_clock_after
from storage.models import Base
from tests.web_office import WebOffice, open_office


@pytest.fixture
async def office(database_url: str, tmp_path: Path) -> AsyncIterator[WebOffice]:
    office = await open_office(tmp_path / "data", database_url)
    yield office
    await office.app.close()


async def log_in(app: App, code: str) -> int:
    """Open the printed login link on `app`'s dashboard; the HTTP status."""
    transport = httpx.ASGITransport(app=build_dashboard(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://dasbor") as browser:
        return (await browser.get("/login", params={"code": code})).status_code


async def used_codes(app: App) -> int:
    async with app.engine.connect() as connection:
        table = Base.metadata.tables["used_login_codes"]
        return int(await connection.scalar(select(func.count()).select_from(table)))


async def test_a_used_code_is_refused_after_a_restart(office):
    code = office.login_code("kabag")
    assert await log_in(office.app, code) == 303
    await office.app.close()
    office.app = await office.another_process()

    again = await log_in(office.app, code)

    assert again == 403


async def test_a_code_used_on_one_worker_is_refused_by_another(office):
    code = office.login_code("sekda")
    other = await office.another_process()
    try:
        first = await log_in(office.app, code)

        second = await log_in(other, code)
    finally:
        await other.close()

    assert (first, second) == (303, 403)


async def test_two_workers_given_one_code_at_once_let_it_in_once(office):
    code = office.login_code("admin")
    other = await office.another_process()
    try:
        answers = await asyncio.gather(log_in(office.app, code), log_in(other, code))
    finally:
        await other.close()

    assert sorted(answers) == [303, 403]


async def test_used_codes_are_forgotten_once_they_have_expired(office):
    await log_in(office.app, office.login_code("kabag", seconds=60))
    office.clock.set(wall_clock_after(office.clock.now(), seconds=61))

    await log_in(office.app, office.login_code("sekda", seconds=60))

    assert await used_codes(office.app) == 1
