"""Escalations: raised in the recording transaction, once per event, with severity growing with the grade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.alerts.conftest import Ward, minutes

INFUSED = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
T = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def patient(ward: Ward) -> int:
    return ward.admit(INFUSED - timedelta(hours=20), infused_at=INFUSED)


def kinds(ward: Ward, patient: int) -> list[str]:
    return [a.kind for a in ward.alerts(patient_id=patient) if not a.kind.startswith("overdue_")]


def test_crs_onset_is_raised_in_the_recording_transaction(ward: Ward, patient: int) -> None:
    ward.crs(patient, T - minutes(60), grade=0)
    assert kinds(ward, patient) == []
    ward.crs(patient, T, grade=1)
    (alert,) = ward.alerts("crs_onset")
    assert (alert.severity, alert.grade, alert.status) == ("warning", 1, "open")
    assert alert.message == "CRS onset: grade 1 (ASTCT 2019)"
    assert alert.details["ward"] == "Ward 33" and alert.details["bed"] == "1"
    # a doctor hears at once: the CAR-T registrar is paged with the bedside nurse
    assert [d.recipient for d in ward.deliveries(alert.id)] == ["bedside_nurse", "cart_registrar"]
    ward.sweep(T + minutes(1))
    assert kinds(ward, patient) == ["crs_onset"]


@pytest.mark.parametrize(
    ("before", "after", "severity", "recipients"),
    [
        (1, 2, "urgent", ["bedside_nurse", "cart_registrar"]),
        (1, 3, "critical", ["bedside_nurse", "cart_registrar"]),
        (2, 4, "critical", ["bedside_nurse", "cart_registrar"]),
    ],
    ids=["1-to-2-urgent", "1-to-3-critical", "2-to-4-critical"],
)
def test_any_rise_in_crs_grade_is_raised_with_the_severity_of_the_new_grade(
    ward: Ward, patient: int, before: int, after: int, severity: str, recipients: list[str]
) -> None:
    ward.crs(patient, T - minutes(60), grade=before)
    ward.crs(patient, T, grade=after)
    (rise,) = ward.alerts("crs_rise")
    assert (rise.severity, rise.grade) == (severity, after)
    assert rise.message == f"CRS rose from grade {before} to grade {after} (ASTCT 2019)"
    assert [d.recipient for d in ward.deliveries(rise.id)] == recipients


def test_a_falling_or_unchanged_crs_grade_raises_nothing_new(ward: Ward, patient: int) -> None:
    ward.crs(patient, T - minutes(120), grade=2)
    ward.crs(patient, T - minutes(60), grade=2)
    ward.crs(patient, T, grade=1)
    assert kinds(ward, patient) == ["crs_onset"]


@pytest.mark.parametrize(
    ("ice_before", "ice_after", "kind", "severity", "grade"),
    [
        (10, 8, "icans_onset", "warning", 1),
        (10, 2, "icans_onset", "critical", 3),
        (8, 5, "icans_rise", "urgent", 2),
        (5, 2, "icans_rise", "critical", 3),
    ],
    ids=["onset-grade-1-warning", "onset-grade-3-critical", "rise-to-2-urgent", "rise-to-3-critical"],
)
def test_icans_severity_grows_with_the_new_grade(
    ward: Ward, patient: int, ice_before: int, ice_after: int, kind: str, severity: str, grade: int
) -> None:
    ward.neuro(patient, T - minutes(60), ice_score=ice_before)
    before = {a.id for a in ward.alerts(patient_id=patient)}
    ward.neuro(patient, T, ice_score=ice_after)
    (alert,) = [a for a in ward.alerts(patient_id=patient) if a.id not in before]
    assert (alert.kind, alert.severity, alert.grade) == (kind, severity, grade)


def test_icans_onset_and_each_rise_are_raised(ward: Ward, patient: int) -> None:
    ward.neuro(patient, T - minutes(120), ice_score=10)
    ward.neuro(patient, T - minutes(60), ice_score=8)  # grade 1
    ward.neuro(patient, T, ice_score=5)  # grade 2
    assert kinds(ward, patient) == ["icans_onset", "icans_rise"]
    rise = ward.alerts("icans_rise")[0]
    assert (rise.severity, rise.grade) == ("urgent", 2)


def test_ferritin_crossing_ten_thousand_is_raised_once_and_ten_thousand_itself_is_not(ward: Ward, patient: int) -> None:
    ward.ferritin(patient, T - minutes(180), 9000)
    ward.ferritin(patient, T - minutes(120), 10000)
    assert kinds(ward, patient) == []
    ward.ferritin(patient, T - minutes(60), 10001)
    ward.ferritin(patient, T, 15000)
    (alert,) = ward.alerts("ferritin_over_10000")
    assert alert.severity == "urgent"
    assert alert.details["ferritin_ng_ml"] == 10001


def bilirubin(ward: Ward, patient: int, at: datetime, value: float) -> None:
    ward.record(
        "labs", patient, {"collected_at": at.isoformat(), "analyte": "bilirubin", "value": value, "unit": "umol/L"}, at
    )


def test_hlh_screen_turning_positive_is_critical(ward: Ward, patient: int) -> None:
    ward.ferritin(patient, INFUSED + timedelta(days=1), 12000)
    assert "hlh_positive" not in kinds(ward, patient)
    bilirubin(ward, patient, T - minutes(30), 64.0)  # > 3.0 x ULN 21 umol/L: CTCAE v4.03 grade 3
    ward.crs(patient, T, grade=2, organ_toxicities={"pulmonary_edema": 3})
    (alert,) = ward.alerts("hlh_positive")
    assert alert.severity == "critical"
    assert alert.details["criteria_met"] == 2
    assert alert.source_type == "crs-assessments"


def test_hlh_screen_with_one_criterion_stays_negative(ward: Ward, patient: int) -> None:
    ward.ferritin(patient, INFUSED + timedelta(days=1), 12000)
    bilirubin(ward, patient, T - minutes(30), 63.0)  # 3.0 x ULN exactly: not grade 3
    ward.crs(patient, T, grade=2, organ_toxicities={"pulmonary_edema": 3})
    assert ward.alerts("hlh_positive") == []


def test_a_third_tocilizumab_dose_in_24_hours_goes_to_pharmacy_and_the_consultant(ward: Ward, patient: int) -> None:
    for hours in (0, 8, 16):
        ward.tocilizumab(patient, T - timedelta(hours=16) + timedelta(hours=hours))
    (alert,) = ward.alerts("tocilizumab_third_in_24h")
    assert alert.severity == "urgent"
    assert sorted(d.recipient for d in ward.deliveries(alert.id)) == ["consultant", "pharmacy"]


def test_a_fourth_tocilizumab_dose_goes_to_pharmacy_and_the_consultant(ward: Ward, patient: int) -> None:
    start = INFUSED + timedelta(hours=2)
    for hours in (0, 12, 24, 36):
        ward.tocilizumab(patient, start + timedelta(hours=hours))
    (alert,) = ward.alerts("tocilizumab_fourth_dose")
    assert alert.details["dose_number"] == 4
    assert sorted(d.recipient for d in ward.deliveries(alert.id)) == ["consultant", "pharmacy"]
    assert ward.alerts("tocilizumab_third_in_24h") == []


def test_the_sweep_raises_an_escalation_written_without_the_hook_and_the_hook_key_matches(
    ward: Ward, patient: int
) -> None:
    ward.crs(patient, T - minutes(60), grade=1, hook=False)
    assert ward.alerts("crs_onset") == []
    report = ward.sweep(T)
    assert [a.kind for a in report.raised if not a.kind.startswith("overdue_")] == ["crs_onset"]
    ward.crs(patient, T + minutes(1), grade=3)  # through the hook: a rise, the onset is not raised again
    assert kinds(ward, patient) == ["crs_onset", "crs_rise"]
    ward.sweep(T + minutes(2))
    assert kinds(ward, patient) == ["crs_onset", "crs_rise"]


def test_an_amendment_that_restates_the_same_grade_pages_nobody_again(ward: Ward, patient: int) -> None:
    ward.crs(patient, T - minutes(60), grade=0)
    first = ward.crs(patient, T, grade=1)
    ward.amend("crs-assessments", first, {"reason": "typo in temperature", "changes": {"temperature_c": 38.6}}, T)
    assert kinds(ward, patient) == ["crs_onset"]


def test_an_amendment_that_raises_the_grade_is_paged(ward: Ward, patient: int) -> None:
    ward.crs(patient, T - minutes(60), grade=1)
    second = ward.crs(patient, T, grade=1)
    ward.amend(
        "crs-assessments",
        second,
        {"reason": "vasopressor omitted", "changes": {"hypotension": True, "vasopressors": ["noradrenaline"]}},
        T + minutes(5),
    )
    (rise,) = ward.alerts("crs_rise")
    assert rise.grade == 3 and rise.severity == "critical"


def test_escalations_older_than_the_lookback_are_not_raised_by_the_sweep(ward: Ward, patient: int) -> None:
    ward.crs(patient, T - timedelta(hours=30), grade=1, hook=False)
    ward.sweep(T)
    assert ward.alerts("crs_onset") == []


def test_an_amendment_after_discharge_raises_nothing(ward: Ward, patient: int) -> None:
    first = ward.crs(patient, T - minutes(60), grade=0)
    ward.discharge(patient, T)
    ward.amend(
        "crs-assessments",
        first,
        {"reason": "vasopressor omitted", "changes": {"temperature_c": 38.5, "hypotension": True}},
        T + minutes(5),
    )
    assert ward.alerts(patient_id=patient) == []
    assert ward.sweep(T + minutes(6)).raised == []
