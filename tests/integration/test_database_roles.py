"""The database itself protects the audit trail, and the application's role can do only what the app does.

Probed as someone holding the application's database credentials would: plain SQL through psql (PostgreSQL) or
the SQLite file, not through the app.
"""

from __future__ import annotations

import secrets
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, make_url, text

from alerts.config import load_config
from alerts.sweep import run_sweep
from dashboard.app import create_app
from data.audit import Actor, audit
from data.auth import create_user
from data.db import make_engine, make_session_factory
from data.roles import TABLE_PRIVILEGES, grant_statements
from data.settings import Settings
from tests.conftest import POSTGRES_URL
from tests.integration.conftest import ago, patient_body

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="CARTWATCH_TEST_DATABASE_URL names no PostgreSQL")
MakeRole = Callable[[Callable[[str], list[str]]], str]
CHANGES = (
    "UPDATE audit_events SET outcome = 'success'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
)


def _seed_event(engine: Engine) -> None:
    with make_session_factory(engine).begin() as session:
        audit(session, Actor("nurse", "nurse", "form"), "login", datetime.now(UTC), outcome="failure")


@pytest.fixture
def postgres(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL role test")
    return engine


@pytest.fixture
def make_role(postgres: Engine) -> Iterator[MakeRole]:
    """Log-in roles of this test's own (roles belong to the whole server: each gets a random name, and is dropped)."""
    made: list[str] = []

    def make(grants: Callable[[str], list[str]]) -> str:
        name = f"cw_app_{secrets.token_hex(4)}"
        made.append(name)
        with postgres.begin() as conn:
            conn.execute(text(f"CREATE ROLE {name} LOGIN"))
            for grant in grants(name):
                conn.execute(text(grant))
        return name

    yield make
    with postgres.begin() as conn:
        for name in made:
            conn.execute(text(f"DROP OWNED BY {name}"))
            conn.execute(text(f"DROP ROLE {name}"))


def psql(engine: Engine, role: str, sql: str) -> subprocess.CompletedProcess[str]:
    url = engine.url
    dsn = f"host={url.host} port={url.port or 5432} dbname={url.database} user={role}"
    return subprocess.run(
        ["psql", dsn, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", sql],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one())


@needs_postgres
@pytest.mark.parametrize("statement", CHANGES, ids=["update", "delete", "truncate"])
def test_a_role_with_every_privilege_still_cannot_change_the_audit_trail(
    postgres: Engine, make_role: MakeRole, statement: str
) -> None:
    # Today's set-up: the app's role may do anything to the tables. The trigger refuses all the same.
    role = make_role(
        lambda name: [
            f"GRANT USAGE ON SCHEMA public TO {name}",
            f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {name}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {name}",
        ]
    )
    _seed_event(postgres)
    result = psql(postgres, role, statement)
    assert result.returncode != 0
    assert "audit_events is append-only" in result.stderr
    assert _count(postgres) == 1


@needs_postgres
def test_the_app_role_adds_to_the_trail_and_records_but_changes_neither(postgres: Engine, make_role: MakeRole) -> None:
    role = make_role(grant_statements)
    _seed_event(postgres)
    added = psql(
        postgres,
        role,
        "INSERT INTO audit_events (occurred_at, actor, action, outcome, details) "
        "VALUES (now(), 'x', 'read', 'success', '{}')",
    )
    assert added.returncode == 0, added.stderr
    for statement in (*CHANGES, "UPDATE observations SET temperature_c = 37", "DELETE FROM crs_assessments"):
        refused = psql(postgres, role, statement)
        assert refused.returncode != 0, statement
        assert "permission denied" in refused.stderr, refused.stderr
    assert psql(postgres, role, "DROP TABLE audit_events").returncode != 0
    assert psql(postgres, role, "ALTER TABLE audit_events DISABLE TRIGGER ALL").returncode != 0
    assert psql(postgres, role, "SET session_replication_role = replica").returncode != 0
    assert _count(postgres) == 2


@needs_postgres
def test_the_web_and_the_sweep_work_as_the_least_privileged_role(postgres: Engine, make_role: MakeRole) -> None:
    role = make_role(grant_statements)
    as_role = make_url(str(POSTGRES_URL)).set(username=role).render_as_string(hide_password=False)
    settings = Settings(database_url=as_role)
    app = create_app(settings)
    role_engine = make_engine(as_role)
    try:
        with make_session_factory(role_engine).begin() as session:
            create_user(session, "least.doctor", "least-privilege-password", "doctor", Actor("t"), datetime.now(UTC))
        client = app.server.test_client()
        origin = {"Origin": "http://localhost"}
        logged = client.post(
            "/login", data={"username": "least.doctor", "password": "least-privilege-password"}, headers=origin
        )
        assert logged.status_code == 302
        created = client.post("/api/v1/patients", json=patient_body(), headers=origin)
        assert created.status_code == 201, created.get_json()
        pid = created.get_json()["id"]
        obs = {"taken_at": ago(minutes=2), "temperature_c": 39.1, "heart_rate": 110, "systolic_bp": 85}
        assert client.post(f"/api/v1/patients/{pid}/observations", json=obs, headers=origin).status_code == 201
        assert client.patch(f"/api/v1/patients/{pid}", json={"bed": "4"}, headers=origin).status_code == 200
        assert client.get(f"/api/v1/patients/{pid}/status").status_code == 200
        report = run_sweep(
            make_session_factory(role_engine), load_config(settings), datetime.now(UTC), heartbeat_instance="t"
        )
        assert report.errors == []
    finally:
        role_engine.dispose()
        app.server.extensions["cartwatch"].engine.dispose()


def test_every_table_has_its_privileges_decided() -> None:
    from data.models import Base

    assert set(TABLE_PRIVILEGES) == set(Base.metadata.tables)
    assert "GRANT SELECT, INSERT ON audit_events TO app" in grant_statements("app")


@pytest.mark.parametrize("statement", CHANGES[:2], ids=["update", "delete"])
def test_the_sqlite_audit_trail_refuses_changes_through_plain_sql(engine: Engine, statement: str) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the SQLite file")
    _seed_event(engine)
    path = engine.url.database
    assert path is not None
    with sqlite3.connect(path) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement)
    assert _count(engine) == 1
