"""The sweep reports when the next item of an active patient falls overdue, by the rule that raises the alert: a
sweep at that moment raises it, a sweep a microsecond earlier does not (the scheduler sweeps at that moment)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.alerts.conftest import PANEL_ANALYTES, Ward, minutes
from toxicity import overdue_from

T = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Europe/London is on GMT: bloods are due at 10:00 UTC
JUST = timedelta(microseconds=1)


def two_patients(ward: Ward) -> tuple[int, int]:
    """Bed 1 admitted at 07:00 with nothing done (obs due 11:00, bloods today at 10:00); bed 2 admitted at 04:00
    with everything done at 05:30 (obs due 09:30, bloods tomorrow)."""
    fresh = ward.admit(T - timedelta(hours=1), bed="1")
    done = ward.admit(T - timedelta(hours=4), bed="2")
    ward.everything(done, T - timedelta(hours=2, minutes=30), hook=False)
    return fresh, done


def overdue_kinds(ward: Ward, patient_id: int) -> list[str]:
    return sorted(a.kind for a in ward.alerts(patient_id=patient_id) if a.kind.startswith("overdue_"))


def test_the_sweep_reports_the_first_moment_any_patients_item_falls_overdue_grace_included(ward: Ward) -> None:
    two_patients(ward)
    obs_due = T + timedelta(hours=1, minutes=30)  # bed 2's obs, 4 hours after 05:30
    assert ward.sweep(T).next_overdue == overdue_from(obs_due, minutes(15)) == obs_due + minutes(15) + JUST

    ward.configure(overdue_grace_minutes=5)
    assert ward.sweep(T).next_overdue == obs_due + minutes(5) + JUST


def test_a_sweep_at_the_reported_moment_raises_the_item_and_reports_the_next_one(ward: Ward) -> None:
    fresh, done = two_patients(ward)
    moment = ward.sweep(T).next_overdue
    assert moment is not None

    still_in_grace = ward.sweep(moment - JUST)  # at due + grace exactly the obs are not yet late
    assert still_in_grace.raised == [] and still_in_grace.next_overdue == moment

    at_moment = ward.sweep(moment)
    assert [(a.kind, a.bed) for a in at_moment.raised] == [("overdue_obs", "2")]
    bloods = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # bed 1's first bloods, today at 10:00
    assert at_moment.next_overdue == overdue_from(bloods, minutes(15))

    at_bloods = ward.sweep(bloods + minutes(15) + JUST)
    assert {(a.kind, a.bed) for a in at_bloods.raised} == {("overdue_bloods", "1")}
    assert len(at_bloods.raised) == len(PANEL_ANALYTES)
    # Next: bed 1's obs, 4 hours after admission (bed 2's overdue obs are no longer in the future).
    assert at_bloods.next_overdue == overdue_from(T + timedelta(hours=3), minutes(15))
    assert overdue_kinds(ward, fresh) == ["overdue_bloods"] * len(PANEL_ANALYTES)
    assert overdue_kinds(ward, done) == ["overdue_obs"]


def test_recording_the_assessment_moves_the_next_moment_on(ward: Ward) -> None:
    _, done = two_patients(ward)
    ward.obs(done, T + minutes(10))
    # Bed 2's obs are now due at 12:10: bed 1's bloods, at 10:00, come first.
    assert ward.sweep(T + minutes(10)).next_overdue == overdue_from(T + timedelta(hours=2), minutes(15))


def test_no_active_patient_means_no_next_moment(ward: Ward) -> None:
    assert ward.sweep(T).next_overdue is None
    fresh, done = two_patients(ward)
    ward.discharge(fresh, T + minutes(30))
    ward.discharge(done, T + minutes(30))
    assert ward.sweep(T + minutes(30)).next_overdue is None
