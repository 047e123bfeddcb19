"""The audit page through the Flask test client: admin only, for the layout and for the filter callback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.views.audit_view import FilterInput, search
from data.audit import Actor, audit
from data.models import AuditEvent
from tests.conftest import sign_in
from tests.dash_requests import page_request
from tests.integration.conftest import ago, patient_body

ORIGIN = {"Origin": "http://localhost"}
FILTERS = ("audit-actor", "audit-action", "audit-outcome", "audit-record-type", "audit-patient")
MENUS = ("audit-action", "audit-outcome")  # chosen from a list: no Enter to submit


def _filter_request(**values: str) -> dict[str, Any]:
    """The request the audit page sends when Apply filters is clicked with these filter values."""
    fields = (*FILTERS, "audit-since", "audit-until")
    form = {"outcome": "any", "action": "any", **values}  # the outcome and action menus start at "any"
    return {
        "output": "..audit-grid.rowData...audit-status.children..",
        "outputs": [{"id": "audit-grid", "property": "rowData"}, {"id": "audit-status", "property": "children"}],
        "inputs": [
            {"id": "audit-apply", "property": "n_clicks", "value": 1},
            *({"id": f, "property": "n_submit", "value": None} for f in FILTERS if f not in MENUS),
        ],
        "changedPropIds": ["audit-apply.n_clicks"],
        "state": [{"id": f, "property": "value", "value": form.get(f.removeprefix("audit-"))} for f in fields],
    }


def _components(node: Any) -> Iterator[dict[str, Any]]:
    """Every component in a Dash JSON response."""
    if isinstance(node, dict):
        if "props" in node and "type" in node:
            yield node
        for value in node.values():
            yield from _components(value)
    elif isinstance(node, list):
        for value in node:
            yield from _components(value)


def _prop(response: Any, component_id: str, prop: str) -> Any:
    """A property of a component rendered in the response."""
    body = response.get_json()
    found = [c["props"][prop] for c in _components(body) if c["props"].get("id") == component_id]
    assert len(found) == 1, f"{component_id} appears {len(found)} times"
    return found[0]


def _client(app: Dash, sessions: sessionmaker[Session], role: str) -> FlaskClient:
    client = app.server.test_client()
    sign_in(client, sessions, role)
    return client


@pytest.mark.parametrize("role", ["viewer", "nurse", "doctor"])
def test_anyone_but_an_admin_is_refused_the_page_and_its_filter(
    app: Dash, sessions: sessionmaker[Session], role: str
) -> None:
    client = _client(app, sessions, role)
    page = client.post("/_dash-update-component", json=page_request("/audit"), headers=ORIGIN)
    assert page.status_code == 200  # the refusal in words, in the app's frame; nothing of the trail
    assert "The audit trail is for administrators" in page.get_data(as_text=True)
    assert "audit-grid" not in page.get_data(as_text=True)
    filtered = client.post("/_dash-update-component", json=_filter_request(), headers=ORIGIN)
    assert filtered.status_code == 403
    assert "rowData" not in filtered.get_data(as_text=True)
    with sessions() as session:
        refusals = session.scalars(select(AuditEvent).where(AuditEvent.outcome == "forbidden")).all()
    assert [(e.actor, e.action) for e in refusals] == [(f"test.{role}", "admin")] * 2


def test_an_admin_sees_the_trail_newest_first(app: Dash, sessions: sessionmaker[Session]) -> None:
    _client(app, sessions, "nurse")
    client = _client(app, sessions, "admin")
    page = client.post("/_dash-update-component", json=page_request("/audit"), headers=ORIGIN)
    assert page.status_code == 200
    rows = _prop(page, "audit-grid", "rowData")
    assert [(r["actor"], r["action"]) for r in rows[:2]] == [("test.admin", "login"), ("tests", "create")]
    assert ("test.nurse", "login", "success", "form") in {
        (r["actor"], r["action"], r["outcome"], r["source"]) for r in rows
    }
    assert rows == sorted(rows, key=lambda r: r["when"], reverse=True)


def test_an_admin_filters_by_actor(app: Dash, sessions: sessionmaker[Session]) -> None:
    _client(app, sessions, "nurse")
    client = _client(app, sessions, "admin")
    response = client.post("/_dash-update-component", json=_filter_request(actor="test.nurse"), headers=ORIGIN)
    assert response.status_code == 200
    body = response.get_json()["response"]
    assert [(r["actor"], r["action"], r["record_type"]) for r in body["audit-grid"]["rowData"]] == [
        ("test.nurse", "login", "user")
    ]
    assert body["audit-status"]["children"]["props"]["children"] == "1 event, newest first."


def test_a_bad_filter_is_answered_with_what_the_field_allows_and_no_rows(
    app: Dash, sessions: sessionmaker[Session]
) -> None:
    client = _client(app, sessions, "admin")
    response = client.post(
        "/_dash-update-component", json=_filter_request(patient="bed 3", since="yesterday"), headers=ORIGIN
    )
    assert response.status_code == 200
    body = response.get_json()["response"]
    assert body["audit-grid"]["rowData"] == []
    message = body["audit-status"]["children"]["props"]["children"]
    assert "patient id: 'bed 3' is not a patient id — use a whole number" in message
    assert "since: 'yesterday' is not a date — use a date as YYYY-MM-DD" in message


def test_the_navigation_links_to_the_audit_page_only_for_an_admin(app: Dash, sessions: sessionmaker[Session]) -> None:
    for role, shown in (("doctor", False), ("admin", True)):
        page = _client(app, sessions, role).post("/_dash-update-component", json=page_request("/"), headers=ORIGIN)
        assert page.status_code == 200
        hrefs = {c["props"].get("href") for c in _components(page.get_json())}
        assert ("/audit" in hrefs) is shown
        assert "/logout" in hrefs
        assert _prop(page, "app-user", "children") == f"test.{role} · {role}"


def test_at_most_the_limit_is_shown_with_a_note_when_more_match(sessions: sessionmaker[Session]) -> None:
    start = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    with sessions.begin() as session:
        for minute in range(4):
            audit(session, Actor("nurse.jones", "nurse", "form"), "create", start + timedelta(minutes=minute))
    exact = search(sessions, FilterInput(actor="nurse.jones"), "Europe/London", limit=4)
    assert len(exact.rows) == 4 and exact.color == "secondary" and exact.message == "4 events, newest first."
    cut = search(sessions, FilterInput(actor="nurse.jones"), "Europe/London", limit=3)
    assert [r["when"] for r in cut.rows] == [
        "2026-11-24 08:03:00 GMT",
        "2026-11-24 08:02:00 GMT",
        "2026-11-24 08:01:00 GMT",
    ]
    assert cut.color == "warning" and "newest 3 events only" in cut.message


def test_the_trail_names_patients_by_bed_and_shows_reads_refusals_and_reasons(
    app: Dash, sessions: sessionmaker[Session]
) -> None:
    doctor = _client(app, sessions, "doctor")
    made = doctor.post("/api/v1/patients", json=patient_body(), headers=ORIGIN)
    assert made.status_code == 201
    pid = made.get_json()["id"]
    assert doctor.get(f"/api/v1/patients/{pid}").status_code == 200  # a read
    assert app.server.test_client().get("/api/v1/patients", headers={"Authorization": "Bearer x"}).status_code == 401
    obs = doctor.post(
        f"/api/v1/patients/{pid}/observations", json={"taken_at": ago(minutes=5), "heart_rate": 90}, headers=ORIGIN
    )
    amended = doctor.post(
        f"/api/v1/records/observations/{obs.get_json()['id']}/amend",
        json={"changes": {"heart_rate": 95}, "reason": "misread the monitor"},
        headers=ORIGIN,
    )
    assert amended.status_code == 201
    admin = _client(app, sessions, "admin")
    page = admin.post("/_dash-update-component", json=page_request("/audit"), headers=ORIGIN)
    actions = {o["value"] for o in _prop(page, "audit-action", "options")}
    assert {"any", "read", "authenticate", "amend", "login"} <= actions
    rows = _prop(page, "audit-grid", "rowData")
    amend = next(r for r in rows if r["action"] == "amend")
    assert amend["patient"] == "Bed 3 · Test Patient (Ward 33)"
    assert amend["details"].startswith("reason: misread the monitor")
    reads = admin.post("/_dash-update-component", json=_filter_request(action="read"), headers=ORIGIN)
    read_rows = reads.get_json()["response"]["audit-grid"]["rowData"]
    assert [(r["actor"], r["patient"]) for r in read_rows] == [("test.doctor", "Bed 3 · Test Patient (Ward 33)")]
    refused = admin.post("/_dash-update-component", json=_filter_request(action="authenticate"), headers=ORIGIN)
    (row,) = refused.get_json()["response"]["audit-grid"]["rowData"]
    assert (row["actor"], row["outcome"]) == ("anonymous", "failure")
    assert "invalid, expired or revoked API token" in row["details"]


def test_an_admin_kept_to_a_ward_sees_other_wards_patients_by_id_only(sessions: sessionmaker[Session]) -> None:
    from data.records import create_patient

    now = datetime.now(UTC)
    with sessions.begin() as session:
        for number, ward in (("HOSP0001", "Ward 33"), ("HOSP0002", "Ward 9")):
            patient = create_patient(session, patient_body(ward=ward, hospital_number=number), Actor("t"), now)
            audit(session, Actor("nurse.jones", "nurse", "form"), "read", now, patient_id=patient.id)
    rows = search(sessions, FilterInput(action="read"), "Europe/London", viewer_ward="Ward 9").rows
    assert sorted(r["patient"] for r in rows) == ["", "Bed 3 · Test Patient (Ward 9)"]
