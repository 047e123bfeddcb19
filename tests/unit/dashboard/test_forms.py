from datetime import UTC, datetime

from dashboard.views.field_hints import schema_range, unit_options
from dashboard.views.form_layout import control
from dashboard.views.forms import (
    ICE_ITEMS,
    ICE_NONE_AND_ITEM,
    KINDS,
    NO_ICE_ITEM,
    body_from_values,
    field_errors,
    form_fields,
    form_values,
    ice_total,
)
from data.schemas import RECORD_SCHEMAS
from data.validation import FieldError, InvalidInput, parse
from tests.unit.dashboard.factories import NOW, TZ, walk
from toxicity.ice import ICE_PART_MAXIMA


def test_every_form_field_is_a_field_of_its_schema() -> None:
    for kind in KINDS:
        for tool in ("ICE", "CAPD"):
            top = {f.name.split(".")[0] for f in form_fields(kind, tool)}
            assert top <= set(RECORD_SCHEMAS[kind].model_fields), kind


def test_the_neuro_form_takes_ice_parts_or_the_capd_total() -> None:
    adult = {f.name for f in form_fields("neuro-assessments", "ICE")}
    child = {f.name for f in form_fields("neuro-assessments", "CAPD")}
    assert "ice" in adult and "capd_score" not in adult
    assert "capd_score" in child and "ice" not in child


def test_empty_inputs_are_left_out_and_the_time_defaults_to_now() -> None:
    body = body_from_values("observations", {"temperature_c": 38.2, "heart_rate": None, "spo2": ""}, TZ, NOW)
    assert body == {"taken_at": NOW.isoformat(), "temperature_c": 38.2}


def test_the_time_is_read_as_ward_time() -> None:
    body = body_from_values("observations", {"taken_at": "2026-07-01T13:00"}, TZ, NOW)
    assert body["taken_at"] == datetime(2026, 7, 1, 12, 0, tzinfo=UTC).isoformat()


def test_groups_are_nested_and_sent_only_when_filled() -> None:
    ticked = ["naming_1", "naming_2", "naming_3", "writing"]
    values = {"ice": ticked, "consciousness": "alert", "attributable_to_other_cause": ["seizure"]}
    body = body_from_values("neuro-assessments", values, TZ, NOW)
    assert body["ice"] == {**dict.fromkeys(ICE_PART_MAXIMA, 0), "naming": 3, "writing": 1}
    assert body["attributable_to_other_cause"] == {"seizure": True}
    assert "override" not in body


def test_override_and_organ_grades_are_numbers() -> None:
    values = {"override.grade": "2", "override.reason": " clinical concern ", "organ_toxicities.alt": "3"}
    body = body_from_values("crs-assessments", values, TZ, NOW)
    assert body["override"] == {"grade": 2, "reason": "clinical concern"}
    assert body["organ_toxicities"] == {"alt": 3}


def test_the_ice_is_the_items_ticked_and_nothing_ticked_is_no_ice() -> None:
    every = [item for item in ICE_ITEMS if item != NO_ICE_ITEM]
    assert body_from_values("neuro-assessments", {"ice": every}, TZ, NOW)["ice"] == dict(ICE_PART_MAXIMA)
    assert set(body_from_values("neuro-assessments", {"ice": ["none"]}, TZ, NOW)["ice"].values()) == {0}
    assert "ice" not in body_from_values("neuro-assessments", {"ice": []}, TZ, NOW)  # not a silent 0/10
    assert ice_total(["orientation_year", "naming_1", "attention"]) == "ICE 3/10"
    assert ice_total(["none", "writing"]) == ICE_NONE_AND_ITEM
    assert ice_total([]).startswith("ICE not scored yet")


def test_errors_come_back_by_the_field_they_name() -> None:
    body = body_from_values("observations", {"temperature_c": 98.6, "systolic_bp": 80, "diastolic_bp": 90}, TZ, NOW)
    names = [f.name for f in form_fields("observations")]
    try:
        parse(RECORD_SCHEMAS["observations"], body, NOW)
    except InvalidInput as exc:
        errors, _general = field_errors(exc, names)
    assert errors["temperature_c"] == "98.6 is outside 30-45 °C (looks like Fahrenheit)"
    body = body_from_values("observations", {"systolic_bp": 80, "diastolic_bp": 90}, TZ, NOW)
    try:
        parse(RECORD_SCHEMAS["observations"], body, NOW)
    except InvalidInput as exc:
        errors, _general = field_errors(exc, names)
    assert "Diastolic BP 90 is above Systolic BP 80" in errors["diastolic_bp"]


def test_an_error_naming_no_input_of_the_form_comes_back_as_text() -> None:
    errors, general = field_errors(InvalidInput([FieldError("body", None, "", "nothing to change")]), ["temperature_c"])
    assert errors == {} and general == ["nothing to change"]


def test_lab_units_offer_the_stored_unit_first() -> None:
    assert unit_options("crp")[0] == "mg/L" and "mg/dL" in unit_options("crp")
    assert unit_options(None) == []


def test_form_values_are_read_by_field_name_from_the_matched_inputs() -> None:
    matched = [
        {
            "id": {"type": "patient-field", "form": "observations", "name": "temperature_c"},
            "property": "value",
            "value": 38.2,
        },
        {"id": {"type": "patient-field", "form": "observations", "name": "spo2"}, "property": "value"},
    ]
    assert form_values(matched) == {"temperature_c": 38.2, "spo2": None}


def test_number_hints_and_units_are_the_ranges_the_schema_accepts() -> None:
    temperature = schema_range("observations", "temperature_c")
    assert temperature is not None and (temperature.low, temperature.high, temperature.unit) == (30.0, 45.0, "°C")
    naming = schema_range("neuro-assessments", "ice.naming")
    assert naming is not None and (naming.low, naming.high) == (0, 3)
    assert schema_range("labs", "value") is None  # plausible ranges depend on the analyte and its unit
    field = next(f for f in form_fields("observations") if f.name == "temperature_c")
    parts = walk(control("observations", field, None))
    assert [p.placeholder for p in parts if getattr(p, "type", None) == "number"] == ["30-45"]
    assert [p.children for p in parts if type(p).__name__ == "InputGroupText"] == ["°C"]


def test_every_number_field_but_a_lab_value_has_a_range_to_hint() -> None:
    for kind in KINDS:
        for tool in ("ICE", "CAPD"):
            numbers = [f.name for f in form_fields(kind, tool) if f.kind == "number"]
            assert [n for n in numbers if schema_range(kind, n) is None] == (["value"] if kind == "labs" else [])
