"""The server matches its OpenAPI document: schemathesis against the live app over HTTP, every operation.

A bounded, repeatable run: derandomized, a fixed number of examples per operation, no example database. Every
default check runs (no server error, documented status codes and content types, response schemas, invalid data
refused, authentication enforced) except one: "schema-valid data is accepted". The clinical rules that refuse a
well-formed request (a time before this admission, a hospital number already registered, a unit that cannot be
converted for the analyte, an obs set with no vital sign) depend on stored data or on several fields at once and
cannot be stated in JSON Schema; the document names each such refusal as a 422 instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import schemathesis
from dash import Dash
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import BaseWSGIServer, make_server

from dashboard.openapi import openapi_document
from data.audit import Actor
from data.auth import create_token, create_user
from data.models import SchedulerHeartbeat
from tests.integration.conftest import patient_body

EXAMPLES_PER_OPERATION = 12


@pytest.fixture
def live(app: Dash, sessions: sessionmaker[Session]) -> Iterator[tuple[str, str]]:
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
    yield f"http://127.0.0.1:{server.server_port}", token
    server.shutdown()
    thread.join()


def test_every_operation_answers_as_its_openapi_document_says(live: tuple[str, str]) -> None:
    base_url, token = live
    schema = schemathesis.openapi.from_dict(openapi_document())
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
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
                excluded_checks=[positive_data_acceptance],
            )

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation runs; failures are listed
            failures.append(f"{operation.label}: {exc}")
    assert failures == []
