"""CRS grading (ASTCT 2019) at every boundary, with each result explaining itself."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.unit.toxicity.stated import crs_findings
from toxicity import RULE_SET, InvalidAssessment, grade_crs

FEVER = crs_findings(temperature_c=38.4, hypotension=False)


@pytest.mark.parametrize(
    ("temperature", "grade"),
    [(37.9, 0), (38.0, 1), (38.1, 1)],
    ids=["37.9-is-not-fever", "38.0-is-fever", "38.1-is-fever"],
)
def test_fever_starts_at_38_0_degrees(temperature: float, grade: int) -> None:
    assert grade_crs(crs_findings(temperature_c=temperature, hypotension=False)).grade == grade


def test_an_integer_temperature_counts_as_a_number() -> None:
    assert grade_crs(crs_findings(temperature_c=38, hypotension=False)).grade == 1


def test_fever_alone_is_grade_1_and_says_so() -> None:
    result = grade_crs(FEVER)
    assert result.grade == 1
    assert result.rule_set == RULE_SET == "ASTCT 2019"
    assert "fever: temperature 38.4 °C >= 38.0 °C" in result.reasons
    assert result.reasons[-1] == "grade 1 set by fever (temperature 38.4 °C >= 38.0 °C)"


@pytest.mark.parametrize(
    ("vasopressors", "vasopressin", "grade"),
    [(0, False, 2), (0, True, 3), (1, False, 3), (1, True, 3), (2, False, 4), (2, True, 4), (3, False, 4)],
    ids=[
        "fluids-only-is-2",
        "vasopressin-alone-counts-as-one-so-3",
        "noradrenaline-alone-is-3",
        "noradrenaline-plus-vasopressin-is-3",
        "noradrenaline-plus-phenylephrine-is-4",
        "two-agents-plus-vasopressin-is-4",
        "three-agents-is-4",
    ],
)
def test_hypotension_grade_follows_the_vasopressor_count(vasopressors: int, vasopressin: bool, grade: int) -> None:
    findings = replace(FEVER, hypotension=True, vasopressors=vasopressors, vasopressin=vasopressin)
    result = grade_crs(findings)
    assert result.grade == grade
    assert any(reason.startswith("hypotension:") and f"grade {grade}" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("oxygen", "flow", "grade"),
    [
        ("room_air", None, 1),
        ("room_air", 0.0, 1),
        ("blow_by", None, 2),
        ("low_flow_nasal_cannula", None, 2),
        ("low_flow_nasal_cannula", 6.0, 2),
        ("nasal_cannula", 5.9, 2),
        ("nasal_cannula", 6.0, 2),
        ("nasal_cannula", 6.1, 3),
        ("high_flow_nasal_cannula", None, 3),
        ("high_flow_nasal_cannula", 6.1, 3),
        ("facemask", 2.0, 3),
        ("non_rebreather", 15.0, 3),
        ("venturi", None, 3),
        ("cpap", None, 4),
        ("bipap", None, 4),
        ("mechanical_ventilation", None, 4),
    ],
    ids=lambda value: str(value),
)
def test_hypoxia_grade_follows_the_oxygen_support(oxygen: str, flow: float | None, grade: int) -> None:
    assert grade_crs(replace(FEVER, oxygen=oxygen, oxygen_flow_l_min=flow)).grade == grade


def test_a_nasal_cannula_over_6_l_min_is_high_flow_and_the_reason_shows_the_flow() -> None:
    result = grade_crs(replace(FEVER, oxygen="nasal_cannula", oxygen_flow_l_min=6.1))
    assert "hypoxia: nasal_cannula 6.1 L/min > 6.0 L/min (high-flow) -> grade 3" in result.reasons


def test_the_more_severe_domain_sets_the_grade_and_ties_are_named() -> None:
    result = grade_crs(replace(FEVER, hypotension=True, vasopressors=1, oxygen="facemask"))
    assert result.grade == 3
    assert result.reasons[-1] == "grade 3 set by hypotension (1 vasopressor) and hypoxia (facemask)"
    assert result.deciding_domains == ("hypotension", "hypoxia")


def test_without_fever_hypotension_and_hypoxia_do_not_make_crs() -> None:
    result = grade_crs(crs_findings(temperature_c=37.5, hypotension=True, vasopressors=2, oxygen="cpap"))
    assert result.grade == 0
    assert "without fever is not CRS" in result.reasons[-1]


def test_after_tocilizumab_or_steroids_fever_is_not_required() -> None:
    findings = crs_findings(
        temperature_c=36.8, hypotension=True, vasopressors=1, oxygen="room_air", after_tocilizumab_or_steroids=True
    )
    result = grade_crs(findings)
    assert result.grade == 3
    assert any("fever not required" in reason for reason in result.reasons)


def test_after_tocilizumab_a_missing_temperature_is_allowed() -> None:
    findings = crs_findings(temperature_c=None, hypotension=False, oxygen="bipap", after_tocilizumab_or_steroids=True)
    assert grade_crs(findings).grade == 4


def test_after_tocilizumab_without_hypotension_or_hypoxia_the_grade_is_0() -> None:
    result = grade_crs(crs_findings(temperature_c=37.0, hypotension=False, after_tocilizumab_or_steroids=True))
    assert result.grade == 0
    assert result.reasons[-1] == "grade 0: no hypotension or hypoxia"


def test_after_tocilizumab_a_fever_still_gives_at_least_grade_1() -> None:
    findings = crs_findings(temperature_c=38.5, hypotension=False, after_tocilizumab_or_steroids=True)
    assert grade_crs(findings).grade == 1


def test_a_missing_temperature_is_an_error_before_tocilizumab_or_steroids() -> None:
    with pytest.raises(InvalidAssessment, match="temperature_c"):
        grade_crs(crs_findings(temperature_c=None, hypotension=True))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"temperature_c": "38.5"}, "temperature_c"),
        ({"temperature_c": True}, "temperature_c"),
        ({"temperature_c": 24.9}, "temperature_c"),
        ({"temperature_c": 45.1}, "temperature_c"),
        ({"temperature_c": float("nan")}, "temperature_c"),
        ({"temperature_c": 100.4}, "temperature_c"),
        ({"hypotension": 1}, "hypotension"),
        ({"hypotension": None}, "hypotension"),
        ({"hypotension": True, "vasopressors": -1}, "vasopressors"),
        ({"hypotension": True, "vasopressors": 1.0}, "vasopressors"),
        ({"hypotension": True, "vasopressors": True}, "vasopressors"),
        ({"hypotension": True, "vasopressors": 11}, "vasopressors"),
        ({"hypotension": True, "vasopressin": "yes"}, "vasopressin"),
        ({"oxygen": "nasal_prongs"}, "oxygen"),
        ({"oxygen": None}, "oxygen"),
        ({"oxygen": "nasal_cannula"}, "oxygen_flow_l_min"),
        ({"oxygen": "nasal_cannula", "oxygen_flow_l_min": -0.1}, "oxygen_flow_l_min"),
        ({"oxygen": "nasal_cannula", "oxygen_flow_l_min": 80.1}, "oxygen_flow_l_min"),
        ({"oxygen": "nasal_cannula", "oxygen_flow_l_min": True}, "oxygen_flow_l_min"),
        ({"oxygen": "nasal_cannula", "oxygen_flow_l_min": "4"}, "oxygen_flow_l_min"),
        ({"oxygen": "room_air", "oxygen_flow_l_min": 2.0}, "oxygen_flow_l_min"),
        ({"after_tocilizumab_or_steroids": None}, "after_tocilizumab_or_steroids"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else str(value),
)
def test_invalid_findings_are_rejected_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidAssessment, match=field):
        grade_crs(replace(FEVER, **changes))  # type: ignore[arg-type]


def test_a_vasopressor_without_hypotension_is_a_contradiction_not_a_guess() -> None:
    with pytest.raises(InvalidAssessment, match="hypotension: False but 1 vasopressor"):
        grade_crs(replace(FEVER, vasopressors=1))
    with pytest.raises(InvalidAssessment, match="hypotension"):
        grade_crs(replace(FEVER, vasopressin=True))


def test_the_allowed_oxygen_values_are_listed_when_one_is_unknown() -> None:
    with pytest.raises(InvalidAssessment, match="allowed: room_air, blow_by"):
        grade_crs(replace(FEVER, oxygen="hood"))


def test_anything_but_crs_findings_is_rejected() -> None:
    with pytest.raises(InvalidAssessment, match="CRSFindings"):
        grade_crs({"temperature_c": 39.0})  # type: ignore[arg-type]


def test_a_str_enum_member_is_accepted_as_its_string() -> None:
    from toxicity import OxygenDevice

    assert grade_crs(replace(FEVER, oxygen=OxygenDevice.CPAP)).grade == 4


@pytest.mark.parametrize(
    ("device", "flow", "grade"),
    [
        ("low_flow_nasal_cannula", 6.0, 2),
        ("low_flow_nasal_cannula", 6.1, 3),
        ("high_flow_nasal_cannula", 6.0, 2),
        ("high_flow_nasal_cannula", 6.1, 3),
        ("low_flow_nasal_cannula", None, 2),
        ("high_flow_nasal_cannula", None, 3),
    ],
    ids=[
        "low-flow-label-6.0",
        "low-flow-label-6.1",
        "high-flow-label-6.0",
        "high-flow-label-6.1",
        "low-flow-label-no-flow",
        "high-flow-label-no-flow",
    ],
)
def test_a_recorded_cannula_flow_decides_whatever_the_cannula_is_called(
    device: str, flow: float | None, grade: int
) -> None:
    result = grade_crs(crs_findings(temperature_c=38.5, hypotension=False, oxygen=device, oxygen_flow_l_min=flow))
    assert result.grade == grade
