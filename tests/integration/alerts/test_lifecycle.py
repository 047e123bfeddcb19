"""Acknowledge, snooze and resolve: validated, audited, and visible to the board's queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from alerts import lifecycle, queries
from data.audit import ward_version
from data.models import AuditEvent, SchedulerHeartbeat
from data.records import NotFound
from data.validation import InvalidInput
from tests.integration.alerts.conftest import NURSE, Ward, minutes

T = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def alert_id(ward: Ward) -> int:
    pid = ward.admit(T - minutes(60))
    ward.crs(pid, T, grade=1)
    (alert,) = ward.alerts("crs_onset")
    return alert.id


def field_of(error: InvalidInput) -> list[str]:
    return [e.field for e in error.errors]


@pytest.mark.parametrize(
    ("minutes_", "reason", "field", "allowed"),
    [
        (0, "in CT", "minutes", "1-60"),
        (61, "in CT", "minutes", "1-60"),
        (True, "in CT", "minutes", "1-60"),
        (10, "   ", "reason", "1-500"),
        (10, None, "reason", "1-500"),
    ],
    ids=["zero-minutes", "over-the-maximum", "not-a-number", "blank-reason", "no-reason"],
)
def test_a_snooze_needs_a_reason_and_a_length_within_the_maximum(
    ward: Ward, alert_id: int, minutes_: int, reason: str | None, field: str, allowed: str
) -> None:
    with ward.sessions.begin() as session, pytest.raises(InvalidInput) as caught:
        lifecycle.snooze(session, alert_id, minutes_, reason, NURSE, T, settings=ward.settings)  # type: ignore[arg-type]
    assert field_of(caught.value) == [field]
    assert allowed in caught.value.errors[0].allowed


def test_the_snooze_maximum_is_configuration(ward: Ward, alert_id: int) -> None:
    ward.configure(snooze_max_minutes=120)
    with ward.sessions.begin() as session:
        alert = lifecycle.snooze(session, alert_id, 120, "awaiting review", NURSE, T, settings=ward.settings)
    assert alert.snoozed_until == T + timedelta(minutes=120)
    assert alert.snooze_reason == "awaiting review"


def test_resolving_needs_a_reason_and_a_resolved_alert_cannot_be_acknowledged(ward: Ward, alert_id: int) -> None:
    with ward.sessions.begin() as session, pytest.raises(InvalidInput) as caught:
        lifecycle.resolve(session, alert_id, "", NURSE, T)
    assert field_of(caught.value) == ["reason"]
    with ward.sessions.begin() as session:
        resolved = lifecycle.resolve(session, alert_id, "reviewed by registrar", NURSE, T + minutes(5))
        assert (resolved.status, resolved.resolved_by) == ("resolved", "nurse.jones")
    with ward.sessions.begin() as session, pytest.raises(InvalidInput) as caught:
        lifecycle.acknowledge(session, alert_id, NURSE, T + minutes(6), settings=ward.settings)
    assert field_of(caught.value) == ["alert_id"]


def test_an_unknown_alert_is_not_found(ward: Ward) -> None:
    with ward.sessions.begin() as session, pytest.raises(NotFound):
        lifecycle.acknowledge(session, 999, NURSE, T, settings=ward.settings)


def test_every_change_is_an_audit_event_and_bumps_the_ward(ward: Ward, alert_id: int) -> None:
    with ward.sessions() as session:
        before = ward_version(session, "Ward 33")
    with ward.sessions.begin() as session:
        lifecycle.acknowledge(session, alert_id, NURSE, T + minutes(1), settings=ward.settings)
        lifecycle.acknowledge(session, alert_id, NURSE, T + minutes(2), settings=ward.settings)  # no change
        lifecycle.snooze(session, alert_id, 15, "family meeting", NURSE, T + minutes(3), settings=ward.settings)
        lifecycle.resolve(session, alert_id, "CRS settled", NURSE, T + minutes(4))
    with ward.sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "alert").order_by(AuditEvent.id)
        ).all()
        assert [(e.action, e.actor) for e in events] == [
            ("alert_raise", "system"),
            ("alert_acknowledge", "nurse.jones"),
            ("alert_snooze", "nurse.jones"),
            ("alert_resolve", "nurse.jones"),
        ]
        assert events[2].details["reason"] == "family meeting"
        assert ward_version(session, "Ward 33") == before + 3


def test_open_alerts_lists_the_most_severe_first_and_filters_by_ward(ward: Ward) -> None:
    first = ward.admit(T - minutes(60))
    other = ward.admit(T - minutes(60), ward="Ward 34")
    ward.crs(first, T, grade=1)
    ward.crs(first, T + minutes(5), grade=3)
    ward.crs(other, T + minutes(6), grade=2)
    with ward.sessions() as session:
        listed = queries.open_alerts(session, T + minutes(10))
        # the first patient's onset (grade 1) was closed by the rise to grade 3: one open alert per syndrome
        assert [(a.kind, a.severity) for a in listed] == [("crs_rise", "critical"), ("crs_onset", "urgent")]
        assert [a.patient_id for a in queries.open_alerts(session, T + minutes(10), ward="Ward 34")] == [other]


def test_open_alerts_leaves_out_resolved_alerts_and_patients_already_discharged(ward: Ward) -> None:
    pid = ward.admit(T - minutes(60))
    ward.crs(pid, T, grade=1)
    ward.discharge(pid, T + minutes(5))
    with ward.sessions() as session:
        assert queries.open_alerts(session, T + minutes(6)) == []


def test_alert_history_lists_each_page_with_its_attempts(ward: Ward, alert_id: int) -> None:
    ward.deliver(T)
    with ward.sessions() as session:
        history = queries.alert_history(session, alert_id)
        assert [(delivery.recipient, delivery.status) for delivery, _ in history] == [
            ("bedside_nurse", "sent"),
            ("cart_registrar", "sent"),
        ]
        assert [[a.outcome for a in attempts] for _, attempts in history] == [["sent"], ["sent"]]
        assert queries.alert_history(session, 999) == []


def test_heartbeat_age_is_none_before_the_first_sweep_and_stale_after_the_limit(ward: Ward) -> None:
    with ward.sessions() as session:
        assert queries.heartbeat_age_seconds(session, T) is None
        assert queries.is_heartbeat_stale(session, T, ward.settings)
    with ward.sessions.begin() as session:
        session.add(SchedulerHeartbeat(instance="test", beat_at=T, details={}))
    with ward.sessions() as session:
        assert queries.heartbeat_age_seconds(session, T + timedelta(seconds=90)) == 90
        assert not queries.is_heartbeat_stale(session, T + timedelta(seconds=120), ward.settings)
        assert queries.is_heartbeat_stale(session, T + timedelta(seconds=121), ward.settings)
