"""A database outage, made for real by stopping a private PostgreSQL: 503 JSON from the API, "database
unavailable — not saving" on the board and the forms, nothing half-saved, and everything back when it returns."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from dashboard import ids
from dashboard.app import create_app
from dashboard.context import EXTENSION
from dashboard.views.bay_refresh import PULSE_OUTPUTS
from dashboard.views.outage import BANNER, DB_UNAVAILABLE, dash_key
from dashboard.views.submission import new_key
from data.audit import Actor
from data.auth import create_user
from data.models import (
    Alert,
    AlertDelivery,
    AuditEvent,
    CRSAssessment,
    Observation,
    SchedulerHeartbeat,
    WardState,
)
from data.settings import Settings
from tests.dash_requests import page_request, save_request
from tests.integration.conftest import ago
from tests.private_postgres import PrivatePostgres

ORIGIN = {"Origin": "http://localhost"}
WRITE_ERROR = {"error": "database unavailable, nothing was saved"}
READ_ERROR = {"error": "database unavailable"}


@pytest.fixture
def database_url(private_database: str) -> str:
    """Every fixture of the web app (engine, sessions, settings, app, client) on the private server."""
    return private_database


def _count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _ward_version(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.coalesce(func.sum(WardState.version), 0))) or 0


def _outage_json(response: Any, expected: dict[str, str]) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.get_json() == expected
    assert int(response.headers["Retry-After"]) > 0


def test_during_an_outage_the_api_answers_503_json_and_stores_nothing(
    client: FlaskClient,
    make_patient: Callable[..., int],
    private_postgres: PrivatePostgres,
    sessions: sessionmaker[Session],
) -> None:
    pid = make_patient()
    before = _ward_version(sessions)
    private_postgres.stop()
    obs = {"taken_at": ago(minutes=5), "temperature_c": 39.2}
    _outage_json(client.post(f"/api/v1/patients/{pid}/observations", json=obs), WRITE_ERROR)
    _outage_json(client.patch(f"/api/v1/patients/{pid}", json={"bed": "4"}), WRITE_ERROR)
    _outage_json(client.post("/api/v1/patients", json={"name": "Test"}), WRITE_ERROR)
    _outage_json(client.get("/api/v1/patients?active=true"), READ_ERROR)
    _outage_json(client.get(f"/api/v1/patients/{pid}/timeline"), READ_ERROR)

    private_postgres.start()
    timeline = client.get(f"/api/v1/patients/{pid}/timeline")  # the first request after the outage succeeds
    assert timeline.status_code == 200
    assert timeline.get_json()["observations"] == []
    assert client.get(f"/api/v1/patients/{pid}").get_json()["bed"] == "3"
    assert _ward_version(sessions) == before


@pytest.fixture
def outage_at_commit(app: Dash, private_postgres: PrivatePostgres) -> Iterator[Callable[[type], None]]:
    """Stop the server at the moment a transaction that inserted a row of `model` commits (once)."""
    factory: sessionmaker[Session] = app.server.extensions[EXTENSION].sessions
    armed: list[type] = []

    def note_insert(session: Session, _context: Any) -> None:
        if armed and any(isinstance(row, armed[0]) for row in session.new):
            session.info["stop at commit"] = True

    def stop_before_commit(session: Session) -> None:
        if armed and session.info.pop("stop at commit", False):
            armed.clear()
            private_postgres.stop()

    event.listen(factory, "after_flush", note_insert)
    event.listen(factory, "before_commit", stop_before_commit)
    yield armed.append
    event.remove(factory, "before_commit", stop_before_commit)
    event.remove(factory, "after_flush", note_insert)


def test_an_outage_at_the_moment_of_commit_leaves_nothing_half_saved(
    client: FlaskClient,
    make_patient: Callable[..., int],
    private_postgres: PrivatePostgres,
    sessions: sessionmaker[Session],
    outage_at_commit: Callable[[type], None],
) -> None:
    pid = make_patient()
    tables = (CRSAssessment, Alert, AlertDelivery, AuditEvent)
    before = {model.__name__: _count(sessions, model) for model in tables}
    version = _ward_version(sessions)
    # A grade 2 CRS: the assessment, its audit event, the ward's change counter, the escalation alert and its
    # pages are all written in this one transaction before the server goes away.
    crs = {"assessed_at": ago(minutes=5), "temperature_c": 38.9, "hypotension": True, "oxygen": "room_air"}
    outage_at_commit(CRSAssessment)
    _outage_json(client.post(f"/api/v1/patients/{pid}/crs-assessments", json=crs), WRITE_ERROR)
    assert not private_postgres.running

    private_postgres.start()
    token_use = 1  # the request's token was checked (and that audited) before the write began
    after = {model.__name__: _count(sessions, model) for model in tables}
    assert after == {**before, "AuditEvent": before["AuditEvent"] + token_use}
    assert _ward_version(sessions) == version
    # And the same request, sent again, is stored whole.
    saved = client.post(f"/api/v1/patients/{pid}/crs-assessments", json=crs)
    assert saved.status_code == 201 and saved.get_json()["grade"] == 2
    assert _count(sessions, CRSAssessment) == before["CRSAssessment"] + 1
    assert _count(sessions, Alert) > before["Alert"]


# --- the dashboard, through the requests the browser sends ---------------------------------------------------


def _signed_in(app: Dash, sessions: sessionmaker[Session]) -> FlaskClient:
    with sessions.begin() as session:
        create_user(session, "nurse.outage", "test-password-123", "nurse", Actor("tests"), datetime.now(UTC))
    client = app.server.test_client()
    response = client.post("/login", data={"username": "nurse.outage", "password": "test-password-123"}, headers=ORIGIN)
    assert response.status_code == 302
    return client


def _tick(app: Dash, banner: str) -> dict[str, Any]:
    """The board's refresh tick: the change counter the page holds and its banner."""
    return {
        "output": next(key for key in app.callback_map if key.startswith(f"..{ids.BAY_PULSE}.data")),
        "outputs": [{"id": component, "property": prop} for component, prop in PULSE_OUTPUTS],
        "inputs": [{"id": ids.BAY_INTERVAL, "property": "n_intervals", "value": 1}],
        "state": [
            {"id": ids.BAY_VERSION, "property": "data", "value": 0},
            {"id": ids.BAY_BANNER, "property": "children", "value": banner},
            {"id": ids.BAY_CONFIRMED, "property": "data", "value": datetime.now(UTC).isoformat()},
        ],
        "changedPropIds": [f"{ids.BAY_INTERVAL}.n_intervals"],
    }


def _save_observation(app: Dash, patient_id: int, temperature: float) -> dict[str, Any]:
    """Save on the observations form, with the time left empty (now) and a temperature (a new submission)."""
    patient = {"id": patient_id, "ward": "Ward 33", "tool": "ICE"}
    values = {"taken_at": None, "temperature_c": temperature}
    return save_request(app.callback_map, "observations", ["taken_at", "temperature_c"], values, patient, key=new_key())


def _callback(client: FlaskClient, request: dict[str, Any]) -> Any:
    return client.post("/_dash-update-component", json=request, headers=ORIGIN)


def _status_text(response: Any) -> str:
    key = dash_key(ids.patient_form(ids.PATIENT_STATUS, "observations"))
    return str(response.get_json()["response"][key]["children"])


def test_the_board_says_database_unavailable_and_clears_when_it_is_back(
    app: Dash, sessions: sessionmaker[Session], private_postgres: PrivatePostgres
) -> None:
    with sessions.begin() as session:
        session.add(SchedulerHeartbeat(instance="test", beat_at=datetime.now(UTC)))  # alerting is up
    client = _signed_in(app, sessions)
    assert _callback(client, _tick(app, "")).status_code == 204  # nothing changed: nothing sent
    private_postgres.stop()

    tick = _callback(client, _tick(app, ""))
    assert tick.status_code == 200
    assert tick.get_json()["response"] == {ids.BAY_BANNER: {"children": BANNER, "is_open": True}}
    assert BANNER.startswith(DB_UNAVAILABLE)
    opened = _callback(client, page_request("/"))  # opening a page in the app shows it too
    assert DB_UNAVAILABLE in json.dumps(opened.get_json()["response"]["_pages_content"], ensure_ascii=False)
    reload = client.get("/")  # and so does a reload, which tries again by itself
    assert reload.status_code == 503 and DB_UNAVAILABLE in reload.get_data(as_text=True)

    private_postgres.start()
    back = _callback(client, _tick(app, BANNER))
    assert back.status_code == 200
    assert back.get_json()["response"][ids.BAY_BANNER]["is_open"] is False


def test_a_form_saved_during_an_outage_says_not_saving_and_stores_nothing(
    app: Dash,
    client: FlaskClient,
    make_patient: Callable[..., int],
    sessions: sessionmaker[Session],
    private_postgres: PrivatePostgres,
    outage_at_commit: Callable[[type], None],
) -> None:
    pid = make_patient()
    browser = _signed_in(app, sessions)
    private_postgres.stop()
    refused = _callback(browser, _save_observation(app, pid, 38.7))
    assert refused.status_code == 200
    assert DB_UNAVAILABLE in _status_text(refused) and "Nothing was saved" in _status_text(refused)
    assert dash_key(ids.patient_form(ids.PATIENT_SAVED, "observations")) not in refused.get_json()["response"]

    private_postgres.start()
    # The server goes away while the save itself commits (the log-in check before it succeeded).
    outage_at_commit(Observation)
    lost = _callback(browser, _save_observation(app, pid, 38.7))
    assert DB_UNAVAILABLE in _status_text(lost)

    private_postgres.start()
    assert _count(sessions, Observation) == 0
    saved = _callback(browser, _save_observation(app, pid, 38.7))
    assert "saved" in _status_text(saved) and DB_UNAVAILABLE not in _status_text(saved)
    assert _count(sessions, Observation) == 1


def test_an_unreadable_sqlite_file_answers_503_json(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "ward.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(Settings(database_url=f"sqlite:///{path}"))
    path.unlink()
    path.mkdir()  # a directory where the database file was: SQLite cannot open it
    client = app.server.test_client()
    response = client.post("/api/v1/patients", json={}, headers={"Authorization": "Bearer anything"})
    _outage_json(response, WRITE_ERROR)
