"""The server matches its OpenAPI document: schemathesis against the live app over HTTP, every operation.

A bounded, repeatable run: derandomized, a fixed number of examples per operation, no example database. Every
default check runs: no server error, documented status codes and content types, response schemas, authentication
enforced, and "schema-valid data is accepted". What the document can state, it states (at least one vital sign,
the oxygen device and flow, each analyte's units with the plausible range in that unit, a graded finding's grade,
ICE or CAPD or unable to perform, an amendment's changes or entered-in-error, a patch that changes something, the
known vasopressors and ICP findings). What it cannot, because it depends on stored data or compares two fields,
the schema's hooks (`map_body`, `map_path_parameters`, `map_headers`) map onto this ward's context, each rule named:

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

Two kinds of operation take their documented 422 as an answer to a well-formed request: the FHIR import, whose
content rules are another document's (the FHIR R4 resource definitions, not restated here; a Bundle entry that is
not a valid resource is a 422 with an OperationOutcome naming it), and the alert actions, which refuse an alert
already resolved (its stored state; the 422 names `alert_id`). Their other checks all run.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from dash import Dash
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.config import SchemathesisConfig
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import BaseWSGIServer, make_server

from dashboard.openapi import openapi_document
from data.audit import Actor
from data.auth import create_token, create_user
from data.models import SchedulerHeartbeat
from data.schemas import ICEIn
from tests.integration.conftest import patient_body

EXAMPLES_PER_OPERATION = 12
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
    if path.endswith("/crs-assessments") and body.get("temperature_c") is None:
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


@pytest.fixture
def live(app: Dash, sessions: sessionmaker[Session]) -> Iterator[tuple[str, str, int]]:
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
    created = client.post("/api/v1/patients", json=patient_body(), headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201
    yield f"http://127.0.0.1:{server.server_port}", token, created.get_json()["id"]
    server.shutdown()
    thread.join()


def test_every_operation_answers_as_its_openapi_document_says(live: tuple[str, str, int]) -> None:
    base_url, token, patient_id = live
    schema = schemathesis.openapi.from_dict(openapi_document(), config=SchemathesisConfig.from_str(CONFIG))
    now, numbers = datetime.now(UTC), itertools.count(1)

    @schema.hook("map_body")
    def _in_this_ward(context: Any, body: Any) -> Any:
        return in_this_ward(body, context.operation.path, now, numbers)

    @schema.hook("map_path_parameters")
    def _the_registered_patient(context: Any, parameters: Any) -> Any:
        """A record is written for a registered patient (stored data): the generated id is mapped onto the test
        patient, so every example tests the body. Reads and the patch keep their generated ids (404s included)."""
        operation = context.operation
        if operation.method == "post" and isinstance(parameters, dict) and "patient_id" in parameters:
            parameters = {**parameters, "patient_id": patient_id}
        return parameters

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
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=base_url,
                headers={"Authorization": f"Bearer {token}"},
            )

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation runs; failures are listed
            failures.append(f"{operation.label}: {exc}")
    assert failures == []
