"""Amendments through the API, as the OpenAPI document describes them: each kind of record has its own amendment
path whose changes are that kind's own fields, and what the document accepts the server accepts, what it refuses
the server refuses with the field named (and stores nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema_rs
import pytest
from flask.testing import FlaskClient

from data.models import CLINICAL_MODELS
from tests.integration.conftest import ago


def _document_accepts(document: dict[str, Any], schema: str, body: dict[str, Any]) -> bool:
    validator = jsonschema_rs.Draft202012Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
    )
    return bool(validator.is_valid(body))


def test_each_kind_of_record_is_amended_with_its_own_fields(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for kind in CLINICAL_MODELS:
        body = document["paths"][f"/api/v1/records/{kind}/{{record_id}}/amend"]["post"]["requestBody"]
        amend = schemas[body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
        changes = schemas[amend["properties"]["changes"]["$ref"].rsplit("/", 1)[1]]
        created = document["paths"][f"/api/v1/patients/{{patient_id}}/{kind}"]["post"]["requestBody"]
        created_schema = schemas[created["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
        assert changes["properties"] == created_schema["properties"], kind
        assert changes["additionalProperties"] is False, kind
    observation = "ObservationAmendIn"
    assert _document_accepts(document, observation, {"reason": "misread", "changes": {"spo2": 95}})
    assert not _document_accepts(document, observation, {"reason": "misread", "changes": {"spo2": 150}})
    assert not _document_accepts(document, observation, {"reason": "misread", "changes": {"colour": "red"}})
    assert _document_accepts(document, observation, {"reason": "wrong patient", "entered_in_error": True})


CRS = {"temperature_c": 38.4, "hypotension": False, "oxygen": "room_air"}


@pytest.mark.parametrize(
    ("changes", "accepted"),
    [
        pytest.param({"vasopressors": ["noradrenaline"]}, False, id="vasopressor-without-hypotension"),
        pytest.param({"vasopressors": ["noradrenaline"], "hypotension": True}, True, id="vasopressor-with-hypotension"),
        pytest.param(
            {"vasopressors": ["noradrenaline"], "attributable_to_other_cause": {"hypotension": True}},
            True,
            id="vasopressor-for-hypotension-of-another-cause",
        ),
        pytest.param({"oxygen": "nasal_cannula"}, False, id="nasal-cannula-without-flow"),
        pytest.param({"oxygen": "nasal_cannula", "oxygen_flow_l_min": 2.0}, True, id="nasal-cannula-2-l-min"),
        pytest.param({"oxygen": "low_flow_nasal_cannula", "oxygen_flow_l_min": 0.0}, False, id="cannula-at-0-l-min"),
        pytest.param({"oxygen_flow_l_min": 2.0}, False, id="room-air-with-flow"),
    ],
)
def test_a_crs_assessment_the_document_accepts_is_graded_and_one_it_refuses_is_refused(
    client: FlaskClient, make_patient: Callable[..., int], changes: dict[str, Any], accepted: bool
) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    body = {**CRS, **changes, "assessed_at": ago(minutes=30)}
    assert _document_accepts(document, "CRSIn", body) is accepted
    response = client.post(f"/api/v1/patients/{make_patient()}/crs-assessments", json=body)
    assert response.status_code == (201 if accepted else 422), response.get_json()


def test_a_refused_amendment_names_the_field_its_value_and_rule_and_changes_nothing(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    original = client.post(
        f"/api/v1/patients/{pid}/observations",
        json={"taken_at": ago(minutes=20), "systolic_bp": 118, "diastolic_bp": 74},
    ).get_json()
    refused = client.post(
        f"/api/v1/records/observations/{original['id']}/amend",
        json={"reason": "diastolic misread", "changes": {"diastolic_bp": 130}},
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [
        {
            "field": "diastolic_bp",
            "value": 130,
            "allowed": "not above systolic_bp (118 mmHg)",
            "message": "diastolic_bp 130 is above systolic_bp 118",
        }
    ]
    timeline = client.get(f"/api/v1/patients/{pid}/timeline").get_json()
    assert [(o["id"], o["diastolic_bp"]) for o in timeline["observations"]] == [(original["id"], 74)]
    amended = client.post(
        f"/api/v1/records/observations/{original['id']}/amend",
        json={"reason": "diastolic misread", "changes": {"diastolic_bp": 78}},
    )
    assert amended.status_code == 201
    assert (amended.get_json()["amends_id"], amended.get_json()["diastolic_bp"]) == (original["id"], 78)
