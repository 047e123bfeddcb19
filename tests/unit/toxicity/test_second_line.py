"""Anakinra and etoposide doses computed for the patient (guideline Table 3 and the HLH section)."""

from __future__ import annotations

import pytest

from toxicity import InvalidAssessment
from toxicity.second_line import anakinra_text, body_surface_area_m2, etoposide_text


def test_anakinra_is_2_mg_per_kg_daily_for_3_to_5_days() -> None:
    assert anakinra_text(70.0).startswith("anakinra 140 mg daily for 3-5 days for 70 kg (2 mg/kg")


def test_the_body_surface_area_is_mosteller() -> None:
    assert body_surface_area_m2(170.0, 70.0) == 1.82  # sqrt(170 x 70 / 3600) = 1.818
    with pytest.raises(InvalidAssessment, match="height_cm"):
        body_surface_area_m2(17.0, 70.0)


def test_etoposide_75_to_100_mg_per_m2_names_the_formula_and_says_when_it_cannot_be_computed() -> None:
    text = etoposide_text(170.0, 70.0)
    assert text.startswith("etoposide 136-182 mg (75-100 mg/m2 x BSA 1.82 m2, Mosteller, from 170 cm and 70 kg)")
    assert "repeated after 4-7 days" in text
    assert etoposide_text(None, 70.0) == "etoposide 75-100 mg/m2: dose not computed, height not recorded"
