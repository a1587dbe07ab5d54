"""SQL implementations of the core's small repositories (the case aggregate is in cases.py)."""

from __future__ import annotations

import builtins
import copy
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar import HolidayOverride
from bot.errors import InvalidInvite, NotFound, UserNotFound
from bot.ports import DocumentRecord, Invite, Prompt
from bot.workflow.model import Delegation, Person, Roster
from storage.cache import HOLIDAYS, ROSTER, TxCache
from storage.cases import SqlCaseRepository
from storage.outbox import SqlOutboxRepository
from storage.reminders import SqlReminderRepository
from storage.sql import execute, rowcount, table, upsert_insert

logger = logging.getLogger(__name__)

__all__ = [
    "SqlCaseRepository",
    "SqlDelegationRepository",
    "SqlDocumentRepository",
    "SqlHolidayRepository",
    "SqlInviteRepository",
    "SqlOutboxRepository",
    "SqlPeopleRepository",
    "SqlPromptRepository",
    "SqlReminderRepository",
    "SqlUpdateLog",
]

_people = table("people")
_roles = table("person_roles")
_identities = table("channel_identities")
_delegations = table("delegations")
_invites = table("invites")
_holidays = table("holiday_overrides")
_documents = table("documents")
_updates = table("processed_updates")
_prompts = table("pending_prompts")


@dataclass(frozen=True)
class _Accounts:
    """The roster as the process keeps it (`storage.cache`): people, delegations, accounts."""

    roster: Roster
    owners: dict[tuple[str, str], int]  # (channel, external id) -> person id
    accounts: dict[int, tuple[tuple[str, str], ...]]  # person id -> accounts, preferred first


def _preferred_first(
    pairs: builtins.list[tuple[str, str]], preferred: str | None
) -> builtins.list[tuple[str, str]]:
    return sorted(pairs, key=lambda pair: pair[0] != preferred)  # stable: preferred first


class SqlPeopleRepository:
    """People, their roles and their chat identities (read through the process's cache)."""

    def __init__(self, session: AsyncSession, cache: TxCache) -> None:
        self._session = session
        self._cache = cache

    async def roster(self) -> Roster:
        """Everyone (active or not) and every delegation."""
        return (await self._accounts()).roster

    async def get(self, person_id: int) -> Person:
        """The person with that id."""
        found = (await self._accounts()).roster.person(person_id)
        if found is None:
            raise UserNotFound(who=str(person_id))
        return found

    async def _accounts(self) -> _Accounts:
        return await self._cache.cached(ROSTER, self._load_accounts)

    async def _load_accounts(self) -> _Accounts:
        people = await self._load(None)
        delegations = await SqlDelegationRepository(self._session, self._cache).load()
        preferred = {row.id: row.preferred_channel for row in await self._session.execute(
            select(_people.c.id, _people.c.preferred_channel))}  # fmt: skip
        rows = await self._session.execute(
            select(_identities).order_by(_identities.c.channel, _identities.c.external_id)
        )
        owners: dict[tuple[str, str], int] = {}
        held: defaultdict[int, list[tuple[str, str]]] = defaultdict(list)
        for row in rows:
            owners[(row.channel, row.external_id)] = row.person_id
            held[row.person_id].append((row.channel, row.external_id))
        accounts = {
            pid: tuple(_preferred_first(pairs, preferred.get(pid))) for pid, pairs in held.items()
        }
        return _Accounts(Roster.of(people, delegations), owners, accounts)

    async def add(
        self, name: str, roles: Sequence[str], jabatan: str = "", nip: str = ""
    ) -> Person:
        """Register a person with their roles."""
        await self._cache.changed(ROSTER)
        result = await self._session.execute(
            insert(_people).values(name=name, jabatan=jabatan, nip=nip).returning(_people.c.id)
        )
        person_id = result.scalar_one()
        unique_roles = frozenset(roles)
        if unique_roles:
            await self._session.execute(
                insert(_roles), [{"person_id": person_id, "role": r} for r in sorted(unique_roles)]
            )
        return Person(person_id, name, unique_roles, jabatan=jabatan, nip=nip)

    async def add_role(self, person_id: int, role: str) -> Person:
        """Give a person one more role (no change if they hold it already)."""
        await self.get(person_id)
        await self._cache.changed(ROSTER)
        statement = upsert_insert(self._session, _roles).values(person_id=person_id, role=role)
        await self._session.execute(statement.on_conflict_do_nothing())
        return await self.get(person_id)

    async def list(self) -> builtins.list[Person]:
        """Everyone, active or not, by id."""
        return sorted((await self.roster()).people.values(), key=lambda person: person.id)

    async def set_active(self, person_id: int, active: bool) -> None:
        """Activate or deactivate a person."""
        await self._cache.changed(ROSTER)
        result = await self._session.execute(
            update(_people).where(_people.c.id == person_id).values(active=active)
        )
        if rowcount(result) == 0:
            raise UserNotFound(who=str(person_id))

    async def set_details(
        self,
        person_id: int,
        *,
        nip: str | None = None,
        jabatan: str | None = None,
        pangkat: str | None = None,
        golongan: str | None = None,
    ) -> Person:
        """Change what is printed about a person; None leaves a field as it is."""
        given = {"nip": nip, "jabatan": jabatan, "pangkat": pangkat, "golongan": golongan}
        values = {key: value for key, value in given.items() if value is not None}
        if values:
            await self._cache.changed(ROSTER)
            result = await self._session.execute(
                update(_people).where(_people.c.id == person_id).values(**values)
            )
            if rowcount(result) == 0:
                raise UserNotFound(who=str(person_id))
        return await self.get(person_id)

    async def bind_identity(self, person_id: int, channel: str, external_id: str) -> None:
        """Link a chat account to a person, replacing any earlier owner of that account.

        The channel of the account registered last becomes the person's preferred one.
        """
        await self.get(person_id)
        await self._cache.changed(ROSTER)
        statement = upsert_insert(self._session, _identities).values(
            channel=channel, external_id=external_id, person_id=person_id
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[_identities.c.channel, _identities.c.external_id],
                set_={"person_id": statement.excluded.person_id},
            )
        )
        await self.set_preferred_channel(person_id, channel)

    async def set_preferred_channel(self, person_id: int, channel: str) -> None:
        """Send the person's notifications to their account on `channel` first."""
        await self._cache.changed(ROSTER)
        await self._session.execute(
            update(_people).where(_people.c.id == person_id).values(preferred_channel=channel)
        )

    async def by_identity(self, channel: str, external_id: str) -> Person | None:
        """The person behind a chat account, if registered."""
        accounts = await self._accounts()
        return accounts.roster.person(accounts.owners.get((channel, external_id)))

    async def identities_of(self, person_id: int) -> builtins.list[tuple[str, str]]:
        """The (channel, external id) pairs a person is reachable on, preferred channel first."""
        return list((await self._accounts()).accounts.get(person_id, ()))

    async def _load(self, condition: ColumnElement[bool] | None) -> builtins.list[Person]:
        people = select(_people).order_by(_people.c.id)
        roles = select(_roles)
        if condition is not None:
            people = people.where(condition)
            roles = roles.where(_roles.c.person_id.in_(select(_people.c.id).where(condition)))
        roles_of: defaultdict[int, set[str]] = defaultdict(set)
        for row in await self._session.execute(roles):
            roles_of[row.person_id].add(row.role)
        return [
            Person(
                id=row.id,
                name=row.name,
                roles=frozenset(roles_of[row.id]),
                jabatan=row.jabatan,
                nip=row.nip,
                active=row.active,
                pangkat=row.pangkat,
                golongan=row.golongan,
            )
            for row in await self._session.execute(people)
        ]


class SqlDelegationRepository:
    """Plt/Plh delegations (part of the cached roster)."""

    def __init__(self, session: AsyncSession, cache: TxCache) -> None:
        self._session = session
        self._cache = cache

    async def add(
        self, principal_id: int, deputy_id: int, kind: str, starts: date, ends: date
    ) -> Delegation:
        """Record that `deputy_id` acts for `principal_id` from `starts` to `ends`."""
        await self._cache.changed(ROSTER)
        result = await self._session.execute(
            insert(_delegations)
            .values(
                principal_id=principal_id, deputy_id=deputy_id, kind=kind, starts=starts, ends=ends
            )
            .returning(*_delegations.c)
        )
        return _delegation(result.one())

    async def list(self) -> builtins.list[Delegation]:
        """Every delegation, revoked or not, by id."""
        roster = await SqlPeopleRepository(self._session, self._cache).roster()
        return list(roster.delegations)

    async def load(self) -> builtins.list[Delegation]:
        """Every delegation, read from the database."""
        result = await self._session.execute(select(_delegations).order_by(_delegations.c.id))
        return [_delegation(row) for row in result]

    async def revoke(self, delegation_id: int) -> Delegation:
        """Revoke a delegation and return it as it is now."""
        await self._cache.changed(ROSTER)
        result = await self._session.execute(
            update(_delegations)
            .where(_delegations.c.id == delegation_id)
            .values(revoked=True)
            .returning(*_delegations.c)
        )
        row = result.one_or_none()
        if row is None:
            raise NotFound(delegation_id=delegation_id)
        return _delegation(row)


class SqlInviteRepository:
    """Single-use invite codes, stored by hash."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, code_hash: str, invite: Invite, created_at: datetime) -> None:
        """Store a new invite."""
        await self._session.execute(
            insert(_invites).values(
                code_hash=code_hash,
                role=invite.role,
                name=invite.name,
                nip=invite.nip,
                expires_at=invite.expires_at,
                created_at=created_at,
            )
        )

    async def claim(self, code_hash: str, now: datetime) -> Invite:
        """Use up an invite, or raise InvalidInvite saying why it cannot be used."""
        result = await self._session.execute(
            update(_invites)
            .where(
                _invites.c.code_hash == code_hash,
                _invites.c.used_at.is_(None),
                _invites.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(_invites.c.role, _invites.c.name, _invites.c.nip, _invites.c.expires_at)
        )
        row = result.one_or_none()
        if row is not None:
            return Invite(role=row.role, name=row.name, nip=row.nip, expires_at=row.expires_at)
        found = (
            await self._session.execute(
                select(_invites.c.used_at).where(_invites.c.code_hash == code_hash)
            )
        ).one_or_none()
        if found is None:
            raise InvalidInvite(reason="unknown")
        raise InvalidInvite(reason="used" if found.used_at is not None else "expired")

    async def mark_used_by(self, code_hash: str, person_id: int) -> None:
        """Record who redeemed a claimed invite."""
        await self._session.execute(
            update(_invites).where(_invites.c.code_hash == code_hash).values(used_by=person_id)
        )

    async def used_by(self, code_hash: str) -> int | None:
        """Who redeemed the invite, if anyone."""
        return await self._session.scalar(
            select(_invites.c.used_by).where(_invites.c.code_hash == code_hash)
        )


class SqlHolidayRepository:
    """The admin's corrections to the national holiday calendar (read through the cache)."""

    def __init__(self, session: AsyncSession, cache: TxCache) -> None:
        self._session = session
        self._cache = cache

    async def list(self) -> builtins.list[HolidayOverride]:
        """All overrides by day."""
        return list(await self._cache.cached(HOLIDAYS, self._load))

    async def _load(self) -> tuple[HolidayOverride, ...]:
        result = await self._session.execute(select(_holidays).order_by(_holidays.c.day))
        return tuple(HolidayOverride(row.day, row.name, row.is_holiday) for row in result)

    async def put(self, override: HolidayOverride) -> None:
        """Add the override for that day, or replace it."""
        await self._cache.changed(HOLIDAYS)
        statement = upsert_insert(self._session, _holidays).values(
            day=override.day, name=override.name, is_holiday=override.is_holiday
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[_holidays.c.day],
                set_={
                    "name": statement.excluded.name,
                    "is_holiday": statement.excluded.is_holiday,
                },
            )
        )

    async def delete(self, day: date) -> bool:
        """Remove the override for that day; whether there was one."""
        await self._cache.changed(HOLIDAYS)
        result = await self._session.execute(delete(_holidays).where(_holidays.c.day == day))
        return rowcount(result) > 0


class SqlDocumentRepository:
    """Metadata of stored files, numbered per case and kind."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, record: DocumentRecord) -> DocumentRecord:
        """Store a document's metadata, numbering its version if it has none."""
        version = record.version or await self._next_version(record.case_id, record.kind)
        values = {**asdict(record), "version": version}
        del values["id"]
        result = await execute(
            self._session, insert(_documents).values(**values).returning(_documents.c.id)
        )
        return replace(record, version=version, id=result.scalar_one())

    async def list_for_case(self, case_id: int) -> builtins.list[DocumentRecord]:
        """The case's documents in the order they were stored."""
        result = await self._session.execute(
            select(_documents).where(_documents.c.case_id == case_id).order_by(_documents.c.id)
        )
        return [DocumentRecord(**row._asdict()) for row in result]

    async def get(self, document_id: int) -> DocumentRecord:
        """One document's metadata, or NotFound."""
        row = (
            await self._session.execute(select(_documents).where(_documents.c.id == document_id))
        ).one_or_none()
        if row is None:
            raise NotFound()
        return DocumentRecord(**row._asdict())

    async def _next_version(self, case_id: int, kind: str) -> int:
        highest = await self._session.scalar(
            select(func.max(_documents.c.version)).where(
                _documents.c.case_id == case_id, _documents.c.kind == kind
            )
        )
        return (highest or 0) + 1


class SqlPromptRepository:
    """The one pending dialogue question per person.

    An update reads the sender's question several times (to scope the turn, to tell an answer
    from a command, to close it once settled): the transaction keeps what it read or wrote
    (`TxCache.prompts`, shared by its savepoints and forgotten when one rolls back), so the
    row is read once per transaction until the transaction puts a new one."""

    def __init__(self, session: AsyncSession, cache: TxCache | None = None) -> None:
        self._session = session
        self._known = cache.prompts if cache is not None else {}

    async def get(self, person_id: int) -> Prompt | None:
        """The prompt waiting for the person's next answer, if any."""
        if person_id in self._known:
            return _copied(self._known[person_id])
        row = (
            await self._session.execute(select(_prompts).where(_prompts.c.person_id == person_id))
        ).one_or_none()
        prompt = Prompt(row.kind, dict(row.data), row.created_at) if row else None
        self._known[person_id] = _copied(prompt)
        return prompt

    async def put(self, person_id: int, prompt: Prompt) -> None:
        """Replace the person's prompt."""
        await self.clear(person_id)
        await self._session.execute(
            insert(_prompts).values(
                person_id=person_id,
                kind=prompt.kind,
                data=prompt.data,
                created_at=prompt.created_at,
            )
        )
        del self._known[person_id]  # read back as stored (JSON), when it is read

    async def clear(self, person_id: int) -> None:
        """Forget the person's prompt."""
        self._known.pop(person_id, None)
        await self._session.execute(delete(_prompts).where(_prompts.c.person_id == person_id))
        self._known[person_id] = None


def _copied(prompt: Prompt | None) -> Prompt | None:
    """A prompt no caller's change of its data can reach (the kept one stays as stored)."""
    return None if prompt is None else replace(prompt, data=copy.deepcopy(prompt.data))


class SqlUpdateLog:
    """Ids of incoming updates already handled, so a redelivery is not acted on twice."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(self, channel: str, update_id: str, at: datetime) -> bool:
        """Record the update; whether it had been recorded before."""
        statement = upsert_insert(self._session, _updates).values(
            channel=channel, update_id=update_id, at=at
        )
        result = await self._session.execute(
            statement.on_conflict_do_nothing(
                index_elements=[_updates.c.channel, _updates.c.update_id]
            )
        )
        return rowcount(result) == 0


def _delegation(row: Row[Any]) -> Delegation:
    return Delegation(
        id=row.id,
        principal_id=row.principal_id,
        deputy_id=row.deputy_id,
        kind=row.kind,
        starts=row.starts,
        ends=row.ends,
        revoked=row.revoked,
    )
