"""Escalation rules run in the API's own transaction, with the app's settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.app import create_app
from dashboard.context import EXTENSION
from data.models import Alert, AlertDelivery
from data.settings import Settings
from tests.integration.conftest import ago

WEBHOOK = "http://127.0.0.1:9/pager"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, webhook_url=WEBHOOK)


@pytest.fixture
def app(settings: Settings) -> Iterator[Dash]:
    """The app on these settings; its engine is disposed so no connection outlives the test."""
    app = create_app(settings)
    yield app
    app.server.extensions[EXTENSION].engine.dispose()


def test_a_crs_assessment_posted_to_the_api_raises_its_escalation_before_the_response(
    client: FlaskClient, make_patient: Callable[..., int], sessions: sessionmaker[Session]
) -> None:
    pid = make_patient()
    count = {"collected_at": ago(hours=30), "analyte": "neutrophils", "value": 2.4, "unit": "10*9/L"}
    assert client.post(f"/api/v1/patients/{pid}/labs", json=count).status_code == 201  # not a neutropenic fever
    body = {"oxygen": "room_air", "assessed_at": ago(minutes=5), "temperature_c": 38.6, "hypotension": False}
    response = client.post(f"/api/v1/patients/{pid}/crs-assessments", json=body)
    assert response.status_code == 201, response.get_json()
    with sessions() as session:
        (alert,) = session.scalars(select(Alert)).all()
        deliveries = session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)).all()
    assert (alert.kind, alert.grade, alert.source_id) == ("crs_onset", 1, response.get_json()["id"])
    assert [(d.recipient, d.channel, d.address, d.status) for d in deliveries] == [
        ("bedside_nurse", "webhook", WEBHOOK, "pending"),
        ("cart_registrar", "webhook", WEBHOOK, "pending"),
    ]
