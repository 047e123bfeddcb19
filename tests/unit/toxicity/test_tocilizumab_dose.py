"""Tocilizumab dose for a weight: 8 mg/kg capped at 800 mg; 12 mg/kg under 30 kg."""

from __future__ import annotations

import pytest

from toxicity import InvalidAssessment, tocilizumab_dose_mg


@pytest.mark.parametrize(
    ("weight", "dose"),
    [(2.0, 24.0), (20.0, 240.0), (29.9, 358.8), (30.0, 240.0), (70.0, 560.0), (99.9, 799.2), (100.0, 800.0),
     (100.1, 800.0), (300.0, 800.0)],
    ids=["2kg", "20kg", "29.9kg-12mg-per-kg", "30kg-8mg-per-kg", "70kg", "99.9kg", "100kg-cap", "100.1kg-capped",
         "300kg-capped"],
)  # fmt: skip
def test_the_dose_follows_the_weight_bands_and_the_cap(weight: float, dose: float) -> None:
    assert tocilizumab_dose_mg(weight) == dose


def test_an_integer_weight_gives_a_float_dose() -> None:
    assert tocilizumab_dose_mg(70) == 560.0
    assert isinstance(tocilizumab_dose_mg(70), float)


@pytest.mark.parametrize(
    "weight",
    [1.99, 300.1, 0, -70, None, "70", True, float("nan")],
    ids=["1.99kg", "300.1kg", "zero", "negative", "None", "text", "True", "nan"],
)
def test_implausible_weights_are_rejected_naming_weight_kg_and_the_range(weight: object) -> None:
    with pytest.raises(InvalidAssessment, match=r"weight_kg: .*2\.0-300\.0 kg"):
        tocilizumab_dose_mg(weight)  # type: ignore[arg-type]
