"""Overdue assessments: raised just after the grace period, once, resolved by recording, never after discharge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts import lifecycle
from data import records
from data.records import Refused
from tests.integration.alerts.conftest import NURSE, PANEL_ANALYTES, Ward, minutes

ADMITTED = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
DONE = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # everything done at 07:00 GMT
DUE = {
    "obs": (DONE + timedelta(hours=4), "overdue_obs", None),
    "neuro": (DONE + timedelta(hours=8), "overdue_neuro", None),
    "crs": (DONE + timedelta(hours=12), "overdue_crs", None),
    # Collected today (local), so next due tomorrow at 10:00 GMT.
    "bloods:fbc": (datetime(2026, 11, 25, 10, 0, tzinfo=UTC), "overdue_bloods", "fbc"),
}


def overdue(ward: Ward, kind: str, panel: str | None) -> list[int]:
    return [a.id for a in ward.alerts(kind) if a.details.get("panel") == panel]


@pytest.fixture
def patient(ward: Ward) -> int:
    pid = ward.admit(ADMITTED)
    ward.everything(pid, DONE)
    return pid


@pytest.mark.parametrize("item", list(DUE), ids=list(DUE))
def test_an_overdue_item_raises_one_alert_only_after_the_grace_period(ward: Ward, patient: int, item: str) -> None:
    due, kind, panel = DUE[item]
    grace = minutes(15)
    if panel is not None:  # the other panels are collected early, so FBC is the only one missing at 10:00
        for other in PANEL_ANALYTES:
            if other != panel:
                ward.panel(patient, other, due - timedelta(hours=2))
    ward.sweep(due + grace - minutes(1))
    assert overdue(ward, kind, panel) == []
    ward.sweep(due + grace + minutes(1))
    raised = overdue(ward, kind, panel)
    assert len(raised) == 1
    alert = ward.alert(raised[0])
    assert alert.due_at == due
    assert alert.details["minutes_late"] == 16
    assert alert.details["due_at"] == due.isoformat()
    assert alert.status == "open" and alert.severity == "warning"


def test_repeated_sweeps_raise_nothing_new(ward: Ward, patient: int) -> None:
    due = DUE["obs"][0] + minutes(16)
    first = ward.sweep(due)
    assert [a.kind for a in first.raised] == ["overdue_obs"]
    for later in (due, due + minutes(1), due + minutes(10)):
        assert ward.sweep(later).raised == []
    assert len(ward.alerts()) == 1


def test_the_grace_period_is_configuration(ward: Ward, patient: int) -> None:
    ward.configure(overdue_grace_minutes=30)
    due = DUE["obs"][0]
    ward.sweep(due + minutes(29))
    assert ward.alerts("overdue_obs") == []
    ward.sweep(due + minutes(31))
    assert len(ward.alerts("overdue_obs")) == 1


def test_recording_the_assessment_through_the_form_resolves_its_alert_at_once(ward: Ward, patient: int) -> None:
    late = DUE["obs"][0] + minutes(20)
    ward.sweep(late)
    (alert,) = ward.alerts("overdue_obs")
    ward.obs(patient, late + minutes(1))
    resolved = ward.alert(alert.id)
    assert resolved.status == "resolved"
    assert resolved.resolution_reason == "assessment recorded"
    assert resolved.next_escalation_at is None


def test_a_record_imported_without_the_hook_is_resolved_by_the_next_sweep(ward: Ward, patient: int) -> None:
    late = DUE["neuro"][0] + minutes(20)
    ward.sweep(late)
    (alert,) = ward.alerts("overdue_neuro")
    ward.neuro(patient, late, hook=False)
    assert ward.alert(alert.id).status == "open"
    report = ward.sweep(late + minutes(1))
    assert [r.alert_id for r in report.resolved] == [alert.id]
    assert ward.alert(alert.id).resolution_reason == "assessment recorded"
    assert ward.alerts("overdue_neuro", status="open") == []


def test_collecting_the_missing_panel_resolves_that_panel_only(ward: Ward) -> None:
    pid = ward.admit(ADMITTED)
    ward.everything(pid, DONE)
    late = datetime(2026, 11, 25, 10, 16, tzinfo=UTC)
    ward.sweep(late)
    panels = sorted(a.details["panel"] for a in ward.alerts("overdue_bloods"))
    assert panels == sorted(PANEL_ANALYTES)
    ward.panel(pid, "crp", late + minutes(5))
    still_open = sorted(a.details["panel"] for a in ward.alerts("overdue_bloods", status="open"))
    assert still_open == sorted(set(PANEL_ANALYTES) - {"crp"})


def test_without_any_record_items_fall_due_from_the_start_of_monitoring(ward: Ward) -> None:
    pid = ward.admit(ADMITTED)
    ward.sweep(ADMITTED + timedelta(hours=4) + minutes(14))
    assert ward.alerts(patient_id=pid) == []
    ward.sweep(ADMITTED + timedelta(hours=4) + minutes(16))
    # Obs were due 4 h after admission; the first bloods were due at 10:00 that morning.
    assert sorted({a.kind for a in ward.alerts(patient_id=pid)}) == ["overdue_bloods", "overdue_obs"]


def test_a_discharged_patient_raises_nothing(ward: Ward) -> None:
    pid = ward.admit(ADMITTED)
    ward.discharge(pid, ADMITTED + timedelta(hours=1))
    report = ward.sweep(ADMITTED + timedelta(days=2))
    assert report.raised == [] and report.patients == 0
    assert ward.alerts() == []


def test_alerts_open_at_discharge_are_closed_with_that_reason(ward: Ward, patient: int) -> None:
    late = DUE["obs"][0] + minutes(20)
    ward.sweep(late)
    (alert,) = ward.alerts("overdue_obs")
    ward.discharge(patient, late + minutes(5))
    report = ward.sweep(late + minutes(6))
    assert report.raised == []
    assert [r.reason for r in report.resolved] == ["patient discharged"]
    closed = ward.alert(alert.id)
    assert closed.status == "resolved" and closed.resolution_reason == "patient discharged"


def test_a_higher_crs_grade_makes_an_overdue_crs_assessment_more_severe(ward: Ward) -> None:
    pid = ward.admit(ADMITTED)
    ward.crs(pid, DONE, grade=3)
    ward.sweep(DONE + timedelta(hours=12) + minutes(16))
    (alert,) = ward.alerts("overdue_crs")
    assert alert.severity == "critical" and alert.grade == 3


@pytest.mark.parametrize(
    ("collected", "due"),
    [
        # Spring forward (29 March 2026, 01:00 UTC): 10:00 BST is 09:00 UTC.
        (datetime(2026, 3, 28, 8, 0, tzinfo=UTC), datetime(2026, 3, 29, 9, 0, tzinfo=UTC)),
        # Fall back (25 October 2026, 01:00 UTC): 10:00 GMT is 10:00 UTC (the day before it was 09:00 UTC).
        (datetime(2026, 10, 24, 7, 0, tzinfo=UTC), datetime(2026, 10, 25, 10, 0, tzinfo=UTC)),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_daily_bloods_fall_due_by_the_ward_clock_across_a_daylight_saving_change(
    ward: Ward, collected: datetime, due: datetime
) -> None:
    pid = ward.admit(collected - timedelta(days=1))
    for panel in PANEL_ANALYTES:
        ward.panel(pid, panel, collected)
    ward.sweep(due + minutes(14))
    assert ward.alerts("overdue_bloods") == []
    ward.sweep(due + minutes(16))
    raised = ward.alerts("overdue_bloods")
    assert sorted(a.details["panel"] for a in raised) == sorted(PANEL_ANALYTES)
    assert {a.due_at for a in raised} == {due}
    assert all("10:00" in a.message for a in raised)


def test_bloods_missed_on_two_days_raise_one_alert_per_panel_per_day(ward: Ward) -> None:
    pid = ward.admit(ADMITTED)
    for panel in PANEL_ANALYTES:
        ward.panel(pid, panel, DONE)
    ward.sweep(datetime(2026, 11, 25, 10, 20, tzinfo=UTC))
    ward.sweep(datetime(2026, 11, 25, 18, 0, tzinfo=UTC))
    ward.sweep(datetime(2026, 11, 26, 10, 20, tzinfo=UTC))
    fbc = [a for a in ward.alerts("overdue_bloods") if a.details["panel"] == "fbc"]
    assert [a.due_at.day if a.due_at else None for a in fbc] == [25, 26]


def enter_in_error(ward: Ward, kind: str, record_id: int, at: datetime) -> None:
    ward.amend(kind, record_id, {"reason": "recorded against the wrong patient", "entered_in_error": True}, at)


def test_an_assessment_entered_in_error_reopens_the_overdue_alert_it_resolved_and_pages_again(
    ward: Ward, patient: int
) -> None:
    late = DUE["obs"][0] + minutes(20)
    ward.sweep(late)
    (alert,) = ward.alerts("overdue_obs")
    ward.deliver(late)
    wrong = ward.obs(patient, late + minutes(1))
    assert ward.alert(alert.id).status == "resolved"
    enter_in_error(ward, "observations", wrong, late + minutes(2))

    report = ward.sweep(late + minutes(3))
    # The obs is overdue again at the same due time, so its key is spent: the alert itself comes back.
    assert report.raised == [] and [r.alert_id for r in report.reopened] == [alert.id]
    reopened = ward.alert(alert.id)
    assert (reopened.status, reopened.resolution_reason, reopened.chain_step) == ("open", None, 0)
    assert reopened.next_escalation_at == late + minutes(3) + minutes(15)
    page = ward.deliveries(alert.id)[-1]
    assert (page.recipient, page.status, page.payload["action"]) == ("bedside_nurse", "pending", "reopen")
    assert "REOPENED Ward 33 bed 1: Observations overdue" in page.payload["text"]
    assert "23 min late" in page.payload["text"]

    for later in (4, 30):  # no flapping: it stays open and is paged once
        assert ward.sweep(late + minutes(later)).reopened == []
    assert ward.alert(alert.id).status == "open"
    ward.obs(patient, late + minutes(40))
    assert ward.alert(alert.id).status == "resolved"
    assert len(ward.alerts("overdue_obs")) == 1


def test_undoing_a_discharge_reopens_the_alerts_it_closed(ward: Ward, patient: int) -> None:
    late = DUE["obs"][0] + minutes(20)
    ward.sweep(late)
    (alert,) = ward.alerts("overdue_obs")
    ward.discharge(patient, late + minutes(1))
    ward.sweep(late + minutes(2))
    assert ward.alert(alert.id).resolution_reason == "patient discharged"
    with ward.sessions.begin() as session:  # the discharge was recorded against the wrong patient
        records.update_patient(session, patient, {"discharged_at": None}, NURSE, late + minutes(3))
    report = ward.sweep(late + minutes(4))
    assert [r.alert_id for r in report.reopened] == [alert.id]
    assert ward.alert(alert.id).status == "open"


def test_an_overdue_alert_cannot_be_closed_by_hand_while_the_obs_are_missing(ward: Ward, patient: int) -> None:
    late = DUE["obs"][0] + minutes(20)
    ward.sweep(late)
    (alert,) = ward.alerts("overdue_obs")
    with ward.sessions.begin() as session, pytest.raises(Refused, match="observations is still missing"):
        lifecycle.resolve(session, alert.id, "obs on paper chart, entered later", NURSE, late + minutes(1))
    ward.sweep(late + minutes(2))
    assert ward.alert(alert.id).status == "open"
    ward.obs(patient, late + minutes(3))
    resolved = ward.alert(alert.id)
    assert (resolved.status, resolved.resolution_reason) == ("resolved", "assessment recorded")


def test_a_sample_back_dated_to_the_day_before_does_not_resolve_todays_missing_panel(ward: Ward) -> None:
    pid = ward.admit(ADMITTED)
    for panel in PANEL_ANALYTES:
        ward.panel(pid, panel, DONE)
    late = datetime(2026, 11, 25, 10, 16, tzinfo=UTC)
    ward.sweep(late)
    (fbc,) = [a for a in ward.alerts("overdue_bloods") if a.details["panel"] == "fbc"]
    ward.panel(pid, "fbc", datetime(2026, 11, 24, 23, 0, tzinfo=UTC), hook=True)  # yesterday evening's sample
    assert ward.alert(fbc.id).status == "open"
    for later in (1, 2):
        report = ward.sweep(late + minutes(later))
        assert report.resolved == [] and report.reopened == [] and report.raised == []
    ward.panel(pid, "fbc", late + minutes(30))  # today's sample
    assert ward.alert(fbc.id).status == "resolved"
