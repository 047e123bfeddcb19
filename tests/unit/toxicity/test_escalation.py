"""Escalation rules: onset and rises of CRS and ICANS, HLH, ferritin and tocilizumab limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from toxicity import (
    InvalidAssessment,
    Severity,
    crs_escalations,
    ferritin_escalations,
    hlh_escalations,
    icans_escalations,
    max_severity,
    severity_rank,
    tocilizumab_escalations,
)

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def test_severities_are_ordered_by_urgency_not_alphabet() -> None:
    assert Severity.INFO < Severity.WARNING < Severity.URGENT < Severity.CRITICAL
    assert sorted([Severity.CRITICAL, Severity.INFO, Severity.URGENT]) == [
        Severity.INFO,
        Severity.URGENT,
        Severity.CRITICAL,
    ]
    assert [severity_rank(s) for s in ("info", "warning", "urgent", "critical")] == [0, 1, 2, 3]
    assert max_severity(["warning", "critical", "info"]) == Severity.CRITICAL
    assert max_severity([]) is None
    assert Severity("urgent") is Severity.URGENT
    assert isinstance(Severity.URGENT, str)


def test_an_unknown_severity_is_rejected() -> None:
    with pytest.raises(InvalidAssessment, match="severity"):
        severity_rank("panic")


@pytest.mark.parametrize(
    ("previous", "new", "kind", "severity"),
    [
        (None, 1, "crs_onset", Severity.WARNING),
        (0, 1, "crs_onset", Severity.WARNING),
        (0, 2, "crs_onset", Severity.URGENT),
        (None, 3, "crs_onset", Severity.CRITICAL),
        (0, 4, "crs_onset", Severity.CRITICAL),
        (1, 2, "crs_rise", Severity.URGENT),
        (2, 3, "crs_rise", Severity.CRITICAL),
        (3, 4, "crs_rise", Severity.CRITICAL),
    ],
    ids=lambda value: str(value),
)
def test_crs_onset_and_any_rise_escalate(previous: int | None, new: int, kind: str, severity: Severity) -> None:
    (escalation,) = crs_escalations(previous, new)
    assert (escalation.kind, escalation.severity, escalation.grade) == (kind, severity, new)
    assert "CRS" in escalation.message


@pytest.mark.parametrize(
    ("previous", "new"), [(None, 0), (0, 0), (2, 2), (3, 1), (1, 0)], ids=["none-0", "0-0", "same", "fall", "resolve"]
)
def test_no_escalation_without_onset_or_rise(previous: int | None, new: int) -> None:
    assert crs_escalations(previous, new) == ()
    assert icans_escalations(previous, new) == ()


def test_icans_onset_and_rise_have_their_own_kinds() -> None:
    assert [e.kind for e in icans_escalations(None, 1)] == ["icans_onset"]
    assert [e.kind for e in icans_escalations(1, 3)] == ["icans_rise"]
    assert icans_escalations(1, 3)[0].severity == Severity.CRITICAL


@pytest.mark.parametrize(("previous", "new"), [(None, 5), (-1, 2), (1, 2.0), (True, 2)], ids=repr)
def test_invalid_grades_are_rejected(previous: object, new: object) -> None:
    with pytest.raises(InvalidAssessment, match="grade"):
        crs_escalations(previous, new)  # type: ignore[arg-type]


def test_hlh_escalates_when_the_screen_turns_positive() -> None:
    (escalation,) = hlh_escalations(False, True)
    assert (escalation.kind, escalation.severity) == ("hlh_positive", Severity.CRITICAL)
    assert hlh_escalations(True, True) == ()
    assert hlh_escalations(False, False) == ()


@pytest.mark.parametrize(
    ("previous", "new", "fires"),
    [(None, 10_000.0, False), (None, 10_000.01, True), (9_000.0, 12_000.0, True), (10_000.0, 10_001.0, True),
     (11_000.0, 15_000.0, False), (12_000.0, 8_000.0, False)],
    ids=["first-10000", "first-10000.01", "crosses", "from-exactly-10000", "already-over", "falls"],
)  # fmt: skip
def test_ferritin_escalates_when_it_first_goes_over_10000(previous: float | None, new: float, fires: bool) -> None:
    found = ferritin_escalations(previous, new)
    assert bool(found) is fires
    if fires:
        assert found[0].kind == "ferritin_over_10000"
        assert found[0].severity == Severity.URGENT


def test_a_negative_ferritin_is_rejected() -> None:
    with pytest.raises(InvalidAssessment, match="new_ng_ml"):
        ferritin_escalations(None, -5.0)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def kinds(dose_times: list[datetime], new: datetime) -> list[str]:
    return [escalation.kind for escalation in tocilizumab_escalations(dose_times, new)]


def test_a_first_and_second_dose_8_hours_apart_escalate_nothing() -> None:
    assert kinds([hours(0)], hours(0)) == []
    assert kinds([hours(0), hours(8)], hours(8)) == []


def test_the_third_dose_in_24_hours_escalates_to_pharmacy_and_consultant() -> None:
    found = tocilizumab_escalations([hours(0), hours(8), hours(16)], hours(16))
    assert [e.kind for e in found] == ["tocilizumab_third_in_24h"]
    assert found[0].severity == Severity.URGENT
    assert found[0].recipients_hint == ("pharmacy", "consultant")


def test_the_fourth_dose_escalates_and_so_does_a_third_in_24_hours() -> None:
    assert kinds([hours(0), hours(8), hours(16), hours(24)], hours(24)) == [
        "tocilizumab_fourth_dose",
        "tocilizumab_third_in_24h",
    ]
    assert kinds([hours(0), hours(30), hours(60), hours(90)], hours(90)) == ["tocilizumab_fourth_dose"]


@pytest.mark.parametrize(
    ("gap_hours", "fires"), [(5.99, True), (6.0, False), (6.01, False)], ids=["5h59", "6h", "6h01"]
)
def test_a_repeat_from_6_hours_is_allowed_by_default_and_sooner_escalates(gap_hours: float, fires: bool) -> None:
    """Guideline Table 3: "Repeat dose if no response within 6 to 12 hours"."""
    assert ("tocilizumab_repeat_too_soon" in kinds([hours(0), hours(gap_hours)], hours(gap_hours))) is fires


@pytest.mark.parametrize(
    ("gap_hours", "fires"), [(7.99, True), (8.0, False), (8.01, False)], ids=["7h59", "8h", "8h01"]
)
def test_a_ward_minimum_of_8_hours_escalates_a_dose_under_8_hours(gap_hours: float, fires: bool) -> None:
    found = tocilizumab_escalations([hours(0), hours(gap_hours)], hours(gap_hours), min_interval=timedelta(hours=8))
    assert ("tocilizumab_repeat_too_soon" in [e.kind for e in found]) is fires


def test_a_minimum_interval_outside_6_to_12_hours_is_refused() -> None:
    with pytest.raises(InvalidAssessment, match="min_interval"):
        tocilizumab_escalations([hours(0), hours(8)], hours(8), min_interval=timedelta(hours=4))


def test_a_back_dated_dose_is_judged_as_of_its_own_time() -> None:
    assert kinds([hours(0), hours(20), hours(40), hours(60)], hours(20)) == []


def test_the_new_dose_must_be_among_the_dose_times() -> None:
    with pytest.raises(InvalidAssessment, match="dose_times"):
        tocilizumab_escalations([hours(0)], hours(8))
    with pytest.raises(InvalidAssessment, match="new_dose_at"):
        tocilizumab_escalations([hours(0)], datetime(2026, 5, 4, 8))


def test_messages_carry_no_patient_identifiers() -> None:
    found = [
        *crs_escalations(0, 3),
        *icans_escalations(1, 2),
        *hlh_escalations(False, True),
        *ferritin_escalations(None, 20_000.0),
        *tocilizumab_escalations([hours(0), hours(4), hours(8), hours(12)], hours(12)),
    ]
    for escalation in found:
        assert escalation.message
        assert "patient" not in escalation.message.lower()
        assert not any(char.isdigit() for char in escalation.message.split()[0])
