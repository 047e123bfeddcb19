"""Access control and audit: log-in, sessions, tokens, roles, throttling and the audit trail."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from dashboard.app import InsecureConfiguration, create_app
from dashboard.auth import init_auth
from data.audit import Actor
from data.auth import create_token, create_user
from data.models import Alert, AuditEvent, LoginSession, Observation, Patient, User
from data.settings import Settings
from tests.dash_requests import page_request
from tests.integration.conftest import ago, patient_body

PASSWORD = "correct horse battery"
SETUP = Actor("test-setup", role="admin", source="system")
ORIGIN = {"Origin": "http://localhost"}


@pytest.fixture
def secured(settings: Settings) -> Dash:
    app = create_app(settings)
    init_auth(app.server)
    return app


@pytest.fixture
def users(sessions: sessionmaker[Session]) -> dict[str, str]:
    """One user per role, and a read-write token for each (username -> token)."""
    tokens = {}
    now = datetime.now(UTC)
    with sessions.begin() as session:
        for role in ("viewer", "nurse", "nurse_in_charge", "doctor", "admin"):
            create_user(session, role, PASSWORD, role, SETUP, now)
            scopes = ["read", "write", "admin"] if role == "admin" else ["read", "write"]
            tokens[role] = create_token(session, role, scopes, 30, SETUP, now)
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def patient_id(secured: Dash, users: dict[str, str]) -> int:
    response = secured.server.test_client().post(
        "/api/v1/patients", json=patient_body(), headers=bearer(users["doctor"])
    )
    assert response.status_code == 201
    pid: int = response.get_json()["id"]
    return pid


def log_in(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"username": username, "password": password}, headers=ORIGIN)


def count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as session:
        return len(session.scalars(select(model)).all())


def test_unauthenticated_api_requests_get_401_and_write_nothing(secured: Dash, sessions: sessionmaker[Session]) -> None:
    client = secured.server.test_client()
    assert client.get("/api/v1/patients").status_code == 401
    assert client.post("/api/v1/patients", json=patient_body()).status_code == 401
    assert count(sessions, Patient) == 0


def test_unauthenticated_callback_requests_get_401(secured: Dash) -> None:
    client = secured.server.test_client()
    response = client.post("/_dash-update-component", json={"output": "x.children", "inputs": []}, headers=ORIGIN)
    assert response.status_code == 401


def test_a_page_request_without_a_session_goes_to_the_login_page(secured: Dash) -> None:
    response = secured.server.test_client().get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


OBS = {"taken_at": None, "temperature_c": 37.2}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("viewer", False), ("nurse", True), ("nurse_in_charge", True), ("doctor", True), ("admin", False)],
    ids=["viewer-cannot-record", "nurse-records", "nurse-in-charge-records", "doctor-records", "admin-cannot-record"],
)
def test_recording_needs_a_clinical_role(
    secured: Dash, users: dict[str, str], patient_id: int, sessions: sessionmaker[Session], role: str, allowed: bool
) -> None:
    client = secured.server.test_client()
    response = client.post(
        f"/api/v1/patients/{patient_id}/observations",
        headers=bearer(users[role]),
        json={**OBS, "taken_at": ago(minutes=1)},
    )
    assert response.status_code == (201 if allowed else 403)
    assert count(sessions, Observation) == (1 if allowed else 0)
    if allowed:
        assert response.get_json()["recorded_by"] == role


@pytest.mark.parametrize(
    ("role", "status"),
    [("viewer", 403), ("nurse", 403), ("nurse_in_charge", 200), ("doctor", 200)],
    ids=["viewer-cannot-discharge", "nurse-cannot-discharge", "nurse-in-charge-discharges", "doctor-discharges"],
)
def test_the_nurse_in_charge_or_a_doctor_discharges(
    secured: Dash, users: dict[str, str], patient_id: int, sessions: sessionmaker[Session], role: str, status: int
) -> None:
    client = secured.server.test_client()
    response = client.patch(
        f"/api/v1/patients/{patient_id}", headers=bearer(users[role]), json={"discharged_at": ago(minutes=1)}
    )
    assert response.status_code == status
    with sessions() as session:
        assert (session.get(Patient, patient_id).discharged_at is not None) is (status == 200)  # type: ignore[union-attr]


def test_moving_a_bed_needs_the_nurse_in_charge(secured: Dash, users: dict[str, str], patient_id: int) -> None:
    client = secured.server.test_client()
    assert (
        client.patch(f"/api/v1/patients/{patient_id}", json={"bed": "5"}, headers=bearer(users["nurse"])).status_code
        == 403
    )
    ok = client.patch(f"/api/v1/patients/{patient_id}", json={"bed": "5"}, headers=bearer(users["nurse_in_charge"]))
    assert ok.status_code == 200 and ok.get_json()["bed"] == "5"


def test_only_a_doctor_overrides_a_grade(secured: Dash, users: dict[str, str], patient_id: int) -> None:
    client = secured.server.test_client()
    body = {
        "oxygen": "room_air",
        "assessed_at": ago(minutes=1),
        "temperature_c": 38.2,
        "hypotension": False,
        "override": {"grade": 2, "reason": "clinically grade 2: rigors and borderline pressure"},
    }
    url = f"/api/v1/patients/{patient_id}/crs-assessments"
    assert client.post(url, json=body, headers=bearer(users["nurse_in_charge"])).status_code == 403
    created = client.post(url, json=body, headers=bearer(users["doctor"]))
    assert created.status_code == 201
    assert (created.get_json()["computed_grade"], created.get_json()["grade"]) == (1, 2)


def test_a_read_only_token_cannot_write(
    secured: Dash, sessions: sessionmaker[Session], patient_id: int, users: dict[str, str]
) -> None:
    with sessions.begin() as session:
        token = create_token(session, "doctor", ["read"], 30, SETUP, datetime.now(UTC))
    client = secured.server.test_client()
    assert client.get(f"/api/v1/patients/{patient_id}", headers=bearer(token)).status_code == 200
    response = client.post(
        f"/api/v1/patients/{patient_id}/observations", headers=bearer(token), json={**OBS, "taken_at": ago(minutes=1)}
    )
    assert response.status_code == 403
    assert count(sessions, Observation) == 0


def test_an_expired_token_is_refused(secured: Dash, sessions: sessionmaker[Session], users: dict[str, str]) -> None:
    with sessions.begin() as session:
        token = create_token(session, "doctor", ["read"], 1, SETUP, datetime.now(UTC) - timedelta(days=2))
    assert secured.server.test_client().get("/api/v1/patients", headers=bearer(token)).status_code == 401


def test_tokens_are_stored_hashed(sessions: sessionmaker[Session], users: dict[str, str]) -> None:
    from data.models import ApiToken

    with sessions() as session:
        stored = [t.token_hash for t in session.scalars(select(ApiToken))]
    assert users["doctor"] not in stored
    assert all(len(h) == 64 for h in stored)


def test_passwords_are_hashed_with_argon2id(sessions: sessionmaker[Session], users: dict[str, str]) -> None:
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == "nurse"))
    assert user is not None and user.password_hash.startswith("$argon2id$")


def test_an_old_hash_is_rehashed_at_log_in(
    secured: Dash, sessions: sessionmaker[Session], users: dict[str, str]
) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with sessions.begin() as session:
        session.execute(update(User).where(User.username == "nurse").values(password_hash=weak))
    assert log_in(secured.server.test_client(), "nurse").status_code == 302
    with sessions() as session:
        rehashed = session.scalar(select(User.password_hash).where(User.username == "nurse"))
    assert rehashed != weak and rehashed is not None and rehashed.startswith("$argon2id$")


def test_logging_in_through_the_form_opens_a_session_that_logging_out_ends(
    secured: Dash, users: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    client = secured.server.test_client()
    response = log_in(client, "nurse")
    assert response.status_code == 302
    assert client.get("/api/v1/me").get_json() == {"username": "nurse", "role": "nurse"}
    stolen = client.get_cookie("session")
    assert stolen is not None
    client.get("/logout")
    replay = secured.server.test_client()
    replay.set_cookie("session", stolen.value)
    assert replay.get("/api/v1/me").status_code == 401
    with sessions() as session:
        assert [s.ended_reason for s in session.scalars(select(LoginSession))] == ["logout"]


def test_a_session_ends_after_the_idle_timeout(
    secured: Dash, users: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    client = secured.server.test_client()
    log_in(client, "nurse")
    with sessions.begin() as session:
        session.execute(update(LoginSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31)))
    assert client.get("/api/v1/me").status_code == 401


def test_the_session_cookie_is_http_only_and_same_site_lax(secured: Dash, users: dict[str, str]) -> None:
    response = log_in(secured.server.test_client(), "nurse")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_wrong_password_is_refused_without_saying_whether_the_user_exists(
    secured: Dash, users: dict[str, str]
) -> None:
    client = secured.server.test_client()
    known = log_in(client, "nurse", "wrong password!")
    unknown = log_in(client, "nobody", "wrong password!")
    assert known.status_code == unknown.status_code == 401
    assert b"not recognised" in known.data and b"not recognised" in unknown.data


def test_repeated_failures_lock_the_account_across_workers(
    settings: Settings, users: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    workers = []
    for _ in range(2):  # two app instances sharing one database, as two gunicorn workers do
        app = create_app(settings)
        init_auth(app.server)
        workers.append(app.server.test_client())
    for attempt in range(5):
        assert log_in(workers[attempt % 2], "nurse", "wrong password!").status_code == 401
    locked = log_in(workers[0], "nurse")
    assert locked.status_code == 401
    assert b"locked" in locked.data
    assert log_in(workers[1], "doctor").status_code == 302


def test_a_locked_unknown_user_reads_the_same_as_a_locked_real_one(settings: Settings, users: dict[str, str]) -> None:
    app = create_app(settings)
    init_auth(app.server)
    client = app.server.test_client()
    for name in ("nurse", "ghost"):
        for _ in range(5):
            log_in(client, name, "wrong password!")
    real, ghost = log_in(client, "nurse"), log_in(client, "ghost")
    assert real.status_code == ghost.status_code == 401
    assert real.data == ghost.data
    assert b"locked" in real.data


def test_a_cross_origin_state_change_is_refused(secured: Dash, users: dict[str, str], patient_id: int) -> None:
    client = secured.server.test_client()
    log_in(client, "nurse")
    response = client.post(
        f"/api/v1/patients/{patient_id}/observations",
        json={**OBS, "taken_at": ago(minutes=1)},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    same = client.post(
        f"/api/v1/patients/{patient_id}/observations", json={**OBS, "taken_at": ago(minutes=1)}, headers=ORIGIN
    )
    assert same.status_code == 201


def test_responses_carry_the_security_headers(secured: Dash) -> None:
    response = secured.server.test_client().get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert all(digest in script_src for digest in secured.csp_hashes())
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_every_action_leaves_an_audit_event(
    secured: Dash, users: dict[str, str], patient_id: int, sessions: sessionmaker[Session]
) -> None:
    client = secured.server.test_client()
    log_in(client, "nurse", "bad password!")
    log_in(client, "nurse")
    client.post(f"/api/v1/patients/{patient_id}/observations", json={**OBS, "taken_at": ago(minutes=1)}, headers=ORIGIN)
    client.get("/logout")
    with sessions() as session:
        events = {(e.actor, e.action, e.outcome) for e in session.scalars(select(AuditEvent))}
    assert ("nurse", "login", "failure") in events
    assert ("nurse", "login", "success") in events
    assert ("nurse", "create", "success") in events
    assert ("nurse", "logout", "success") in events
    assert ("doctor", "token_use", "success") in events


def test_a_production_start_without_a_secret_key_refuses_to_run(database_url: str) -> None:
    with pytest.raises(InsecureConfiguration, match="CARTWATCH_SECRET_KEY"):
        create_app(Settings(database_url=database_url, demo=False))
    key = secrets.token_hex(32)
    env = {"CARTWATCH_DATABASE_URL": database_url, "CARTWATCH_DEMO": "0", "CARTWATCH_SECRET_KEY": key}
    production = create_app(Settings.from_env(env))
    init_auth(production.server)
    assert production.server.config["SESSION_COOKIE_SECURE"] is True


def test_only_an_admin_reads_the_audit_trail_and_can_filter_it(
    secured: Dash, users: dict[str, str], patient_id: int
) -> None:
    client = secured.server.test_client()
    assert client.get("/api/v1/audit-events", headers=bearer(users["doctor"])).status_code == 403
    response = client.get("/api/v1/audit-events?actor=doctor&action=create", headers=bearer(users["admin"]))
    assert response.status_code == 200
    events = response.get_json()["events"]
    assert events and {(e["actor"], e["action"]) for e in events} == {("doctor", "create")}
    assert any(e["record_type"] == "patient" and e["record_id"] == patient_id for e in events)
    bad = client.get("/api/v1/audit-events?since=yesterday", headers=bearer(users["admin"]))
    assert bad.status_code == 422


def _ack_request(alert_id: int) -> dict[str, Any]:
    """The request the alerts page sends when Acknowledge is clicked with one alert selected."""
    return {
        "output": "..alerts-status.children...alerts-changed.data...alerts-reason.value..",
        "outputs": [
            {"id": "alerts-status", "property": "children"},
            {"id": "alerts-changed", "property": "data"},
            {"id": "alerts-reason", "property": "value"},
        ],
        "inputs": [
            {"id": "alerts-acknowledge", "property": "n_clicks", "value": 1},
            {"id": "alerts-snooze", "property": "n_clicks", "value": None},
            {"id": "alerts-resolve", "property": "n_clicks", "value": None},
        ],
        "changedPropIds": ["alerts-acknowledge.n_clicks"],
        "state": [
            {"id": "alerts-grid", "property": "selectedRows", "value": [{"id": alert_id}]},
            {"id": "alerts-reason", "property": "value", "value": None},
            {"id": "alerts-snooze-minutes", "property": "value", "value": None},
            {"id": "alerts-changed", "property": "data", "value": 0},
        ],
    }


@pytest.fixture
def alert_id(sessions: sessionmaker[Session], patient_id: int) -> int:
    with sessions.begin() as session:
        alert = Alert(
            dedupe_key=f"test:{patient_id}",
            reference="REF00001",
            patient_id=patient_id,
            kind="ferritin_over_10000",
            severity="urgent",
            status="open",
            message="Ferritin 12000 ng/mL > 10000 ng/mL (HLH/MAS screen threshold)",
            details={"ward": "Ward 33", "bed": "3"},
            raised_at=datetime.now(UTC),
        )
        session.add(alert)
        session.flush()
        return alert.id


@pytest.mark.parametrize(
    ("role", "status"),
    [("viewer", 403), ("admin", 403), ("nurse", 200)],
    ids=["viewer-refused", "admin-refused", "nurse-acknowledges"],
)
def test_a_hand_crafted_callback_is_checked_for_the_role(
    secured: Dash, users: dict[str, str], alert_id: int, sessions: sessionmaker[Session], role: str, status: int
) -> None:
    client = secured.server.test_client()
    log_in(client, role)
    response = client.post("/_dash-update-component", json=_ack_request(alert_id), headers=ORIGIN)
    assert response.status_code == status
    with sessions() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        assert (alert.status, alert.acknowledged_by) == (("acknowledged", role) if status == 200 else ("open", None))


def test_a_user_kept_to_one_ward_cannot_touch_another_wards_patient(
    secured: Dash, users: dict[str, str], patient_id: int, sessions: sessionmaker[Session]
) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        create_user(session, "ward9.nurse", PASSWORD, "nurse", SETUP, now, ward="Ward 9")
        token = create_token(session, "ward9.nurse", ["read", "write"], 30, SETUP, now)
    client = secured.server.test_client()
    assert client.get(f"/api/v1/patients/{patient_id}", headers=bearer(token)).status_code == 403
    assert client.get(f"/api/v1/patients/{patient_id}/timeline", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/patients", headers=bearer(token)).get_json()["patients"] == []
    response = client.post(
        f"/api/v1/patients/{patient_id}/observations", headers=bearer(token), json={**OBS, "taken_at": ago(minutes=1)}
    )
    assert response.status_code == 403
    assert count(sessions, Observation) == 0
    page = secured.server.test_client()
    log_in(page, "ward9.nurse")
    layout = page.post("/_dash-update-component", headers=ORIGIN, json=page_request(f"/patient/{patient_id}"))
    refused = layout.get_data(as_text=True)  # drawn in the app's frame: says why, shows nothing of the patient
    assert "you cannot open their page" in refused and "Test Patient" not in refused
    every_ward = secured.server.test_client()
    log_in(every_ward, "doctor")
    rendered = every_ward.post("/_dash-update-component", headers=ORIGIN, json=page_request(f"/patient/{patient_id}"))
    assert rendered.status_code == 200
    assert "Test Patient" in rendered.get_data(as_text=True)


def test_a_session_ends_after_the_absolute_timeout_even_when_used(
    secured: Dash, users: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    client = secured.server.test_client()
    log_in(client, "nurse")
    with sessions.begin() as session:
        session.execute(update(LoginSession).values(created_at=datetime.now(UTC) - timedelta(hours=12, minutes=1)))
    assert client.get("/api/v1/me").status_code == 401
    with sessions() as session:
        assert [s.ended_reason for s in session.scalars(select(LoginSession))] == ["absolute_timeout"]


def test_clinical_and_alert_actions_each_leave_an_audit_event_with_the_role(
    secured: Dash, users: dict[str, str], patient_id: int, alert_id: int, sessions: sessionmaker[Session]
) -> None:
    from alerts.lifecycle import acknowledge, resolve, snooze

    client = secured.server.test_client()
    doctor = bearer(users["doctor"])
    obs = client.post(
        f"/api/v1/patients/{patient_id}/observations", headers=doctor, json={**OBS, "taken_at": ago(minutes=3)}
    ).get_json()
    amended = client.post(
        f"/api/v1/records/observations/{obs['id']}/amend",
        headers=doctor,
        json={"reason": "misread", "changes": {"temperature_c": 37.4}},
    ).get_json()
    client.post(
        f"/api/v1/records/observations/{amended['id']}/amend",
        headers=doctor,
        json={"reason": "wrong patient", "entered_in_error": True},
    )
    client.post(
        f"/api/v1/patients/{patient_id}/crs-assessments",
        headers=doctor,
        json={
            "oxygen": "room_air",
            "assessed_at": ago(minutes=2),
            "temperature_c": 38.1,
            "hypotension": False,
            "override": {"grade": 2, "reason": "rigors, clinically grade 2"},
        },
    )
    nurse = Actor("nurse", role="nurse", source="form")
    with sessions.begin() as session:
        acknowledge(session, alert_id, nurse, datetime.now(UTC))
        snooze(
            session,
            alert_id,
            15,
            "patient in scan",
            Actor("nic", role="nurse_in_charge", source="form"),
            datetime.now(UTC),
        )
        resolve(
            session,
            alert_id,
            "assessment done on paper",
            Actor("nic", role="nurse_in_charge", source="form"),
            datetime.now(UTC),
        )
    client.patch(f"/api/v1/patients/{patient_id}", headers=doctor, json={"discharged_at": ago(minutes=1)})
    with sessions() as session:
        events = {(e.action, e.actor, e.role) for e in session.scalars(select(AuditEvent))}
    for expected in [
        ("amend", "doctor", "doctor"),
        ("entered_in_error", "doctor", "doctor"),
        ("override", "doctor", "doctor"),
        ("discharge", "doctor", "doctor"),
        ("alert_acknowledge", "nurse", "nurse"),
        ("alert_snooze", "nic", "nurse_in_charge"),
        ("alert_resolve", "nic", "nurse_in_charge"),
    ]:
        assert expected in events, expected


def test_an_idempotency_key_is_scoped_to_the_client_that_sent_it(
    secured: Dash, users: dict[str, str], patient_id: int, sessions: sessionmaker[Session]
) -> None:
    client = secured.server.test_client()
    url = f"/api/v1/patients/{patient_id}/observations"
    first = client.post(
        url, headers={**bearer(users["nurse"]), "Idempotency-Key": "k1"}, json={**OBS, "taken_at": ago(minutes=2)}
    )
    other = client.post(
        url, headers={**bearer(users["doctor"]), "Idempotency-Key": "k1"}, json={**OBS, "taken_at": ago(minutes=1)}
    )
    assert first.status_code == other.status_code == 201
    assert first.get_json()["recorded_by"] == "nurse" and other.get_json()["recorded_by"] == "doctor"
    assert count(sessions, Observation) == 2


def test_a_polling_page_touches_its_session_at_most_once_a_minute(
    secured: Dash, users: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    client = secured.server.test_client()
    log_in(client, "nurse")
    recent = datetime.now(UTC) - timedelta(seconds=20)
    with sessions.begin() as session:
        session.execute(update(LoginSession).values(last_seen_at=recent))
    assert client.get("/api/v1/me").status_code == 200
    with sessions() as session:
        assert session.scalars(select(LoginSession.last_seen_at)).one() == recent
    stale = datetime.now(UTC) - timedelta(minutes=5)
    with sessions.begin() as session:
        session.execute(update(LoginSession).values(last_seen_at=stale))
    assert client.get("/api/v1/me").status_code == 200
    with sessions() as session:
        assert session.scalars(select(LoginSession.last_seen_at)).one() > stale + timedelta(minutes=4)


def test_a_user_kept_to_one_ward_cannot_acknowledge_another_wards_alert(
    secured: Dash, users: dict[str, str], alert_id: int, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        create_user(session, "ward9.nurse", PASSWORD, "nurse", SETUP, datetime.now(UTC), ward="Ward 9")
    client = secured.server.test_client()
    log_in(client, "ward9.nurse")
    response = client.post("/_dash-update-component", json=_ack_request(alert_id), headers=ORIGIN)
    assert response.status_code == 403
    with sessions() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and (alert.status, alert.acknowledged_by) == ("open", None)
