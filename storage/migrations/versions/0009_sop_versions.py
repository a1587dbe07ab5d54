"""Several SOPs and their revisions: the stored versions, and the SOP version of each case.

`sop_versions` keeps every distinct text of an SOP file a deployment loaded, numbered per SOP
code. A case records the SOP code and version it was opened on and finishes on it. Cases that
exist already get the SOP the deployment runs (`sop_code` in the migration's attributes, as
`storage.migrate.upgrade` passes it; the shipped SOP 54/2025 otherwise) and version 1.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True)
# The code of the SOP file shipped with sopbot when this migration was written.
SHIPPED_SOP_CODE = "sop54-2025"


def upgrade() -> None:
    op.create_table(
        "sop_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("loaded_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sop_versions")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_sop_versions_code_version")),
    )
    code = context.config.attributes.get("sop_code") or SHIPPED_SOP_CODE
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("sop_code", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("sop_version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
    cases = sa.table("cases", sa.column("sop_code", sa.String()))
    op.execute(cases.update().values(sop_code=code))
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("sop_code", existing_type=sa.String(length=64), nullable=False)
        batch.create_index(batch.f("ix_cases_sop_code"), ["sop_code"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index(batch.f("ix_cases_sop_code"))
        batch.drop_column("sop_version")
        batch.drop_column("sop_code")
    op.drop_table("sop_versions")
