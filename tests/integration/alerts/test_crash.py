"""A crash loses no page and doubles none: a sweep is one transaction, an alert's key is unique, a claimed page
whose sender died is sent again once its claim expires."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, event

from alerts.channels import Channels
from alerts.delivery import claim_due
from tests.integration.alerts.conftest import Ward, minutes

T = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


class Crash(RuntimeError):
    pass


@contextmanager
def crash_on_statement(engine: Engine, starts_with: str, nth: int) -> Iterator[None]:
    """Fail the ``nth`` statement beginning with ``starts_with``, as if the process died there."""
    seen = 0

    def maybe_crash(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal seen
        if statement.lstrip().upper().startswith(starts_with):
            seen += 1
            if seen == nth:
                raise Crash(f"simulated crash at statement {seen}: {statement[:40]}")

    event.listen(engine, "before_cursor_execute", maybe_crash)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", maybe_crash)


@pytest.fixture
def patients(webhook_ward: Ward) -> list[int]:
    """Three patients with everything overdue."""
    return [webhook_ward.admit(T - timedelta(hours=12), hospital_number=f"RTD00000{i}") for i in range(3)]


def references(receiver: HTTPServer) -> list[tuple[str, str]]:
    pages = [json.loads(request.get_data()) for request, _ in receiver.log]
    return [(page["reference"], page["recipient"]) for page in pages]


def test_a_sweep_that_dies_midway_leaves_nothing_and_the_restarted_sweep_pages_each_alert_once(
    webhook_ward: Ward, receiver: HTTPServer, engine: Engine, patients: list[int]
) -> None:
    with crash_on_statement(engine, "INSERT INTO ALERT_DELIVERIES", 5), pytest.raises(Crash):
        webhook_ward.sweep(T)
    assert webhook_ward.alerts() == [] and webhook_ward.deliveries() == []
    report = webhook_ward.sweep(T)
    assert len(report.raised) == len(webhook_ward.alerts()) >= 3 * 4
    webhook_ward.sweep(T + minutes(1))
    webhook_ward.deliver(T + minutes(1))
    webhook_ward.deliver(T + minutes(2))
    sent = references(receiver)
    assert len(sent) == len(set(sent)) == len(webhook_ward.deliveries())
    assert {reference for reference, _ in sent} == {a.reference for a in webhook_ward.alerts()}


def test_a_page_sent_by_a_worker_that_died_before_marking_it_is_sent_again_never_lost(
    webhook_ward: Ward, receiver: HTTPServer, patients: list[int]
) -> None:
    pid = patients[0]
    webhook_ward.crs(pid, T, grade=1)
    (alert,) = webhook_ward.alerts("crs_onset")
    # The worker claims and sends, then dies before it can mark the row sent.
    with webhook_ward.sessions.begin() as session:
        jobs = [job for job in claim_due(session, T, webhook_ward.config) if job.alert_id == alert.id]
    with Channels(webhook_ward.config) as channels:
        channels.send(jobs[0].channel, jobs[0].address, jobs[0].payload, jobs[0].id)
    # Another pass while the claim holds does not send it; after the claim expires it is sent and marked.
    claim = webhook_ward.config.claim
    assert jobs[0].id not in webhook_ward.deliver(T + claim - timedelta(seconds=1)).sent
    assert jobs[0].id in webhook_ward.deliver(T + claim + timedelta(seconds=1)).sent
    assert references(receiver).count((alert.reference, "bedside_nurse")) == 2
    assert jobs[0].id not in webhook_ward.deliver(T + 2 * claim).sent
