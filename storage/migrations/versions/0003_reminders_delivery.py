"""Reminders may be superseded and are unique per task, rung and person; outbox leases.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True)
OLD_STATUSES = "status IN ('pending', 'claimed', 'sent', 'cancelled')"
NEW_STATUSES = "status IN ('pending', 'claimed', 'sent', 'superseded', 'cancelled')"


def upgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint(op.f("ck_reminders_status"), type_="check")
        batch.create_check_constraint(op.f("ck_reminders_status"), sa.text(NEW_STATUSES))
        batch.create_unique_constraint(
            op.f("uq_reminders_step_run_id_kind_recipient_id"),
            ["step_run_id", "kind", "recipient_id"],
        )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_until", INSTANT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_until")
    op.execute("DELETE FROM reminders WHERE status = 'superseded'")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint(op.f("uq_reminders_step_run_id_kind_recipient_id"), type_="unique")
        batch.drop_constraint(op.f("ck_reminders_status"), type_="check")
        batch.create_check_constraint(op.f("ck_reminders_status"), sa.text(OLD_STATUSES))
