"""Escalation chains against a real HTTP receiver: step up while unacknowledged, stop when acknowledged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from alerts import lifecycle, queries
from alerts.plan import plan_sweep
from alerts.snapshot import load_snapshot
from alerts.store import apply_plan
from data import records
from data.audit import Actor
from tests.integration.alerts.conftest import NURSE, Ward, minutes

T = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
NIC = Actor("nic.smith", role="nurse_in_charge", source="form")


def pages(receiver: HTTPServer) -> list[dict[str, Any]]:
    return [json.loads(request.get_data()) for request, _ in receiver.log]


def sent_to(receiver: HTTPServer) -> list[tuple[str, str]]:
    return [(page["recipient"], page["action"]) for page in pages(receiver)]


@pytest.fixture
def critical(webhook_ward: Ward) -> int:
    """A CRS onset at grade 3 (critical) raised at T; nothing is overdue for hours."""
    pid = webhook_ward.admit(T - minutes(60))
    webhook_ward.crs(pid, T, grade=3)
    (alert,) = webhook_ward.alerts("crs_onset")
    assert alert.severity == "critical"
    return alert.id


@pytest.fixture
def warning(webhook_ward: Ward) -> int:
    pid = webhook_ward.admit(T - minutes(60))
    webhook_ward.crs(pid, T, grade=1)
    (alert,) = webhook_ward.alerts("crs_onset")
    return alert.id


def step(ward: Ward, at: datetime) -> None:
    ward.sweep(at)
    ward.deliver(at)


def test_an_unacknowledged_critical_alert_climbs_the_chain_to_the_failsafe_and_repeats(
    webhook_ward: Ward, receiver: HTTPServer, critical: int
) -> None:
    step(webhook_ward, T)
    assert sent_to(receiver) == [("bedside_nurse", "raise"), ("nurse_in_charge", "raise")]
    step(webhook_ward, T + minutes(4))
    assert len(receiver.log) == 2
    step(webhook_ward, T + minutes(5))
    step(webhook_ward, T + minutes(10))
    step(webhook_ward, T + minutes(20))
    step(webhook_ward, T + minutes(35))
    assert sent_to(receiver)[2:] == [
        ("cart_registrar", "escalate"),
        ("consultant", "escalate"),
        ("failsafe", "escalate"),
        ("failsafe", "repeat"),
    ]
    assert webhook_ward.alert(critical).chain_step == 3
    assert "ESCALATED (unacknowledged)" in pages(receiver)[2]["text"]


def test_acknowledging_stops_the_chain(webhook_ward: Ward, receiver: HTTPServer, warning: int) -> None:
    step(webhook_ward, T)
    with webhook_ward.sessions.begin() as session:
        lifecycle.acknowledge(session, warning, NURSE, T + minutes(2), settings=webhook_ward.settings)
    for later in (15, 30, 60, 120):
        step(webhook_ward, T + minutes(later))
    assert sent_to(receiver) == [("bedside_nurse", "raise")]
    acknowledged = webhook_ward.alert(warning)
    assert (acknowledged.status, acknowledged.acknowledged_by) == ("acknowledged", "nurse.jones")
    assert acknowledged.next_escalation_at is None


def test_an_acknowledged_unresolved_critical_alert_is_paged_again_until_resolved(
    webhook_ward: Ward, receiver: HTTPServer, critical: int
) -> None:
    step(webhook_ward, T)
    with webhook_ward.sessions.begin() as session:
        lifecycle.acknowledge(session, critical, NIC, T + minutes(2), settings=webhook_ward.settings)
    step(webhook_ward, T + minutes(6))
    step(webhook_ward, T + minutes(31))
    assert len(receiver.log) == 2
    step(webhook_ward, T + minutes(32))
    assert sent_to(receiver)[2:] == [("bedside_nurse", "renotify"), ("nurse_in_charge", "renotify")]
    assert "REMINDER (acknowledged, unresolved)" in pages(receiver)[2]["text"]
    with webhook_ward.sessions.begin() as session:
        lifecycle.resolve(session, critical, "CRS treated, stable", NIC, T + minutes(40))
    for later in (62, 120):
        step(webhook_ward, T + minutes(later))
    assert len(receiver.log) == 4


def test_the_renotify_interval_is_configuration(webhook_ward: Ward, receiver: HTTPServer, critical: int) -> None:
    webhook_ward.configure(renotify_critical_minutes=10)
    step(webhook_ward, T)
    with webhook_ward.sessions.begin() as session:
        lifecycle.acknowledge(session, critical, NIC, T + minutes(1), settings=webhook_ward.settings)
    step(webhook_ward, T + minutes(11))
    assert [action for _, action in sent_to(receiver)] == ["raise", "raise", "renotify", "renotify"]


def test_a_snoozed_alert_is_paged_again_when_the_snooze_ends_and_then_climbs(
    webhook_ward: Ward, receiver: HTTPServer, warning: int
) -> None:
    step(webhook_ward, T)
    with webhook_ward.sessions.begin() as session:
        alert = lifecycle.snooze(
            session, warning, 30, "patient in CT scanner", NURSE, T + minutes(1), settings=webhook_ward.settings
        )
        assert alert.snoozed_until == T + minutes(31)
    step(webhook_ward, T + minutes(16))
    step(webhook_ward, T + minutes(30))
    assert sent_to(receiver) == [("bedside_nurse", "raise")]
    step(webhook_ward, T + minutes(31))
    assert sent_to(receiver)[1:] == [("bedside_nurse", "snooze_ended")]
    assert webhook_ward.alert(warning).snoozed_until is None
    step(webhook_ward, T + minutes(46))
    assert sent_to(receiver)[2:] == [("nurse_in_charge", "escalate")]


def test_with_a_webhook_and_no_chain_file_every_page_goes_to_the_webhook(ward: Ward, receiver: HTTPServer) -> None:
    ward.configure(webhook_url=receiver.url_for("/page"))
    pid = ward.admit(T - minutes(60))
    ward.crs(pid, T, grade=3)
    ward.tocilizumab(pid, T)
    ward.sweep(T)
    report = ward.deliver(T)
    assert len(report.sent) == 2 and report.retrying == []
    assert {d.channel for d in ward.deliveries()} == {"webhook"}
    # CRS onset pages the CAR-T registrar with the bedside nurse at once (the built-in "medical" chain)
    assert {p["recipient"] for p in pages(receiver)} == {"bedside_nurse", "cart_registrar"}


def test_with_nothing_configured_pages_go_to_the_log(ward: Ward, caplog: pytest.LogCaptureFixture) -> None:
    pid = ward.admit(T - minutes(60))
    ward.crs(pid, T, grade=1)
    with caplog.at_level("WARNING", logger="cartwatch.pages"):
        report = ward.deliver(T)
    assert len(report.sent) == 2
    nurse, registrar = [r.getMessage() for r in caplog.records if r.name == "cartwatch.pages"]
    assert nurse.startswith("PAGE to bedside_nurse: cartwatch WARNING Ward 33 bed 1: CRS onset: grade 1")
    assert registrar.startswith("PAGE to cart_registrar: cartwatch WARNING Ward 33 bed 1: CRS onset: grade 1")
    assert {d.channel for d in ward.deliveries()} == {"log"}


def test_a_step_up_page_not_yet_sent_when_somebody_acknowledges_is_cancelled(
    webhook_ward: Ward, receiver: HTTPServer, warning: int
) -> None:
    step(webhook_ward, T)
    webhook_ward.sweep(T + minutes(15))  # the step-up page to the nurse-in-charge is written...
    with webhook_ward.sessions.begin() as session:  # ...and the bedside nurse acknowledges before it goes out
        lifecycle.acknowledge(session, warning, NURSE, T + minutes(15), settings=webhook_ward.settings)
    report = webhook_ward.deliver(T + minutes(15))
    assert sent_to(receiver) == [("bedside_nurse", "raise")]
    (escalation,) = [d for d in webhook_ward.deliveries(warning) if d.step == 1]
    assert report.cancelled == [escalation.id] and report.sent == []
    with webhook_ward.sessions() as session:
        history = dict(queries.alert_history(session, warning))
    (delivery,) = [d for d in history if d.id == escalation.id]
    assert (delivery.status, delivery.last_error) == ("cancelled", "not sent: the alert was acknowledged first")
    assert [a.outcome for a in history[delivery]] == ["cancelled"]


def test_the_reminder_of_an_acknowledged_critical_alert_still_goes_out(
    webhook_ward: Ward, receiver: HTTPServer, critical: int
) -> None:
    step(webhook_ward, T)
    with webhook_ward.sessions.begin() as session:
        lifecycle.acknowledge(session, critical, NIC, T + minutes(1), settings=webhook_ward.settings)
    webhook_ward.sweep(T + minutes(31))
    report = webhook_ward.deliver(T + minutes(31))
    assert report.cancelled == [] and len(report.sent) == 2
    assert [action for _, action in sent_to(receiver)][2:] == ["renotify", "renotify"]


def test_pages_of_an_alert_resolved_before_they_went_out_are_not_sent(
    webhook_ward: Ward, receiver: HTTPServer, warning: int
) -> None:
    with webhook_ward.sessions.begin() as session:
        lifecycle.resolve(session, warning, "assessed at the bedside, CRS settling", NIC, T + minutes(1))
    report = webhook_ward.deliver(T + minutes(1))
    assert receiver.log == []
    assert len(report.cancelled) == 1
    assert {d.status for d in webhook_ward.deliveries(warning)} == {"cancelled"}


def test_a_patient_moved_to_another_bed_is_paged_at_the_new_bed(
    webhook_ward: Ward, receiver: HTTPServer, warning: int
) -> None:
    step(webhook_ward, T)
    pid = webhook_ward.alert(warning).patient_id
    assert pid is not None
    with webhook_ward.sessions.begin() as session:
        records.update_patient(session, pid, {"bed": "9"}, NURSE, T + minutes(1))
    step(webhook_ward, T + minutes(15))
    raised, escalated = pages(receiver)
    assert (raised["bed"], escalated["bed"]) == ("1", "9")
    assert "Ward 33 bed 9: CRS onset" in escalated["text"]


def test_an_acknowledgement_between_the_sweeps_snapshot_and_its_step_up_stops_the_step_up(
    webhook_ward: Ward, warning: int
) -> None:
    at = T + minutes(15)
    with webhook_ward.sessions() as session:
        plan = plan_sweep(load_snapshot(session, at), at, webhook_ward.config)
    assert [(a.alert_id, a.action) for a in plan.chain] == [(warning, "escalate")]
    with webhook_ward.sessions.begin() as session:
        lifecycle.acknowledge(session, warning, NURSE, at, settings=webhook_ward.settings)
    with webhook_ward.sessions.begin() as session:
        applied = apply_plan(session, plan, webhook_ward.config.chains, at)
    assert applied.paged == []
    assert [d.step for d in webhook_ward.deliveries(warning)] == [0]
    alert = webhook_ward.alert(warning)
    assert (alert.status, alert.chain_step, alert.next_escalation_at) == ("acknowledged", 0, None)


def test_a_snooze_never_brings_an_acknowledged_critical_alerts_reminder_forward(
    webhook_ward: Ward, receiver: HTTPServer, critical: int
) -> None:
    step(webhook_ward, T)
    with webhook_ward.sessions.begin() as session:
        lifecycle.acknowledge(session, critical, NIC, T + minutes(2), settings=webhook_ward.settings)
        alert = lifecycle.snooze(
            session, critical, 5, "registrar on the way", NIC, T + minutes(3), settings=webhook_ward.settings
        )
        assert alert.next_escalation_at == T + minutes(32)
    for later in (8, 20, 31):
        step(webhook_ward, T + minutes(later))
    assert len(receiver.log) == 2
    step(webhook_ward, T + minutes(32))
    assert [action for _, action in sent_to(receiver)][2:] == ["renotify", "renotify"]


def test_a_snoozed_acknowledged_warning_stays_silent(webhook_ward: Ward, receiver: HTTPServer, warning: int) -> None:
    step(webhook_ward, T)
    with webhook_ward.sessions.begin() as session:
        lifecycle.acknowledge(session, warning, NURSE, T + minutes(1), settings=webhook_ward.settings)
        alert = lifecycle.snooze(
            session, warning, 10, "family meeting", NURSE, T + minutes(2), settings=webhook_ward.settings
        )
        assert alert.next_escalation_at is None
    for later in (12, 30, 90):
        step(webhook_ward, T + minutes(later))
    assert sent_to(receiver) == [("bedside_nurse", "raise")]
