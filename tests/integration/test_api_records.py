"""REST API v1: a round trip for every record type, grades with reasons, amendments and idempotent retries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from data.audit import AuditIsAppendOnly
from data.models import AuditEvent
from tests.integration.conftest import ago

ICE_NINE = {
    "orientation_year": 1,
    "orientation_month": 1,
    "orientation_city": 1,
    "orientation_hospital": 1,
    "follows_commands": 1,
    "naming": 3,
    "writing": 0,
    "attention": 1,
}


def test_a_registered_patient_reads_back_with_every_field(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    body = client.get(f"/api/v1/patients/{pid}").get_json()
    assert body["hospital_number"] == "RTD1234567"
    assert body["weight_kg"] == 71.5
    assert body["infused_at"].endswith("+00:00")
    listed = client.get("/api/v1/patients?active=true").get_json()["patients"]
    assert [p["id"] for p in listed] == [pid]


def test_an_observation_round_trips_through_the_timeline(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    obs = {
        "taken_at": ago(minutes=10),
        "temperature_c": 38.4,
        "heart_rate": 112,
        "respiratory_rate": 22,
        "systolic_bp": 88,
        "diastolic_bp": 50,
        "spo2": 94,
        "oxygen_device": "nasal_cannula",
        "oxygen_flow_l_min": 2,
        "fio2": None,
        "vasopressors": ["noradrenaline"],
        "consciousness": "alert",
    }
    created = client.post(f"/api/v1/patients/{pid}/observations", json=obs)
    assert created.status_code == 201
    stored = created.get_json()
    assert stored["temperature_c"] == 38.4 and stored["vasopressors"] == ["noradrenaline"]
    assert stored["recorded_by"] and stored["source"] == "api"
    timeline = client.get(f"/api/v1/patients/{pid}/timeline").get_json()
    assert [o["id"] for o in timeline["observations"]] == [stored["id"]]


def test_a_crs_assessment_is_stored_with_its_grade_and_reasons(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    crs = {
        "assessed_at": ago(minutes=5),
        "temperature_c": 38.4,
        "hypotension": True,
        "vasopressors": ["noradrenaline", "vasopressin"],
        "oxygen": "nasal_cannula",
        "oxygen_flow_l_min": 2,
        "attributable_to_other_cause": {"hypotension": False, "hypoxia": False},
    }
    response = client.post(f"/api/v1/patients/{pid}/crs-assessments", json=crs)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["grade"] == 3
    assert body["rule_set"] == "ASTCT 2019"
    assert any("vasopressor" in reason for reason in body["reasons"])


def test_hypotension_attributed_to_another_cause_does_not_raise_the_crs_grade(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    crs = {
        "oxygen": "room_air",
        "assessed_at": ago(minutes=5),
        "temperature_c": 38.4,
        "hypotension": True,
        "vasopressors": ["noradrenaline"],
        "attributable_to_other_cause": {"hypotension": True},
    }
    body = client.post(f"/api/v1/patients/{pid}/crs-assessments", json=crs).get_json()
    assert body["grade"] == 1
    assert any("another cause" in reason for reason in body["reasons"])


def test_fever_is_no_longer_required_once_tocilizumab_follows_crs(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    first = {"assessed_at": ago(hours=10), "temperature_c": 38.9, "hypotension": False, "oxygen": "room_air"}
    assert client.post(f"/api/v1/patients/{pid}/crs-assessments", json=first).get_json()["grade"] == 1
    dose = {"given_at": ago(hours=9), "drug": "tocilizumab", "dose": 572, "unit": "mg", "route": "IV"}
    assert client.post(f"/api/v1/patients/{pid}/medications", json=dose).status_code == 201
    afebrile = {"assessed_at": ago(minutes=5), "temperature_c": 37.1, "hypotension": True, "oxygen": "room_air"}
    body = client.post(f"/api/v1/patients/{pid}/crs-assessments", json=afebrile).get_json()
    assert body["grade"] == 2
    assert body["after_tocilizumab_or_steroids"] is True


def test_a_neuro_assessment_returns_the_ice_score_and_icans_grade(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    neuro = {
        "assessed_at": ago(minutes=5),
        "ice": ICE_NINE,
        "capd_score": None,
        "unable_to_perform_assessment": False,
        "consciousness": "alert",
        "seizure": "none",
        "deep_focal_motor_weakness": False,
        "icp_findings": [],
    }
    response = client.post(f"/api/v1/patients/{pid}/neuro-assessments", json=neuro)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["ice_score"], body["grade"], body["tool"]) == (9, 1, "ICE")
    assert body["reasons"]


def test_a_child_is_assessed_with_capd_not_ice(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient(date_of_birth="2018-06-01", weight_kg=24.0)
    with_ice = {
        "consciousness": "alert",
        "seizure": "none",
        "deep_focal_motor_weakness": False,
        "icp_findings": [],
        "assessed_at": ago(minutes=5),
        "ice": ICE_NINE,
    }
    rejected = client.post(f"/api/v1/patients/{pid}/neuro-assessments", json=with_ice)
    assert rejected.status_code == 422
    assert rejected.get_json()["errors"][0]["field"] == "ice"
    with_capd = {
        "consciousness": "alert",
        "seizure": "none",
        "deep_focal_motor_weakness": False,
        "icp_findings": [],
        "assessed_at": ago(minutes=5),
        "capd_score": 10,
    }
    body = client.post(f"/api/v1/patients/{pid}/neuro-assessments", json=with_capd).get_json()
    assert (body["tool"], body["capd_score"], body["grade"]) == ("CAPD", 10, 3)


def test_labs_are_stored_in_canonical_units_with_loinc(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    crp = client.post(
        f"/api/v1/patients/{pid}/labs",
        json={"collected_at": ago(minutes=30), "analyte": "crp", "value": 5.2, "unit": "mg/dL"},
    )
    assert crp.status_code == 201
    body = crp.get_json()
    assert (body["value"], body["unit"], body["loinc_code"]) == (52.0, "mg/L", "1988-5")
    assert (body["original_value"], body["original_unit"]) == (5.2, "mg/dL")
    ferritin = client.post(
        f"/api/v1/patients/{pid}/labs",
        json={"collected_at": ago(minutes=30), "analyte": "ferritin", "value": 12500, "unit": "µg/L"},
    )
    assert ferritin.get_json()["value"] == 12500 and ferritin.get_json()["unit"] == "ng/mL"


def test_a_medication_round_trips_with_its_drug_class(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    dose = {"given_at": ago(minutes=30), "drug": "dexamethasone", "dose": 10, "unit": "mg", "route": "IV"}
    body = client.post(f"/api/v1/patients/{pid}/medications", json=dose).get_json()
    assert body["drug_class"] == "corticosteroid"
    timeline = client.get(f"/api/v1/patients/{pid}/timeline").get_json()
    assert [m["drug"] for m in timeline["medications"]] == ["dexamethasone"]


def test_an_amendment_is_a_new_row_and_the_original_stays_readable(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    original = client.post(
        f"/api/v1/patients/{pid}/observations", json={"taken_at": ago(minutes=20), "temperature_c": 39.2}
    ).get_json()
    amended = client.post(
        f"/api/v1/records/observations/{original['id']}/amend",
        json={"reason": "transcription error: thermometer read 37.2", "changes": {"temperature_c": 37.2}},
    )
    assert amended.status_code == 201
    body = amended.get_json()
    assert body["id"] != original["id"]
    assert (body["amends_id"], body["temperature_c"]) == (original["id"], 37.2)
    assert body["amendment_reason"].startswith("transcription error")
    timeline = client.get(f"/api/v1/patients/{pid}/timeline").get_json()
    assert [(o["id"], o["temperature_c"]) for o in timeline["observations"]] == [(body["id"], 37.2)]
    again = client.post(
        f"/api/v1/records/observations/{original['id']}/amend",
        json={"reason": "second try", "changes": {"temperature_c": 37.0}},
    )
    assert again.status_code == 422
    assert "already corrected" in again.get_json()["errors"][0]["message"]


def test_an_amended_crs_assessment_is_regraded(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    first = client.post(
        f"/api/v1/patients/{pid}/crs-assessments",
        json={"oxygen": "room_air", "assessed_at": ago(minutes=30), "temperature_c": 38.2, "hypotension": False},
    ).get_json()
    assert first["grade"] == 1
    amended = client.post(
        f"/api/v1/records/crs-assessments/{first['id']}/amend",
        json={"reason": "oxygen was running", "changes": {"oxygen": "facemask"}},
    ).get_json()
    assert amended["grade"] == 3
    assert amended["amends_id"] == first["id"]


def test_entered_in_error_removes_a_record_from_the_current_view(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    wrong = client.post(
        f"/api/v1/patients/{pid}/labs",
        json={"collected_at": ago(hours=1), "analyte": "ferritin", "value": 900, "unit": "ng/mL"},
    )
    marker = client.post(
        f"/api/v1/records/labs/{wrong.get_json()['id']}/amend",
        json={"reason": "wrong patient's sample", "entered_in_error": True},
    )
    assert marker.status_code == 201
    assert marker.get_json()["entered_in_error"] is True
    assert client.get(f"/api/v1/patients/{pid}/timeline").get_json()["labs"] == []


def test_an_amendment_without_a_reason_is_rejected(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    obs = client.post(f"/api/v1/patients/{pid}/observations", json={"taken_at": ago(minutes=5), "spo2": 96})
    response = client.post(f"/api/v1/records/observations/{obs.get_json()['id']}/amend", json={"changes": {"spo2": 95}})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "reason"


def test_a_retry_with_the_same_idempotency_key_stores_nothing_twice(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    obs = {"taken_at": ago(minutes=5), "temperature_c": 37.5}
    headers = {"Idempotency-Key": "obs-42"}
    first = client.post(f"/api/v1/patients/{pid}/observations", json=obs, headers=headers)
    second = client.post(f"/api/v1/patients/{pid}/observations", json=obs, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert len(client.get(f"/api/v1/patients/{pid}/timeline").get_json()["observations"]) == 1
    reused = client.post(f"/api/v1/patients/{pid}/observations", json={**obs, "temperature_c": 38.0}, headers=headers)
    assert reused.status_code == 422
    assert reused.get_json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_patient_can_be_moved_and_discharged(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    moved = client.patch(f"/api/v1/patients/{pid}", json={"bed": "7", "weight_kg": 70.2})
    assert moved.status_code == 200 and moved.get_json()["bed"] == "7"
    discharged = client.patch(f"/api/v1/patients/{pid}", json={"discharged_at": ago(minutes=1)})
    assert discharged.get_json()["discharged_at"] is not None
    assert client.get("/api/v1/patients?active=true").get_json()["patients"] == []


def test_healthz_is_unhealthy_while_no_scheduler_has_run(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "database": "ok",
        "scheduler": "never ran",
        "scheduler_heartbeat_age_s": None,
        "scheduler_stale_after_s": 120,
    }


def test_the_openapi_document_describes_every_endpoint(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for path in (
        "/api/v1/patients",
        "/api/v1/patients/{patient_id}/crs-assessments",
        "/api/v1/records/crs-assessments/{record_id}/amend",
        "/api/v1/patients/{patient_id}/timeline",
    ):
        assert path in document["paths"]
    assert "temperature_c" in document["components"]["schemas"]["ObservationIn"]["properties"]


def test_every_api_route_and_record_kind_is_in_the_openapi_document(client: FlaskClient) -> None:
    import re

    from data.models import CLINICAL_MODELS

    document = client.get("/api/v1/openapi.json").get_json()
    app = client.application
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"
    }
    routes.discard("/api/v1/patients/{patient_id}/{kind}")  # one path per record kind instead:
    routes |= {f"/api/v1/patients/{{patient_id}}/{kind}" for kind in CLINICAL_MODELS}
    routes.discard("/api/v1/records/{kind}/{record_id}/amend")  # and one amendment path per record kind:
    routes |= {f"/api/v1/records/{kind}/{{record_id}}/amend" for kind in CLINICAL_MODELS}
    assert routes <= set(document["paths"]), routes - set(document["paths"])
    for name in ("Alert", "PatientStatus", "NeuroEventIn", "MonitoringExceptionIn"):
        assert name in document["components"]["schemas"]
    assert set(document["components"]["schemas"]["NeuroIn"]["required"]) >= {
        "consciousness",
        "seizure",
        "deep_focal_motor_weakness",
        "icp_findings",
    }


def test_audit_events_cannot_be_changed_or_deleted(
    client: FlaskClient, make_patient: Callable[..., int], sessions: sessionmaker[Session]
) -> None:
    make_patient()
    with sessions() as session:
        patient_created = select(AuditEvent).where(AuditEvent.record_type == "patient")
        event = session.scalars(patient_created).one()
        assert event.action == "create"
        event.outcome = "failure"
        with pytest.raises(AuditIsAppendOnly):
            session.flush()
        session.rollback()
        session.delete(session.scalars(patient_created).one())
        with pytest.raises(AuditIsAppendOnly):
            session.flush()
