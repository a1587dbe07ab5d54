"""SOP versions in the database: the migration that gives existing cases their SOP, and the
versions stored as SOP files change (SQLite always, PostgreSQL when it answers)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import JAKARTA
from bot.sop.loader import load_sops
from bot.sop.registry import LoadedSop
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.sop_versions import list_versions, sync_versions
from tests.conftest import DEFAULT_TEST_DATABASE_URL, _admin_execute, without_postgres

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=JAKARTA)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    """An engine on a database with no tables yet (migrations are the test's to run)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")
        yield engine
        await engine.dispose()
        return
    server = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
    try:
        await _admin_execute(server, "SELECT 1")
    except Exception as error:  # whatever the cause, there is no usable server
        without_postgres(f"PostgreSQL is not reachable ({type(error).__name__})")
    name = f"sopbot_migr_{uuid.uuid4().hex[:16]}"
    await _admin_execute(server, f'CREATE DATABASE "{name}"')
    engine = make_engine(make_url(server).set(database=name).render_as_string(False))
    try:
        yield engine
    finally:
        await engine.dispose()
        await _admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def a_case_before_several_sops(engine: AsyncEngine) -> None:
    """A case as the schema before migration 0009 stored it."""
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO people (id, name) VALUES (1, 'Budi')"))
        await connection.execute(
            text(
                "INSERT INTO cases (id, ref, partner, partner_kind, subject, status, "
                "created_at, created_by) VALUES (1, 'KB-2026-0001', 'Kota Bandung', 'pemda', "
                "'Sampah', 'berjalan', :at, 1)"
            ),
            {"at": NOW},
        )


async def test_existing_cases_get_the_deployments_sop_and_version_1(empty_engine):
    await upgrade(empty_engine, "0008")
    await a_case_before_several_sops(empty_engine)

    await upgrade(empty_engine, sop_code="sop54-2025")

    async with empty_engine.connect() as connection:
        row = (await connection.execute(text("SELECT sop_code, sop_version FROM cases"))).one()
    assert tuple(row) == ("sop54-2025", 1)


async def test_a_changed_file_is_stored_as_the_next_version_and_an_unchanged_one_is_not(
    empty_engine,
):
    await upgrade(empty_engine)
    sessions = make_session_factory(empty_engine)
    [shipped] = load_sops()
    revised = LoadedSop(shipped.sop, shipped.text.replace("15 menit", "30 menit", 1))

    await sync_versions(sessions, [shipped], NOW)
    await sync_versions(sessions, [shipped], NOW)
    registry = await sync_versions(sessions, [revised], NOW)

    stored = await list_versions(sessions, "sop54-2025")
    assert [v.version for v in stored] == [1, 2]
    assert stored[0].text == shipped.text and stored[1].text == revised.text
    assert registry.newest("sop54-2025").version == 2
    assert registry.version("sop54-2025", 1).step("penugasan").mutu_baku.text == "15 menit"


async def test_an_sop_whose_file_is_gone_still_serves_its_running_cases_but_opens_none(
    empty_engine,
):
    await upgrade(empty_engine)
    sessions = make_session_factory(empty_engine)
    [shipped] = load_sops()
    pks = resources.files("bot.sop") / "samples" / "pks_2025.yaml"
    [sample] = load_sops(Path(str(pks)))
    await sync_versions(sessions, [shipped, sample], NOW)

    registry = await sync_versions(sessions, [shipped], NOW)

    assert [sop.code for sop in registry.current] == ["sop54-2025"]
    assert registry.version("pks-2025", 1).step("telaah").number == 3
    assert registry.find("pks-2025") is None
