"""Shared fixtures: a migrated database per test on SQLite, and on PostgreSQL when CI names one."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from data.db import make_engine, make_session_factory
from data.migrate import upgrade
from data.models import Base
from data.settings import Settings
from tests.private_postgres import PrivatePostgres


def _database_of_this_worker(url: str | None) -> str | None:
    """The configured database, or under pytest-xdist (`make test` runs workers) one of each worker's own beside it.

    Tests empty their database between them, so two workers cannot share one.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url is None or worker is None:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


CONFIGURED_POSTGRES_URL = os.environ.get("CARTWATCH_TEST_DATABASE_URL")
POSTGRES_URL = _database_of_this_worker(CONFIGURED_POSTGRES_URL)
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _dispose_app_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close the pools of apps built during a test, so no connection is left to the garbage collector."""
    import dashboard.app as app_module

    made: list[Engine] = []

    def tracking(url: str, **kwargs: Any) -> Engine:
        engine = make_engine(url, **kwargs)
        made.append(engine)
        return engine

    monkeypatch.setattr(app_module, "make_engine", tracking)
    yield
    for engine in made:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (cheaper than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    assert CONFIGURED_POSTGRES_URL and POSTGRES_URL, "CARTWATCH_TEST_DATABASE_URL is not set"
    own = POSTGRES_URL != CONFIGURED_POSTGRES_URL
    if own:
        _create_database(CONFIGURED_POSTGRES_URL, POSTGRES_URL)
    engine = make_engine(POSTGRES_URL)
    # Fails (never skips) when the configured server cannot be reached.
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()
    if own:
        _drop_database(CONFIGURED_POSTGRES_URL, POSTGRES_URL)


def _server_engine(configured: str) -> Engine:
    """The server's own AUTOCOMMIT connection (CREATE/DROP DATABASE cannot run in a transaction)."""
    return create_engine(make_url(configured), isolation_level="AUTOCOMMIT")


def _create_database(configured: str, url: str) -> None:
    name = make_url(url).database
    server = _server_engine(configured)
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()


def _drop_database(configured: str, url: str) -> None:
    server = _server_engine(configured)
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    server.dispose()


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        # The audit trail refuses TRUNCATE by trigger; only a superuser (the tests' owner role, never the
        # application's) may switch triggers off for a transaction.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "cartwatch.sqlite3"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
    else:
        engine: Engine = request.getfixturevalue("postgres_engine")
        _truncate_all(engine)
        assert POSTGRES_URL is not None
        yield POSTGRES_URL


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


def sign_in(client: Any, sessions: sessionmaker[Session], role: str = "doctor", username: str | None = None) -> str:
    """Create a user with `role` and log the test client in through the log-in form; returns the user name."""
    from data.audit import Actor
    from data.auth import create_user

    name = username or f"test.{role}"
    with sessions.begin() as session:
        create_user(session, name, "test-password-123", role, Actor("tests", source="system"), datetime.now(UTC))
    response = client.post(
        "/login", data={"username": name, "password": "test-password-123"}, headers={"Origin": "http://localhost"}
    )
    assert response.status_code == 302, response.data
    return name


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of the tests' own, which a fault test may stop (never the shared one)."""
    server = PrivatePostgres()
    server.start()
    yield server
    server.remove()


@pytest.fixture
def private_database(private_postgres: PrivatePostgres, request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated database of this test's own on the private server; the server runs again after the test."""
    if not private_postgres.running:
        private_postgres.start()
    url = private_postgres.create_database("t_" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16])
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    if not private_postgres.running:
        private_postgres.start()
