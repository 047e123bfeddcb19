"""A domain the assessor attributes to another cause is taken out of the grade, and the reasons say so."""

from __future__ import annotations

import pytest

from toxicity import (
    CRSFindings,
    InvalidAssessment,
    NeuroFindings,
    grade_crs_attributed,
    grade_icans_attributed,
)

SHOCKED = CRSFindings(temperature_c=38.6, hypotension=True, vasopressors=2, oxygen="facemask")


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
    masked = CRSFindings(temperature_c=37.0, hypotension=True, after_tocilizumab_or_steroids=True)
    assert grade_crs_attributed(masked, ("fever",)).grade == 2


@pytest.mark.parametrize(
    ("other_cause", "grade"),
    [((), 4), (("motor",), 3), (("motor", "seizure"), 2), (("motor", "seizure", "consciousness"), 1)],
    ids=["nothing-attributed", "motor-attributed", "motor-and-seizure", "all-but-ice"],
)
def test_attributed_icans_domains_do_not_count(other_cause: tuple[str, ...], grade: int) -> None:
    findings = NeuroFindings(
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
