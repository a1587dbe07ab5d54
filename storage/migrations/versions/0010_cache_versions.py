"""Versions of what processes cache: the roster and the holiday overrides.

Every change of a cached thing bumps its row in the same transaction; a process keeps its copy
only while the version it was loaded at is current (see `storage.cache`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    versions = op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_versions")),
    )
    op.bulk_insert(versions, [{"name": name, "version": 0} for name in ("roster", "holidays")])


def downgrade() -> None:
    op.drop_table("cache_versions")
