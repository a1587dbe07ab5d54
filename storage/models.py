"""Tables. Rows here are storage detail: repositories map them to and from `bot` types."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    column,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import AwareDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CASE_STATUSES = ("menunggu", "berjalan", "selesai", "dibatalkan")
RUN_OUTCOMES = ("selesai", "disetujui", "dikembalikan", "dilewati", "dibatalkan")
DEVIATION_KINDS = ("kelengkapan", "waktu", "output")
DELEGATION_KINDS = ("plt", "plh")
REMINDER_STATUSES = ("pending", "claimed", "sent", "superseded", "cancelled")
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "dead")
INBOUND_STATUSES = ("received", "handling", "done", "failed")
REGISTER_STATUSES = ("issued", "cancelled")
EXPORT_STATUSES = ("pending", "building", "done", "failed")


def _one_of(name: str, values: tuple[str, ...]) -> CheckConstraint:
    return CheckConstraint(column(name).in_(values), name=name)


def _person_fk(ondelete: str | None = None) -> ForeignKey:
    return ForeignKey("people.id", ondelete=ondelete)


def _case_fk() -> ForeignKey:
    return ForeignKey("cases.id", ondelete="CASCADE")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: AwareDateTime(),
        date: Date(),
        dict[str, Any]: JSON(),
    }


class PersonRow(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    jabatan: Mapped[str] = mapped_column(String(200), server_default="")
    nip: Mapped[str] = mapped_column(String(32), server_default="")
    # Printed under the name in a signature block: "Pembina Tingkat I", "IV/b".
    pangkat: Mapped[str] = mapped_column(String(100), server_default="")
    golongan: Mapped[str] = mapped_column(String(16), server_default="")
    active: Mapped[bool] = mapped_column(server_default=true())
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    # Where notifications go first; set by the latest registration of a chat account.
    preferred_channel: Mapped[str | None] = mapped_column(String(16))


class PersonRoleRow(Base):
    __tablename__ = "person_roles"

    person_id: Mapped[int] = mapped_column(_person_fk("CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class ChannelIdentityRow(Base):
    __tablename__ = "channel_identities"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(_person_fk("CASCADE"), index=True)


class InviteRow(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    nip: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(_person_fk())


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (_one_of("status", CASE_STATUSES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    partner: Mapped[str] = mapped_column(Text)
    partner_kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime]
    created_by: Mapped[int] = mapped_column(_person_fk())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # The SOP and its stored version the case runs on to the end (sop_versions).
    sop_code: Mapped[str] = mapped_column(String(64), index=True)
    sop_version: Mapped[int] = mapped_column(Integer, server_default=text("1"))


class SopVersionRow(Base):
    """Each distinct text of an SOP file loaded by a deployment, numbered per SOP code."""

    __tablename__ = "sop_versions"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime]


class CaseAssignmentRow(Base):
    __tablename__ = "case_assignments"

    case_id: Mapped[int] = mapped_column(_case_fk(), primary_key=True)
    role: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(_person_fk(), index=True)


class StepRunRow(Base):
    __tablename__ = "step_runs"
    __table_args__ = (
        _one_of("outcome", RUN_OUTCOMES),
        Index(None, "assignee_id", "finished_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(_case_fk(), index=True)
    step_code: Mapped[str] = mapped_column(String(64))
    round: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    assignee_id: Mapped[int | None] = mapped_column(_person_fk())
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(_person_fk())
    acting_for: Mapped[int | None] = mapped_column(_person_fk())
    delegation_kind: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    kelengkapan_ok: Mapped[bool | None]
    output_ok: Mapped[bool | None]
    late_minutes: Mapped[int | None] = mapped_column(Integer)


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("case_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(_case_fk())
    kind: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(127))
    uploaded_by: Mapped[int | None] = mapped_column(_person_fk())
    uploaded_at: Mapped[datetime]
    step_code: Mapped[str | None] = mapped_column(String(64))


class CaseArtifactRow(Base):
    __tablename__ = "case_artifacts"
    __table_args__ = (UniqueConstraint("case_id", "key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(_case_fk())
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    value: Mapped[str] = mapped_column(Text)
    step_code: Mapped[str | None] = mapped_column(String(64))
    recorded_by: Mapped[int | None] = mapped_column(_person_fk())
    recorded_at: Mapped[datetime]
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    filename: Mapped[str | None] = mapped_column(String(255))


class DeviationRow(Base):
    __tablename__ = "deviations"
    __table_args__ = (_one_of("kind", DEVIATION_KINDS),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(_case_fk(), index=True)
    step_code: Mapped[str] = mapped_column(String(64))
    round: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    late_minutes: Mapped[int | None] = mapped_column(Integer)


class DelegationRow(Base):
    __tablename__ = "delegations"
    __table_args__ = (
        _one_of("kind", DELEGATION_KINDS),
        CheckConstraint("ends >= starts", name="period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal_id: Mapped[int] = mapped_column(_person_fk(), index=True)
    deputy_id: Mapped[int] = mapped_column(_person_fk(), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    starts: Mapped[date]
    ends: Mapped[date]
    revoked: Mapped[bool] = mapped_column(server_default=false())
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class HolidayOverrideRow(Base):
    __tablename__ = "holiday_overrides"

    day: Mapped[date] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    is_holiday: Mapped[bool]


class ReminderRow(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        _one_of("status", REMINDER_STATUSES),
        Index(None, "status", "due_at"),
        # One row per task, rung and person: the same plan is never scheduled twice.
        UniqueConstraint("step_run_id", "kind", "recipient_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(_case_fk(), index=True)
    step_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("step_runs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    recipient_id: Mapped[int] = mapped_column(_person_fk())
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        _one_of("status", OUTBOX_STATUSES),
        Index(None, "status", "next_attempt_at"),
        Index(None, "chat_key", "status"),
        Index(None, "card", "channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None: an answer to a chat account that belongs to nobody registered (`chat_*` say where).
    recipient_id: Mapped[int | None] = mapped_column(_person_fk(), index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    channel: Mapped[str | None] = mapped_column(String(16))
    platform_message_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    # While `sending`: until when the drainer that claimed it owns it (then it is due again).
    lease_until: Mapped[datetime | None]
    # The chat account an answer goes back to, instead of the person's preferred one.
    chat_channel: Mapped[str | None] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    # The message this one replaces: `<chat>:<message>`, or `card:<card>|<fallback>`.
    edit_ref: Mapped[str | None] = mapped_column(String(200))
    # Messages with the same key go out in id order: `p:<person>` or `c:<channel>:<chat>`.
    chat_key: Mapped[str] = mapped_column(String(100), server_default="")
    claimed_by: Mapped[str | None] = mapped_column(String(40))  # the worker sending it
    # An earlier attempt may have arrived (its answer was lost): a resend may be a copy.
    doubtful: Mapped[bool] = mapped_column(server_default=false())
    # Its place in its chat's order when not its id: an answer to the person who wrote goes
    # just before the first message its update caused for the same chat.
    position: Mapped[int | None] = mapped_column(Integer)
    # The task card a new message shows (`bot.cards`): its edits go to the card's last copy.
    card: Mapped[str | None] = mapped_column(String(120))


class ProcessedUpdateRow(Base):
    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    # AUTOINCREMENT on SQLite: an id is never reused, even after the last row is deleted.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    case_ref: Mapped[str | None] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC-SHA256 of `hash` under the audit key (bot.audit); NULL on entries written before
    # the chain was keyed, until `sopbot audit seal`.
    mac: Mapped[str | None] = mapped_column(String(64))


class AuditHeadRow(Base):
    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_id: Mapped[int] = mapped_column(Integer)
    mac: Mapped[str | None] = mapped_column(String(64))  # of (last_id, last_hash), keyed


class PendingPromptRow(Base):
    """What the bot is waiting for from a person (a dialogue step), one at most per person."""

    __tablename__ = "pending_prompts"

    person_id: Mapped[int] = mapped_column(_person_fk("CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class ChatWindowRow(Base):
    """A chat account's conversation window: its last inbound message and last notice."""

    __tablename__ = "chat_windows"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_inbound_at: Mapped[datetime | None]
    notice_sent_at: Mapped[datetime | None]


class HeldMessageRow(Base):
    """A message kept back until the chat's window opens (the notice went instead)."""

    __tablename__ = "held_messages"
    __table_args__ = (Index(None, "channel", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]]
    held_at: Mapped[datetime]


class CacheVersion(Base):
    """The version of something processes cache (the roster, the holidays): bumped by every
    change of it, in the changing transaction (`storage.cache`)."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class InboxRow(Base):
    """An incoming update of any channel, stored before it is confirmed, then handled once."""

    __tablename__ = "inbox"
    __table_args__ = (
        _one_of("status", INBOUND_STATUSES),
        UniqueConstraint("channel", "update_id"),
        Index(None, "status", "id"),
        Index(None, "chat_key", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[str] = mapped_column(String(128))
    # Updates with the same key (one chat) are handled in id order.
    chat_key: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class IncidentRow(Base):
    """One kind of system failure: when the admins were last told, and what came since."""

    __tablename__ = "incidents"

    kind: Mapped[str] = mapped_column(String(200), primary_key=True)
    notified_at: Mapped[datetime | None]
    suppressed: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    trace: Mapped[str] = mapped_column(Text)
    total: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class UsedLoginCodeRow(Base):
    """A dashboard login code's nonce, once used; kept until the code would have expired."""

    __tablename__ = "used_login_codes"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime]


class InviteFailureRow(Base):
    """A wrong, expired or used invite code sent from a chat account (for the rate limit)."""

    __tablename__ = "invite_failures"
    __table_args__ = (Index(None, "channel", "external_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)


class AgendaCounterRow(Base):
    """The last number the agenda register gave per document kind and year.

    Taking a number raises it in the issuing transaction: the row stays locked until that
    transaction ends, so numbers are consecutive, and a rollback gives the number back.
    """

    __tablename__ = "agenda_counters"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


class AgendaEntryRow(Base):
    """One number of the agenda register (buku agenda): an issued naskah, or a cancelled one."""

    __tablename__ = "agenda_register"
    __table_args__ = (
        _one_of("status", REGISTER_STATUSES),
        UniqueConstraint("kind", "year", "number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    nomor: Mapped[str] = mapped_column(String(200))  # as printed on the naskah
    issued_at: Mapped[datetime]
    issued_by: Mapped[int | None] = mapped_column(_person_fk())
    hal: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    case_ref: Mapped[str | None] = mapped_column(String(32))
    sha256: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(255))
    # What the SRIKANDI registration asks besides the number: signer, addressees, copies...
    details: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), server_default="issued")
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[int | None] = mapped_column(_person_fk())
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class ExportRequestRow(Base):
    """A records package asked for in chat, built by the periodic work outside any update."""

    __tablename__ = "export_requests"
    __table_args__ = (
        _one_of("status", EXPORT_STATUSES),
        Index(None, "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(_case_fk(), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[int] = mapped_column(_person_fk())
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    finished_at: Mapped[datetime | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
