"""Probed over HTTP as an attacker or a careless client would: impossible times, every access audited, caching,
redirects, markup, malformed API input, passwords and keys, log-in throttling, pages open without log-in."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from dashboard.app import InsecureConfiguration, create_app
from data.audit import Actor
from data.auth import create_token, create_user
from data.models import AuditEvent, LoginSession, Observation, Patient
from data.settings import Settings
from data.validation import InvalidInput
from tests.dash_requests import page_request
from tests.integration.conftest import ago, patient_body

PASSWORD = "correct horse battery"
SETUP = Actor("test-setup", role="admin", source="system")
ORIGIN = {"Origin": "http://localhost"}
OBS = {"temperature_c": 38.4, "heart_rate": 104}


def _log_in(client: FlaskClient, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/login", data={"username": username, "password": password, **extra}, headers=ORIGIN)


@pytest.fixture
def people(sessions: sessionmaker[Session]) -> dict[str, str]:
    """A nurse and a doctor (with tokens), and a nurse kept to Ward 9 (user name -> token)."""
    now = datetime.now(UTC)
    tokens = {}
    with sessions.begin() as session:
        for name, role, ward in (("nurse", "nurse", None), ("doctor", "doctor", None), ("ward9", "nurse", "Ward 9")):
            create_user(session, name, PASSWORD, role, SETUP, now, ward=ward)
            tokens[name] = create_token(session, name, ["read", "write"], 30, SETUP, now)
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def patient(app: Dash, people: dict[str, str]) -> int:
    response = app.server.test_client().post("/api/v1/patients", json=patient_body(), headers=bearer(people["doctor"]))
    assert response.status_code == 201, response.get_json()
    pid: int = response.get_json()["id"]
    return pid


def events(sessions: sessionmaker[Session], **where: Any) -> list[AuditEvent]:
    with sessions() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        for column, value in where.items():
            query = query.where(getattr(AuditEvent, column) == value)
        return list(session.scalars(query))


# --- 1. impossible clinical times ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("taken_at", "why"),
    [
        ("0001-01-01T00:00:00+00:00", "before 2000-01-01"),
        ("1999-12-31T23:59:00+00:00", "before 2000-01-01"),
        (None, "before this admission"),  # filled in: admission less 8 days (the allowance is 7)
    ],
    ids=["year-1", "1999", "a-week-before-admission"],
)
def test_an_impossible_clinical_time_is_refused_naming_the_field(
    app: Dash, people: dict[str, str], patient: int, sessions: sessionmaker[Session], taken_at: str | None, why: str
) -> None:
    when = taken_at or (datetime.now(UTC) - timedelta(days=4 + 8)).isoformat()  # admitted 4 days ago
    response = app.server.test_client().post(
        f"/api/v1/patients/{patient}/observations", json={**OBS, "taken_at": when}, headers=bearer(people["nurse"])
    )
    assert response.status_code == 422
    (error,) = response.get_json()["errors"]
    assert error["field"] == "taken_at"
    assert why in error["message"]
    with sessions() as session:
        assert session.scalars(select(Observation)).all() == []


def test_a_result_from_before_admission_within_the_allowance_is_stored(
    app: Dash, people: dict[str, str], patient: int
) -> None:
    lab = {"collected_at": ago(days=4 + 6), "analyte": "ferritin", "value": 900, "unit": "ng/mL"}
    response = app.server.test_client().post(
        f"/api/v1/patients/{patient}/labs", json=lab, headers=bearer(people["nurse"])
    )
    assert response.status_code == 201, response.get_json()


def test_a_stored_impossible_time_leaves_the_chart_up_and_is_named(
    app: Dash, people: dict[str, str], patient: int, sessions: sessionmaker[Session]
) -> None:
    # A row stored before times were checked (the database holds it; the page must still open).
    client = app.server.test_client()
    good = client.post(
        f"/api/v1/patients/{patient}/observations",
        json={**OBS, "taken_at": ago(hours=1)},
        headers=bearer(people["nurse"]),
    )
    assert good.status_code == 201
    with sessions.begin() as session:
        bad = session.get(Observation, good.get_json()["id"])
        assert bad is not None
        copy = Observation(
            **{c.key: getattr(bad, c.key) for c in Observation.__table__.columns if c.key != "id"},
        )
        copy.taken_at = datetime(1, 1, 1, tzinfo=UTC)
        session.add(copy)
        session.flush()
        bad_id = copy.id
    _log_in(client, "doctor")
    page = client.post("/_dash-update-component", json=page_request(f"/patient/{patient}"), headers=ORIGIN)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Test Patient" in text
    assert f"observations record {bad_id}: taken_at 0001-01-01" in text


# --- 3. reads and refusals audited -----------------------------------------------------------------------------


def test_opening_a_patient_by_page_or_api_leaves_a_read_event(
    app: Dash, people: dict[str, str], patient: int, sessions: sessionmaker[Session]
) -> None:
    api = app.server.test_client()
    for path in ("", "/timeline", "/status", "/fhir"):
        assert api.get(f"/api/v1/patients/{patient}{path}", headers=bearer(people["nurse"])).status_code == 200
    page = app.server.test_client()
    _log_in(page, "doctor")
    assert (
        page.post("/_dash-update-component", json=page_request(f"/patient/{patient}"), headers=ORIGIN).status_code
        == 200
    )
    reads = events(sessions, action="read")
    assert [(e.actor, e.patient_id, e.details["view"]) for e in reads] == [("nurse", patient, "api")] * 4 + [
        ("doctor", patient, "patient page")
    ]


def test_a_forbidden_ward_is_audited_with_the_patient_it_tried(
    app: Dash, people: dict[str, str], patient: int, sessions: sessionmaker[Session]
) -> None:
    client = app.server.test_client()
    assert client.get(f"/api/v1/patients/{patient}", headers=bearer(people["ward9"])).status_code == 403
    _log_in(client, "ward9")
    page = client.post("/_dash-update-component", json=page_request(f"/patient/{patient}"), headers=ORIGIN)
    assert "you cannot open their page" in page.get_data(as_text=True)  # said in words, nothing of the patient
    opened = client.get(f"/patient/{patient}")  # the page's own address, as a bookmark opens it
    assert opened.status_code == 403
    assert "not on Ward 9" in opened.get_data(as_text=True)
    refused = events(sessions, outcome="forbidden")
    assert [(e.actor, e.action, e.patient_id) for e in refused] == [("ward9", "access", patient)] * 3
    assert events(sessions, action="read") == []


def test_refusals_of_a_bad_token_an_unauthenticated_callback_and_a_cross_origin_write_are_audited(
    app: Dash, people: dict[str, str], patient: int, sessions: sessionmaker[Session]
) -> None:
    client = app.server.test_client()
    assert client.get("/api/v1/patients", headers=bearer("cw_forged")).status_code == 401
    assert client.post("/_dash-update-component", json=page_request("/"), headers=ORIGIN).status_code == 401
    _log_in(client, "nurse")
    cross = client.post(
        f"/api/v1/patients/{patient}/observations",
        json={**OBS, "taken_at": ago(minutes=1)},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    found = [(e.actor, e.action, e.outcome, e.details["why"]) for e in events(sessions) if e.outcome != "success"]
    assert found == [
        ("anonymous", "authenticate", "failure", "invalid, expired or revoked API token"),
        ("anonymous", "authenticate", "failure", "no session or token, or the session has ended"),
        ("nurse", "cross_origin", "forbidden", "origin https://evil.example"),
    ]


def test_a_refused_write_is_audited_with_the_fields_and_not_their_values(
    app: Dash, people: dict[str, str], patient: int, sessions: sessionmaker[Session]
) -> None:
    response = app.server.test_client().post(
        f"/api/v1/patients/{patient}/observations",
        json={"taken_at": ago(minutes=1), "temperature_c": 98.6, "heart_rate": "fast"},
        headers=bearer(people["nurse"]),
    )
    assert response.status_code == 422
    (event,) = events(sessions, action="validation")
    assert (event.actor, event.outcome, event.patient_id) == ("nurse", "failure", patient)
    assert event.details["why"] == "invalid: heart_rate, temperature_c"
    assert "98.6" not in json.dumps(event.details)


@pytest.mark.parametrize(
    ("column", "age", "reason"),
    [("last_seen_at", timedelta(minutes=31), "idle_timeout"), ("created_at", timedelta(hours=13), "absolute_timeout")],
    ids=["idle", "absolute"],
)
def test_a_session_ended_by_a_timeout_is_audited(
    app: Dash, people: dict[str, str], sessions: sessionmaker[Session], column: str, age: timedelta, reason: str
) -> None:
    client = app.server.test_client()
    _log_in(client, "nurse")
    with sessions.begin() as session:
        session.execute(update(LoginSession).values({column: datetime.now(UTC) - age}))
    assert client.get("/api/v1/me").status_code == 401
    ended = events(sessions, action="session_end")
    assert [(e.actor, e.details["reason"]) for e in ended] == [("nurse", reason)]


# --- 4. no patient data kept by the browser --------------------------------------------------------------------


def test_patient_data_is_sent_no_store_and_log_out_clears_the_browser(
    app: Dash, people: dict[str, str], patient: int
) -> None:
    client = app.server.test_client()
    _log_in(client, "doctor")
    for response in (
        client.get(f"/api/v1/patients/{patient}"),
        client.post("/_dash-update-component", json=page_request(f"/patient/{patient}"), headers=ORIGIN),
        client.get(f"/patient/{patient}"),
    ):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
    out = client.get("/logout")
    assert '"cache"' in out.headers["Clear-Site-Data"]
    assert client.get(f"/api/v1/patients/{patient}").status_code == 401


# --- 5. open redirect ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example", "/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/", " //evil"],
    ids=["tab", "encoded-tab", "scheme-relative", "backslash", "absolute", "space"],
)
def test_log_in_never_redirects_off_the_site(app: Dash, people: dict[str, str], target: str) -> None:
    client = app.server.test_client()
    page = client.get("/login", query_string={"next": target})
    assert "evil" not in page.get_data(as_text=True)
    response = _log_in(client, "nurse", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_log_in_returns_to_the_page_asked_for(app: Dash, people: dict[str, str]) -> None:
    response = _log_in(app.server.test_client(), "nurse", next="/patient/3?tab=record")
    assert response.headers["Location"] == "/patient/3?tab=record"


# --- 6. markup in a chart --------------------------------------------------------------------------------------


def test_markup_in_an_override_reason_reaches_the_chart_as_text(
    app: Dash, people: dict[str, str], patient: int
) -> None:
    reason = 'fever settled<br>GRADE 0 <span style="font-size:40px">ALL CLEAR</span>'
    crs = {
        "assessed_at": ago(minutes=5),
        "temperature_c": 38.6,
        "hypotension": False,
        "oxygen": "room_air",
        "override": {"grade": 2, "reason": reason},
    }
    client = app.server.test_client()
    stored = client.post(f"/api/v1/patients/{patient}/crs-assessments", json=crs, headers=bearer(people["doctor"]))
    assert stored.status_code == 201, stored.get_json()
    _log_in(client, "doctor")
    page = client.post("/_dash-update-component", json=page_request(f"/patient/{patient}"), headers=ORIGIN)
    figure = next(c for c in _components(page.get_json()) if c["props"].get("id") == "patient-graph")["props"]["figure"]
    hover = json.dumps([t.get("customdata") for t in figure["data"]])
    assert "fever settled&lt;br&gt;GRADE 0 &lt;span" in hover
    assert "<span" not in hover and "settled<br>" not in hover


def _components(node: Any) -> Any:
    if isinstance(node, dict):
        if "props" in node and "type" in node:
            yield node
        for value in node.values():
            yield from _components(value)
    elif isinstance(node, list):
        for value in node:
            yield from _components(value)


# --- 8. API input ----------------------------------------------------------------------------------------------


def test_json_nested_a_thousand_deep_is_a_422(client: FlaskClient) -> None:
    response = client.post("/api/v1/patients", data="[" * 1000 + "]" * 1000, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize(
    "path", ["/api/v1/patients/99999999999999999999", "/api/v1/patients/99999999999999999999/status"]
)
def test_a_twenty_digit_id_is_a_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.is_json


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_refused_and_nothing_stored(
    client: FlaskClient, sessions: sessionmaker[Session], content_type: str
) -> None:
    response = client.post("/api/v1/patients", data=json.dumps(patient_body()), content_type=content_type)
    assert response.status_code == 415
    with sessions() as session:
        assert session.scalars(select(Patient)).all() == []


def test_a_body_over_the_limit_is_a_413_and_a_long_value_is_not_echoed(client: FlaskClient) -> None:
    huge = client.post("/api/v1/patients", json=patient_body(name="x" * 1_000_000))
    assert huge.status_code == 413
    assert len(huge.get_data()) < 1000
    long = client.post("/api/v1/patients", json=patient_body(sex="y" * 100_000))
    assert long.status_code == 422
    assert len(long.get_data()) < 2000


def test_the_fhir_endpoint_takes_fhir_json_and_a_larger_body(client: FlaskClient) -> None:
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [], "padding": "x" * 400_000}
    response = client.post("/api/v1/fhir", data=json.dumps(bundle), content_type="application/fhir+json")
    assert response.status_code == 200, response.get_data()[:300]


@pytest.mark.parametrize(
    "path", ["/api/v1/patients/abc", "/api/v1/nothing", "/api/v2/patients", "/api/v1/patients/1/timeline/x"]
)
def test_anything_under_api_with_no_route_is_a_json_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.is_json
    assert "<html" not in response.get_data(as_text=True).lower()


def test_the_existing_api_routes_still_answer(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    for path in (
        f"/api/v1/patients/{pid}",
        f"/api/v1/patients/{pid}/status",
        f"/api/v1/patients/{pid}/fhir",
        f"/api/v1/patients/{pid}/timeline",
        "/api/v1/alerts",
        "/api/v1/openapi.json",
        "/api/v1/me",
    ):
        assert client.get(path).status_code == 200, path


def test_a_wrong_method_is_a_json_405(client: FlaskClient) -> None:
    response = client.delete("/api/v1/patients")
    assert response.status_code == 405
    assert response.is_json


# --- 10. passwords, keys and throttling ------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short-pw-1", "password1234", "Password123!", "qwertyuiop123", "nurse.smith2026"])
def test_a_short_or_common_password_is_refused(sessions: sessionmaker[Session], password: str) -> None:
    with sessions.begin() as session, pytest.raises(InvalidInput, match="password"):
        create_user(session, "nurse.smith", password, "nurse", SETUP, datetime.now(UTC))


@pytest.mark.parametrize("key", ["s" * 64, "abcdefghij" * 4, "0123456789abcdef0123456789abcdef"])
def test_a_weak_secret_key_outside_the_demo_refuses_to_start(database_url: str, key: str) -> None:
    with pytest.raises(InsecureConfiguration, match="32 random bytes"):
        create_app(Settings(database_url=database_url, demo=False, secret_key=key))


def _attempts(app: Dash, username: str, addresses: list[str]) -> list[bytes]:
    """Wrong passwords sent at once, one thread per attempt (as from many gunicorn workers)."""
    results: list[bytes] = [b""] * len(addresses)
    start = threading.Barrier(len(addresses))
    # Dash finishes setting itself up on its first request, which is not safe to run in many threads at once; a
    # served worker has long since answered one (the Procfile's gunicorn workers are single-threaded besides).
    app.server.test_client().get("/login")

    def attempt(i: int) -> None:
        client = app.server.test_client()
        client.environ_base["REMOTE_ADDR"] = addresses[i]
        start.wait()
        results[i] = _log_in(client, username if username else f"user{i}", "wrong password!").get_data()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(addresses))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_failures_get_exactly_the_limit_of_checks_per_user(app: Dash, people: dict[str, str]) -> None:
    results = _attempts(app, "nurse", ["10.0.0.7"] * 12)
    assert sum(b"not recognised" in r for r in results) == 5
    assert sum(b"locked" in r for r in results) == 7


def test_concurrent_failures_get_exactly_the_limit_of_checks_per_address(app: Dash, people: dict[str, str]) -> None:
    results = _attempts(app, "", ["10.0.0.8"] * 26)  # 26 different user names from one address
    assert sum(b"not recognised" in r for r in results) == 20
    assert sum(b"locked" in r for r in results) == 6


def test_a_stranger_cannot_lock_a_user_out_from_the_users_own_address(app: Dash, people: dict[str, str]) -> None:
    stranger = app.server.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(8):
        _log_in(stranger, "nurse", "wrong password!")
    assert b"locked" in _log_in(stranger, "nurse").get_data()
    at_the_ward = app.server.test_client()
    at_the_ward.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert _log_in(at_the_ward, "nurse").status_code == 302


def test_a_lock_out_ends_after_the_window(app: Dash, people: dict[str, str], sessions: sessionmaker[Session]) -> None:
    from data.models import LoginThrottle

    client = app.server.test_client()
    for _ in range(5):
        _log_in(client, "nurse", "wrong password!")
    assert b"locked" in _log_in(client, "nurse").get_data()
    with sessions.begin() as session:  # fifteen minutes pass
        for row in session.scalars(select(LoginThrottle)):
            row.window_started_at -= timedelta(minutes=15)
    assert _log_in(client, "nurse").status_code == 302


# --- 11. pages open without log-in -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/login-x", "/login/", "/loginpage", "/healthz/x", "/healthzz", "/login/../patient/1"]
)
def test_nothing_near_the_public_pages_serves_the_app_without_log_in(app: Dash, path: str) -> None:
    response = app.server.test_client().get(path)
    assert response.status_code in (302, 404)
    body = response.get_data(as_text=True)
    assert "_dash-component-suites" not in body and "_dash-config" not in body


def test_the_log_in_page_and_health_check_reveal_no_versions(app: Dash) -> None:
    client = app.server.test_client()
    for path in ("/login", "/healthz"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert "_dash-component-suites" not in body and "react" not in body.lower()
        assert not any(v in body for v in ("Werkzeug", "Flask", "Python/", "dash_renderer", "plotly"))
