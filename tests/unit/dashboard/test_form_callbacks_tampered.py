"""The save callbacks as an attacker or a careless client would send them (HTTP, the Flask test client): a
replayed save stores once, values the page never sends answer 400 with a message and store nothing, and an empty
time is stored as the moment of saving."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.app import create_app
from dashboard.views.forms import form_fields
from data.audit import Actor
from data.models import AuditEvent, CRSAssessment, Observation
from data.records import create_patient
from data.settings import Settings
from tests.conftest import sign_in
from tests.dash_requests import page_request, save_request

ORIGIN = {"Origin": "http://localhost"}
OBS = "observations"
OBS_NAMES = ["taken_at", "temperature_c"]


@pytest.fixture
def patient(sessions: sessionmaker[Session]) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "hospital_number": "TAMP0001",
        "name": "Tamper Test",
        "date_of_birth": "1970-01-01",
        "sex": "female",
        "weight_kg": 70.0,
        "product": "axicabtagene ciloleucel",
        "ward": "Ward 33",
        "bed": "5",
        "admitted_at": (now - timedelta(days=1)).isoformat(),
    }
    with sessions.begin() as session:
        pid = create_patient(session, body, Actor("test-setup", role="admin", source="system"), now).id
    return {"id": pid, "ward": "Ward 33", "tool": "ICE"}


@pytest.fixture
def app(settings: Settings) -> Dash:
    return create_app(settings)


@pytest.fixture
def doctor(app: Dash, sessions: sessionmaker[Session]) -> FlaskClient:
    client = app.server.test_client()
    sign_in(client, sessions, "doctor")
    return client


def _count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(model.id))) or 0


def _post(client: FlaskClient, request: dict[str, Any]) -> Any:
    return client.post("/_dash-update-component", json=request, headers=ORIGIN)


def _obs(app: Dash, patient: Any, **changes: Any) -> dict[str, Any]:
    values = {"taken_at": None, "temperature_c": 37.9, **changes.pop("values", {})}
    return save_request(app.callback_map, OBS, OBS_NAMES, values, patient, **changes)


def test_a_replayed_save_stores_one_record_and_says_so(
    app: Dash, doctor: FlaskClient, patient: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    request = _obs(app, patient)
    first = _post(doctor, request)
    assert first.status_code == 200 and "Obs saved" in first.get_data(as_text=True)
    again = _post(doctor, request)
    assert again.status_code == 200
    assert "Already saved — not stored twice" in str(again.get_json())
    assert _count(sessions, Observation) == 1
    # The page is given a new key with each save: the next submission is a new record.
    new_key = first.get_json()["response"]['{"form":"observations","type":"patient-submission-key"}']["data"]
    assert _post(doctor, _obs(app, patient, key=new_key)).status_code == 200
    assert _count(sessions, Observation) == 2


def test_an_empty_time_is_stored_as_the_moment_of_saving(
    app: Dash, doctor: FlaskClient, patient: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    before = datetime.now(UTC)
    assert _post(doctor, _obs(app, patient, values={"taken_at": ""})).status_code == 200
    with sessions() as session:
        stored = session.scalars(select(Observation)).one()
    assert before - timedelta(seconds=1) <= stored.taken_at <= datetime.now(UTC)
    assert not stored.late_entry


def test_a_time_set_over_an_hour_back_is_stored_as_a_late_entry(
    app: Dash, doctor: FlaskClient, patient: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    three_hours_ago = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = _post(doctor, _obs(app, patient, values={"taken_at": three_hours_ago + "Z"}))
    assert response.status_code == 200 and "saved as a late entry" in response.get_data(as_text=True)
    with sessions() as session:
        stored = session.scalars(select(Observation)).one()
    assert stored.late_entry and stored.recorded_at - stored.taken_at > timedelta(hours=2)


def _crs(app: Dash, patient: Any, **values: Any) -> dict[str, Any]:
    names = [f.name for f in form_fields("crs-assessments")]
    answered = {"temperature_c": 38.5, "hypotension": "no", "oxygen": "room_air", **values}
    return save_request(app.callback_map, "crs-assessments", names, answered, patient)


TAMPERED: dict[str, Callable[[Dash, Any], dict[str, Any]]] = {
    "bad output ids": lambda app, p: _obs(app, p, outputs=["taken_at", "no_such_field"]),
    "taken_at not a time": lambda app, p: _obs(app, p, values={"taken_at": "yesterday teatime"}),
    "taken_at a number": lambda app, p: _obs(app, p, values={"taken_at": 1700000000}),
    "empty patient store": lambda app, _p: _obs(app, {}),
    "no patient store": lambda app, _p: _obs(app, None),
    "non-numeric override grade": lambda app, p: _crs(
        app, p, **{"override.grade": "two", "override.reason": "clinical picture"}
    ),
    "non-string reason": lambda app, p: _crs(app, p, **{"override.grade": "2", "override.reason": ["a", "b"]}),
    "no submission key": lambda app, p: _obs(app, p, key=None),
}


@pytest.mark.parametrize("kind", list(TAMPERED))
def test_tampered_callback_values_answer_400_with_a_message_and_store_nothing(
    kind: str, app: Dash, doctor: FlaskClient, patient: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    response = _post(doctor, TAMPERED[kind](app, patient))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "nothing was saved" in response.get_data(as_text=True)
    assert _count(sessions, Observation) == 0 and _count(sessions, CRSAssessment) == 0


def test_a_page_the_role_may_not_open_says_so(app: Dash, sessions: sessionmaker[Session]) -> None:
    nurse = app.server.test_client()
    sign_in(nurse, sessions, "nurse")
    refused = nurse.get("/audit")
    assert refused.status_code == 403
    said = refused.get_data(as_text=True)
    assert "The audit trail is for administrators; your role (nurse) cannot open it." in said
    assert nurse.get("/alerts").status_code == 200
    # A link inside the app is drawn by the page router's callback: the same words, in the app's frame.
    routed = _post(nurse, page_request("/audit"))
    assert routed.status_code == 200
    assert "The audit trail is for administrators; your role (nurse) cannot open it." in routed.get_data(as_text=True)
    assert "Audit trail" not in routed.get_data(as_text=True)  # not the page itself
    with sessions() as session:
        refusals = session.scalars(select(AuditEvent.action).where(AuditEvent.outcome == "forbidden")).all()
    assert sorted(refusals) == ["admin", "open_page"]  # both refusals audited


def test_a_refused_form_write_is_audited_with_the_field_but_not_the_value(
    app: Dash, doctor: FlaskClient, patient: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    response = _post(doctor, _obs(app, patient, values={"temperature_c": 98.6}))
    assert response.status_code == 200
    assert _count(sessions, Observation) == 0
    with sessions() as session:
        refused = session.scalars(select(AuditEvent).where(AuditEvent.action == "validation")).one()
    assert refused.outcome == "failure" and refused.patient_id == patient["id"]
    assert refused.role == "doctor" and "temperature_c" in refused.details["why"]
    assert "98.6" not in str(refused.details)
