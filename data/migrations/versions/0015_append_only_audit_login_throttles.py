"""append-only audit trail in the database, login throttles per user and address

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import data.models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_events is append-only"

# PostgreSQL: statement-level triggers, so even an UPDATE or DELETE that matches no row is refused, and TRUNCATE
# (which row triggers never see) too. They bind every role that does not own the table; docs/security.md.
POSTGRES_UP = (
    f"""
    CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
)
POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
    "DROP FUNCTION IF EXISTS audit_events_append_only()",
)
# SQLite has no TRUNCATE: `DELETE FROM audit_events` is a DELETE, and its shortcut is off while a trigger exists.
SQLITE_UP = tuple(
    f"CREATE TRIGGER audit_events_no_{op_name.lower()} BEFORE {op_name} ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: {op_name} refused'); END"
    for op_name in ("UPDATE", "DELETE")
)
SQLITE_DOWN = ("DROP TRIGGER IF EXISTS audit_events_no_update", "DROP TRIGGER IF EXISTS audit_events_no_delete")


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", data.models.base.UTCDateTime(), nullable=False),
        sa.Column("locked_until", data.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_UP if postgres else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
    op.drop_table("login_throttles")
