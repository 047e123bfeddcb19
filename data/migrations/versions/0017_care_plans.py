"""care plans: the free-text plan written at handover, append-only

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 12:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import data.models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "care_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", data.models.base.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_care_plans_patient_id_patients")),
        sa.ForeignKeyConstraint(["replaces_id"], ["care_plans.id"], name=op.f("fk_care_plans_replaces_id_care_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plans")),
    )
    op.create_index("ix_care_plans_patient_recorded", "care_plans", ["patient_id", "recorded_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_care_plans_patient_recorded", table_name="care_plans")
    op.drop_table("care_plans")
