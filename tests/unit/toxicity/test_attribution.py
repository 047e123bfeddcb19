"""A domain the assessor attributes to another cause is taken out of the grade, and the reasons say so."""

from __future__ import annotations

import pytest

from tests.unit.toxicity.stated import crs_findings, neuro_findings
from toxicity import (
    CRSFindings,
    InvalidAssessment,
    grade_crs_attributed,
    grade_icans_attributed,
)

SHOCKED = crs_findings(temperature_c=38.6, hypotension=True, vasopressors=2, oxygen="facemask")


@pytest.mark.parametrize(
    ("other_cause", "grade"),
    [((), 4), (("hypotension",), 3), (("hypoxia",), 4), (("hypotension", "hypoxia"), 1), (("fever",), 0)],
    ids=["nothing-attributed", "hypotension-attributed", "hypoxia-attributed", "both-attributed", "fever-attributed"],
)
def test_attributed_crs_domains_do_not_count(other_cause: tuple[str, ...], grade: int) -> None:
    result = grade_crs_attributed(SHOCKED, other_cause)
    assert result.grade == grade
    for domain in other_cause:
        assert any(domain in reason and "another cause" in reason for reason in result.reasons)


def test_fever_attributed_elsewhere_still_allows_grading_once_fever_is_masked() -> None:
    masked = crs_findings(temperature_c=37.0, hypotension=True, after_tocilizumab_or_steroids=True)
    assert grade_crs_attributed(masked, ("fever",)).grade == 2


@pytest.mark.parametrize(
    ("other_cause", "grade"),
    [((), 4), (("motor",), 3), (("motor", "seizure"), 2), (("motor", "seizure", "consciousness"), 1)],
    ids=["nothing-attributed", "motor-attributed", "motor-and-seizure", "all-but-ice"],
)
def test_attributed_icans_domains_do_not_count(other_cause: tuple[str, ...], grade: int) -> None:
    findings = neuro_findings(
        age_years=50,
        ice_score=8,
        consciousness="awakens_to_voice",
        seizure="clinical_seizure_resolved_rapidly",
        deep_focal_motor_weakness=True,
    )
    result = grade_icans_attributed(findings, other_cause)
    assert result.grade == grade
    assert result.reasons


def test_an_unknown_domain_is_rejected_naming_the_allowed_ones() -> None:
    with pytest.raises(InvalidAssessment, match=r"attributable_to_other_cause.*hypoxia"):
        grade_crs_attributed(SHOCKED, ("kidneys",))


def test_a_fever_attributed_elsewhere_after_tocilizumab_no_longer_sets_the_minimum_grade_1() -> None:
    febrile = crs_findings(temperature_c=38.8, hypotension=False, after_tocilizumab_or_steroids=True)
    assert grade_crs_attributed(febrile, ()).grade == 1
    result = grade_crs_attributed(febrile, ("fever",))
    assert result.grade == 0
    assert "fever (38.8 °C) attributed to another cause: not counted" in result.reasons


def test_vasopressors_for_hypotension_attributed_elsewhere_need_not_be_ticked_as_crs_hypotension() -> None:
    septic = crs_findings(temperature_c=38.6, hypotension=False, vasopressors=1, oxygen="facemask")
    with pytest.raises(InvalidAssessment, match="hypotension"):
        grade_crs_attributed(septic, ())
    assert grade_crs_attributed(septic, ("hypotension",)).grade == 3


@pytest.mark.parametrize(
    ("findings", "other_cause", "field"),
    [
        (crs_findings(38.6, "yes", 1), ("hypotension",), "hypotension"),  # type: ignore[arg-type]
        (crs_findings(38.6, True, -1), ("hypotension",), "vasopressors"),
        (crs_findings(38.6, False, oxygen="hood"), ("hypoxia",), "oxygen"),
        (crs_findings(38.6, False, oxygen="facemask", oxygen_flow_l_min=-2.0), ("hypoxia",), "oxygen_flow_l_min"),
        (crs_findings(101.0, False, after_tocilizumab_or_steroids=True), ("fever",), "temperature_c"),
        (crs_findings(101.0, False), ("fever",), "temperature_c"),
        (crs_findings(None, False), ("fever",), "temperature_c"),
    ],
    ids=["hypotension-text", "vasopressors-negative", "unknown-device", "negative-flow", "fahrenheit-masked",
         "fahrenheit", "no-temperature-before-tocilizumab"],
)  # fmt: skip
def test_a_domain_attributed_elsewhere_is_still_validated(
    findings: CRSFindings, other_cause: tuple[str, ...], field: str
) -> None:
    with pytest.raises(InvalidAssessment, match=field):
        grade_crs_attributed(findings, other_cause)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consciousness": "drowsy"}, "consciousness"),
        ({"seizure": None}, "seizure"),
        ({"deep_focal_motor_weakness": "yes"}, "deep_focal_motor_weakness"),
        ({"icp_findings": frozenset({"headache"})}, "icp_findings"),
    ],
    ids=["consciousness", "seizure", "motor", "icp"],
)
def test_an_icans_domain_attributed_elsewhere_is_still_validated(changes: dict[str, object], field: str) -> None:
    findings = neuro_findings(age_years=50, ice_score=10, **changes)  # type: ignore[arg-type]
    with pytest.raises(InvalidAssessment, match=field):
        grade_icans_attributed(findings, ("consciousness", "seizure", "motor", "icp"))


@pytest.mark.parametrize(
    "other_cause",
    [None, "fever", 1, [1], [None], {"fever": True}],
    ids=["None", "text", "int", "int-item", "None-item", "dict"],
)
def test_other_cause_must_be_a_collection_of_domain_names(other_cause: object) -> None:
    with pytest.raises(InvalidAssessment, match="attributable_to_other_cause"):
        grade_crs_attributed(SHOCKED, other_cause)  # type: ignore[arg-type]
    with pytest.raises(InvalidAssessment, match="attributable_to_other_cause"):
        grade_icans_attributed(neuro_findings(age_years=50, ice_score=10), other_cause)  # type: ignore[arg-type]


def test_anything_but_findings_is_rejected() -> None:
    with pytest.raises(InvalidAssessment, match="CRSFindings"):
        grade_crs_attributed(None, ("fever",))  # type: ignore[arg-type]
    with pytest.raises(InvalidAssessment, match="NeuroFindings"):
        grade_icans_attributed(None, ("motor",))  # type: ignore[arg-type]
