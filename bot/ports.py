"""The small interfaces the core needs; storage/ and handlers/ implement them."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from bot.calendar import HolidayOverride
from bot.replies import Reply
from bot.workflow.model import Case, Delegation, Person, Roster


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class ChatRoute:
    """One chat account: the channel and the platform's id of the chat."""

    channel: str
    external_id: str

    @property
    def key(self) -> str:
        """The account as one string (pacing, ordering)."""
        return f"{self.channel}:{self.external_id}"


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to one person or chat, queued in the same transaction as its cause.

    `chat` sends it to that account (an answer goes back where the person wrote, and reaches
    someone not registered yet); otherwise the person's preferred account is used. `edit_ref`
    replaces an earlier message (the one whose button was pressed) where the channel can edit.
    """

    recipient_id: int | None
    reply: Reply
    key: str  # idempotency key: the same key is queued once
    not_before: datetime | None = None
    chat: ChatRoute | None = None
    edit_ref: str | None = None

    def __post_init__(self) -> None:
        if self.recipient_id is None and self.chat is None:
            raise ValueError("an outgoing message needs a recipient or a chat")

    @property
    def card(self) -> str | None:
        """The task card this message shows as a new copy: one per recipient and task run."""
        if self.reply.card is None or self.recipient_id is None or self.edit_ref is not None:
            return None
        return f"{self.recipient_id}:{self.reply.card}"


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    kind: str
    actor_id: int | None
    case_ref: str | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditRecord:
    """A stored audit entry with its place in the hash chain and its MAC (bot.audit)."""

    id: int
    entry: AuditEntry
    prev_hash: str
    hash: str
    mac: str | None = None  # None: written before the chain was keyed


@dataclass(frozen=True)
class AuditHead:
    """What the chain's head row says: the last entry's id and hash, and its MAC."""

    last_id: int
    last_hash: str
    mac: str | None = None


@dataclass(frozen=True)
class Invite:
    role: str
    name: str | None
    nip: str | None
    expires_at: datetime


@dataclass(frozen=True)
class DocumentRecord:
    case_id: int
    kind: str
    filename: str
    sha256: str
    size: int
    media_type: str
    uploaded_by: int | None
    uploaded_at: datetime
    step_code: str | None = None
    version: int = 0  # 0: the repository numbers it
    id: int | None = None


@dataclass(frozen=True)
class Prompt:
    """What the bot waits for from a person: the next free text or file answers it."""

    kind: str
    data: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    recipient_id: int | None
    reply: Reply
    key: str
    attempts: int
    chat: ChatRoute | None = None
    edit_ref: str | None = None
    # An earlier attempt's outcome is unknown (the answer was lost, or its sender died).
    doubtful: bool = False


@dataclass(frozen=True)
class Reminder:
    """A reminder or escalation row: one person is told about one task at one time."""

    case_id: int
    step_run_id: int
    kind: str  # the name of the plan's rung (`separuh`, `eskalasi_atasan`, ...)
    due_at: datetime
    recipient_id: int
    status: str = "pending"  # pending | claimed | sent | superseded | cancelled
    id: int | None = None


class CaseRepository(Protocol):
    async def get(self, case_id: int) -> Case: ...
    async def get_by_ref(self, ref: str) -> Case: ...
    async def add(self, case: Case) -> None: ...
    async def save(self, case: Case) -> None: ...
    async def next_ref(self, prefix: str, year: int) -> str: ...
    async def list(self, active_only: bool = False) -> list[Case]: ...


class PeopleRepository(Protocol):
    async def roster(self) -> Roster: ...
    async def get(self, person_id: int) -> Person: ...
    async def add(
        self, name: str, roles: Sequence[str], jabatan: str = "", nip: str = ""
    ) -> Person: ...
    async def add_role(self, person_id: int, role: str) -> Person: ...
    async def list(self) -> list[Person]: ...
    async def set_active(self, person_id: int, active: bool) -> None: ...
    # Change what is printed about a person (None: leave it as it is).
    async def set_details(
        self,
        person_id: int,
        *,
        nip: str | None = None,
        jabatan: str | None = None,
        pangkat: str | None = None,
        golongan: str | None = None,
    ) -> Person: ...
    async def bind_identity(self, person_id: int, channel: str, external_id: str) -> None: ...
    async def by_identity(self, channel: str, external_id: str) -> Person | None: ...
    # The person's preferred chat account comes first: notifications go there (bot.delivery).
    async def identities_of(self, person_id: int) -> builtins.list[tuple[str, str]]: ...
    async def set_preferred_channel(self, person_id: int, channel: str) -> None: ...


class DelegationRepository(Protocol):
    async def add(
        self, principal_id: int, deputy_id: int, kind: str, starts: date, ends: date
    ) -> Delegation: ...
    async def list(self) -> list[Delegation]: ...
    async def revoke(self, delegation_id: int) -> Delegation: ...


class InviteRepository(Protocol):
    async def add(self, code_hash: str, invite: Invite, created_at: datetime) -> None: ...
    async def claim(self, code_hash: str, now: datetime) -> Invite: ...
    async def mark_used_by(self, code_hash: str, person_id: int) -> None: ...
    async def used_by(self, code_hash: str) -> int | None: ...


class InviteFailureRepository(Protocol):
    """Wrong, expired or used invite codes per chat account, for the rate limit."""

    async def add(self, channel: str, external_id: str, at: datetime) -> None: ...
    # The account's failures later than `after`, oldest first.
    async def after(
        self, channel: str, external_id: str, after: datetime
    ) -> builtins.list[datetime]: ...
    async def purge(self, before: datetime) -> int: ...


class LoginCodeRepository(Protocol):
    """Nonces of dashboard login codes already used, so each code logs in once."""

    # True the first time a nonce is used, False for a replay (in any process).
    async def use(self, nonce: str, expires_at: datetime, at: datetime) -> bool: ...
    async def purge(self, now: datetime) -> int: ...


class HolidayRepository(Protocol):
    async def list(self) -> list[HolidayOverride]: ...
    async def put(self, override: HolidayOverride) -> None: ...
    async def delete(self, day: date) -> bool: ...


class DocumentRepository(Protocol):
    async def add(self, record: DocumentRecord) -> DocumentRecord: ...
    async def list_for_case(self, case_id: int) -> list[DocumentRecord]: ...
    async def get(self, document_id: int) -> DocumentRecord: ...


@dataclass(frozen=True)
class Claim:
    """Who claims rows (inbox, outbox) and until when; rows of `dead` workers are free again."""

    worker: str
    now: datetime
    lease_until: datetime
    dead: frozenset[str] = frozenset()


class OutboxRepository(Protocol):
    async def add(self, message: OutgoingMessage, created_at: datetime) -> None: ...
    # The newest queued message's id, and a message queued ahead of what its chat got since:
    # the answer to the person who wrote comes before the notices its update caused.
    async def newest(self) -> int: ...
    async def add_ahead(
        self, messages: Sequence[OutgoingMessage], created_at: datetime, since: int
    ) -> None: ...
    async def exists(self, key: str) -> bool: ...
    # Whether a copy of this task card was queued; the platform id of its last delivered copy.
    async def has_card(self, card: str) -> bool: ...
    async def card_copy(self, card: str, channel: str) -> tuple[str, Reply] | None: ...
    # Due rows, oldest first, none of them behind an unsent earlier row of the same chat.
    # Without `wait`, nothing (an empty list) while another transaction is claiming.
    async def claim(
        self, claim: Claim, limit: int, wait: bool = True
    ) -> list[QueuedMessage]: ...
    async def mark_sent(
        self, message_id: int, channel: str, platform_id: str | None, at: datetime
    ) -> None: ...
    async def retry_later(
        self, message_id: int, at: datetime, error: str, doubtful: bool = False
    ) -> None: ...
    async def release(self, message_ids: Sequence[int], at: datetime) -> None: ...
    async def give_up(self, message_id: int, error: str) -> None: ...
    async def claimers(self) -> builtins.list[str]: ...
    async def next_due(self) -> datetime | None: ...


class ReminderRepository(Protocol):
    async def add(self, reminder: Reminder, created_at: datetime) -> None: ...
    async def cancel_for_run(self, step_run_id: int) -> int: ...
    async def cancel_for_case(self, case_id: int) -> int: ...
    async def claim_due(self, now: datetime, limit: int) -> list[Reminder]: ...
    async def mark(self, reminder_ids: Sequence[int], status: str, at: datetime) -> None: ...
    async def list_for_case(self, case_id: int) -> list[Reminder]: ...


class PromptRepository(Protocol):
    async def get(self, person_id: int) -> Prompt | None: ...
    async def put(self, person_id: int, prompt: Prompt) -> None: ...
    async def clear(self, person_id: int) -> None: ...


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> None: ...
    async def all(self) -> list[AuditRecord]: ...
    async def head(self) -> AuditHead: ...
    # Store MACs (by entry id) on entries that have none: `sopbot audit seal`.
    async def sign(self, macs: Mapping[int, str]) -> None: ...


class UpdateLog(Protocol):
    async def seen(self, channel: str, update_id: str, at: datetime) -> bool: ...


@dataclass(frozen=True)
class ChatWindow:
    """A chat account's conversation window (WhatsApp: free-form messages for 24 hours)."""

    last_inbound_at: datetime | None = None  # the person's last message on this account
    # The notice (template) sent while it was closed and not yet answered: the next inbound
    # message clears it.
    notice_sent_at: datetime | None = None


@dataclass(frozen=True)
class HeldMessage:
    """A message kept back until the person writes again and the window opens."""

    key: str
    reply: Reply


class ChatWindowRepository(Protocol):
    async def get(self, channel: str, external_id: str) -> ChatWindow: ...
    async def opened(self, channel: str, external_id: str, at: datetime) -> None: ...
    async def noticed(self, channel: str, external_id: str, at: datetime) -> None: ...
    async def hold(
        self, channel: str, external_id: str, message: HeldMessage, at: datetime
    ) -> None: ...
    async def take_held(self, channel: str, external_id: str) -> list[HeldMessage]: ...


@dataclass(frozen=True)
class InboundUpdate:
    """An incoming update, stored before it is confirmed, so a crash loses nothing."""

    channel: str
    update_id: str
    payload: dict[str, Any]
    received_at: datetime
    chat_key: str = ""  # updates of one chat are handled in the order they came


@dataclass(frozen=True)
class StoredUpdate:
    """A stored update claimed to be handled."""

    id: int
    channel: str
    update_id: str
    payload: dict[str, Any]
    attempts: int  # claims so far, this one included
    received_at: datetime


@dataclass(frozen=True)
class Envelope:
    """What a stored update says about its sender, read without acting on it."""

    chat: ChatRoute | None  # None: nothing to answer (an update from no private chat)
    kind: str = "text"  # text | button | file: what the person is asked to send again
    words: str | None = None  # their text, quoted back if it could not be handled


@dataclass(frozen=True)
class Handled:
    """What handling an update leaves to do once its transaction is committed."""

    # E.g. Telegram's answer to a button press: it must come within seconds, so it is sent
    # directly, and only announces what the commit made true.
    after_commit: Callable[[], Awaitable[None]] | None = None
    # Whether its transaction queued outgoing messages: the sender is woken only then.
    queued: bool = True


class UpdateHandler(Protocol):
    """A channel's part of handling a stored update: read it, act on it through the core."""

    def envelope(self, payload: dict[str, Any]) -> Envelope: ...
    # Outside the update's transaction: downloads an attached file, so no lock waits on it.
    async def prepare(self, update: StoredUpdate) -> object: ...
    # Inside the update's transaction; its answers are queued in the outbox, not sent.
    async def handle(self, update: StoredUpdate, prepared: object) -> Handled: ...


class InboxRepository(Protocol):
    # True for a new update, False for a copy of one stored before (a redelivery).
    async def add(self, inbound: InboundUpdate) -> bool: ...
    async def claim(self, claim: Claim, limit: int) -> builtins.list[StoredUpdate]: ...
    async def finish(
        self, update_id: int, status: str, at: datetime, error: str | None = None
    ) -> None: ...
    async def retry_later(self, update_id: int, at: datetime, error: str) -> None: ...
    async def claimers(self) -> builtins.list[str]: ...
    async def next_due(self) -> datetime | None: ...
    async def status(self, channel: str, update_id: str) -> str | None: ...


@dataclass(frozen=True)
class Incident:
    """One kind of system failure: when the admins were last told, and what came since."""

    kind: str
    notified_at: datetime | None
    suppressed: int  # failures since that notice, not told yet
    trace: str  # the first of them (or the notified one, when none came since)
    total: int


class IncidentRepository(Protocol):
    async def get(self, kind: str) -> Incident | None: ...
    async def put(self, incident: Incident) -> None: ...
    # Kinds with failures not told yet whose last notice is older than `notified_before`.
    async def waiting(self, notified_before: datetime) -> builtins.list[Incident]: ...


@dataclass(frozen=True)
class RegisterEntry:
    """One number of the agenda register (buku agenda) and the naskah it was given to."""

    kind: str  # disposisi | undangan | persetujuan | kb
    year: int
    number: int  # consecutive per kind and year, never reused
    nomor: str  # as printed on the naskah
    issued_at: datetime
    hal: str
    case_id: int | None = None
    case_ref: str | None = None
    issued_by: int | None = None
    sha256: str | None = None  # the issued file in the file store
    filename: str | None = None
    # What a records registration asks besides the number (signer, addressees, copies...).
    details: Mapping[str, Any] = field(default_factory=dict)
    status: str = "issued"  # issued | cancelled
    cancelled_at: datetime | None = None
    cancelled_by: int | None = None
    cancel_reason: str | None = None
    id: int | None = None


class RegisterRepository(Protocol):
    """The agenda register: numbers per kind and year, taken inside the issuing transaction.

    `take` raises `RegisterBusy` when the register cannot be reached in time; the caller's
    transaction then rolls back and nothing is issued.
    """

    async def take(self, kind: str, year: int) -> int: ...
    async def add(self, entry: RegisterEntry) -> RegisterEntry: ...
    async def cancel(
        self, entry_id: int, at: datetime, reason: str, by: int | None
    ) -> RegisterEntry: ...
    async def get(self, entry_id: int) -> RegisterEntry: ...
    async def list(
        self, kind: str | None = None, year: int | None = None, case_id: int | None = None
    ) -> builtins.list[RegisterEntry]: ...


@dataclass(frozen=True)
class ExportRequest:
    """A records package asked for in chat; built later, outside the asking update."""

    case_id: int
    kind: str  # srikandi
    requested_by: int
    requested_at: datetime
    status: str = "pending"  # pending | building | done | failed
    attempts: int = 0
    sha256: str | None = None
    id: int | None = None


class ExportRequestRepository(Protocol):
    async def add(self, request: ExportRequest) -> ExportRequest: ...
    # The pending request of that person for that case and kind, if one waits already.
    async def pending(self, case_id: int, kind: str, person_id: int) -> ExportRequest | None: ...
    # Pending requests, and building ones whose builder's lease ran out, now leased to us.
    async def claim(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> builtins.list[ExportRequest]: ...
    async def finish(
        self, request_id: int, status: str, at: datetime, sha256: str | None, error: str | None
    ) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: everything recorded through it commits or rolls back together."""

    cases: CaseRepository
    people: PeopleRepository
    delegations: DelegationRepository
    invites: InviteRepository
    invite_failures: InviteFailureRepository
    login_codes: LoginCodeRepository
    holidays: HolidayRepository
    documents: DocumentRepository
    outbox: OutboxRepository
    reminders: ReminderRepository
    audit: AuditLog
    updates: UpdateLog
    prompts: PromptRepository
    windows: ChatWindowRepository
    inbox: InboxRepository
    incidents: IncidentRepository
    register: RegisterRepository
    exports: ExportRequestRepository

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...

    # A unit that only reads and never waits for a writer (SQLite's one writer); inside
    # atomic() it is a unit of the update like any other.
    def reading(self) -> UnitOfWork: ...

    # One transaction for a whole update: units opened inside it (by any code the update
    # runs) are savepoints of it, and only its own commit makes anything durable.
    def atomic(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


class Liveness(Protocol):
    """Tells whether the worker that claimed a row is still running.

    A worker holds a lock for as long as it lives (the database session's advisory lock, or a
    file lock beside SQLite); the operating system or the server drops it when the process
    dies, so its rows are taken over at once instead of when their lease runs out.
    """

    worker: str

    async def start(self) -> None: ...
    async def dead(self, workers: Sequence[str]) -> frozenset[str]: ...
    async def alive_count(self) -> int: ...
    async def stop(self) -> None: ...


class FileStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def read(self, sha256: str) -> bytes: ...
    def exists(self, sha256: str) -> bool: ...


@dataclass(frozen=True)
class SendResult:
    ok: bool
    message_id: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    error: str | None = None
    # The request went out and its answer was lost: it may have arrived, or not.
    unknown: bool = False


# Awaited by a sender before each API call it makes (a reply may be files, then text parts).
Pace = Callable[[], Awaitable[None]]


class ChannelSender(Protocol):
    async def send(
        self,
        recipient: str,
        reply: Reply,
        key: str,
        pace: Pace | None = None,
        edit_ref: str | None = None,
    ) -> SendResult: ...
