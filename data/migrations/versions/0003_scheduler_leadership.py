"""scheduler leadership: one row holding the leader's epoch and lease

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-28 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import data.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduler_leadership",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("holds_lock", sa.Boolean(), nullable=False),
        sa.Column("renewed_at", data.models.base.UTCDateTime(), nullable=False),
        sa.Column("taken_at", data.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_leadership")),
    )


def downgrade() -> None:
    op.drop_table("scheduler_leadership")
