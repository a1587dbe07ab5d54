"""Security: used dashboard login codes, failed invite attempts, keyed audit chain.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "used_login_codes",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("used_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_used_login_codes")),
    )
    op.create_index(op.f("ix_used_login_codes_expires_at"), "used_login_codes", ["expires_at"])
    op.create_table(
        "invite_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite_failures")),
    )
    op.create_index(
        op.f("ix_invite_failures_channel_external_id_at"),
        "invite_failures",
        ["channel", "external_id", "at"],
    )
    op.create_index(op.f("ix_invite_failures_at"), "invite_failures", ["at"])
    # Entries written before this revision keep a NULL MAC: `sopbot audit seal` keys them.
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("mac")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("mac")
    op.drop_index(op.f("ix_invite_failures_at"), table_name="invite_failures")
    op.drop_index(op.f("ix_invite_failures_channel_external_id_at"), table_name="invite_failures")
    op.drop_table("invite_failures")
    op.drop_index(op.f("ix_used_login_codes_expires_at"), table_name="used_login_codes")
    op.drop_table("used_login_codes")
