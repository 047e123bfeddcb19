"""FHIR R4 in and out over the API: bundles as a monitor, a laboratory and e-prescribing send them."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from data.models import Alert, AlertDelivery, LabResult, MedicationAdministration, Observation, Patient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
HOSPITAL_NUMBER_SYSTEM = "https://trust.example.nhs.uk/Id/hospital-number"


def at(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).replace(microsecond=0).isoformat()


def fixture(name: str, **times: str) -> dict[str, Any]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for placeholder, value in times.items():
        text = text.replace("{{" + placeholder + "}}", value)
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def post(client: FlaskClient, bundle: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = client.post("/api/v1/fhir", json=bundle)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/fhir+json"
    body: dict[str, Any] = response.get_json(force=True)
    return body


def statuses(answer: dict[str, Any]) -> list[str]:
    return [entry["response"]["status"] for entry in answer["entry"]]


def diagnostics(entry: dict[str, Any]) -> str:
    return " | ".join(issue["diagnostics"] for issue in entry["response"].get("outcome", {}).get("issue", []))


def count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def admission(**overrides: str) -> dict[str, Any]:
    times = {"ADMITTED": at(days=2), "INFUSED": at(days=1), "T1": at(hours=3), "T2": at(hours=1)}
    return fixture("labs-admission-transaction.json", **(times | overrides))


def test_a_monitor_batch_becomes_one_obs_set_in_canonical_units_and_an_unknown_code_is_reported(
    client: FlaskClient, make_patient: Callable[..., int], sessions: sessionmaker[Session]
) -> None:
    pid = make_patient(hospital_number="RTD1234567")
    answer = post(client, fixture("monitor-vitals-batch.json", T1=at(minutes=30)))
    assert answer["type"] == "batch-response"
    assert statuses(answer) == ["201 Created"] * 5 + ["200 OK"]
    assert "8478-0" in diagnostics(answer["entry"][5]) and "not one cartwatch stores" in diagnostics(answer["entry"][5])
    with sessions() as session:
        (obs,) = session.scalars(select(Observation).where(Observation.patient_id == pid)).all()
    assert obs.temperature_c == pytest.approx(38.78)  # 101.8 °F
    assert (obs.heart_rate, obs.respiratory_rate, obs.systolic_bp, obs.diastolic_bp, obs.spo2) == (118, 24, 104, 61, 95)
    assert obs.fio2 == pytest.approx(0.28)  # 28 %
    assert obs.oxygen_device is None  # a monitor does not say, and cartwatch does not assume room air
    assert obs.source == "import" and obs.late_entry is False


def test_a_repeated_bundle_stores_nothing_twice(
    client: FlaskClient, make_patient: Callable[..., int], sessions: sessionmaker[Session]
) -> None:
    make_patient(hospital_number="RTD1234567")
    bundle = fixture("monitor-vitals-batch.json", T1=at(minutes=30))
    post(client, bundle)
    again = post(client, bundle)
    assert statuses(again) == ["200 OK"] * 6
    assert "already stored" in diagnostics(again["entry"][0])
    assert count(sessions, Observation) == 1


def test_a_transaction_registers_the_patient_and_stores_labs_converted_with_their_reference_ranges(
    client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    answer = post(client, admission())
    assert answer["type"] == "transaction-response"
    assert statuses(answer) == ["201 Created"] * 8
    with sessions() as session:
        patient = session.scalars(select(Patient)).one()
        labs = {lab.analyte: lab for lab in session.scalars(select(LabResult))}
        (dose,) = session.scalars(select(MedicationAdministration)).all()
    assert (patient.hospital_number, patient.ward, patient.bed, patient.name) == (
        "RTD7654321",
        "Ward 33",
        "7",
        "Grace Okafor",
    )
    assert answer["entry"][0]["response"]["location"] == f"Patient/{patient.id}"
    got = {name: (lab.value, lab.unit, lab.reference_low, lab.reference_high) for name, lab in labs.items()}
    assert got["ferritin"] == (12850, "ng/mL", 15, 150)
    assert got["crp"] == (pytest.approx(186.0), "mg/L", None, pytest.approx(5.0))  # mg/dL x 10
    assert got["creatinine"][:2] == (pytest.approx(114.92, rel=1e-3), "umol/L")  # 113.12 g/mol
    assert got["creatinine"][2:] == (pytest.approx(53.04, rel=1e-3), pytest.approx(97.24, rel=1e-3))
    assert got["white_cells"][:2] == (pytest.approx(2.4), "10*9/L")  # 10*3/uL
    assert got["haemoglobin"][:2] == (pytest.approx(91.0), "g/L")  # g/dL
    assert got["bilirubin"][:2] == (pytest.approx(21.0), "umol/L")  # mmol/L
    assert (labs["crp"].original_value, labs["crp"].original_unit) == (18.6, "mg/dL")
    assert (dose.drug, dose.dose, dose.unit, dose.route) == ("tocilizumab", 512, "mg", "IV")


def test_an_imported_ferritin_over_10000_pages_like_a_typed_one(
    client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    post(client, admission())
    with sessions() as session:
        kinds = {alert.kind for alert in session.scalars(select(Alert))}
        pages = session.scalar(select(func.count()).select_from(AlertDelivery))
    assert "ferritin_over_10000" in kinds
    assert pages


def test_an_imported_fever_with_low_blood_pressure_pages_at_once(
    client: FlaskClient, make_patient: Callable[..., int], sessions: sessionmaker[Session]
) -> None:
    make_patient(hospital_number="RTD1234567")
    bundle = fixture("monitor-vitals-batch.json", T1=at(minutes=30))
    bundle["entry"][3]["resource"]["component"][0]["valueQuantity"]["value"] = 82  # systolic below 90
    post(client, bundle)
    with sessions() as session:
        alerts = session.scalars(select(Alert)).all()
    # no neutrophil count on file: the fever is also treated as a neutropenic fever (docs/clinical-rules.md)
    assert sorted((a.kind, a.grade or 0) for a in alerts) == [("crs_provisional", 2), ("neutropenic_fever", 0)]


def test_a_transaction_with_one_bad_resource_stores_nothing_and_names_it(
    client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    bundle = admission()
    bundle["entry"][2]["resource"]["valueQuantity"] = {"value": 18.6, "unit": "mmol/L", "code": "mmol/L"}
    del bundle["entry"][2]["resource"]["referenceRange"]
    answer = post(client, bundle, status=422)
    assert answer["resourceType"] == "OperationOutcome"
    (issue,) = answer["issue"]
    assert issue["expression"] == ["Bundle.entry[2].resource.valueQuantity"]
    assert "mmol/L" in issue["diagnostics"] and "crp" in issue["diagnostics"]
    assert count(sessions, Patient) == 0 and count(sessions, LabResult) == 0


def test_a_batch_reports_each_resource_it_cannot_store_and_stores_the_rest(
    client: FlaskClient, make_patient: Callable[..., int], sessions: sessionmaker[Session]
) -> None:
    make_patient(hospital_number="RTD1234567")
    bundle = fixture("monitor-vitals-batch.json", T1=at(minutes=30))
    entries = bundle["entry"]
    malformed = copy.deepcopy(entries[1])
    malformed["resource"]["valueQuantity"]["value"] = "one hundred"
    date_only = copy.deepcopy(entries[0])
    date_only["resource"]["identifier"][0]["value"] = "MON-DATE-ONLY"
    date_only["resource"]["effectiveDateTime"] = at(hours=5)[:10]
    stranger = copy.deepcopy(entries[0])
    stranger["resource"]["identifier"][0]["value"] = "MON-STRANGER"
    stranger["resource"]["subject"]["identifier"]["value"] = "NOSUCH999"
    preliminary = copy.deepcopy(entries[0])
    preliminary["resource"]["identifier"][0]["value"] = "MON-PRELIM"
    preliminary["resource"]["status"] = "preliminary"
    other_type = {"resource": {"resourceType": "Encounter", "status": "in-progress", "class": {"code": "IMP"}}}
    bundle["entry"] = [entries[0], malformed, date_only, stranger, preliminary, other_type]
    answer = post(client, bundle)
    unprocessable = "422 Unprocessable Entity"
    assert statuses(answer) == ["201 Created", unprocessable, unprocessable, "404 Not Found", "200 OK", "200 OK"]
    issue = answer["entry"][1]["response"]["outcome"]["issue"][0]
    assert issue["expression"] == ["Bundle.entry[1].resource.valueQuantity.value"]
    assert "a date and time" in diagnostics(answer["entry"][2])
    assert "NOSUCH999" in diagnostics(answer["entry"][3])
    assert "preliminary" in diagnostics(answer["entry"][4])
    assert "Encounter is not imported" in diagnostics(answer["entry"][5])
    assert count(sessions, Observation) == 1


def test_amended_and_entered_in_error_resources_correct_the_stored_obs_set(
    client: FlaskClient, make_patient: Callable[..., int], sessions: sessionmaker[Session]
) -> None:
    pid = make_patient(hospital_number="RTD1234567")
    bundle = fixture("monitor-vitals-batch.json", T1=at(minutes=30))
    post(client, bundle)
    amended = copy.deepcopy(bundle["entry"][0])
    amended["resource"]["status"] = "amended"
    amended["resource"]["valueQuantity"] = {"value": 37.9, "unit": "Cel", "code": "Cel"}
    withdrawn = copy.deepcopy(bundle["entry"][1])
    withdrawn["resource"]["status"] = "entered-in-error"
    answer = post(client, {"resourceType": "Bundle", "type": "batch", "entry": [amended, withdrawn]})
    assert statuses(answer) == ["200 OK", "200 OK"], answer
    with sessions() as session:
        rows = session.scalars(select(Observation).where(Observation.patient_id == pid).order_by(Observation.id))
        current = [row for row in rows.all() if not row.entered_in_error][-1]
    assert current.temperature_c == pytest.approx(37.9)
    assert current.heart_rate is None  # withdrawn by the sender
    assert current.respiratory_rate == 24
    assert current.amendment_reason is not None and "sender" in current.amendment_reason
    # Sent as final again with other values, an identifier already imported is refused, not overwritten.
    changed = copy.deepcopy(bundle["entry"][2])
    changed["resource"]["valueQuantity"]["value"] = 30
    answer = post(client, {"resourceType": "Bundle", "type": "batch", "entry": [changed]})
    assert statuses(answer) == ["409 Conflict"]
    assert "correction" in diagnostics(answer["entry"][0])


def test_the_export_round_trips_what_was_imported_and_is_valid_r4(
    client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    post(client, admission())
    with sessions() as session:
        patient_id = session.scalars(select(Patient.id)).one()
    vitals = fixture("monitor-vitals-batch.json", T1=at(minutes=30))
    for entry in vitals["entry"]:
        entry["resource"]["subject"] = {"reference": f"Patient/{patient_id}"}
    post(client, vitals)
    response = client.get(f"/api/v1/patients/{patient_id}/fhir")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    exported = response.get_json(force=True)
    Bundle.model_validate(exported)
    resources = [entry["resource"] for entry in exported["entry"]]
    (patient,) = [r for r in resources if r["resourceType"] == "Patient"]
    assert patient["identifier"][0]["value"] == "RTD7654321"

    def by_code(code: str) -> dict[str, Any]:
        (found,) = [r for r in resources if r.get("code", {}).get("coding", [{}])[0].get("code") == code]
        return found

    ferritin = by_code("2276-4")
    assert ferritin["valueQuantity"]["value"] == 12850
    assert ferritin["referenceRange"] == [
        {
            "low": {"value": 15.0, "unit": "ng/mL", "system": "http://unitsofmeasure.org", "code": "ng/mL"},
            "high": {"value": 150.0, "unit": "ng/mL", "system": "http://unitsofmeasure.org", "code": "ng/mL"},
        }
    ]
    assert by_code("1988-5")["valueQuantity"]["value"] == pytest.approx(186.0)
    assert by_code("8310-5")["valueQuantity"] == {
        "value": pytest.approx(38.78),
        "unit": "Cel",
        "system": "http://unitsofmeasure.org",
        "code": "Cel",
    }
    pressure = by_code("85354-9")["component"]
    assert [c["valueQuantity"]["value"] for c in pressure] == [104, 61]
    (dose,) = [r for r in resources if r["resourceType"] == "MedicationAdministration"]
    assert dose["dosage"]["dose"]["value"] == 512 and dose["dosage"]["route"]["coding"][0]["code"] == "47625008"
    # Imported back, the export is recognised as what is already here: nothing is stored twice.
    before = (count(sessions, Observation), count(sessions, LabResult))
    again = post(client, {**exported, "type": "batch"})
    assert set(statuses(again)) == {"200 OK"}
    assert (count(sessions, Observation), count(sessions, LabResult)) == before


def test_the_export_gives_crs_and_icans_grades_with_their_reasons(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    body = {"assessed_at": at(minutes=20), "temperature_c": 38.6, "hypotension": False, "oxygen": "room_air"}
    stored = client.post(f"/api/v1/patients/{pid}/crs-assessments", json=body).get_json()
    exported = client.get(f"/api/v1/patients/{pid}/fhir").get_json(force=True)
    (grade,) = [
        e["resource"]
        for e in exported["entry"]
        if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "crs-grade"
    ]
    assert grade["valueInteger"] == stored["grade"] == 1
    notes = [note["text"] for note in grade["note"]]
    assert notes[: len(stored["reasons"])] == stored["reasons"]
    assert any("ASTCT" in note for note in notes)
    # A grade sent back is not imported: cartwatch computes grades itself.
    answer = post(client, {"resourceType": "Bundle", "type": "batch", "entry": [{"resource": grade}]})
    assert "computed by cartwatch" in diagnostics(answer["entry"][0])


def test_a_patient_on_another_ward_cannot_be_exported_and_an_unknown_one_is_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/patients/999/fhir")
    assert response.status_code == 404
    assert response.get_json(force=True)["resourceType"] == "OperationOutcome"


def test_a_body_that_is_not_a_bundle_is_refused(client: FlaskClient) -> None:
    answer = post(client, {"resourceType": "Observation"}, status=422)
    assert "Bundle" in answer["issue"][0]["diagnostics"]
    answer = post(client, {"resourceType": "Bundle", "type": "searchset"}, status=422)
    assert answer["issue"][0]["expression"] == ["Bundle.type"]


def test_the_same_identifier_twice_in_one_bundle_is_stored_once(
    client: FlaskClient, make_patient: Callable[..., int], sessions: sessionmaker[Session]
) -> None:
    make_patient(hospital_number="RTD1234567")
    bundle = fixture("monitor-vitals-batch.json", T1=at(minutes=30))
    bundle["entry"] = [bundle["entry"][0], copy.deepcopy(bundle["entry"][0])]
    answer = post(client, bundle)
    assert statuses(answer) == ["201 Created", "200 OK"]
    assert "the same identifier as Bundle.entry[0]" in diagnostics(answer["entry"][1])
    assert count(sessions, Observation) == 1
