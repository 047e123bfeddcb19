"""organ findings for the HLH screen, routine interventions checklist, daily clinical reviews

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import data.models.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None



def _record_columns(table: str) -> list[sa.schema.SchemaItem]:
    """The columns every clinical record has (data.models.clinical.ClinicalRecord)."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", data.models.base.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("amendment_reason", sa.Text(), nullable=True),
        sa.Column("entered_in_error", sa.Boolean(), nullable=False),
        sa.Column("late_entry", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("amends_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["amends_id"], [f"{table}.id"], name=op.f(f"fk_{table}_amends_id_{table}")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f(f"fk_{table}_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _create(table: str, time_column: str, index: str, columns: list[sa.schema.SchemaItem]) -> None:
    op.create_table(
        table,
        sa.Column(time_column, data.models.base.UTCDateTime(), nullable=False),
        *columns,
        *_record_columns(table),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_amends_id"), ["amends_id"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{table}_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(index, ["patient_id", time_column], unique=False)


def upgrade() -> None:
    _create(
        "organ_findings",
        "occurred_at",
        "ix_organ_findings_patient_occurred",
        [
            sa.Column("finding", sa.String(length=40), nullable=False),
            sa.Column("ctcae_grade", sa.Integer(), nullable=True),
            sa.Column("note", sa.Text(), nullable=True),
        ],
    )
    _create(
        "routine_interventions",
        "done_at",
        "ix_routine_interventions_patient_done",
        [
            sa.Column("item", sa.String(length=40), nullable=False),
            sa.Column("note", sa.Text(), nullable=True),
        ],
    )
    _create(
        "clinical_reviews",
        "reviewed_at",
        "ix_clinical_reviews_patient_reviewed",
        [sa.Column("note", sa.Text(), nullable=False)],
    )


def downgrade() -> None:
    for table in ("clinical_reviews", "routine_interventions", "organ_findings"):
        op.drop_table(table)
