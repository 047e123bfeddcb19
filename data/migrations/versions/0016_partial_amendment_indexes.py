"""partial indexes of amendments: "is this row amended?" stays an index probe

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 12:30:00

Every current-row read asks NOT EXISTS (a row whose amends_id is this id). The full index on amends_id, NULL in
nearly every row, looked useless to the planner once statistics were gathered (SQLite ANALYZE), which then
scanned the table for each row read. The partial index holds only the rows that amend another.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "observations",
    "crs_assessments",
    "neuro_assessments",
    "lab_results",
    "medication_administrations",
    "neuro_events",
    "monitoring_exceptions",
    "organ_findings",
    "routine_interventions",
    "clinical_reviews",
)


def upgrade() -> None:
    for table in TABLES:
        name = f"ix_{table}_amends_id"
        where = sa.text("amends_id IS NOT NULL")
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ["amends_id"], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for table in TABLES:
        name = f"ix_{table}_amends_id"
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ["amends_id"])
