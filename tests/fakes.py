"""In-memory implementations of the core's ports, for service tests (no database)."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from bot.audit import GENESIS, AuditKey, chain_hash
from bot.calendar import HolidayOverride
from bot.errors import (
    CaseNotFound,
    ConcurrentUpdate,
    InvalidInvite,
    NotFound,
    RegisterBusy,
    UserNotFound,
)
from bot.ports import (
    AuditEntry,
    AuditHead,
    AuditRecord,
    ChatWindow,
    Claim,
    DocumentRecord,
    ExportRequest,
    HeldMessage,
    InboundUpdate,
    Incident,
    Invite,
    OutgoingMessage,
    Prompt,
    RegisterEntry,
    Reminder,
    StoredUpdate,
)
from bot.workflow.model import Case, Delegation, Person, Roster
from tests.fake_queues import FakeOutbox, FakeReminders

# The audit key of the fakes and of the test databases (tests/conftest.py).
TEST_AUDIT_KEY = AuditKey(b"test-audit-key-0123456789abcdef-0123456789")


@dataclass
class FakeDB:
    """What the fake units of work share: the committed state."""

    cases: dict[int, Case] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    identities: dict[tuple[str, str], int] = field(default_factory=dict)
    delegations: dict[int, Delegation] = field(default_factory=dict)
    invites: dict[str, tuple[Invite, datetime | None]] = field(default_factory=dict)
    used_by: dict[str, int] = field(default_factory=dict)
    holidays: dict[date, HolidayOverride] = field(default_factory=dict)
    documents: list[DocumentRecord] = field(default_factory=list)
    outbox: dict[str, tuple[OutgoingMessage, datetime]] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    audit_head: AuditHead = field(default_factory=lambda: AuditHead(0, GENESIS))
    updates: set[tuple[str, str]] = field(default_factory=set)
    prompts: dict[int, Prompt] = field(default_factory=dict)
    delivered: dict[str, tuple[str, str | None, datetime]] = field(default_factory=dict)
    dead: dict[str, str] = field(default_factory=dict)
    sending: dict[str, datetime] = field(default_factory=dict)  # outbox key -> lease until
    attempts: dict[str, int] = field(default_factory=dict)
    reminders: dict[int, Reminder] = field(default_factory=dict)
    preferred: dict[int, str] = field(default_factory=dict)  # person -> channel
    windows: dict[tuple[str, str], ChatWindow] = field(default_factory=dict)
    held: dict[str, tuple[tuple[str, str], HeldMessage]] = field(default_factory=dict)
    inbox: dict[tuple[str, str], tuple[InboundUpdate, str]] = field(default_factory=dict)
    inbox_due: dict[tuple[str, str], datetime] = field(default_factory=dict)  # retry after
    inbox_attempts: dict[tuple[str, str], int] = field(default_factory=dict)
    doubtful: set[str] = field(default_factory=set)  # outbox keys whose send may have arrived
    incidents: dict[str, Incident] = field(default_factory=dict)
    login_codes: dict[str, datetime] = field(default_factory=dict)  # nonce -> expires at
    invite_failures: list[tuple[str, str, datetime]] = field(default_factory=list)
    counters: dict[tuple[str, int], int] = field(default_factory=dict)  # agenda register
    register: list[RegisterEntry] = field(default_factory=list)
    register_busy: bool = False  # a register that cannot give a number (database busy)
    outbox_busy: int = 0  # outcomes of sends refused (database busy) before one is recorded
    exports: list[ExportRequest] = field(default_factory=list)


class FakeUnitOfWork:
    """Works on a copy of the shared state; commit swaps it in, anything else discards it."""

    def __init__(self, db: FakeDB, audit_key: AuditKey | None = TEST_AUDIT_KEY) -> None:
        self._db = db
        self._key = audit_key
        self.committed = False

    async def __aenter__(self) -> FakeUnitOfWork:
        self.state = copy.deepcopy(self._db)
        self._loaded: dict[int, int] = {}
        self._pending: list[AuditEntry] = []
        self.cases = _Cases(self)
        self.people = _People(self)
        self.delegations = _Delegations(self)
        self.invites = _Invites(self)
        self.invite_failures = _InviteFailures(self)
        self.login_codes = _LoginCodes(self)
        self.holidays = _Holidays(self)
        self.documents = _Documents(self)
        self.outbox = FakeOutbox(self)
        self.reminders = FakeReminders(self)
        self.audit = _Audit(self)
        self.updates = _Updates(self)
        self.prompts = _Prompts(self)
        self.windows = _Windows(self)
        self.inbox = _Inbox(self)
        self.incidents = _Incidents(self)
        self.register = _Register(self)
        self.exports = _Exports(self)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._pending.clear()

    async def commit(self) -> None:
        for case_id, version in self._loaded.items():
            stored = self._db.cases.get(case_id)
            if stored is not None and stored.version != version:
                raise ConcurrentUpdate()
        prev = self.state.audit_head.last_hash
        for entry in self._pending:
            digest = chain_hash(prev, entry)
            mac = self._key.entry_mac(digest) if self._key else None
            last_id = len(self.state.audit) + 1
            self.state.audit.append(AuditRecord(last_id, entry, prev, digest, mac))
            head_mac = self._key.head_mac(last_id, digest) if self._key else None
            self.state.audit_head = AuditHead(last_id, digest, head_mac)
            prev = digest
        self._pending.clear()
        for name in vars(self._db):
            setattr(self._db, name, getattr(self.state, name))
        self.committed = True

    async def rollback(self) -> None:
        self._pending.clear()


class _Repo:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> FakeDB:
        return self.uow.state


class _Cases(_Repo):
    async def get(self, case_id: int) -> Case:
        if case_id not in self.s.cases:
            raise CaseNotFound(ref=str(case_id))
        case = copy.deepcopy(self.s.cases[case_id])
        self.uow._loaded[case_id] = case.version
        return case

    async def get_by_ref(self, ref: str) -> Case:
        for case in self.s.cases.values():
            if case.ref == ref:
                return await self.get(case.id or 0)
        raise CaseNotFound(ref=ref)

    async def add(self, case: Case) -> None:
        case.id = max(self.s.cases, default=0) + 1
        self._number(case)
        self.s.cases[case.id] = copy.deepcopy(case)

    async def save(self, case: Case) -> None:
        assert case.id is not None
        case.version += 1
        self._number(case)
        self.s.cases[case.id] = copy.deepcopy(case)

    def _number(self, case: Case) -> None:
        ids = [r.id for r in case.runs if r.id] + [d.id for d in case.deviations if d.id]
        next_id = max(ids, default=0) + 1
        for item in [*case.runs, *case.deviations]:
            if item.id is None:
                item.id = next_id
                next_id += 1

    async def next_ref(self, prefix: str, year: int) -> str:
        used = [c.ref for c in self.s.cases.values() if c.ref.startswith(f"{prefix}-{year}-")]
        return f"{prefix}-{year}-{len(used) + 1:04d}"

    async def list(self, active_only: bool = False) -> list[Case]:
        cases = [copy.deepcopy(c) for _, c in sorted(self.s.cases.items())]
        return [c for c in cases if c.is_active] if active_only else cases


class _People(_Repo):
    async def roster(self) -> Roster:
        return Roster.of(self.s.people.values(), self.s.delegations.values())

    async def get(self, person_id: int) -> Person:
        if person_id not in self.s.people:
            raise UserNotFound(who=str(person_id))
        return self.s.people[person_id]

    async def add(
        self, name: str, roles: Sequence[str], jabatan: str = "", nip: str = ""
    ) -> Person:
        person = Person(max(self.s.people, default=0) + 1, name, frozenset(roles), jabatan, nip)
        self.s.people[person.id] = person
        return person

    async def add_role(self, person_id: int, role: str) -> Person:
        person = await self.get(person_id)
        person = replace(person, roles=person.roles | {role})
        self.s.people[person_id] = person
        return person

    async def list(self) -> list[Person]:
        return list(self.s.people.values())

    async def set_active(self, person_id: int, active: bool) -> None:
        self.s.people[person_id] = replace(await self.get(person_id), active=active)

    async def set_details(self, person_id: int, **fields: str | None) -> Person:
        given = {key: value for key, value in fields.items() if value is not None}
        self.s.people[person_id] = replace(await self.get(person_id), **given)
        return self.s.people[person_id]

    async def bind_identity(self, person_id: int, channel: str, external_id: str) -> None:
        self.s.identities[(channel, external_id)] = person_id
        self.s.preferred[person_id] = channel

    async def set_preferred_channel(self, person_id: int, channel: str) -> None:
        self.s.preferred[person_id] = channel

    async def by_identity(self, channel: str, external_id: str) -> Person | None:
        person_id = self.s.identities.get((channel, external_id))
        return self.s.people.get(person_id) if person_id else None

    async def identities_of(self, person_id: int) -> list[tuple[str, str]]:
        mine = sorted(key for key, owner in self.s.identities.items() if owner == person_id)
        return sorted(mine, key=lambda pair: pair[0] != self.s.preferred.get(person_id))


class _Delegations(_Repo):
    async def add(
        self, principal_id: int, deputy_id: int, kind: str, starts: date, ends: date
    ) -> Delegation:
        new_id = max(self.s.delegations, default=0) + 1
        delegation = Delegation(new_id, principal_id, deputy_id, kind, starts, ends)
        self.s.delegations[new_id] = delegation
        return delegation

    async def list(self) -> list[Delegation]:
        return list(self.s.delegations.values())

    async def revoke(self, delegation_id: int) -> Delegation:
        if delegation_id not in self.s.delegations:
            raise NotFound()
        revoked = replace(self.s.delegations[delegation_id], revoked=True)
        self.s.delegations[delegation_id] = revoked
        return revoked


class _Invites(_Repo):
    async def add(self, code_hash: str, invite: Invite, created_at: datetime) -> None:
        self.s.invites[code_hash] = (invite, None)

    async def claim(self, code_hash: str, now: datetime) -> Invite:
        if code_hash not in self.s.invites:
            raise InvalidInvite(reason="unknown")
        invite, used = self.s.invites[code_hash]
        if used is not None:
            raise InvalidInvite(reason="used")
        if invite.expires_at <= now:
            raise InvalidInvite(reason="expired")
        self.s.invites[code_hash] = (invite, now)
        return invite

    async def mark_used_by(self, code_hash: str, person_id: int) -> None:
        self.s.used_by[code_hash] = person_id

    async def used_by(self, code_hash: str) -> int | None:
        return self.s.used_by.get(code_hash)


class _InviteFailures(_Repo):
    async def add(self, channel: str, external_id: str, at: datetime) -> None:
        self.s.invite_failures.append((channel, external_id, at))

    async def after(self, channel: str, external_id: str, after: datetime) -> list[datetime]:
        account = (channel, external_id)
        return sorted(at for *who, at in self.s.invite_failures if tuple(who) == account
                      and at > after)  # fmt: skip

    async def purge(self, before: datetime) -> int:
        kept = [f for f in self.s.invite_failures if f[2] >= before]
        purged = len(self.s.invite_failures) - len(kept)
        self.s.invite_failures = kept
        return purged


class _LoginCodes(_Repo):
    async def use(self, nonce: str, expires_at: datetime, at: datetime) -> bool:
        if nonce in self.s.login_codes:
            return False
        self.s.login_codes[nonce] = expires_at
        return True

    async def purge(self, now: datetime) -> int:
        expired = [n for n, expires in self.s.login_codes.items() if expires <= now]
        for nonce in expired:
            del self.s.login_codes[nonce]
        return len(expired)


class _Holidays(_Repo):
    async def list(self) -> list[HolidayOverride]:
        return sorted(self.s.holidays.values(), key=lambda h: h.day)

    async def put(self, override: HolidayOverride) -> None:
        self.s.holidays[override.day] = override

    async def delete(self, day: date) -> bool:
        return self.s.holidays.pop(day, None) is not None


class _Documents(_Repo):
    async def add(self, record: DocumentRecord) -> DocumentRecord:
        key = (record.case_id, record.kind)
        same = [d for d in self.s.documents if (d.case_id, d.kind) == key]
        stored = replace(
            record, id=len(self.s.documents) + 1, version=record.version or len(same) + 1
        )
        self.s.documents.append(stored)
        return stored

    async def list_for_case(self, case_id: int) -> list[DocumentRecord]:
        return [d for d in self.s.documents if d.case_id == case_id]

    async def get(self, document_id: int) -> DocumentRecord:
        for document in self.s.documents:
            if document.id == document_id:
                return document
        raise NotFound()


class _Prompts(_Repo):
    async def get(self, person_id: int) -> Prompt | None:
        return self.s.prompts.get(person_id)

    async def put(self, person_id: int, prompt: Prompt) -> None:
        self.s.prompts[person_id] = prompt

    async def clear(self, person_id: int) -> None:
        self.s.prompts.pop(person_id, None)


class _Audit(_Repo):
    def append(self, entry: AuditEntry) -> None:
        self.uow._pending.append(entry)

    async def all(self) -> list[AuditRecord]:
        return list(self.s.audit)

    async def head(self) -> AuditHead:
        return self.s.audit_head

    async def sign(self, macs: Mapping[int, str]) -> None:
        self.s.audit = [
            replace(r, mac=macs[r.id]) if r.mac is None and r.id in macs else r
            for r in self.s.audit
        ]


class _Updates(_Repo):
    async def seen(self, channel: str, update_id: str, at: datetime) -> bool:
        key = (channel, update_id)
        if key in self.s.updates:
            return True
        self.s.updates.add(key)
        return False


class _Windows(_Repo):
    async def get(self, channel: str, external_id: str) -> ChatWindow:
        return self.s.windows.get((channel, external_id), ChatWindow())

    async def opened(self, channel: str, external_id: str, at: datetime) -> None:
        window = await self.get(channel, external_id)
        if window.last_inbound_at is None or window.last_inbound_at <= at:
            self.s.windows[(channel, external_id)] = ChatWindow(last_inbound_at=at)

    async def noticed(self, channel: str, external_id: str, at: datetime) -> None:
        window = await self.get(channel, external_id)
        if window.notice_sent_at is None or window.notice_sent_at < at:
            self.s.windows[(channel, external_id)] = replace(window, notice_sent_at=at)

    async def hold(
        self, channel: str, external_id: str, message: HeldMessage, at: datetime
    ) -> None:
        self.s.held.setdefault(message.key, ((channel, external_id), message))

    async def take_held(self, channel: str, external_id: str) -> list[HeldMessage]:
        keys = [k for k, (chat, _) in self.s.held.items() if chat == (channel, external_id)]
        return [self.s.held.pop(k)[1] for k in keys]


class _Inbox(_Repo):
    """Stored updates by (channel, update id); ids are their arrival positions."""

    async def add(self, inbound: InboundUpdate) -> bool:
        key = (inbound.channel, inbound.update_id)
        if key in self.s.inbox:
            return False
        self.s.inbox[key] = (inbound, "received")
        return True

    async def claim(self, claim: Claim, limit: int) -> list[StoredUpdate]:
        taken: list[StoredUpdate] = []
        started: set[str] = set()  # chats with an earlier unfinished update: only heads go
        for index, (inbound, status) in enumerate(list(self.s.inbox.values()), start=1):
            key = (inbound.channel, inbound.update_id)
            chat = inbound.chat_key or f"{inbound.channel}:{inbound.update_id}"
            head = chat not in started
            if status in ("received", "handling"):
                started.add(chat)
            due = self.s.inbox_due.get(key, inbound.received_at) <= claim.now
            if status == "received" and due and head and len(taken) < limit:
                self.s.inbox[key] = (inbound, "handling")
                attempts = self.s.inbox_attempts[key] = self.s.inbox_attempts.get(key, 0) + 1
                stored = StoredUpdate(index, inbound.channel, inbound.update_id,
                                      inbound.payload, attempts, inbound.received_at)  # fmt: skip
                taken.append(stored)
        return taken

    def _key(self, update_id: int) -> tuple[str, str]:
        return list(self.s.inbox)[update_id - 1]

    async def finish(
        self, update_id: int, status: str, at: datetime, error: str | None = None
    ) -> None:
        key = self._key(update_id)
        self.s.inbox[key] = (self.s.inbox[key][0], status)

    async def retry_later(self, update_id: int, at: datetime, error: str) -> None:
        key = self._key(update_id)
        self.s.inbox[key] = (self.s.inbox[key][0], "received")
        self.s.inbox_due[key] = at

    async def claimers(self) -> list[str]:
        return []

    async def next_due(self) -> datetime | None:
        waiting = [
            self.s.inbox_due.get(key, inbound.received_at)
            for key, (inbound, status) in self.s.inbox.items()
            if status == "received"
        ]
        return min(waiting, default=None)

    async def status(self, channel: str, update_id: str) -> str | None:
        found = self.s.inbox.get((channel, update_id))
        return None if found is None else found[1]


class _Incidents(_Repo):
    async def get(self, kind: str) -> Incident | None:
        return self.s.incidents.get(kind)

    async def put(self, incident: Incident) -> None:
        self.s.incidents[incident.kind] = incident

    async def waiting(self, notified_before: datetime) -> list[Incident]:
        return [
            i
            for i in self.s.incidents.values()
            if i.suppressed and i.notified_at is not None and i.notified_at <= notified_before
        ]


class _Register(_Repo):
    async def take(self, kind: str, year: int) -> int:
        if self.s.register_busy:
            raise RegisterBusy(kind=kind)
        number = self.s.counters.get((kind, year), 0) + 1
        self.s.counters[(kind, year)] = number
        return number

    async def add(self, entry: RegisterEntry) -> RegisterEntry:
        same = [(e.kind, e.year, e.number) for e in self.s.register]
        assert (entry.kind, entry.year, entry.number) not in same, "duplicate register number"
        stored = replace(entry, id=len(self.s.register) + 1)
        self.s.register.append(stored)
        return stored

    async def cancel(
        self, entry_id: int, at: datetime, reason: str, by: int | None
    ) -> RegisterEntry:
        entry = await self.get(entry_id)
        if entry.status == "issued":
            entry = replace(
                entry, status="cancelled", cancelled_at=at, cancelled_by=by, cancel_reason=reason
            )
            self.s.register[entry_id - 1] = entry
        return entry

    async def get(self, entry_id: int) -> RegisterEntry:
        if not 0 < entry_id <= len(self.s.register):
            raise NotFound()
        return self.s.register[entry_id - 1]

    async def list(
        self, kind: str | None = None, year: int | None = None, case_id: int | None = None
    ) -> list[RegisterEntry]:
        found = [
            e
            for e in self.s.register
            if (kind is None or e.kind == kind)
            and (year is None or e.year == year)
            and (case_id is None or e.case_id == case_id)
        ]
        return sorted(found, key=lambda e: (e.kind, e.year, e.number))


class _Exports(_Repo):
    async def add(self, request: ExportRequest) -> ExportRequest:
        stored = replace(request, id=len(self.s.exports) + 1, status="pending")
        self.s.exports.append(stored)
        return stored

    async def pending(self, case_id: int, kind: str, person_id: int) -> ExportRequest | None:
        return next(
            (
                r
                for r in self.s.exports
                if (r.case_id, r.kind, r.requested_by) == (case_id, kind, person_id)
                and r.status in ("pending", "building")
            ),
            None,
        )

    async def claim(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[ExportRequest]:
        taken = []
        for index, request in enumerate(self.s.exports):
            if request.status == "pending" and len(taken) < limit:
                request = replace(request, status="building", attempts=request.attempts + 1)
                self.s.exports[index] = request
                taken.append(request)
        return taken

    async def finish(
        self, request_id: int, status: str, at: datetime, sha256: str | None, error: str | None
    ) -> None:
        index = request_id - 1
        self.s.exports[index] = replace(self.s.exports[index], status=status, sha256=sha256)


class MemoryFileStore:
    """Content-addressed bytes in a dict."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        return digest

    def read(self, sha256: str) -> bytes:
        if sha256 not in self.blobs:
            raise NotFound()
        return self.blobs[sha256]

    def exists(self, sha256: str) -> bool:
        return sha256 in self.blobs


_current: ContextVar[FakeUnitOfWork | None] = ContextVar("fake_update_uow", default=None)


class FakeUnitOfWorkFactory:
    """Fake units of work over one shared state; inside atomic() they nest in its copy."""

    def __init__(self, db: FakeDB, audit_key: AuditKey | None) -> None:
        self.db = db
        self.audit_key = audit_key

    def __call__(self) -> FakeUnitOfWork:
        outer = _current.get()
        return FakeUnitOfWork(outer.state if outer is not None else self.db, self.audit_key)

    def reading(self) -> FakeUnitOfWork:
        return self()

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[FakeUnitOfWork]:
        async with FakeUnitOfWork(self.db, self.audit_key) as uow:
            token = _current.set(uow)
            try:
                yield uow
            finally:
                _current.reset(token)


def fake_uow_factory(db: FakeDB, audit_key: AuditKey | None = TEST_AUDIT_KEY) -> Any:
    """A factory of fake units of work over one shared state."""
    return FakeUnitOfWorkFactory(db, audit_key)
