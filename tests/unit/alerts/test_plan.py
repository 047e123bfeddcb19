"""The sweep's pure decisions over a hand-built snapshot: who is paged next, what is resolved, what is raised."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest

from alerts.config import load_config
from alerts.plan import chain_action, plan_sweep
from alerts.snapshot import GradedRecord, OpenAlert, PatientSnapshot, WardSnapshot
from data.settings import Settings

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CONFIG = load_config(Settings(database_url="sqlite://"))


def open_alert(**changes: Any) -> OpenAlert:
    alert = OpenAlert(
        id=1,
        dedupe_key="k",
        reference="ABCDEFGH",
        patient_id=7,
        kind="crs_rise",
        severity="critical",
        status="open",
        grade=3,
        message="CRS rose",
        details=MappingProxyType({}),
        due_at=None,
        raised_at=NOW - timedelta(minutes=5),
        chain_step=0,
        next_escalation_at=NOW,
        snoozed_until=None,
        patient_ward="Ward 33",
        patient_bed="3",
        patient_discharged_at=None,
    )
    return dataclasses.replace(alert, **changes)


def patient(**changes: Any) -> PatientSnapshot:
    base = PatientSnapshot(
        id=7, ward="Ward 33", bed="3", monitoring_start=NOW - timedelta(hours=6), infused_at=None, discharged_at=None
    )
    return dataclasses.replace(base, **changes)


def test_an_unacknowledged_alert_steps_up_when_its_wait_is_over() -> None:
    action = chain_action(open_alert(), NOW, CONFIG.chains, CONFIG)
    assert action is not None
    assert (action.action, action.step, action.recipients) == ("escalate", 1, ("cart_registrar",))
    assert action.next_escalation_at == NOW + timedelta(minutes=5)


def test_nothing_happens_before_the_wait_is_over() -> None:
    assert chain_action(open_alert(next_escalation_at=NOW + timedelta(seconds=1)), NOW, CONFIG.chains, CONFIG) is None


def test_the_failsafe_step_repeats_until_someone_acknowledges() -> None:
    action = chain_action(open_alert(chain_step=3), NOW, CONFIG.chains, CONFIG)
    assert action is not None
    assert (action.action, action.step, action.recipients) == ("repeat", 3, ("failsafe",))


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("critical", ("renotify", ("bedside_nurse", "nurse_in_charge"))), ("urgent", ("stop", ()))],
    ids=["critical-renotifies", "urgent-stops"],
)
def test_an_acknowledged_alert_is_paged_again_only_when_critical(severity: str, expected: tuple[Any, ...]) -> None:
    action = chain_action(open_alert(status="acknowledged", severity=severity), NOW, CONFIG.chains, CONFIG)
    assert action is not None
    assert (action.action, action.recipients) == expected


def test_a_snooze_holds_the_chain_and_its_end_pages_the_current_step_again() -> None:
    snoozed = open_alert(snoozed_until=NOW + timedelta(minutes=1), next_escalation_at=NOW + timedelta(minutes=1))
    assert chain_action(snoozed, NOW, CONFIG.chains, CONFIG) is None
    later = NOW + timedelta(minutes=1)
    action = chain_action(snoozed, later, CONFIG.chains, CONFIG)
    assert action is not None
    assert (action.action, action.step) == ("snooze_ended", 0)


def test_open_alerts_of_a_discharged_patient_are_resolved_with_that_reason() -> None:
    alert = open_alert(patient_discharged_at=NOW - timedelta(minutes=1))
    plan = plan_sweep(WardSnapshot(NOW, (), (alert,), frozenset(), None), NOW, CONFIG)
    assert [(r.alert_id, r.reason) for r in plan.resolve] == [(1, "patient discharged")]
    assert plan.chain == ()


def test_a_patient_whose_records_the_rules_reject_is_reported_and_the_others_still_alert() -> None:
    broken = patient(id=8, bed="4", crs=(GradedRecord(2, NOW - timedelta(hours=1), 7),))
    fine = patient(id=9, bed="5")
    snapshot = WardSnapshot(NOW, (broken, fine), (), frozenset(), None)
    plan = plan_sweep(snapshot, NOW, CONFIG)
    assert len(plan.errors) == 1 and "patient 8 (Ward 33 bed 4)" in plan.errors[0]
    assert {alert.patient_id for alert in plan.raise_} == {9}


def test_keys_already_used_are_not_raised_again() -> None:
    first = plan_sweep(WardSnapshot(NOW, (patient(),), (), frozenset(), None), NOW, CONFIG)
    assert first.raise_
    keys = frozenset(alert.dedupe_key for alert in first.raise_)
    assert plan_sweep(WardSnapshot(NOW, (patient(),), (), keys, None), NOW, CONFIG).raise_ == ()
