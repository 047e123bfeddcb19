"""The patient page's refresh callback through the Flask test client: the ward check, and a cheap tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from dashboard import ids
from dashboard.app import create_app
from dashboard.context import EXTENSION
from data.audit import Actor
from data.auth import create_user
from data.queries import patient_change_marker
from data.records import create_patient, record
from data.settings import Settings

SETUP = Actor("test-setup", role="admin", source="system")
PASSWORD = "test-password-123"
ORIGIN = {"Origin": "http://localhost"}


def _patient(sessions: sessionmaker[Session]) -> int:
    now = datetime.now(UTC)
    body = {
        "hospital_number": "CALL0001",
        "name": "Callback Test",
        "date_of_birth": "1970-01-01",
        "sex": "female",
        "weight_kg": 70.0,
        "product": "axicabtagene ciloleucel",
        "ward": "Ward 33",
        "bed": "4",
        "admitted_at": (now - timedelta(days=1)).isoformat(),
    }
    with sessions.begin() as session:
        return create_patient(session, body, SETUP, now).id


def _client(app: Dash, sessions: sessionmaker[Session], name: str, ward: str | None) -> FlaskClient:
    with sessions.begin() as session:
        create_user(session, name, PASSWORD, "nurse", SETUP, datetime.now(UTC), ward=ward)
    client = app.server.test_client()
    assert client.post("/login", data={"username": name, "password": PASSWORD}, headers=ORIGIN).status_code == 302
    return client


def _redraw(
    app: Dash, patient_id: int, version: int, trigger: str, drawn: str | None = None, kind: str = "observations"
) -> dict[str, Any]:
    return {
        "output": next(key for key in app.callback_map if key.startswith("..patient-version.data")),
        "outputs": [
            {"id": ids.PATIENT_VERSION, "property": "data"},
            {"id": ids.PATIENT_HEADER, "property": "children"},
            {"id": ids.PATIENT_GRAPH, "property": "figure"},
            {"id": ids.PATIENT_GUIDANCE, "property": "children"},
            {"id": ids.PATIENT_RECORDS, "property": "columnDefs"},
            {"id": ids.PATIENT_RECORDS, "property": "rowData"},
            {"id": ids.PATIENT_CHART_DRAWN, "property": "data"},
        ],
        "inputs": [
            {"id": ids.PATIENT_INTERVAL, "property": "n_intervals", "value": 1},
            [],
            {"id": ids.PATIENT_AMENDED, "property": "data", "value": 0},
            {"id": ids.PATIENT_RECORD_KIND, "property": "value", "value": kind},
        ],
        "state": [
            {"id": ids.PATIENT_ID, "property": "data", "value": {"id": patient_id, "ward": "Ward 33", "tool": "ICE"}},
            {"id": ids.PATIENT_VERSION, "property": "data", "value": version},
            {"id": ids.PATIENT_CHART_VIEW, "property": "value", "value": "all"},
            {"id": ids.PATIENT_CHART_DRAWN, "property": "data", "value": drawn},
        ],
        "changedPropIds": [trigger],
    }


def test_the_refresh_shows_a_patient_only_to_someone_who_may_see_their_ward(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    pid = _patient(sessions)
    app = create_app(settings)
    request = _redraw(app, pid, 0, f"{ids.PATIENT_RECORD_KIND}.value")
    other_ward = _client(app, sessions, "ward9.nurse", "Ward 9")
    assert other_ward.post("/_dash-update-component", json=request, headers=ORIGIN).status_code == 403
    same_ward = _client(app, sessions, "ward33.nurse", "Ward 33")
    shown = same_ward.post("/_dash-update-component", json=request, headers=ORIGIN)
    assert shown.status_code == 200
    assert "Bed 4 · Callback Test" in str(shown.get_json()["response"][ids.PATIENT_HEADER]["children"])


@pytest.mark.parametrize("trigger", [f"{ids.PATIENT_INTERVAL}.n_intervals", f"{ids.PATIENT_RECORD_KIND}.value"])
def test_the_refresh_refused_to_another_ward_reads_nothing_of_the_patient_but_its_ward(
    settings: Settings, sessions: sessionmaker[Session], trigger: str
) -> None:
    pid = _patient(sessions)
    with sessions.begin() as session:
        now = datetime.now(UTC)
        record(session, "observations", pid, {"taken_at": now.isoformat(), "spo2": 96}, SETUP, now)
    app = create_app(settings)
    other_ward = _client(app, sessions, "ward9.nurse", "Ward 9")
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.lower().split()))

    engine = app.server.extensions[EXTENSION].engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        refused = other_ward.post("/_dash-update-component", json=_redraw(app, pid, 0, trigger), headers=ORIGIN)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert refused.status_code == 403
    # Only the patient's ward is looked up: not the patient's row, not their change marker, not a record.
    read = [s for s in statements if " patients" in s or "observations" in s]
    assert len(read) == 1, read
    assert read[0].startswith("select patients.ward from patients where patients.id =")


def test_a_tick_redraws_only_when_this_patient_changed(settings: Settings, sessions: sessionmaker[Session]) -> None:
    pid = _patient(sessions)
    with sessions() as session:
        version = patient_change_marker(session, pid)
    app = create_app(settings)
    client = _client(app, sessions, "any.nurse", None)
    tick = _redraw(app, pid, version, f"{ids.PATIENT_INTERVAL}.n_intervals")
    assert client.post("/_dash-update-component", json=tick, headers=ORIGIN).status_code == 204
    now = datetime.now(UTC)
    neighbour = {
        "hospital_number": "CALL0002",
        "name": "Next Bed",
        "date_of_birth": "1971-01-01",
        "sex": "male",
        "weight_kg": 80.0,
        "product": "tisagenlecleucel",
        "ward": "Ward 33",
        "bed": "5",
        "admitted_at": (now - timedelta(days=1)).isoformat(),
    }
    with sessions.begin() as session:
        other = create_patient(session, neighbour, SETUP, now).id
        record(session, "observations", other, {"taken_at": now.isoformat(), "spo2": 97}, SETUP, now)
    # A write for the next bed leaves this page (and any unsaved edit in its records grid) alone.
    assert client.post("/_dash-update-component", json=tick, headers=ORIGIN).status_code == 204
    with sessions.begin() as session:
        record(session, "observations", pid, {"taken_at": now.isoformat(), "spo2": 96}, SETUP, now)
    response = client.post("/_dash-update-component", json=tick, headers=ORIGIN)
    assert response.status_code == 200
    assert response.get_json()["response"][ids.PATIENT_VERSION]["data"] > version


def test_the_chart_is_drawn_again_only_when_what_it_shows_changed(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    pid = _patient(sessions)
    app = create_app(settings)
    client = _client(app, sessions, "chart.nurse", None)
    kind = f"{ids.PATIENT_RECORD_KIND}.value"
    first = client.post("/_dash-update-component", json=_redraw(app, pid, 0, kind), headers=ORIGIN).get_json()
    assert ids.PATIENT_GRAPH in first["response"]
    drawn = first["response"][ids.PATIENT_CHART_DRAWN]["data"]
    # Another records table chosen: the table changes, the chart on screen is left as it is.
    other = _redraw(app, pid, 0, kind, drawn, kind="crs-assessments")
    answer = client.post("/_dash-update-component", json=other, headers=ORIGIN).get_json()["response"]
    assert ids.PATIENT_GRAPH not in answer and ids.PATIENT_RECORDS in answer
    now = datetime.now(UTC)
    with sessions.begin() as session:
        record(session, "observations", pid, {"taken_at": now.isoformat(), "temperature_c": 38.4}, SETUP, now)
    tick = _redraw(app, pid, 0, f"{ids.PATIENT_INTERVAL}.n_intervals", drawn)
    answer = client.post("/_dash-update-component", json=tick, headers=ORIGIN).get_json()["response"]
    temperatures = [t for t in answer[ids.PATIENT_GRAPH]["figure"]["data"] if t["name"] == "Temperature °C"]
    assert temperatures[0]["y"] == [38.4]  # a new reading: drawn again, with it
    assert answer[ids.PATIENT_CHART_DRAWN]["data"] != drawn
