"""The monitoring-exception form through the Flask test client: "paused by a doctor" is offered to a doctor only,
and a save callback sending it is refused on the server for anyone else, whatever the page offered."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.app import create_app
from dashboard.views.forms import form_fields
from dashboard.views.timefmt import to_local_input
from data.audit import Actor
from data.models import AuditEvent, MonitoringException
from data.records import create_patient
from data.settings import Settings
from tests.conftest import sign_in
from tests.dash_requests import page_request, save_request

ORIGIN = {"Origin": "http://localhost"}
FORM = "monitoring-exceptions"


def _patient(sessions: sessionmaker[Session]) -> int:
    now = datetime.now(UTC)
    body = {
        "hospital_number": "EXCP0001",
        "name": "Exception Test",
        "date_of_birth": "1970-01-01",
        "sex": "female",
        "weight_kg": 70.0,
        "product": "axicabtagene ciloleucel",
        "ward": "Ward 33",
        "bed": "6",
        "admitted_at": (now - timedelta(days=1)).isoformat(),
    }
    with sessions.begin() as session:
        return create_patient(session, body, Actor("test-setup", role="admin", source="system"), now).id


def _client(app: Dash, sessions: sessionmaker[Session], role: str) -> FlaskClient:
    client = app.server.test_client()
    sign_in(client, sessions, role)
    return client


def _save_request(app: Dash, patient_id: int, reason: str) -> dict[str, Any]:
    """What the page sends when Save is clicked on a filled-in exception form."""
    now = datetime.now(UTC)
    values = {
        "starts_at": to_local_input(now, "Europe/London"),
        "ends_at": to_local_input(now + timedelta(hours=8), "Europe/London"),
        "reason": reason,
        "items": ["obs", "crs"],
        "note": "overnight rest agreed with the consultant",
    }
    names = [f.name for f in form_fields(FORM)]
    patient = {"id": patient_id, "ward": "Ward 33", "tool": "ICE"}
    return save_request(app.callback_map, FORM, names, values, patient, key=secrets.token_hex(16))


def _exceptions(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(MonitoringException.id))) or 0


@pytest.mark.parametrize(("role", "offered"), [("nurse", False), ("nurse_in_charge", False), ("doctor", True)])
def test_paused_by_a_doctor_is_offered_only_to_a_doctor(
    settings: Settings, sessions: sessionmaker[Session], role: str, offered: bool
) -> None:
    pid = _patient(sessions)
    app = create_app(settings)
    page = _client(app, sessions, role).post(
        "/_dash-update-component", json=page_request(f"/patient/{pid}"), headers=ORIGIN
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "patient off the ward" in text
    assert ("paused by a doctor" in text) is offered


def test_a_nurse_sending_paused_by_a_doctor_is_refused_and_nothing_is_stored(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    pid = _patient(sessions)
    app = create_app(settings)
    nurse = _client(app, sessions, "nurse")
    response = nurse.post("/_dash-update-component", json=_save_request(app, pid, "paused_by_doctor"), headers=ORIGIN)
    assert response.status_code == 403
    assert _exceptions(sessions) == 0
    with sessions() as session:
        refusal = session.scalars(select(AuditEvent).where(AuditEvent.outcome == "forbidden")).one()
    assert (refusal.actor, refusal.action) == ("test.nurse", "pause_monitoring")
    # The same nurse may record that the patient is off the ward.
    allowed = nurse.post("/_dash-update-component", json=_save_request(app, pid, "off_ward"), headers=ORIGIN)
    assert allowed.status_code == 200 and _exceptions(sessions) == 1


def test_a_doctor_pauses_monitoring_from_the_form(settings: Settings, sessions: sessionmaker[Session]) -> None:
    pid = _patient(sessions)
    app = create_app(settings)
    doctor = _client(app, sessions, "doctor")
    response = doctor.post("/_dash-update-component", json=_save_request(app, pid, "paused_by_doctor"), headers=ORIGIN)
    assert response.status_code == 200
    assert "Monitoring exception saved" in str(response.get_json()["response"])
    with sessions() as session:
        stored = session.scalars(select(MonitoringException)).one()
    assert (stored.reason, stored.recorded_by, stored.items) == ("paused_by_doctor", "test.doctor", ["obs", "crs"])
