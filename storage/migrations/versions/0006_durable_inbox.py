"""The durable inbox for every channel, and an outbox that answers chats and edits messages.

`inbox` replaces `inbound_updates` (WhatsApp only, keyed by channel and update id): every update
of every channel is stored there before it is confirmed, numbered in arrival order, and claimed
with a lease by the worker that handles it. The outbox gains an explicit chat (an answer goes
back to the account that wrote, registered or not), the message an answer edits, the order key
of its chat, its place in it (an answer goes before what its update caused), the worker that
claimed it, and whether a send's outcome was unknown. `incidents`
counts system failures per kind, so the admins hear of each kind once per quarter hour.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.String(length=128), nullable=False),
        sa.Column("chat_key", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", INSTANT, nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("lease_until", INSTANT, nullable=True),
        sa.Column("received_at", INSTANT, nullable=False),
        sa.Column("finished_at", INSTANT, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('received', 'handling', 'done', 'failed')", name=op.f("ck_inbox_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("channel", "update_id", name=op.f("uq_inbox_channel_update_id")),
    )
    op.create_index(op.f("ix_inbox_status_id"), "inbox", ["status", "id"])
    op.create_index(op.f("ix_inbox_chat_key_status"), "inbox", ["chat_key", "status"])
    op.create_index(op.f("ix_inbox_received_at"), "inbox", ["received_at"])
    op.execute(
        "INSERT INTO inbox (channel, update_id, chat_key, payload, status, attempts, "
        "next_attempt_at, received_at, finished_at, error) "
        "SELECT channel, update_id, channel || ':' || update_id, payload, status, attempts, "
        "received_at, received_at, finished_at, error FROM inbound_updates ORDER BY received_at"
    )
    op.drop_index(op.f("ix_inbound_updates_received_at"), table_name="inbound_updates")
    op.drop_table("inbound_updates")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("recipient_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("chat_channel", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("chat_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("edit_ref", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("chat_key", sa.String(length=100), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("claimed_by", sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column("doubtful", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("position", sa.Integer(), nullable=True))
    op.execute("UPDATE outbox SET chat_key = 'p:' || recipient_id")
    op.create_index(op.f("ix_outbox_chat_key_status"), "outbox", ["chat_key", "status"])
    op.create_table(
        "incidents",
        sa.Column("kind", sa.String(length=200), nullable=False),
        sa.Column("notified_at", INSTANT, nullable=True),
        sa.Column("suppressed", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("trace", sa.Text(), nullable=False),
        sa.Column("total", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_incidents")),
    )


def downgrade() -> None:
    op.drop_table("incidents")
    op.drop_index(op.f("ix_outbox_chat_key_status"), table_name="outbox")
    op.execute("DELETE FROM outbox WHERE recipient_id IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("position")
        batch.drop_column("doubtful")
        batch.drop_column("claimed_by")
        batch.drop_column("chat_key")
        batch.drop_column("edit_ref")
        batch.drop_column("chat_id")
        batch.drop_column("chat_channel")
        batch.alter_column("recipient_id", existing_type=sa.Integer(), nullable=False)
    op.create_table(
        "inbound_updates",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("received_at", INSTANT, nullable=False),
        sa.Column("finished_at", INSTANT, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('received', 'done', 'failed')", name=op.f("ck_inbound_updates_status")
        ),
        sa.PrimaryKeyConstraint("channel", "update_id", name=op.f("pk_inbound_updates")),
    )
    op.create_index(op.f("ix_inbound_updates_received_at"), "inbound_updates", ["received_at"])
    op.execute(
        "INSERT INTO inbound_updates (channel, update_id, payload, status, attempts, "
        "received_at, finished_at, error) SELECT channel, update_id, payload, status, attempts, "
        "received_at, finished_at, error FROM inbox"
    )
    op.drop_index(op.f("ix_inbox_received_at"), table_name="inbox")
    op.drop_index(op.f("ix_inbox_chat_key_status"), table_name="inbox")
    op.drop_index(op.f("ix_inbox_status_id"), table_name="inbox")
    op.drop_table("inbox")
