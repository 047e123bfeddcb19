"""The least-privilege PostgreSQL role the web and the scheduler run as (docs/security.md).

The migration runs as the tables' owner; the application's role gets, table by table, only what the code does
to that table: INSERT and SELECT where rows are only ever added (the audit trail, the clinical records), UPDATE
where a row's state changes (an alert acknowledged, a session touched), DELETE on one table only. Every table
must be listed: a new table without a line here fails `grant_statements` and its test.
"""

from __future__ import annotations

from sqlalchemy.sql.compiler import IdentifierPreparer

from data.models import Base

APPEND_ONLY = "SELECT, INSERT"
MUTABLE = "SELECT, INSERT, UPDATE"
MUTABLE_PURGED = "SELECT, INSERT, UPDATE, DELETE"

TABLE_PRIVILEGES: dict[str, str] = {
    # Append-only: the trail, the clinical records (amendments are new rows), log-in history, replies, attempts.
    "audit_events": APPEND_ONLY,
    "observations": APPEND_ONLY,
    "crs_assessments": APPEND_ONLY,
    "neuro_assessments": APPEND_ONLY,
    "lab_results": APPEND_ONLY,
    "medication_administrations": APPEND_ONLY,
    "neuro_events": APPEND_ONLY,
    "monitoring_exceptions": APPEND_ONLY,
    "organ_findings": APPEND_ONLY,
    "routine_interventions": APPEND_ONLY,
    "clinical_reviews": APPEND_ONLY,
    "care_plans": APPEND_ONLY,
    "login_attempts": APPEND_ONLY,
    "idempotent_requests": APPEND_ONLY,
    "delivery_attempts": APPEND_ONLY,
    # State that changes: bed moves and discharge, password re-hash, token use, session touch and end, the
    # throttle counters, alert lifecycle and delivery claims, the import keys' last update, the ward counter.
    "patients": MUTABLE,
    "users": MUTABLE,
    "api_tokens": MUTABLE,
    "login_sessions": MUTABLE,
    "login_throttles": MUTABLE,
    "alerts": MUTABLE,
    "alert_deliveries": MUTABLE,
    "import_keys": MUTABLE,
    "ward_state": MUTABLE,
    "scheduler_leadership": MUTABLE,
    # The scheduler keeps a day of heartbeats and deletes older ones.
    "scheduler_heartbeats": MUTABLE_PURGED,
}


def grant_statements(role: str) -> list[str]:
    """SQL (run as the owner, after `migrate`) giving `role` what the web and the scheduler need, and no more."""
    missing = sorted(set(Base.metadata.tables) - set(TABLE_PRIVILEGES))
    if missing:
        raise ValueError(f"tables with no privileges decided in data/roles.py: {', '.join(missing)}")
    quoted = _quote(role)
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}",
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"GRANT SELECT ON alembic_version TO {quoted}",
    ]
    statements += [
        f"GRANT {privileges} ON {_quote(table)} TO {quoted}" for table, privileges in sorted(TABLE_PRIVILEGES.items())
    ]
    return statements


def _quote(name: str) -> str:
    from sqlalchemy.dialects import postgresql

    preparer: IdentifierPreparer = postgresql.dialect().identifier_preparer
    return preparer.quote(name)
