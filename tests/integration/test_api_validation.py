"""Every validation rule: 422 naming the field, its value and the allowed range, and nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema_rs
import pytest
from flask.testing import FlaskClient

from tests.integration.conftest import ago, patient_body

OBS_RULES = [
    pytest.param({"temperature_c": 29.9}, "temperature_c", "30-45 °C", id="temperature-below-30"),
    pytest.param({"temperature_c": 45.1}, "temperature_c", "30-45 °C", id="temperature-above-45"),
    pytest.param({"heart_rate": 19}, "heart_rate", "20-250", id="heart-rate-below-20"),
    pytest.param({"heart_rate": 251}, "heart_rate", "20-250", id="heart-rate-above-250"),
    pytest.param({"respiratory_rate": 3}, "respiratory_rate", "4-80", id="respiratory-rate-below-4"),
    pytest.param({"respiratory_rate": 81}, "respiratory_rate", "4-80", id="respiratory-rate-above-80"),
    pytest.param({"systolic_bp": 39}, "systolic_bp", "40-300", id="systolic-below-40"),
    pytest.param({"systolic_bp": 301}, "systolic_bp", "40-300", id="systolic-above-300"),
    pytest.param({"diastolic_bp": 19}, "diastolic_bp", "20-200", id="diastolic-below-20"),
    pytest.param({"diastolic_bp": 201}, "diastolic_bp", "20-200", id="diastolic-above-200"),
    pytest.param({"spo2": 49}, "spo2", "50-100", id="spo2-below-50"),
    pytest.param({"spo2": 101}, "spo2", "50-100", id="spo2-above-100"),
    pytest.param({"oxygen_flow_l_min": -0.5}, "oxygen_flow_l_min", "0-80 L/min", id="o2-flow-negative"),
    pytest.param({"oxygen_flow_l_min": 80.5}, "oxygen_flow_l_min", "0-80 L/min", id="o2-flow-above-80"),
    pytest.param({"fio2": 0.2}, "fio2", "0.21-1", id="fio2-below-room-air"),
    pytest.param({"fio2": 1.01}, "fio2", "0.21-1", id="fio2-above-1"),
    pytest.param({"oxygen_device": "hyperbaric_tent"}, "oxygen_device", "room_air", id="unknown-oxygen-device"),
    pytest.param({"vasopressors": ["milrinone"]}, "vasopressors", "noradrenaline", id="unknown-vasopressor"),
    pytest.param({"taken_at": "2026-11-24T10:00:00"}, "taken_at", "time zone", id="naive-timestamp"),
    pytest.param({"taken_at": "yesterday"}, "taken_at", "ISO 8601", id="unparseable-timestamp"),
    pytest.param({"temperature_c": "38.5"}, "temperature_c", "30-45 °C", id="temperature-as-text"),
    pytest.param({"tempreature_c": 38.5}, "tempreature_c", "temperature_c", id="misspelt-field"),
]


def _observations(client: FlaskClient, pid: int) -> list[dict[str, Any]]:
    observations: list[dict[str, Any]] = client.get(f"/api/v1/patients/{pid}/timeline").get_json()["observations"]
    return observations


@pytest.mark.parametrize(("change", "field", "allowed"), OBS_RULES)
def test_an_implausible_observation_is_rejected_and_nothing_is_stored(
    client: FlaskClient, make_patient: Callable[..., int], change: dict[str, Any], field: str, allowed: str
) -> None:
    pid = make_patient()
    kept = client.post(f"/api/v1/patients/{pid}/observations", json={"taken_at": ago(hours=1), "temperature_c": 37})
    assert kept.status_code == 201
    response = client.post(
        f"/api/v1/patients/{pid}/observations", json={"taken_at": ago(minutes=5), "temperature_c": 37.0, **change}
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    error = next(e for e in errors if e["field"] == field)
    assert allowed in error["allowed"]
    assert error["value"] == change.get(field, error["value"])
    assert [o["id"] for o in _observations(client, pid)] == [kept.get_json()["id"]]


def test_a_fahrenheit_temperature_is_called_out(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    response = client.post(
        f"/api/v1/patients/{pid}/observations", json={"taken_at": ago(minutes=5), "temperature_c": 101.3}
    )
    error = response.get_json()["errors"][0]
    assert (response.status_code, error["field"], error["value"]) == (422, "temperature_c", 101.3)
    assert "looks like Fahrenheit" in error["message"]


def test_diastolic_above_systolic_is_rejected(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    response = client.post(
        f"/api/v1/patients/{pid}/observations", json={"taken_at": ago(minutes=5), "systolic_bp": 90, "diastolic_bp": 95}
    )
    assert response.status_code == 422
    assert "diastolic_bp 95 is above systolic_bp 90" in response.get_json()["errors"][0]["message"]
    assert _observations(client, pid) == []


def test_every_bad_field_is_reported_at_once(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    response = client.post(
        f"/api/v1/patients/{pid}/observations",
        json={"taken_at": ago(minutes=5), "heart_rate": 400, "spo2": 20, "fio2": 3},
    )
    assert {e["field"] for e in response.get_json()["errors"]} == {"heart_rate", "spo2", "fio2"}


def test_a_time_more_than_five_minutes_in_the_future_is_rejected(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    future = (datetime.now(UTC) + timedelta(minutes=7)).isoformat()
    response = client.post(f"/api/v1/patients/{pid}/observations", json={"taken_at": future, "spo2": 97})
    assert response.status_code == 422
    assert "in the future" in response.get_json()["errors"][0]["message"]
    slightly = (datetime.now(UTC) + timedelta(minutes=3)).isoformat()
    assert (
        client.post(f"/api/v1/patients/{pid}/observations", json={"taken_at": slightly, "spo2": 97}).status_code == 201
    )


@pytest.mark.parametrize(
    ("weight", "ok"),
    [(1.9, False), (2.0, True), (300.0, True), (300.1, False)],
    ids=["weight-1.9-rejected", "weight-2-accepted", "weight-300-accepted", "weight-300.1-rejected"],
)
def test_patient_weight_must_be_2_to_300_kg(client: FlaskClient, weight: float, ok: bool) -> None:
    response = client.post("/api/v1/patients", json=patient_body(weight_kg=weight))
    assert (response.status_code == 201) is ok
    if not ok:
        error = response.get_json()["errors"][0]
        assert (error["field"], error["allowed"]) == ("weight_kg", "2-300 kg")
        assert client.get("/api/v1/patients").get_json()["patients"] == []


def test_an_unknown_drug_is_rejected(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    response = client.post(
        f"/api/v1/patients/{pid}/medications",
        json={"given_at": ago(minutes=5), "drug": "unobtainium", "dose": 5, "unit": "mg", "route": "IV"},
    )
    error = response.get_json()["errors"][0]
    assert (response.status_code, error["field"]) == (422, "drug")
    assert "tocilizumab" in error["allowed"]


def test_an_unknown_analyte_is_rejected(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    response = client.post(
        f"/api/v1/patients/{pid}/labs",
        json={"collected_at": ago(minutes=5), "analyte": "unicorn_factor", "value": 5, "unit": "U/L"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "analyte"


@pytest.mark.parametrize(
    ("analyte", "unit"),
    [("ferritin", "mmol/L"), ("crp", "U/L"), ("crp", "bananas")],
    ids=["ferritin-in-mmol", "crp-in-enzyme-units", "not-a-ucum-unit"],
)
def test_a_unit_that_cannot_be_converted_is_rejected(
    client: FlaskClient, make_patient: Callable[..., int], analyte: str, unit: str
) -> None:
    pid = make_patient()
    response = client.post(
        f"/api/v1/patients/{pid}/labs",
        json={"collected_at": ago(minutes=5), "analyte": analyte, "value": 5, "unit": unit},
    )
    assert response.status_code == 422
    assert "cannot be converted" in response.get_json()["errors"][0]["message"]
    assert client.get(f"/api/v1/patients/{pid}/timeline").get_json()["labs"] == []


def test_a_record_for_an_unknown_patient_is_a_404_as_for_any_path_naming_one(client: FlaskClient) -> None:
    response = client.post("/api/v1/patients/9999/observations", json={"taken_at": ago(minutes=5), "spo2": 97})
    assert response.status_code == 404
    assert response.get_json() == {"detail": "patient 9999 not found"}


def test_a_record_for_a_discharged_patient_is_rejected(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    client.patch(f"/api/v1/patients/{pid}", json={"discharged_at": ago(minutes=10)})
    response = client.post(f"/api/v1/patients/{pid}/observations", json={"taken_at": ago(minutes=5), "spo2": 97})
    assert response.status_code == 422
    assert "discharged" in response.get_json()["errors"][0]["message"]
    assert _observations(client, pid) == []


def test_a_duplicate_hospital_number_is_rejected(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    make_patient()
    response = client.post("/api/v1/patients", json=patient_body(bed="9"))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "hospital_number"
    assert len(client.get("/api/v1/patients").get_json()["patients"]) == 1


def test_a_body_that_is_not_json_is_rejected(client: FlaskClient, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    response = client.post(
        f"/api/v1/patients/{pid}/observations", data="temperature=38", content_type="application/json"
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize("field", ["bed", "weight_kg", "infused_at"])
def test_a_patch_cannot_clear_bed_weight_or_infusion_and_the_document_says_so(
    client: FlaskClient, make_patient: Callable[..., int], field: str
) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    patch = jsonschema_rs.Draft202012Validator(
        {"$ref": "#/components/schemas/PatientPatch", "components": document["components"]}
    )
    assert not patch.is_valid({field: None})
    assert patch.is_valid({"discharged_at": None})  # a discharge may be undone
    pid = make_patient()
    before = client.get(f"/api/v1/patients/{pid}").get_json()
    response = client.patch(f"/api/v1/patients/{pid}", json={field: None})
    assert response.status_code == 422
    assert [(e["field"], e["value"]) for e in response.get_json()["errors"]] == [(field, None)]
    assert client.get(f"/api/v1/patients/{pid}").get_json() == before


def test_an_infusion_time_refused_while_interventions_are_open_is_a_documented_409(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert "409" in document["paths"]["/api/v1/patients/{patient_id}"]["patch"]["responses"]
    pid = make_patient()
    before = client.get(f"/api/v1/patients/{pid}").get_json()
    refused = client.patch(f"/api/v1/patients/{pid}", json={"infused_at": ago(days=2)})
    assert refused.status_code == 409
    assert "routine intervention(s) open" in refused.get_json()["detail"]
    assert client.get(f"/api/v1/patients/{pid}").get_json() == before


def test_text_with_a_nul_character_is_refused_by_name_and_the_document_says_so(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    """PostgreSQL cannot store a NUL character: refused as invalid on every database, never a server error."""
    document = client.get("/api/v1/openapi.json").get_json()
    review = jsonschema_rs.Draft202012Validator(
        {"$ref": "#/components/schemas/ClinicalReviewIn", "components": document["components"]}
    )
    note = "Examined:\x00 chest clear"
    assert not review.is_valid({"reviewed_at": ago(minutes=5), "note": note})
    pid = make_patient()
    url = f"/api/v1/patients/{pid}/clinical-reviews"
    refused = client.post(url, json={"reviewed_at": ago(minutes=5), "note": note})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["note"]
    stored = client.post(url, json={"reviewed_at": ago(minutes=5), "note": "Examined: clear"}).get_json()
    amended = client.post(
        f"/api/v1/records/clinical-reviews/{stored['id']}/amend", json={"reason": "typo\x00", "entered_in_error": True}
    )
    assert amended.status_code == 422
    assert [e["field"] for e in amended.get_json()["errors"]] == ["reason"]
    stored_again = client.post(
        f"/api/v1/records/clinical-reviews/{stored['id']}/amend", json={"reason": "typo", "entered_in_error": True}
    )
    assert stored_again.status_code == 201  # the refusal changed nothing: the record was still in force
