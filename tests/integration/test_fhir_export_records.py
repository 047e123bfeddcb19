"""The FHIR export of organ findings (Condition, CTCAE grade as severity), routine interventions (Procedure) and
daily clinical reviews (ClinicalImpression): recorded through the API, exported, valid R4, corrected and withdrawn
as the other kinds are, and recognised, not stored, when sent back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from data.models import ClinicalReview, OrganFinding, RoutineIntervention
from tests.integration.conftest import ago

RECORD_SYSTEM = "https://cartwatch.example/fhir/record"
NCI_THESAURUS = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"


def record(client: FlaskClient, patient_id: int, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1/patients/{patient_id}/{kind}", json=body)
    assert response.status_code == 201, response.get_json()
    stored: dict[str, Any] = response.get_json()
    return stored


def amend(client: FlaskClient, kind: str, record_id: int, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1/records/{kind}/{record_id}/amend", json=body)
    assert response.status_code == 201, response.get_json()
    stored: dict[str, Any] = response.get_json()
    return stored


def exported(client: FlaskClient, patient_id: int) -> dict[str, Any]:
    """The patient's Bundle, checked against the R4B models as a whole and resource by resource."""
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.clinicalimpression import ClinicalImpression
    from fhir.resources.R4B.condition import Condition
    from fhir.resources.R4B.procedure import Procedure

    response = client.get(f"/api/v1/patients/{patient_id}/fhir")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle: dict[str, Any] = response.get_json(force=True)
    Bundle.model_validate(bundle)
    models = {"Condition": Condition, "Procedure": Procedure, "ClinicalImpression": ClinicalImpression}
    for entry in bundle["entry"]:
        model = models.get(entry["resource"]["resourceType"])
        if model is not None:
            model.model_validate(entry["resource"])
    return bundle


def of_type(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


def names(resource: dict[str, Any]) -> str:
    (identifier,) = resource["identifier"]
    assert identifier["system"] == RECORD_SYSTEM
    value: str = identifier["value"]
    return value


def same_instant(fhir_time: str, api_time: str) -> bool:
    return datetime.fromisoformat(fhir_time) == datetime.fromisoformat(api_time)


def test_organ_findings_are_conditions_with_their_ctcae_grade_as_severity(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    oedema = record(
        client,
        pid,
        "organ-findings",
        {"occurred_at": ago(hours=5), "finding": "pulmonary_oedema", "ctcae_grade": 3, "note": "bilateral on CXR"},
    )
    marrow = record(client, pid, "organ-findings", {"occurred_at": ago(hours=2), "finding": "haemophagocytosis"})
    conditions = {names(c): c for c in of_type(exported(client, pid), "Condition")}
    assert set(conditions) == {f"organ-findings/{oedema['id']}", f"organ-findings/{marrow['id']}"}
    found = conditions[f"organ-findings/{oedema['id']}"]
    assert found["code"]["coding"][0]["code"] == "pulmonary_oedema" and found["code"]["text"] == "Pulmonary oedema"
    assert found["severity"]["coding"] == [
        {"system": NCI_THESAURUS, "code": "C41340", "display": "Grade 3 Severe Adverse Event"}
    ]
    assert found["severity"]["text"] == "CTCAE v4.03 grade 3"
    assert found["clinicalStatus"]["coding"][0]["code"] == "active"
    assert found["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert same_instant(found["onsetDateTime"], oedema["occurred_at"])
    assert same_instant(found["recordedDate"], oedema["recorded_at"])
    assert found["recorder"] == {"display": "api.doctor"}
    assert found["subject"] == {"reference": f"Patient/{pid}"}
    assert found["note"] == [{"text": "bilateral on CXR"}]
    haemophagocytosis = conditions[f"organ-findings/{marrow['id']}"]
    assert haemophagocytosis["code"]["text"] == "Haemophagocytosis on histopathology"
    assert "severity" not in haemophagocytosis  # recorded as found, without a grade


def test_routine_interventions_are_completed_procedures_in_the_guidelines_words(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    line = record(
        client,
        pid,
        "routine-interventions",
        {"done_at": ago(days=3, hours=2), "item": "central_venous_access", "note": "right IJ Hickman"},
    )
    (procedure,) = of_type(exported(client, pid), "Procedure")
    assert names(procedure) == f"routine-interventions/{line['id']}"
    assert procedure["status"] == "completed"
    assert procedure["code"]["coding"][0] == {
        "system": "https://cartwatch.example/fhir/CodeSystem/routine-intervention",
        "code": "central_venous_access",
        "display": "Double lumen central venous access before administration of CAR-T cells",
    }
    assert same_instant(procedure["performedDateTime"], line["done_at"])
    assert procedure["recorder"] == {"display": "api.doctor"}
    assert procedure["note"] == [{"text": "right IJ Hickman"}]


def test_a_daily_clinical_review_is_a_clinical_impression_with_who_when_and_what_was_found(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    note = "Examined: chest clear, no focal neurology, Hickman site clean."
    review = record(client, pid, "clinical-reviews", {"reviewed_at": ago(hours=1), "note": note})
    (impression,) = of_type(exported(client, pid), "ClinicalImpression")
    assert names(impression) == f"clinical-reviews/{review['id']}"
    assert impression["status"] == "completed"
    assert impression["code"]["text"] == "Daily clinical assessment and examination"
    assert impression["summary"] == note
    assert impression["assessor"] == {"display": "api.doctor"}
    assert same_instant(impression["effectiveDateTime"], review["reviewed_at"])
    assert same_instant(impression["date"], review["recorded_at"])


def test_a_corrected_record_is_exported_as_its_current_version_and_one_entered_in_error_not_at_all(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    oliguria = record(
        client, pid, "organ-findings", {"occurred_at": ago(hours=6), "finding": "oliguria", "ctcae_grade": 2}
    )
    regraded = amend(
        client, "organ-findings", oliguria["id"], {"reason": "8 h urine 60 mL", "changes": {"ctcae_grade": 3}}
    )
    tls = record(client, pid, "routine-interventions", {"done_at": ago(hours=30), "item": "tls_prevention"})
    amend(client, "routine-interventions", tls["id"], {"reason": "wrong patient", "entered_in_error": True})
    review = record(client, pid, "clinical-reviews", {"reviewed_at": ago(hours=2), "note": "Chest clear."})
    rewritten = amend(
        client,
        "clinical-reviews",
        review["id"],
        {"reason": "crackles missed", "changes": {"note": "Bibasal crackles."}},
    )
    bundle = exported(client, pid)
    (condition,) = of_type(bundle, "Condition")
    assert names(condition) == f"organ-findings/{regraded['id']}"
    assert condition["severity"]["coding"][0]["code"] == "C41340"  # grade 3, no longer grade 2
    assert of_type(bundle, "Procedure") == []
    (impression,) = of_type(bundle, "ClinicalImpression")
    assert (names(impression), impression["summary"]) == (f"clinical-reviews/{rewritten['id']}", "Bibasal crackles.")


def test_the_export_sent_back_stores_no_finding_intervention_or_review_twice(
    client: FlaskClient, make_patient: Callable[..., int], sessions: sessionmaker[Session]
) -> None:
    pid = make_patient()
    record(client, pid, "organ-findings", {"occurred_at": ago(hours=3), "finding": "oliguria", "ctcae_grade": 1})
    record(client, pid, "routine-interventions", {"done_at": ago(hours=20), "item": "aciclovir_prophylaxis"})
    record(client, pid, "clinical-reviews", {"reviewed_at": ago(hours=1), "note": "Well, afebrile."})
    bundle = exported(client, pid)
    response = client.post("/api/v1/fhir", json={**bundle, "type": "batch"})
    assert response.status_code == 200
    answer = response.get_json(force=True)
    sent = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    for resource_type, entry in zip(sent, answer["entry"], strict=True):
        assert entry["response"]["status"] == "200 OK"
        if resource_type in ("Condition", "Procedure", "ClinicalImpression"):
            (issue,) = entry["response"]["outcome"]["issue"]
            assert issue["severity"] == "information" and "cartwatch's own export" in issue["diagnostics"]
    with sessions() as session:
        stored = [
            session.scalar(select(func.count()).select_from(model))
            for model in (OrganFinding, RoutineIntervention, ClinicalReview)
        ]
    assert stored == [1, 1, 1]


@pytest.mark.parametrize(
    ("grade", "code"), [(1, "C41338"), (2, "C41339"), (3, "C41340"), (4, "C41337")], ids=lambda v: str(v)
)
def test_each_ctcae_grade_is_its_nci_thesaurus_code(
    client: FlaskClient, make_patient: Callable[..., int], grade: int, code: str
) -> None:
    pid = make_patient()
    record(client, pid, "organ-findings", {"occurred_at": ago(hours=1), "finding": "oliguria", "ctcae_grade": grade})
    (condition,) = of_type(exported(client, pid), "Condition")
    assert condition["severity"]["coding"][0]["code"] == code
    assert condition["severity"]["text"] == f"CTCAE v4.03 grade {grade}"
