"""The loop a ward relies on: a record written through the API, the sweep, and the page at a real webhook."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from sqlalchemy.orm import Session, sessionmaker

from alerts.config import load_config
from alerts.delivery import deliver_due
from alerts.sweep import run_sweep
from dashboard.app import create_app
from dashboard.context import EXTENSION
from data.audit import Actor
from data.auth import create_token, create_user
from data.settings import Settings
from tests.resilience.faults import pagers, processes

__all__ = ["pagers", "processes"]  # fixtures: the real scheduler process and a webhook receiver


@pytest.fixture
def receiver(httpserver: HTTPServer) -> HTTPServer:
    """A real HTTP pager receiver on this machine that accepts every page."""
    httpserver.expect_request("/page", method="POST").respond_with_data("ok")
    return httpserver


@pytest.fixture
def settings(database_url: str, receiver: HTTPServer) -> Settings:
    return Settings(database_url=database_url, webhook_url=receiver.url_for("/page"))


@pytest.fixture
def app(settings: Settings) -> Iterator[Dash]:
    app = create_app(settings)
    yield app
    app.server.extensions[EXTENSION].engine.dispose()


@dataclass
class Loop:
    client: FlaskClient
    sessions: sessionmaker[Session]
    settings: Settings
    receiver: HTTPServer

    def post(self, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        response = self.client.post(f"/api/v1{path}", json=body)
        assert response.status_code == status, response.get_json()
        found: dict[str, Any] = response.get_json()
        return found

    def get(self, path: str) -> dict[str, Any]:
        response = self.client.get(f"/api/v1{path}")
        assert response.status_code == 200, response.get_json()
        found: dict[str, Any] = response.get_json()
        return found

    def escalations(self, patient_id: int, state: str | None = None) -> list[dict[str, Any]]:
        """The patient's alerts in ``state`` (unresolved when None), leaving out missed assessments."""
        query = f"/alerts?patient_id={patient_id}" + (f"&state={state}" if state else "")
        return [a for a in self.get(query)["alerts"] if not a["kind"].startswith("overdue_")]

    def sweep(self, at: datetime | None = None) -> None:
        """One sweep and one delivery pass, as the scheduler runs them."""
        now = at or datetime.now(UTC)
        config = load_config(self.settings)
        run_sweep(self.sessions, config, now)
        deliver_due(self.sessions, config, now)

    def pages(self) -> list[dict[str, Any]]:
        return [json.loads(request.get_data()) for request, _ in self.receiver.log]

    def paged(self, kind: str) -> list[dict[str, Any]]:
        return [page for page in self.pages() if page["kind"] == kind]


@pytest.fixture
def make_patient(client: FlaskClient) -> Callable[..., int]:
    """Register a patient through the API with a normal neutrophil count on file (from 30 h ago), so a fever in
    these tests is CRS unless a test records a low count (a neutropenic fever pages by itself)."""
    from tests.integration.conftest import patient_body

    def make(*, neutrophils: float | None = 2.4, **overrides: Any) -> int:
        response = client.post("/api/v1/patients", json=patient_body(**overrides))
        assert response.status_code == 201, response.get_json()
        patient_id: int = response.get_json()["id"]
        if neutrophils is not None:
            count = {"collected_at": ago(hours=30), "analyte": "neutrophils", "value": neutrophils, "unit": "10*9/L"}
            stored = client.post(f"/api/v1/patients/{patient_id}/labs", json=count)
            assert stored.status_code == 201, stored.get_json()
        return patient_id

    return make


@pytest.fixture
def app_client_for(app: Dash, sessions: sessionmaker[Session]) -> Callable[..., FlaskClient]:
    """A client holding a read-write API token of a user with the given role ("api.<role>"), kept to ``ward``."""

    def client_for(role: str, ward: str | None = None) -> FlaskClient:
        now = datetime.now(UTC)
        name = f"api.{role}" + ("" if ward is None else f".{ward.replace(' ', '').lower()}")
        system = Actor("tests", source="system")
        with sessions.begin() as session:
            create_user(session, name, "integration-test-password", role, system, now, ward=ward)
            token = create_token(session, name, ["read", "write"], 1, system, now)
        client = app.server.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client

    return client_for


@pytest.fixture
def loop(client: FlaskClient, sessions: sessionmaker[Session], settings: Settings, receiver: HTTPServer) -> Loop:
    return Loop(client, sessions, settings, receiver)


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def ahead(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


NEURO_NORMAL: dict[str, Any] = {
    "consciousness": "alert",
    "seizure": "none",
    "deep_focal_motor_weakness": False,
    "icp_findings": [],
}
ICE_10 = {
    "orientation_year": 1,
    "orientation_month": 1,
    "orientation_city": 1,
    "orientation_hospital": 1,
    "follows_commands": 1,
    "naming": 3,
    "writing": 1,
    "attention": 1,
}
ICE_5 = {**ICE_10, "naming": 0, "writing": 0, "attention": 0}
ICE_2 = {key: (1 if key in ("orientation_year", "orientation_month") else 0) for key in ICE_10}


def neuro(minutes_ago: float, **changes: Any) -> dict[str, Any]:
    return {"assessed_at": ago(minutes=minutes_ago), "ice": ICE_10, **NEURO_NORMAL, **changes}


def crs(minutes_ago: float, **changes: Any) -> dict[str, Any]:
    return {
        "assessed_at": ago(minutes=minutes_ago),
        "temperature_c": 37.0,
        "hypotension": False,
        "oxygen": "room_air",
        **changes,
    }
