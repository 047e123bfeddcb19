"""Kiosk mode: a wall display token opens the wall of its ward, nothing else, until it is revoked or expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dashboard import ids
from dashboard.app import create_app
from data.audit import Actor
from data.display_tokens import create_display_token, display_tokens, revoke_display_token
from data.models import ApiToken, AuditEvent
from data.settings import Settings
from data.validation import InvalidInput

NIC = Actor("sister.jones", role="nurse_in_charge", source="form", ward="Ward 33")
ORIGIN = {"Origin": "http://localhost"}


@pytest.fixture
def app(settings: Settings) -> Dash:
    return create_app(settings)


def _token(sessions: sessionmaker[Session], actor: Actor = NIC, days: int = 365) -> str:
    with sessions.begin() as session:
        return create_display_token(session, "Ward 33", days, actor, datetime.now(UTC))


def _display(app: Dash, token: str) -> FlaskClient:
    client = app.server.test_client()
    response = client.get(f"/kiosk?token={token}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/wall"), response.data
    return client


def _callback(outputs: list[dict[str, Any]], inputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "output": "..".join(f"{o['id']}.{o['property']}" for o in outputs),
        "outputs": outputs,
        "inputs": inputs or [],
        "state": [],
        "changedPropIds": [],
    }


def test_a_display_token_opens_the_wall_without_a_log_in_and_is_audited(
    app: Dash, sessions: sessionmaker[Session]
) -> None:
    client = _display(app, _token(sessions))
    assert client.get("/wall").status_code == 200
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.get_json() == {"username": "display.ward-33", "role": "viewer"}
    with sessions() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "create" in actions and actions[-1] == "display_start"


def test_a_display_sees_only_the_wall(app: Dash, sessions: sessionmaker[Session]) -> None:
    client = _display(app, _token(sessions))
    assert client.get("/").status_code == 403
    assert client.get("/patient/1").status_code == 403
    assert client.get("/api/v1/patients").status_code == 403
    board = _callback([{"id": ids.BAY_VERSION, "property": "data"}])
    assert client.post("/_dash-update-component", json=board, headers=ORIGIN).status_code == 403
    router = _callback(
        [{"id": "_pages_content", "property": "children"}],
        [{"id": "_pages_location", "property": "pathname", "value": "/patient/1"}],
    )
    assert client.post("/_dash-update-component", json=router, headers=ORIGIN).status_code == 403


def test_a_revoked_display_token_signs_the_wall_out_at_its_next_request(
    app: Dash, sessions: sessionmaker[Session]
) -> None:
    client = _display(app, _token(sessions))
    assert client.get("/api/v1/me").status_code == 200
    with sessions.begin() as session:
        (listed,) = display_tokens(session, "Ward 33")
        revoke_display_token(session, listed.id, NIC, datetime.now(UTC))
    assert client.get("/api/v1/me").status_code == 401  # the wall turns to "NOT UPDATING"
    with sessions() as session:
        last_two = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(2)).all()
    assert last_two == ["authenticate", "revoke"]  # the revocation, then the refused request audited


def test_an_expired_display_token_opens_nothing(app: Dash, sessions: sessionmaker[Session]) -> None:
    token = _token(sessions, days=1)
    with sessions.begin() as session:
        for row in session.scalars(select(ApiToken)):
            row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    response = app.server.test_client().get(f"/kiosk?token={token}")
    assert response.status_code == 401 and b"not valid" in response.data


def test_a_display_token_is_no_api_token(app: Dash, sessions: sessionmaker[Session]) -> None:
    client = app.server.test_client()
    response = client.get("/api/v1/patients", headers={"Authorization": f"Bearer {_token(sessions)}"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "actor",
    [
        Actor("nurse.a", role="nurse", source="form", ward="Ward 33"),
        Actor("sister.b", role="nurse_in_charge", source="form", ward="Ward 34"),
        Actor("viewer.c", role="viewer", source="form"),
    ],
    ids=["a nurse", "another ward's nurse-in-charge", "a viewer"],
)
def test_only_an_admin_or_the_wards_nurse_in_charge_may_create_one(
    sessions: sessionmaker[Session], actor: Actor
) -> None:
    with pytest.raises(InvalidInput, match="ward"), sessions.begin() as session:
        create_display_token(session, "Ward 33", 30, actor, datetime.now(UTC))
    admin = Actor("it.admin", role="admin", source="system")
    assert _token(sessions, admin).startswith("cwd_")
