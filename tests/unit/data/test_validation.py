"""The request models reject bad input naming the field, its value and the allowed range (no database)."""

from __future__ import annotations

from typing import Any

import pytest

from data.catalogue import ANALYTES, UnknownUnit, convert
from data.schemas import LabIn, NeuroIn, ObservationIn
from data.validation import InvalidInput, parse
from tests.conftest import NOW

TAKEN = NOW.isoformat()


def errors(model: Any, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    with pytest.raises(InvalidInput) as caught:
        parse(model, data, NOW)
    return {e.field: e.as_dict() for e in caught.value.errors}


@pytest.mark.parametrize(
    ("temperature", "fahrenheit"),
    [(85.9, False), (86.0, True), (101.3, True), (113.0, True), (113.1, False)],
    ids=["85.9-not-fahrenheit", "86-fahrenheit", "101.3-fahrenheit", "113-fahrenheit", "113.1-not-fahrenheit"],
)
def test_a_temperature_in_the_fahrenheit_range_says_so(temperature: float, fahrenheit: bool) -> None:
    error = errors(ObservationIn, {"taken_at": TAKEN, "temperature_c": temperature})["temperature_c"]
    assert error["allowed"] == "30-45 °C"
    assert ("looks like Fahrenheit" in error["message"]) is fahrenheit


@pytest.mark.parametrize(
    ("temperature", "ok"),
    [(29.9, False), (30.0, True), (45.0, True), (45.1, False)],
    ids=["29.9", "30.0", "45.0", "45.1"],
)
def test_temperature_bounds_are_inclusive(temperature: float, ok: bool) -> None:
    data = {"taken_at": TAKEN, "temperature_c": temperature}
    if ok:
        assert parse(ObservationIn, data, NOW).temperature_c == temperature
    else:
        assert "temperature_c" in errors(ObservationIn, data)


def test_an_ice_part_out_of_range_is_named_with_its_path() -> None:
    ice = {
        "orientation_year": 1,
        "orientation_month": 1,
        "orientation_city": 1,
        "orientation_hospital": 1,
        "follows_commands": 1,
        "naming": 4,
        "writing": 1,
        "attention": 1,
    }
    error = errors(
        NeuroIn,
        {
            "consciousness": "alert",
            "seizure": "none",
            "deep_focal_motor_weakness": False,
            "icp_findings": [],
            "assessed_at": TAKEN,
            "ice": ice,
        },
    )["ice.naming"]
    assert (error["value"], error["allowed"]) == (4, "0-3")


@pytest.mark.parametrize("value", [0.5, "1", None, True], ids=["half", "text", "none", "boolean"])
def test_an_ice_part_that_is_not_an_integer_is_rejected_not_coerced(value: Any) -> None:
    ice = {
        "orientation_year": value,
        "orientation_month": 1,
        "orientation_city": 1,
        "orientation_hospital": 1,
        "follows_commands": 1,
        "naming": 3,
        "writing": 1,
        "attention": 1,
    }
    assert "ice.orientation_year" in errors(
        NeuroIn,
        {
            "consciousness": "alert",
            "seizure": "none",
            "deep_focal_motor_weakness": False,
            "icp_findings": [],
            "assessed_at": TAKEN,
            "ice": ice,
        },
    )


def test_a_missing_required_field_is_named() -> None:
    error = errors(LabIn, {"collected_at": TAKEN, "analyte": "crp", "unit": "mg/L"})["value"]
    assert error["message"] == "is required"


def test_an_implausible_lab_value_is_rejected_in_its_canonical_unit() -> None:
    found = errors(LabIn, {"collected_at": TAKEN, "analyte": "crp", "value": 200, "unit": "mg/dL"})
    assert found["value"]["allowed"] == "0-1000 mg/L"
    assert "crp 200.0 mg/dL is outside 0-1000 mg/L" in found["value"]["message"]


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "expected"),
    [
        ("crp", 5.2, "mg/dL", 52.0),
        ("crp", 52, "mg/L", 52.0),
        ("ferritin", 12_500, "ug/L", 12_500.0),
        ("ferritin", 12_500, "µg/L", 12_500.0),
        ("creatinine", 1.0, "mg/dL", 88.40),  # 10 / 113.12 g/mol
        ("haemoglobin", 12.1, "g/dL", 121.0),
        ("white_cells", 7.5, "10*3/uL", 7.5),
        ("white_cells", 7.5, "x10^9/L", 7.5),
        ("bilirubin", 1.0, "mg/dL", 17.10),  # 10 / 584.66 g/mol
        ("urea", 14.0, "mg/dL", 2.331),  # urea itself, 60.06 g/mol
        ("creatinine", 0.09, "mmol/L", 90.0),
        ("alt", 40, "IU/L", 40.0),
        ("pt", 12.5, "secs", 12.5),
    ],
    ids=[
        "crp-mg-dl-times-10",
        "crp-mg-l",
        "ferritin-ug-l",
        "ferritin-micro-g-l",
        "creatinine-mg-dl",
        "haemoglobin-g-dl",
        "wbc-10-3-per-ul",
        "wbc-x10-9-spelling",
        "bilirubin-mg-dl",
        "urea-mg-dl",
        "creatinine-mmol-l",
        "alt-iu-is-u",
        "pt-secs",
    ],
)
def test_units_convert_to_the_canonical_ucum_unit(analyte: str, value: float, unit: str, expected: float) -> None:
    assert convert(ANALYTES[analyte], value, unit) == pytest.approx(expected, rel=1e-3)


def test_urea_nitrogen_converts_to_urea_through_its_two_nitrogen_atoms() -> None:
    assert convert(ANALYTES["urea"], 20.0, "mg/dL", code="3094-0") == pytest.approx(7.139, rel=1e-3)


def test_an_unconvertible_unit_names_the_accepted_ones() -> None:
    with pytest.raises(UnknownUnit, match="ng/mL"):
        convert(ANALYTES["ferritin"], 10, "mmol/L")


def test_every_daily_panel_has_at_least_one_analyte() -> None:
    from data.catalogue import DAILY_PANELS

    assert {a.panel for a in ANALYTES.values()} >= set(DAILY_PANELS)
