"""The FHIR export of neurological events (exam Observation, the ICANS grade of the event's domain as a
component) and monitoring exceptions (Flag for the period, active until it ends): recorded through the API,
exported, valid R4, corrected and withdrawn as the other kinds are, and recognised, not stored, when sent back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from data.models import MonitoringException, NeuroEvent
from tests.integration.conftest import ago
from tests.integration.test_fhir_export_records import amend, names, of_type, record, same_instant

EXTENSION = "https://cartwatch.example/fhir/StructureDefinition"
NEURO_EVENT_SYSTEM = "https://cartwatch.example/fhir/CodeSystem/neuro-event"
REASON_SYSTEM = "https://cartwatch.example/fhir/CodeSystem/monitoring-exception-reason"
ITEM_SYSTEM = "https://cartwatch.example/fhir/CodeSystem/monitoring-item"


def ahead(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def exported(client: FlaskClient, patient_id: int) -> dict[str, Any]:
    """The patient's Bundle, checked against the R4B models as a whole and each Observation and Flag alone."""
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.flag import Flag
    from fhir.resources.R4B.observation import Observation

    response = client.get(f"/api/v1/patients/{patient_id}/fhir")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle: dict[str, Any] = response.get_json(force=True)
    Bundle.model_validate(bundle)
    models = {"Observation": Observation, "Flag": Flag}
    for entry in bundle["entry"]:
        model = models.get(entry["resource"]["resourceType"])
        if model is not None:
            model.model_validate(entry["resource"])
    return bundle


def neuro_events(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in of_type(bundle, "Observation") if names(o).startswith("neuro-events/")]


def exception(**overrides: Any) -> dict[str, Any]:
    body = {
        "starts_at": ago(hours=1),
        "ends_at": ahead(hours=1),
        "items": ["obs", "crs"],
        "reason": "off_ward",
        "note": "in CT",
    }
    return body | overrides


def test_a_neurological_event_is_an_exam_observation_with_the_icans_grade_of_its_domain(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    seizure = record(
        client,
        pid,
        "neuro-events",
        {"occurred_at": ago(minutes=40), "event": "prolonged_over_5_min", "note": "lorazepam 4 mg IV given"},
    )
    icp = record(client, pid, "neuro-events", {"occurred_at": ago(minutes=10), "event": "focal_local_edema"})
    found = {names(o): o for o in neuro_events(exported(client, pid))}
    assert set(found) == {f"neuro-events/{seizure['id']}", f"neuro-events/{icp['id']}"}
    status = found[f"neuro-events/{seizure['id']}"]
    assert status["status"] == "final"
    assert status["category"][0]["coding"][0]["code"] == "exam"
    assert status["code"]["coding"] == [
        {
            "system": NEURO_EVENT_SYSTEM,
            "code": "prolonged_over_5_min",
            "display": "Status epilepticus: life-threatening prolonged seizure > 5 min",
        }
    ]
    assert status["valueBoolean"] is True
    (grade,) = status["component"]
    assert grade["code"]["coding"][0]["code"] == "icans-domain-grade" and grade["valueInteger"] == 4
    assert same_instant(status["effectiveDateTime"], seizure["occurred_at"])
    assert same_instant(status["issued"], seizure["recorded_at"])
    assert status["performer"] == [{"display": "api.doctor"}]
    assert status["subject"] == {"reference": f"Patient/{pid}"}
    assert status["note"] == [{"text": "lorazepam 4 mg IV given"}]
    oedema = found[f"neuro-events/{icp['id']}"]
    assert oedema["code"]["text"] == "New raised-ICP finding: focal/local oedema on neuroimaging"
    assert oedema["component"][0]["valueInteger"] == 3
    assert "note" not in oedema


def test_a_monitoring_exception_is_a_flag_for_its_period_with_the_reason_and_the_items_not_due(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    stored = record(client, pid, "monitoring-exceptions", exception())
    (flag,) = of_type(exported(client, pid), "Flag")
    assert names(flag) == f"monitoring-exceptions/{stored['id']}"
    assert flag["status"] == "active"  # it has not ended: a receiver showing current flags shows it
    assert flag["category"][0]["coding"][0]["code"] == "clinical"
    assert flag["code"]["coding"] == [{"system": REASON_SYSTEM, "code": "off_ward", "display": "patient off the ward"}]
    assert flag["code"]["text"] == "Monitoring exception (patient off the ward): obs, CRS assessment not due. in CT"
    assert same_instant(flag["period"]["start"], stored["starts_at"])
    assert same_instant(flag["period"]["end"], stored["ends_at"])
    assert flag["extension"] == [
        {"url": f"{EXTENSION}/monitoring-item", "valueCoding": {"system": ITEM_SYSTEM, "code": c, "display": d}}
        for c, d in (("obs", "obs"), ("crs", "CRS assessment"))
    ]
    assert flag["author"] == {"display": "api.doctor"}
    assert flag["subject"] == {"reference": f"Patient/{pid}"}


def test_a_monitoring_exception_that_has_ended_is_an_inactive_flag(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    body = exception(starts_at=ago(hours=5), ends_at=ago(hours=3), items=["bloods"], reason="refused")
    record(client, pid, "monitoring-exceptions", body)
    (flag,) = of_type(exported(client, pid), "Flag")
    assert flag["status"] == "inactive"
    assert flag["code"]["coding"][0]["code"] == "refused"


def test_a_corrected_event_or_exception_is_exported_as_its_current_version_and_one_entered_in_error_not_at_all(
    client: FlaskClient, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    event = record(client, pid, "neuro-events", {"occurred_at": ago(hours=2), "event": "papilledema"})
    amend(client, "neuro-events", event["id"], {"reason": "fundoscopy was the other patient", "entered_in_error": True})
    seizure = record(
        client, pid, "neuro-events", {"occurred_at": ago(hours=1), "event": "clinical_seizure_resolved_rapidly"}
    )
    prolonged = amend(
        client, "neuro-events", seizure["id"], {"reason": "lasted 7 min", "changes": {"event": "prolonged_over_5_min"}}
    )
    paused = record(client, pid, "monitoring-exceptions", exception())
    ended = amend(
        client,
        "monitoring-exceptions",
        paused["id"],
        {"reason": "back on the ward", "changes": {"ends_at": ago(minutes=5)}},
    )
    bundle = exported(client, pid)
    (observation,) = neuro_events(bundle)
    assert names(observation) == f"neuro-events/{prolonged['id']}"
    assert observation["code"]["coding"][0]["code"] == "prolonged_over_5_min"
    (flag,) = of_type(bundle, "Flag")
    assert names(flag) == f"monitoring-exceptions/{ended['id']}"
    assert flag["status"] == "inactive" and same_instant(flag["period"]["end"], ended["ends_at"])


def test_the_export_sent_back_stores_no_neurological_event_or_monitoring_exception_twice(
    client: FlaskClient, make_patient: Callable[..., int], sessions: sessionmaker[Session]
) -> None:
    pid = make_patient()
    record(client, pid, "neuro-events", {"occurred_at": ago(hours=1), "event": "deep_focal_motor_weakness"})
    record(client, pid, "monitoring-exceptions", exception())
    bundle = exported(client, pid)
    response = client.post("/api/v1/fhir", json={**bundle, "type": "batch"})
    assert response.status_code == 200
    answer = response.get_json(force=True)
    own = 0
    for sent, entry in zip(bundle["entry"], answer["entry"], strict=True):
        assert entry["response"]["status"] == "200 OK"
        if sent["resource"]["id"].startswith(("neuro-event-", "exception-")):
            (issue,) = entry["response"]["outcome"]["issue"]
            assert issue["severity"] == "information" and "cartwatch's own export" in issue["diagnostics"]
            own += 1
    assert own == 2
    with sessions() as session:
        stored = [session.scalar(select(func.count()).select_from(m)) for m in (NeuroEvent, MonitoringException)]
    assert stored == [1, 1]
