"""CTCAE v4.03 grade >= 3 for the HLH/MAS screen's laboratory criteria, at the band edges."""

from __future__ import annotations

import pytest

from toxicity.ctcae import grade_3_or_more


@pytest.mark.parametrize(
    ("analyte", "uln", "value", "met"),
    [
        ("bilirubin", 21.0, 62.99, False),
        ("bilirubin", 21.0, 63.0, False),  # 3.0 x ULN itself is grade 2: grade 3 is "> 3.0 - 10.0 x ULN"
        ("bilirubin", 21.0, 63.01, True),
        ("ast", 40.0, 199.99, False),
        ("ast", 40.0, 200.0, False),  # "> 5.0 - 20.0 x ULN"
        ("ast", 40.0, 200.01, True),
        ("alt", 33.0, 165.0, False),
        ("alt", 33.0, 165.01, True),
        ("creatinine", 84.0, 252.0, False),  # "> 3.0 - 6.0 x ULN"
        ("creatinine", 84.0, 252.01, True),
        ("bilirubin", 1.1, 3.3, False),  # 3 x 1.1 is 3.3000000000000003 in binary floating point: exact here
        ("creatinine", 0.7, 2.1, False),
    ],
    ids=lambda v: repr(v),
)
def test_grade_3_starts_just_above_the_uln_multiple(analyte: str, uln: float, value: float, met: bool) -> None:
    found = grade_3_or_more(analyte, value, uln)
    assert found.grade_3_or_more is met
    assert "CTCAE v4.03" in found.reason


@pytest.mark.parametrize(
    ("value", "met"), [(299.99, False), (300.0, False), (300.01, True)], ids=["edge-", "edge", "edge+"]
)
def test_creatinine_above_3_times_its_baseline_is_grade_3_whatever_the_uln(value: float, met: bool) -> None:
    found = grade_3_or_more("creatinine", value, uln=None, baseline=100.0)
    assert found.grade_3_or_more is met
    assert "x baseline 100" in found.reason


def test_without_a_uln_or_a_value_it_is_not_assessable_never_not_met() -> None:
    no_uln = grade_3_or_more("bilirubin", 200.0, None)
    assert no_uln.grade_3_or_more is None and "not assessable" in no_uln.reason
    no_value = grade_3_or_more("ast", None, 40.0)
    assert no_value.grade_3_or_more is None
    creatinine = grade_3_or_more("creatinine", 200.0, None, None)
    assert creatinine.grade_3_or_more is None
    assert "no baseline creatinine before infusion: only the ULN rule applies" in creatinine.reason


def test_bilirubin_ast_and_alt_have_no_baseline_rule() -> None:
    assert grade_3_or_more("bilirubin", 50.0, 21.0).grade_3_or_more is False
    assert "baseline" not in grade_3_or_more("alt", 50.0, 40.0).reason


def test_an_analyte_the_screen_does_not_grade_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="allowed: bilirubin, ast, alt, creatinine"):
        grade_3_or_more("sodium", 140.0, 145.0)
