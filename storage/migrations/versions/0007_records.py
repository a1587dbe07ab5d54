"""Official records: the agenda register, pangkat/golongan of people, records packages.

`agenda_counters` holds the last number given per document kind and year; `agenda_register` one
row per number (issued or cancelled, never reused). People gain pangkat and golongan for the
signature blocks. `export_requests` queues the SRIKANDI packages asked for in chat: they are
built by the periodic work, outside the transaction of the update that asked.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("pangkat", sa.String(length=100), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("golongan", sa.String(length=16), server_default="", nullable=False)
        )
    op.create_table(
        "agenda_counters",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "year", name=op.f("pk_agenda_counters")),
    )
    op.create_table(
        "agenda_register",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("nomor", sa.String(length=200), nullable=False),
        sa.Column("issued_at", INSTANT, nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("hal", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_ref", sa.String(length=32), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="issued", nullable=False),
        sa.Column("cancelled_at", INSTANT, nullable=True),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('issued', 'cancelled')", name=op.f("ck_agenda_register_status")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_agenda_register_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["people.id"], name=op.f("fk_agenda_register_issued_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by"], ["people.id"], name=op.f("fk_agenda_register_cancelled_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_register")),
        sa.UniqueConstraint(
            "kind", "year", "number", name=op.f("uq_agenda_register_kind_year_number")
        ),
    )
    op.create_index(op.f("ix_agenda_register_case_id"), "agenda_register", ["case_id"])
    op.create_table(
        "export_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", INSTANT, nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("lease_until", INSTANT, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("finished_at", INSTANT, nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'building', 'done', 'failed')",
            name=op.f("ck_export_requests_status"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_export_requests_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["people.id"], name=op.f("fk_export_requests_requested_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_requests")),
    )
    op.create_index(op.f("ix_export_requests_case_id"), "export_requests", ["case_id"])
    op.create_index(
        op.f("ix_export_requests_status_lease_until"),
        "export_requests",
        ["status", "lease_until"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_export_requests_status_lease_until"), table_name="export_requests")
    op.drop_index(op.f("ix_export_requests_case_id"), table_name="export_requests")
    op.drop_table("export_requests")
    op.drop_index(op.f("ix_agenda_register_case_id"), table_name="agenda_register")
    op.drop_table("agenda_register")
    op.drop_table("agenda_counters")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("golongan")
        batch.drop_column("pangkat")
