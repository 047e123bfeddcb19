"""The server matches its OpenAPI document: schemathesis against the live app over HTTP, every operation.

A bounded, repeatable run: derandomized, a fixed number of examples per operation, no example database. Every
default check runs: no server error, documented status codes and content types, response schemas, authentication
enforced, and "schema-valid data is accepted". What the document can state, it states (at least one vital sign,
the oxygen device and flow, vasopressors only with hypotension in a CRS assessment, each analyte's units with the
plausible range in that unit, a graded finding's grade, ICE or CAPD or unable to perform, an amendment's changes
(per kind of record: that kind's own fields, with their types, ranges and values) or entered-in-error, a patch that
changes something and clears only what may be cleared, the known vasopressors and ICP findings). What it cannot,
because it depends on stored data or compares two fields, the schema's hooks (`map_body`, `map_path_parameters`,
`map_headers`, `map_case`) map onto this ward's context, each rule named:

- a record is written for a registered patient: a record's patient id is the test patient's (reads and the patch
  keep their generated ids, so unknown patients are still asked for, and answer 404);
- a clinical time lies in this admission and not in the future (the admission is stored data): every time is
  mapped into the last three days (the patient was admitted four days ago);
- a hospital number is not already registered, an Idempotency-Key not already used with another body: each
  request gets a fresh one;
- ICE or CAPD by the patient's age and development (the document says one of the two, or unable to perform): the
  test patient is an adult, so a CAPD score is mapped onto ICE parts;
- a CRS grade needs a temperature unless tocilizumab or steroids were given (the patient's stored treatment):
  none were, so a CRS assessment without one gets 37.0 °C;
- a result is reported after it was collected, a monitoring exception ends after it starts and within 72 h, a
  diastolic pressure is not above the systolic, a reference range's low end is not above its high end: the later
  or higher of each pair is made so.
- an amendment corrects a stored record of the kind its path names, in force and not yet corrected: one is
  written for the test patient (`STORED`) before each amendment, and the generated record id mapped onto it;
- the record as amended (the stored fields with the changes) meets its kind's rules, which read fields the changes
  may leave out: schema-valid changes are made valid for the stored record (`amendment_in_this_ward`): a vital sign
  kept, the oxygen device and flow agreeing, hypotension with vasopressors, ICE (the patient is an adult) unless
  unable to perform, a unit of the analyte with a value in its plausible range, a grade for a graded finding and
  none for haemophagocytosis, and the pairs above in order.

Amendments are also sent schema-invalid (Hypothesis's negative mode, on a stored record): each is refused with a
documented 4xx, and a 422 names every field it refuses.

Two kinds of operation take their documented 422 as an answer to a well-formed request: the FHIR import, whose
content rules are another document's (the FHIR R4 resource definitions, not restated here; a Bundle entry that is
not a valid resource is a 422 with an OperationOutcome naming it), and the alert actions, which refuse an alert
already resolved (its stored state; the 422 names `alert_id`). Their other checks all run.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import pytest
import schemathesis
from dash import Dash
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import BaseWSGIServer, make_server

from dashboard.api_guard import MAX_ID
from dashboard.openapi import openapi_document
from data.audit import Actor
from data.auth import create_token, create_user
from data.models import SchedulerHeartbeat
from data.schemas import NASAL_CANNULAS, VITAL_SIGNS, ICEIn
from tests.integration.conftest import patient_body

EXAMPLES_PER_OPERATION = 12
NEGATIVE_EXAMPLES = 6  # per amendment path: every kind's refusals are seen, and the run stays short
RECENT = timedelta(days=3)  # inside the test patient's admission (four days ago), before now
TIMES = ("taken_at", "assessed_at", "collected_at", "given_at", "occurred_at", "starts_at", "done_at", "reviewed_at")
PATIENT_TIMES = ("admitted_at", "infused_at", "discharged_at")
# Operations whose refusal of a well-formed request is their documented 422 (see the module's docstring): the FHIR
# import (FHIR R4's resource rules) and the alert actions (an alert already resolved: its stored state).
ALERT_ACTIONS = ("acknowledge", "snooze", "resolve")
ACCEPTS_WITH_422 = ("POST /api/v1/fhir", *(f"POST /api/v1/alerts/{{alert_id}}/{action}" for action in ALERT_ACTIONS))
CONFIG = "".join(
    f"""
[[operations]]
include-name = "{name}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
"""
    for name in ACCEPTS_WITH_422
)


def _recent(value: str, now: datetime) -> datetime:
    """A time in the last three days, chosen by the generated value (so different values stay different)."""
    digest = int.from_bytes(hashlib.sha256(value.encode()).digest()[:8], "big")
    return now - timedelta(minutes=1) - timedelta(seconds=digest % int(RECENT.total_seconds()))


def in_this_ward(body: Any, path: str, now: datetime, numbers: Iterator[int]) -> Any:
    """A schema-valid body with its stored-data and two-field rules met (the module's docstring names each)."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    capd = body.get("capd_score")
    if path.endswith("/neuro-assessments") and isinstance(capd, int | float) and not isinstance(capd, bool):
        del body["capd_score"]  # the test patient is an adult: assessed with ICE, not CAPD
        body["ice"] = {**dict.fromkeys(ICEIn.model_fields, int(capd) % 2), "naming": int(capd) % 4}
    if path.endswith("/crs-assessments") and "temperature_c" in body and body["temperature_c"] is None:
        body["temperature_c"] = 37.0  # the test patient has had no tocilizumab or steroids: a temperature is needed
    for name in TIMES:
        if isinstance(body.get(name), str):
            body[name] = _recent(body[name], now).isoformat()
    if isinstance(body.get("reported_at"), str) and isinstance(body.get("collected_at"), str):
        body["reported_at"] = body["collected_at"]
    if isinstance(body.get("ends_at"), str) and isinstance(body.get("starts_at"), str):
        starts = datetime.fromisoformat(body["starts_at"])
        body["ends_at"] = (starts + timedelta(hours=1 + int(starts.timestamp()) % 71)).isoformat()
    if "hospital_number" in body:
        body["hospital_number"] = f"FUZZ{next(numbers):08d}"
    for name in PATIENT_TIMES:
        if isinstance(body.get(name), str):
            body[name] = _recent(body[name], now).isoformat()
    for low, high in (("diastolic_bp", "systolic_bp"), ("reference_low", "reference_high")):
        if isinstance(body.get(low), int | float) and isinstance(body.get(high), int | float):
            body[low], body[high] = sorted((body[low], body[high]))
    return body


AMENDMENT = re.compile(r"^/api/v1/records/(?P<kind>[a-z-]+)/\{record_id\}/amend$")
# The record an amendment corrects: one of each kind, written for the test patient just before the amendment is
# sent (its clinical time, named first, is set then). Normal findings, so that none pages.
STORED: dict[str, tuple[str, dict[str, Any]]] = {
    "observations": (
        "taken_at",
        {
            "temperature_c": 37.1,
            "heart_rate": 82,
            "respiratory_rate": 16,
            "systolic_bp": 124,
            "diastolic_bp": 76,
            "spo2": 97,
            "oxygen_device": "room_air",
            "consciousness": "alert",
        },
    ),
    "crs-assessments": ("assessed_at", {"temperature_c": 37.0, "hypotension": False, "oxygen": "room_air"}),
    "neuro-assessments": (
        "assessed_at",
        {
            "ice": {**dict.fromkeys(ICEIn.model_fields, 1), "naming": 3},
            "consciousness": "alert",
            "seizure": "none",
            "deep_focal_motor_weakness": False,
            "icp_findings": [],
        },
    ),
    "labs": ("collected_at", {"analyte": "crp", "value": 12.0, "unit": "mg/L"}),
    "medications": ("given_at", {"drug": "aciclovir", "dose": 400, "unit": "mg", "route": "PO"}),
    "neuro-events": ("occurred_at", {"event": "cranial_nerve_vi_palsy", "note": "right eye"}),
    "monitoring-exceptions": (
        "starts_at",
        {"ends_at": None, "items": ["bloods"], "reason": "off_ward", "note": "in radiology for a CT scan"},
    ),
    "organ-findings": ("occurred_at", {"finding": "oliguria", "ctcae_grade": 1}),
    "routine-interventions": ("done_at", {"item": "aciclovir_prophylaxis"}),
    "clinical-reviews": ("reviewed_at", {"note": "Examined: chest clear, no focal neurology."}),
}


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def stored_body(kind: str, now: datetime) -> dict[str, Any]:
    """The body of the record an amendment of `kind` corrects, two hours old."""
    time_field, body = STORED[kind]
    at = now - timedelta(hours=2)
    body = {**body, time_field: at.isoformat()}
    if "ends_at" in body:
        body["ends_at"] = (at + timedelta(hours=4)).isoformat()
    return body


def _lab_ranges(document: dict[str, Any]) -> dict[tuple[str, str], tuple[float, float]]:
    """Each analyte's units with the plausible range in that unit, as the document states them (LabIn's oneOf)."""
    ranges = {}
    for case in document["components"]["schemas"]["LabIn"]["oneOf"]:
        names = case["properties"]
        value = names["value"]
        ranges[names["analyte"]["const"], names["unit"]["const"]] = (value["minimum"], value["maximum"])
    return ranges


def amendment_in_this_ward(
    kind: str,
    stored: dict[str, Any],
    changes: dict[str, Any],
    now: datetime,
    numbers: Iterator[int],
    lab_ranges: dict[tuple[str, str], tuple[float, float]],
) -> dict[str, Any]:
    """Schema-valid changes made valid for the stored record (the module's docstring names each rule): the
    record as amended, its stored fields with the changes, passes its kind's rules."""
    changes = in_this_ward(changes, f"/api/v1/patients/0/{kind}", now, numbers)
    merged = {**stored, **changes}

    def change(name: str, value: Any) -> None:
        changes[name] = merged[name] = value

    if kind == "observations":
        if all(merged.get(name) is None for name in VITAL_SIGNS):
            change("heart_rate", stored["heart_rate"])
        device, flow = merged.get("oxygen_device"), merged.get("oxygen_flow_l_min")
        if flow is not None and (device is None or (device == "room_air" and flow > 0)):
            change("oxygen_flow_l_min", None)
        elif device in NASAL_CANNULAS and flow is not None and flow <= 0:
            change("oxygen_flow_l_min", 2.0)
    if kind == "crs-assessments":
        if merged.get("temperature_c") is None:
            change("temperature_c", 37.0)
        other_cause = merged.get("attributable_to_other_cause") or {}
        if merged.get("vasopressors") and not merged["hypotension"] and not other_cause.get("hypotension"):
            change("hypotension", True)
        device, flow = merged["oxygen"], merged.get("oxygen_flow_l_min")
        if device == "room_air" and flow is not None and flow > 0:
            change("oxygen_flow_l_min", None)
        cannula_without_flow = (device == "nasal_cannula" and flow is None) or (
            device in NASAL_CANNULAS and flow is not None and flow <= 0
        )
        if cannula_without_flow and not other_cause.get("hypoxia"):
            change("oxygen_flow_l_min", 2.0)
    if kind == "neuro-assessments":
        if merged.get("unable_to_perform_assessment"):
            change("ice", None)
            change("capd_score", None)
        elif merged.get("ice") is None:
            change("ice", stored["ice"])
    if kind == "labs" and {"analyte", "unit", "value"} & set(changes):
        units = sorted(unit for analyte, unit in lab_ranges if analyte == merged["analyte"])
        if merged["unit"] not in units:
            change("unit", units[0])
        low, high = lab_ranges[merged["analyte"], merged["unit"]]
        if not low <= merged["value"] <= high:
            change("value", low + (high - low) / 2)
    if kind == "organ-findings":
        graded = merged["finding"] != "haemophagocytosis"
        if graded and merged.get("ctcae_grade") is None:
            change("ctcae_grade", 1)
        if not graded and merged.get("ctcae_grade") is not None:
            change("ctcae_grade", None)
    for low, high in (("diastolic_bp", "systolic_bp"), ("reference_low", "reference_high")):
        pair = merged.get(low), merged.get(high)
        if all(isinstance(end, int | float) for end in pair) and pair[0] > pair[1]:  # type: ignore[operator]
            change(low, pair[1])
            change(high, pair[0])
    if merged.get("reported_at") is not None and _time(merged["reported_at"]) < _time(merged["collected_at"]):
        change("reported_at", merged["collected_at"])
    if "ends_at" in merged:
        starts, ends = _time(merged["starts_at"]), _time(merged["ends_at"])
        if not timedelta(0) < ends - starts <= timedelta(hours=72):
            change("ends_at", (starts + timedelta(hours=1 + int(starts.timestamp()) % 71)).isoformat())
    return changes


class Live(NamedTuple):
    base_url: str
    token: str
    patient_id: int
    write: Callable[[str, dict[str, Any]], int]  # a record of a kind written for the test patient: its id


@pytest.fixture
def live(app: Dash, sessions: sessionmaker[Session]) -> Iterator[Live]:
    """The app served over HTTP on a free port, with a doctor's token, one patient and a fresh heartbeat."""
    now = datetime.now(UTC)
    with sessions.begin() as session:
        create_user(session, "fuzz.doctor", "fuzzing-password-2026", "doctor", Actor("tests"), now)
        token = create_token(session, "fuzz.doctor", ["read", "write"], 1, Actor("tests"), now)
        session.add(SchedulerHeartbeat(instance="tests", beat_at=datetime(2100, 1, 1, tzinfo=UTC), details={}))
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = app.server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    created = client.post("/api/v1/patients", json=patient_body())
    assert created.status_code == 201
    patient_id: int = created.get_json()["id"]

    def write(kind: str, body: dict[str, Any]) -> int:
        response = client.post(f"/api/v1/patients/{patient_id}/{kind}", json=body)
        assert response.status_code == 201, response.get_json()
        record_id: int = response.get_json()["id"]
        return record_id

    yield Live(f"http://127.0.0.1:{server.server_port}", token, patient_id, write)
    server.shutdown()
    thread.join()


def names_the_field(_context: Any, response: Any, _case: schemathesis.Case) -> bool | None:
    """A refusal names each bad field (with the allowed range where there is one)."""
    if response.status_code == 422:
        errors = response.json().get("errors")
        assert errors, f"a 422 without the fields it refuses: {response.text}"
        unnamed = [error for error in errors if not error.get("field")]
        assert not unnamed, f"a refusal that names no field: {unnamed}"
    return None


def test_every_operation_answers_as_its_openapi_document_says(live: Live) -> None:
    document = openapi_document()
    schema = schemathesis.openapi.from_dict(document, config=SchemathesisConfig.from_str(CONFIG))
    now, numbers, lab_ranges = datetime.now(UTC), itertools.count(1), _lab_ranges(document)

    @schema.hook("map_body")
    def _in_this_ward(context: Any, body: Any) -> Any:
        return in_this_ward(body, context.operation.path, now, numbers)

    @schema.hook("map_path_parameters")
    def _the_registered_patient(context: Any, parameters: Any) -> Any:
        """A record is written for a registered patient (stored data): the generated id is mapped onto the test
        patient, so every example tests the body. Reads and the patch keep their generated ids (404s included)."""
        operation = context.operation
        if operation.method == "post" and isinstance(parameters, dict) and "patient_id" in parameters:
            parameters = {**parameters, "patient_id": live.patient_id}
        return parameters

    @schema.hook("map_case")
    def _a_stored_record(context: Any, case: schemathesis.Case) -> schemathesis.Case:
        """An amendment corrects a stored record of the kind its path names, in force and not yet corrected
        (stored data): one is written for the test patient, and the generated record id mapped onto it. Changes
        that are schema-valid are made valid for that record (the rules of its kind over the record as amended);
        a negative case keeps its body, to be refused."""
        matched = AMENDMENT.match(context.operation.path)
        record_id = (case.path_parameters or {}).get("record_id")
        if matched is None or not isinstance(record_id, int) or not 1 <= record_id <= MAX_ID:
            return case
        kind = matched["kind"]
        stored = stored_body(kind, now)
        case.path_parameters = {**(case.path_parameters or {}), "record_id": live.write(kind, stored)}
        positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
        changes = case.body.get("changes") if isinstance(case.body, dict) else None
        if positive and isinstance(changes, dict) and changes:
            case.body = {
                **case.body,
                "changes": amendment_in_this_ward(kind, stored, changes, now, numbers, lab_ranges),
            }
        return case

    @schema.hook("map_headers")
    def _fresh_key(_context: Any, headers: Any) -> Any:
        """An Idempotency-Key already stored with another body is refused (stored data): each request its own."""
        if isinstance(headers, dict) and "Idempotency-Key" in headers:
            headers = {**headers, "Idempotency-Key": f"fuzz-{next(numbers)}"}
        return headers

    failures: list[str] = []
    # A discharge ends the recording of the test patient's records: the patch runs after them.
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=lambda o: o.method == "patch")
    assert len(operations) >= 20
    # Amendments are also sent schema-invalid: each is refused with the documented 4xx naming the field.
    runs = [(operation, GenerationMode.POSITIVE) for operation in operations] + [
        (operation, GenerationMode.NEGATIVE) for operation in operations if AMENDMENT.match(operation.path)
    ]
    for operation, mode in runs:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION if mode == GenerationMode.POSITIVE else NEGATIVE_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: schemathesis.Case) -> None:
            amendment = AMENDMENT.match(case.operation.path) is not None
            case.call_and_validate(
                base_url=live.base_url,
                headers={"Authorization": f"Bearer {live.token}"},
                additional_checks=[names_the_field] if amendment else [],
            )

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation runs; failures are listed
            failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert failures == [], "\n\n".join(failures)
