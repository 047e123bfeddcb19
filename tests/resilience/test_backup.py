"""Backup and restore: `python -m data backup` of a ward in use, `python -m data restore` into a fresh database,
and the restored product answers as the original did (same log-in token, same grades, new writes accepted).

PostgreSQL runs on the tests' private server (pg_dump and pg_restore against a database of the test's own)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from dashboard.app import create_app
from data.__main__ import main as data_cli
from data.audit import Actor
from data.auth import create_token, create_user
from data.db import make_engine, make_session_factory
from data.migrate import upgrade
from data.settings import Settings
from tests.private_postgres import PrivatePostgres

SYSTEM = Actor("tests", source="system")


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, str]]:
    """(a migrated source database, an empty target database that has never been migrated)."""
    if request.param == "sqlite":
        shutil.copy(sqlite_template, tmp_path / "source.sqlite3")
        yield f"sqlite:///{tmp_path / 'source.sqlite3'}", f"sqlite:///{tmp_path / 'restored' / 'target.sqlite3'}"
        return
    server: PrivatePostgres = request.getfixturevalue("private_postgres")
    if not server.running:
        server.start()
    source = server.create_database("backup_source")
    engine = make_engine(source)
    upgrade(engine)
    engine.dispose()
    yield source, server.create_database("backup_target")


def client_for(url: str, token: str) -> FlaskClient:
    client = create_app(Settings(database_url=url)).server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def cli(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> int:
    monkeypatch.setenv("CARTWATCH_DATABASE_URL", url)
    return data_cli(list(args))


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def test_a_backup_restored_into_a_fresh_database_serves_the_same_ward_and_takes_new_records(
    databases: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = databases
    engine = make_engine(source)
    with make_session_factory(engine).begin() as session:
        create_user(session, "backup.doctor", "backup-password-123", "doctor", SYSTEM, datetime.now(UTC))
        token = create_token(session, "backup.doctor", ["read", "write"], 1, SYSTEM, datetime.now(UTC))
    engine.dispose()
    before = client_for(source, token)
    patient: dict[str, Any] = {
        "hospital_number": "RTD7654321",
        "name": "Restored Patient",
        "date_of_birth": "1958-03-09",
        "sex": "male",
        "weight_kg": 80.0,
        "product": "tisagenlecleucel",
        "ward": "Ward 33",
        "bed": "5",
        "admitted_at": ago(days=3),
        "infused_at": ago(days=2),
    }
    created = before.post("/api/v1/patients", json=patient)
    assert created.status_code == 201, created.get_json()
    pid = created.get_json()["id"]
    crs = {"assessed_at": ago(hours=1), "temperature_c": 38.6, "hypotension": False, "oxygen": "room_air"}
    assert before.post(f"/api/v1/patients/{pid}/crs-assessments", json=crs).status_code == 201
    status_before = before.get(f"/api/v1/patients/{pid}/status").get_json()
    assert status_before["crs"]["grade"] == 1

    backup_file = tmp_path / "backups" / "ward.backup"
    assert cli(monkeypatch, source, "backup", str(backup_file)) == 0
    assert backup_file.stat().st_size > 0
    assert cli(monkeypatch, target, "restore", str(backup_file)) == 0
    assert "restored" in capsys.readouterr().out

    after = client_for(target, token)  # the same API token: users and tokens came back too
    restored = after.get(f"/api/v1/patients/{pid}")
    assert restored.status_code == 200
    assert restored.get_json()["name"] == "Restored Patient"
    status_after = after.get(f"/api/v1/patients/{pid}/status").get_json()
    assert status_after["crs"]["grade"] == 1
    assert status_after["crs"]["reasons"] == status_before["crs"]["reasons"]
    # New writes work on the restored database (its id sequences are past the restored rows).
    obs = {"taken_at": ago(minutes=5), "temperature_c": 37.2}
    written = after.post(f"/api/v1/patients/{pid}/observations", json=obs)
    assert written.status_code == 201, written.get_json()
    timeline = after.get(f"/api/v1/patients/{pid}/timeline").get_json()
    assert [o["temperature_c"] for o in timeline["observations"]] == [37.2]
    assert len(timeline["crs_assessments"]) == 1
    second = before.post("/api/v1/patients", json={**patient, "hospital_number": "RTD1111111", "bed": "6"})
    assert second.status_code == 201  # the original is untouched by the restore

    # A second restore over a database that now holds patients is refused unless told to replace it.
    assert cli(monkeypatch, target, "restore", str(backup_file)) == 1
    assert "already holds patients" in capsys.readouterr().err
    assert cli(monkeypatch, target, "restore", "--replace", str(backup_file)) == 0
    replaced = after.get(f"/api/v1/patients/{pid}/timeline").get_json()
    assert replaced["observations"] == []  # back to the backup: the observation written after it is gone
