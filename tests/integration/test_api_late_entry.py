"""Late entry through the API: a record whose own time is more than an hour before it is saved is stored, returned
and audited as a late entry, by the same rule as a form and the back-entry file (`data.records.is_late_entry`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from data.models import AuditEvent, LabResult
from tests.integration.conftest import ago

OBS = {"temperature_c": 37.9, "heart_rate": 96}

# One body for each kind of record the API takes, its clinical time left to the test.
BODIES: dict[str, tuple[str, dict[str, Any]]] = {
    "observations": ("taken_at", OBS),
    "labs": ("collected_at", {"analyte": "ferritin", "value": 2400, "unit": "ug/L"}),
    "medications": ("given_at", {"drug": "dexamethasone", "dose": 10, "unit": "mg", "route": "IV"}),
    "neuro-events": ("occurred_at", {"event": "deep_focal_motor_weakness"}),
    "organ-findings": ("occurred_at", {"finding": "oliguria", "ctcae_grade": 2}),
    "routine-interventions": ("done_at", {"item": "tls_prevention"}),
    "clinical-reviews": ("reviewed_at", {"note": "Examined: chest clear, no focal neurology."}),
    "crs-assessments": ("assessed_at", {"temperature_c": 38.2, "hypotension": False, "oxygen": "room_air"}),
}


def post(client: FlaskClient, patient_id: int, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1/patients/{patient_id}/{kind}", json=body)
    assert response.status_code == 201, response.get_json()
    stored: dict[str, Any] = response.get_json()
    return stored


@pytest.mark.parametrize("kind", list(BODIES))
def test_a_record_sent_hours_after_its_time_is_stored_and_returned_as_late_entry(
    client: FlaskClient, make_patient: Callable[..., int], kind: str
) -> None:
    pid = make_patient()
    time_field, body = BODIES[kind]
    stored = post(client, pid, kind, {**body, time_field: ago(hours=3)})
    assert stored["late_entry"] is True
    held_back = datetime.fromisoformat(stored["recorded_at"]) - datetime.fromisoformat(stored[time_field])
    assert held_back > timedelta(hours=2, minutes=59)  # both times are returned


@pytest.mark.parametrize("kind", list(BODIES))
def test_a_record_sent_within_the_hour_of_its_time_is_not_late_entry(
    client: FlaskClient, make_patient: Callable[..., int], kind: str
) -> None:
    pid = make_patient()
    time_field, body = BODIES[kind]
    assert post(client, pid, kind, {**body, time_field: ago(minutes=20)})["late_entry"] is False


@pytest.mark.parametrize(
    ("before_saving", "late"),
    [
        (timedelta(minutes=59, seconds=59), False),
        (timedelta(hours=1), False),
        (timedelta(hours=1, seconds=1), True),
    ],
    ids=["59:59 before: on time", "exactly 1 h before: on time", "1 h and 1 s before: late entry"],
)
def test_late_entry_begins_after_one_hour(
    client: FlaskClient,
    make_patient: Callable[..., int],
    monkeypatch: pytest.MonkeyPatch,
    before_saving: timedelta,
    late: bool,
) -> None:
    pid = make_patient()
    saved_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    monkeypatch.setattr("dashboard.api.utcnow", lambda: saved_at)
    stored = post(client, pid, "observations", {**OBS, "taken_at": (saved_at - before_saving).isoformat()})
    assert stored["late_entry"] is late


def test_the_timeline_and_the_audit_trail_say_late_entry(
    client: FlaskClient, make_patient: Callable[..., int], sessions: sessionmaker[Session]
) -> None:
    pid = make_patient()
    late = post(client, pid, "observations", {**OBS, "taken_at": ago(hours=5)})
    on_time = post(client, pid, "observations", {**OBS, "taken_at": ago(minutes=5)})
    series = client.get(f"/api/v1/patients/{pid}/timeline").get_json()["observations"]
    assert [(row["id"], row["late_entry"]) for row in series] == [(late["id"], True), (on_time["id"], False)]
    with sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "observations", AuditEvent.action == "create")
        ).all()
    details = {event.record_id: event.details for event in events}
    assert details[late["id"]] == {"late_entry": True}
    assert not details[on_time["id"]]


def test_a_correction_of_a_late_entry_is_still_a_late_entry(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    late = post(client, pid, "observations", {**OBS, "taken_at": ago(hours=4)})
    on_time = post(client, pid, "observations", {**OBS, "taken_at": ago(minutes=10)})
    for original, expected in ((late, True), (on_time, False)):
        amended = client.post(
            f"/api/v1/records/observations/{original['id']}/amend",
            json={"reason": "heart rate misread", "changes": {"heart_rate": 88}},
        )
        assert amended.status_code == 201, amended.get_json()
        assert (amended.get_json()["heart_rate"], amended.get_json()["late_entry"]) == (88, expected)


def test_a_laboratory_result_imported_by_fhir_after_collection_is_not_late_entry(
    client: FlaskClient, make_patient: Callable[..., int], sessions: sessionmaker[Session]
) -> None:
    """A feed sends results after their time by nature (the laboratory reports hours after collection): only what
    a person enters is marked."""
    pid = make_patient()
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "identifier": [{"system": "urn:oid:1.2.826.0.1.9999.5.1", "value": "LAB-FERRITIN-1"}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "2276-4"}]},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": ago(hours=6),
        "valueQuantity": {"value": 2400, "system": "http://unitsofmeasure.org", "code": "ug/L"},
    }
    response = client.post(
        "/api/v1/fhir", json={"resourceType": "Bundle", "type": "batch", "entry": [{"resource": resource}]}
    )
    assert response.status_code == 200
    assert response.get_json(force=True)["entry"][0]["response"]["status"] == "201 Created"
    with sessions() as session:
        (lab,) = session.scalars(select(LabResult)).all()
    assert lab.late_entry is False


def test_the_openapi_document_tells_a_client_of_late_entry_on_every_stored_record(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    stored_record = document["components"]["schemas"]["StoredRecord"]
    assert "late_entry" in stored_record["required"] and stored_record["properties"]["late_entry"]["type"] == "boolean"
    reference = {"$ref": "#/components/schemas/StoredRecord"}
    for kind in BODIES:
        created = document["paths"][f"/api/v1/patients/{{patient_id}}/{kind}"]["post"]["responses"]["201"]
        assert created["content"]["application/json"]["schema"] == reference
    for kind in BODIES:
        amended = document["paths"][f"/api/v1/records/{kind}/{{record_id}}/amend"]["post"]["responses"]["201"]
        assert amended["content"]["application/json"]["schema"] == reference
    stored = post(client, make_patient(), "observations", {**OBS, "taken_at": ago(hours=2)})
    kinds = {"integer": int, "string": str, "boolean": bool}
    for name in stored_record["required"]:
        assert isinstance(stored[name], kinds[stored_record["properties"][name]["type"]]), name
