"""Fixtures for the web app: a Dash app on the test database and a Flask test client."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from dashboard.app import create_app
from data.audit import Actor
from data.auth import create_token, create_user
from data.settings import Settings


@pytest.fixture
def app(settings: Settings) -> Dash:
    return create_app(settings)


@pytest.fixture
def client(app: Dash, sessions: sessionmaker[Session]) -> FlaskClient:
    """A client holding a doctor's read-write API token (a doctor may do every clinical action)."""
    now = datetime.now(UTC)
    with sessions.begin() as session:
        create_user(session, "api.doctor", "integration-test-password", "doctor", Actor("tests", source="system"), now)
        token = create_token(session, "api.doctor", ["read", "write"], 1, Actor("tests", source="system"), now)
    client = app.server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def patient_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "hospital_number": "RTD1234567",
        "name": "Test Patient",
        "date_of_birth": "1961-04-02",
        "sex": "female",
        "weight_kg": 71.5,
        "height_cm": 165,
        "product": "axicabtagene ciloleucel",
        "indication": "DLBCL",
        "ward": "Ward 33",
        "bed": "3",
        "admitted_at": ago(days=4),
        "infused_at": ago(days=3),
    }
    body.update(overrides)
    return body


@pytest.fixture
def make_patient(client: FlaskClient) -> Callable[..., int]:
    def make(**overrides: Any) -> int:
        response = client.post("/api/v1/patients", json=patient_body(**overrides))
        assert response.status_code == 201, response.get_json()
        patient_id: int = response.get_json()["id"]
        return patient_id

    return make
