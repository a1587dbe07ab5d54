"""aiosqlite with one trip to the connection's thread per statement.

aiosqlite runs every call on a sqlite3 connection in a thread of its own; SQLAlchemy's adapter
makes four such calls for a query (open a cursor, execute, fetch the rows, close) and three for
a write. Each trip is a hand-over between the event loop and that thread, and the trips, not
SQLite, were most of the cost of an update on SQLite (an approval makes about eighty
statements). Here a cursor runs its statement, fetches every row and closes in one trip, and
answers the adapter's other calls from what that trip brought back. SQLAlchemy already fetches
every row of an aiosqlite result at once, so nothing is held longer than before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite

Description = tuple[tuple[Any, ...], ...] | None
Outcome = tuple[Description, int, int | None, list[Any]]


class OneTripConnection(aiosqlite.Connection):
    """aiosqlite's connection whose cursors make one trip per statement."""

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    async def trip(self, function: Any, sql: str, parameters: Any) -> Outcome:
        """`function(sqlite3 connection, sql, parameters)` in the connection's thread."""
        outcome: Outcome = await self._execute(  # type: ignore[no-untyped-call]
            function, self._conn, sql, parameters
        )
        return outcome


class OneTripCursor:
    """The part of aiosqlite's cursor SQLAlchemy uses, each statement in one trip."""

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1
        self._rows: list[Any] = []

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneTripCursor:
        self._take(await self._connection.trip(_run, sql, parameters))
        return self

    async def executemany(
        self, sql: str, parameters: Iterable[Sequence[Any]]
    ) -> OneTripCursor:
        self._take(await self._connection.trip(_run_many, sql, list(parameters)))
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def close(self) -> None:
        self._rows = []

    def _take(self, outcome: Outcome) -> None:
        self.description, self.rowcount, self.lastrowid, self._rows = outcome


def connector(database: str, **kwargs: Any) -> OneTripConnection:
    """A connection to `database` (not yet opened: SQLAlchemy awaits it), its thread a daemon
    as SQLAlchemy makes aiosqlite's."""
    connection = OneTripConnection(partial(sqlite3.connect, database, **kwargs), 64)
    connection._thread.daemon = True
    return connection


def _run(connection: sqlite3.Connection, sql: str, parameters: Sequence[Any] | None) -> Outcome:
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, parameters)
        return _outcome(cursor)
    finally:
        cursor.close()


def _run_many(
    connection: sqlite3.Connection, sql: str, parameters: list[Sequence[Any]]
) -> Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(sql, parameters)
        return _outcome(cursor)
    finally:
        cursor.close()


def _outcome(cursor: sqlite3.Cursor) -> Outcome:
    rows = cursor.fetchall() if cursor.description else []
    return cursor.description, cursor.rowcount, cursor.lastrowid, rows
