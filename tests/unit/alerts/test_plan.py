"""The sweep's pure decisions over a hand-built snapshot: who is paged next, what is resolved, what is raised."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest

from alerts.config import load_config
from alerts.overdue import is_done
from alerts.plan import chain_action, plan_sweep
from alerts.snapshot import GradedRecord, OpenAlert, PatientSnapshot, WardSnapshot
from data.settings import Settings

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CONFIG = load_config(Settings(database_url="sqlite://"))


def open_alert(**changes: Any) -> OpenAlert:
    alert = OpenAlert(
        id=1,
        patient_id=7,
        kind="hlh_positive",
        severity="critical",
        status="open",
        details=MappingProxyType({}),
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
    action = chain_action(open_alert(), NOW, CONFIG)
    assert action is not None
    assert (action.action, action.step, action.recipients) == ("escalate", 1, ("cart_registrar",))
    assert action.next_escalation_at == NOW + timedelta(minutes=5)


def test_nothing_happens_before_the_wait_is_over() -> None:
    assert chain_action(open_alert(next_escalation_at=NOW + timedelta(seconds=1)), NOW, CONFIG) is None


def test_the_failsafe_step_repeats_until_someone_acknowledges() -> None:
    action = chain_action(open_alert(chain_step=3), NOW, CONFIG)
    assert action is not None
    assert (action.action, action.step, action.recipients) == ("repeat", 3, ("failsafe",))


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("critical", ("renotify", ("bedside_nurse", "nurse_in_charge"))), ("urgent", ("stop", ()))],
    ids=["critical-renotifies", "urgent-stops"],
)
def test_an_acknowledged_alert_is_paged_again_only_when_critical(severity: str, expected: tuple[Any, ...]) -> None:
    action = chain_action(open_alert(status="acknowledged", severity=severity), NOW, CONFIG)
    assert action is not None
    assert (action.action, action.recipients) == expected


def test_a_snooze_holds_the_chain_and_its_end_pages_the_current_step_again() -> None:
    snoozed = open_alert(snoozed_until=NOW + timedelta(minutes=1), next_escalation_at=NOW + timedelta(minutes=1))
    assert chain_action(snoozed, NOW, CONFIG) is None
    later = NOW + timedelta(minutes=1)
    action = chain_action(snoozed, later, CONFIG)
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


def test_a_spent_key_the_sweep_closed_itself_is_reopened_and_any_other_spent_key_is_left_alone() -> None:
    overdue = plan_sweep(WardSnapshot(NOW, (patient(),), (), frozenset(), None), NOW, CONFIG).raise_
    (obs,) = [a for a in overdue if a.kind == "overdue_obs"]
    others = frozenset(a.dedupe_key for a in overdue)
    closed = MappingProxyType({obs.dedupe_key: (41, "assessment recorded")})
    plan = plan_sweep(WardSnapshot(NOW, (patient(),), (), others, None, closed), NOW, CONFIG)
    assert plan.raise_ == ()
    assert [(r.alert_id, r.previous_reason, r.alert.dedupe_key) for r in plan.reopen] == [
        (41, "assessment recorded", obs.dedupe_key)
    ]


@pytest.mark.parametrize(
    ("collected", "done"),
    [
        (datetime(2026, 11, 23, 23, 59, tzinfo=UTC), False),
        (datetime(2026, 11, 24, 0, 0, tzinfo=UTC), True),
        (datetime(2026, 11, 24, 11, 0, tzinfo=UTC), True),
    ],
    ids=["the-evening-before", "midnight-of-the-due-day", "late-on-the-due-day"],
)
def test_a_bloods_alert_is_done_only_by_a_sample_from_its_own_day_or_later(collected: datetime, done: bool) -> None:
    alert = open_alert(
        kind="overdue_bloods",
        severity="warning",
        details=MappingProxyType(
            {"item": "bloods:fbc", "since": "2026-11-23T08:00:00+00:00", "due_at": "2026-11-24T10:00:00+00:00"}
        ),
    )
    assert is_done(alert, patient(last_bloods=MappingProxyType({"fbc": collected})), CONFIG.policy) is done
