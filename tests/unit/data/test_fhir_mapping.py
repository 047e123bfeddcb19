"""Every LOINC code cartwatch takes maps to the field or analyte it means, with its unit converted by UCUM."""

from __future__ import annotations

from typing import Any

import pytest

from data.catalogue import ANALYTES
from data.imports.codes import VITALS, known_codes, loinc_target
from data.imports.fhir_in import FhirOptions, parse_bundle
from data.schemas import LabIn

TIME = "2026-11-24T08:00:00+00:00"
SUBJECT = {"reference": "Patient/1"}


def observation(code: str, value: float, unit: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": SUBJECT,
        "effectiveDateTime": TIME,
        "valueQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": unit},
        **extra,
    }


def mapped(*resources: dict[str, Any]) -> list[Any]:
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [{"resource": r} for r in resources]}
    return parse_bundle(bundle, FhirOptions()).entries


VITAL_VALUES = {
    "temperature_c": (38.2, "Cel", 38.2),
    "heart_rate": (96, "/min", 96),
    "respiratory_rate": (18, "/min", 18),
    "systolic_bp": (112, "mm[Hg]", 112),
    "diastolic_bp": (70, "mm[Hg]", 70),
    "spo2": (97, "%", 97),
    "oxygen_flow_l_min": (4, "L/min", 4),
    "fio2": (40, "%", 0.4),
}


@pytest.mark.parametrize("code", sorted(VITALS), ids=lambda c: f"{c}-{VITALS[c].field}")
def test_every_vital_sign_code_fills_its_obs_field(code: str) -> None:
    vital = VITALS[code]
    value, unit, expected = VITAL_VALUES[vital.field]
    (entry,) = mapped(observation(code, value, unit))
    (piece,) = entry.pieces
    assert piece.kind == "observations"
    assert piece.values[vital.field] == pytest.approx(expected)


ANALYTE_CODES = sorted((code, a.name) for a in ANALYTES.values() for code in a.all_codes())


@pytest.mark.parametrize(("code", "analyte"), ANALYTE_CODES, ids=[f"{c}-{a}" for c, a in ANALYTE_CODES])
def test_every_laboratory_code_maps_to_its_analyte(code: str, analyte: str) -> None:
    unit = ANALYTES[analyte].unit
    low, high = ANALYTES[analyte].plausible
    value = (low + high) / 2
    (entry,) = mapped(observation(code, value, unit))
    (piece,) = entry.pieces
    assert (piece.kind, piece.values["analyte"]) == ("labs", analyte)
    LabIn.model_validate({k: v for k, v in piece.values.items()})  # a valid request as it stands


def test_every_known_code_has_a_target_and_the_panel_is_known() -> None:
    codes = known_codes()
    assert "85354-9" in codes
    assert all(loinc_target(code) is not None for code in codes if code != "85354-9")


@pytest.mark.parametrize(
    ("code", "value", "unit", "field", "expected"),
    [
        ("8310-5", 100.4, "[degF]", "temperature_c", 38.0),
        ("8310-5", 38.0, "Cel", "temperature_c", 38.0),
        ("3150-0", 0.35, "1", "fio2", 0.35),
        ("3150-0", 35, "%", "fio2", 0.35),
        ("59408-5", 96.6, "%", "spo2", 97),
    ],
    ids=["fahrenheit", "celsius", "fio2-fraction", "fio2-percent", "spo2-rounded-to-whole"],
)
def test_vital_sign_units_convert(code: str, value: float, unit: str, field: str, expected: float) -> None:
    (entry,) = mapped(observation(code, value, unit))
    assert entry.pieces[0].values[field] == pytest.approx(expected)


def test_blood_pressure_comes_from_the_panels_components() -> None:
    panel = observation("85354-9", 0, "mm[Hg]")
    del panel["valueQuantity"]
    panel["component"] = [
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {"value": v, "code": "mm[Hg]"},
        }
        for code, v in (("8480-6", 96), ("8462-4", 58))
    ]
    (entry,) = mapped(panel)
    assert {k: v for k, v in entry.pieces[0].values.items() if k != "taken_at"} == {
        "systolic_bp": 96,
        "diastolic_bp": 58,
    }


def test_a_reference_range_in_another_unit_is_converted_to_the_values_unit() -> None:
    creatinine = observation(
        "2160-0",
        110,
        "umol/L",
        referenceRange=[{"low": {"value": 0.6, "code": "mg/dL"}, "high": {"value": 1.1, "code": "mg/dL"}}],
    )
    (entry,) = mapped(creatinine)
    values = entry.pieces[0].values
    assert (values["reference_low"], values["reference_high"]) == (
        pytest.approx(53.04, rel=1e-3),
        pytest.approx(97.24, rel=1e-3),
    )


def test_a_vital_sign_without_a_time_of_day_is_rejected() -> None:
    (entry,) = mapped({**observation("8867-4", 90, "/min"), "effectiveDateTime": "2026-11-24"})
    assert entry.pieces == []
    (issue,) = entry.issues
    assert issue.location.endswith("effective[x]") and "date and time" in issue.message


def test_an_unknown_unit_names_the_element() -> None:
    (entry,) = mapped(observation("8867-4", 90, "furlong"))
    (issue,) = entry.issues
    assert issue.location == "Bundle.entry[0].resource.valueQuantity.unit"
