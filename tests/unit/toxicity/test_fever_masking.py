"""Fever masking: once CRS has been treated with tocilizumab or steroids, fever is no longer required."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from toxicity import InvalidAssessment, explain_fever_masking, fever_no_longer_required

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def test_crs_then_tocilizumab_means_fever_is_no_longer_required() -> None:
    assert fever_no_longer_required(hours(10), [(hours(0), 2)], [(hours(1), "tocilizumab")])


def test_crs_then_a_corticosteroid_counts_too() -> None:
    assert fever_no_longer_required(hours(10), [(hours(0), 1)], [(hours(3), "Dexamethasone")])


def test_siltuximab_counts_as_anti_il6_therapy() -> None:
    assert fever_no_longer_required(hours(10), [(hours(0), 1)], [(hours(3), "siltuximab")])


@pytest.mark.parametrize("drug", ["anakinra", "levetiracetam", "etoposide"])
def test_other_drugs_do_not_mask_fever(drug: str) -> None:
    assert not fever_no_longer_required(hours(10), [(hours(0), 2)], [(hours(1), drug)])


def test_tocilizumab_before_any_crs_does_not_count() -> None:
    assert not fever_no_longer_required(hours(10), [(hours(2), 1)], [(hours(1), "tocilizumab")])


def test_only_crs_grades_of_1_or_more_count() -> None:
    assert not fever_no_longer_required(hours(10), [(hours(0), 0)], [(hours(1), "tocilizumab")])


def test_history_after_the_assessment_time_is_ignored() -> None:
    assert not fever_no_longer_required(hours(1), [(hours(0), 2)], [(hours(2), "tocilizumab")])
    assert not fever_no_longer_required(hours(1), [(hours(2), 2)], [(hours(3), "tocilizumab")])


def test_the_boundaries_are_inclusive() -> None:
    assert fever_no_longer_required(hours(5), [(hours(5), 2)], [(hours(5), "tocilizumab")])


def test_the_explanation_names_the_grade_and_the_dose() -> None:
    result = explain_fever_masking(hours(10), [(hours(0), 2), (hours(4), 3)], [(hours(1), "tocilizumab")])
    assert result.applies
    assert result.drug == "tocilizumab"
    assert result.crs_at == hours(0)
    assert result.reason == (
        "fever not required: tocilizumab at 2026-05-04 09:00 UTC after CRS grade 2 assessed at 2026-05-04 08:00 UTC "
        "(ASTCT 2019: CRS, then tocilizumab or steroids)"
    )


def test_no_history_explains_that_fever_is_required() -> None:
    result = explain_fever_masking(hours(1), [], [])
    assert not result.applies
    assert result.reason.startswith("fever needed")


@pytest.mark.parametrize(
    ("at", "grades", "treatments", "field"),
    [
        (datetime(2026, 5, 4, 8), [], [], "at"),
        (T0, [(datetime(2026, 5, 4, 7), 1)], [], "crs_grades"),
        (T0, [(T0, 5)], [], "crs_grades"),
        (T0, [(T0, None)], [], "crs_grades"),
        (T0, [], [(T0, "aspirin")], "drug"),
        (T0, [], [(T0, None)], "treatments"),
        (T0, [T0], [], "crs_grades"),
    ],
    ids=["naive-at", "naive-grade-time", "grade-5", "grade-None", "unknown-drug", "drug-None", "not-a-pair"],
)
def test_invalid_history_is_rejected(at: datetime, grades: list[object], treatments: list[object], field: str) -> None:
    with pytest.raises(InvalidAssessment, match=field):
        fever_no_longer_required(at, grades, treatments)  # type: ignore[arg-type]
