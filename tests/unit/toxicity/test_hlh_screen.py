"""The CAR-T HLH/MAS screen: ferritin > 10,000 ng/mL in the CRS phase and at least two of four criteria."""

from __future__ import annotations

from dataclasses import replace

import pytest

from toxicity import HLHFindings, InvalidAssessment, hlh_screen

TWO_CRITERIA = HLHFindings(
    peak_ferritin_ng_ml=25_000.0,
    ferritin_peak_during_crs_phase=True,
    ast_increase_grade=3,
    creatinine_increase_grade=3,
)


@pytest.mark.parametrize(
    ("ferritin", "positive"),
    [(9_999.99, False), (10_000.0, False), (10_000.01, True)],
    ids=["9999.99", "10000-fails", "10000.01"],
)
def test_ferritin_must_be_strictly_over_10000(ferritin: float, positive: bool) -> None:
    assert hlh_screen(replace(TWO_CRITERIA, peak_ferritin_ng_ml=ferritin)).positive is positive


def test_the_ferritin_peak_must_be_in_the_crs_phase() -> None:
    result = hlh_screen(replace(TWO_CRITERIA, ferritin_peak_during_crs_phase=False))
    assert not result.positive
    assert result.criteria_met == 2
    assert any("not during the CRS phase" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("changes", "met"),
    [
        ({}, 0),
        ({"bilirubin_increase_grade": 3, "ast_increase_grade": 4, "alt_increase_grade": 3}, 1),
        ({"oliguria_grade": 3, "creatinine_increase_grade": 3}, 1),
        ({"bilirubin_increase_grade": 2, "oliguria_grade": 2, "pulmonary_edema_grade": 2}, 0),
        ({"bilirubin_increase_grade": 3, "pulmonary_edema_grade": 3}, 2),
        ({"alt_increase_grade": 3, "oliguria_grade": 4, "pulmonary_edema_grade": 3,
          "hemophagocytosis_on_histopathology": True}, 4),
        ({"hemophagocytosis_on_histopathology": True}, 1),
    ],
    ids=["none", "three-liver-tests-count-once", "both-kidney-tests-count-once", "grade-2-is-not-enough",
         "liver-and-lung", "all-four", "haemophagocytosis-alone"],
)  # fmt: skip
def test_criteria_are_counted_once_per_organ(changes: dict[str, object], met: int) -> None:
    findings = replace(HLHFindings(peak_ferritin_ng_ml=50_000.0, ferritin_peak_during_crs_phase=True), **changes)  # type: ignore[arg-type]
    result = hlh_screen(findings)
    assert result.criteria_met == met
    assert result.positive is (met >= 2)


def test_criteria_are_counted_whatever_the_ferritin() -> None:
    result = hlh_screen(replace(TWO_CRITERIA, peak_ferritin_ng_ml=500.0))
    assert result.criteria_met == 2
    assert not result.positive
    assert result.reasons[-1].startswith("negative: ferritin criterion not met")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"peak_ferritin_ng_ml": -1.0}, "peak_ferritin_ng_ml"),
        ({"peak_ferritin_ng_ml": None}, "peak_ferritin_ng_ml"),
        ({"peak_ferritin_ng_ml": "20000"}, "peak_ferritin_ng_ml"),
        ({"peak_ferritin_ng_ml": float("inf")}, "peak_ferritin_ng_ml"),
        ({"ferritin_peak_during_crs_phase": 1}, "ferritin_peak_during_crs_phase"),
        ({"ast_increase_grade": 5}, "ast_increase_grade"),
        ({"oliguria_grade": -1}, "oliguria_grade"),
        ({"pulmonary_edema_grade": 3.0}, "pulmonary_edema_grade"),
        ({"bilirubin_increase_grade": True}, "bilirubin_increase_grade"),
        ({"hemophagocytosis_on_histopathology": "yes"}, "hemophagocytosis_on_histopathology"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else str(value),
)
def test_invalid_hlh_findings_are_rejected_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidAssessment, match=field):
        hlh_screen(replace(TWO_CRITERIA, **changes))  # type: ignore[arg-type]


def test_a_positive_screen_explains_itself() -> None:
    result = hlh_screen(TWO_CRITERIA)
    assert result.positive
    assert result.ferritin_criterion_met
    assert result.reasons[0] == "ferritin: peak 25000.0 ng/mL > 10000.0 ng/mL"
    assert result.reasons[-1] == "positive: ferritin criterion and 2 of 4 criteria (>= 2 needed)"
