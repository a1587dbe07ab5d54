"""Live task cards: the outbox knows which task card a message shows.

A person has one live card per task, edited in place as its items are done. `card` names the
task card a new message shows (`<recipient>:<case>:<step>:<run>`), so an edit of that card is
sent to the card's latest delivered message; `edit_ref` grows to hold the card it edits.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("card", sa.String(length=120), nullable=True))
        batch.alter_column(
            "edit_ref", existing_type=sa.String(length=64), type_=sa.String(length=200)
        )
        batch.create_index(batch.f("ix_outbox_card_channel"), ["card", "channel"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(batch.f("ix_outbox_card_channel"))
        batch.alter_column(
            "edit_ref", existing_type=sa.String(length=200), type_=sa.String(length=64)
        )
        batch.drop_column("card")
