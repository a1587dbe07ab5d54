"""SQLite through aiosqlite with one trip to the connection's thread per statement."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine
from storage.sqlite_trips import OneTripConnection

metadata = MetaData()
notes = Table(
    "notes", metadata, Column("id", Integer, primary_key=True), Column("body", String, unique=True)
)


@pytest.fixture
async def engine(tmp_path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.sqlite3'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """The statements sent to a connection's thread, one entry per trip."""
    seen: list[str] = []
    original = OneTripConnection._execute

    async def counted(self, function, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(getattr(function, "__name__", repr(function)))
        return await original(self, function, *args, **kwargs)

    monkeypatch.setattr(OneTripConnection, "_execute", counted)
    return seen


async def test_a_query_and_a_write_each_make_one_trip(engine, trips):
    async with engine.begin() as connection:
        trips.clear()
        inserted = await connection.execute(insert(notes).values(body="rapat"))
        after_insert = list(trips)
        rows = (await connection.execute(select(notes.c.id, notes.c.body))).all()
        after_select = list(trips)

    assert inserted.inserted_primary_key == (1,)
    assert rows == [(1, "rapat")]
    assert after_insert == ["_run"] and after_select == ["_run", "_run"]


async def test_rows_counts_and_many_parameters_come_back_as_sqlite_gave_them(engine):
    async with engine.begin() as connection:
        await connection.execute(insert(notes), [{"body": f"catatan {n}"} for n in range(130)])
        changed = await connection.execute(
            update(notes).where(notes.c.id > 100).values(body=notes.c.body + " (ubah)")
        )
        rows = (await connection.execute(select(notes).order_by(notes.c.id))).all()
        partial = (await connection.execute(text("SELECT body FROM notes"))).fetchmany(3)

    assert changed.rowcount == 30
    assert len(rows) == 130 and rows[-1].body == "catatan 129 (ubah)"
    assert [row.body for row in partial] == ["catatan 0", "catatan 1", "catatan 2"]


async def test_an_error_of_sqlite_is_raised_as_sqlalchemys_and_the_connection_goes_on(engine):
    async with engine.begin() as connection:
        await connection.execute(insert(notes).values(body="sama"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert(notes).values(body="sama"))

    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM notes"))).scalar()
    assert count == 1
