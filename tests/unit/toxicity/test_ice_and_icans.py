"""The ICE score and ICANS grading (ASTCT 2019), ICE for adults and CAPD for children."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.unit.toxicity.stated import neuro_findings
from toxicity import ICEParts, InvalidAssessment, NeuroFindings, grade_icans, ice_score

FULL = ICEParts(
    orientation_year=1,
    orientation_month=1,
    orientation_city=1,
    orientation_hospital=1,
    follows_commands=1,
    naming=3,
    writing=1,
    attention=1,
)
ADULT = neuro_findings(age_years=54, ice_score=10)
CHILD = neuro_findings(age_years=8, capd_score=0)


def test_a_full_ice_scores_10_and_an_empty_one_0() -> None:
    assert ice_score(FULL) == 10
    empty = ICEParts(**{name: 0 for name in FULL.__dataclass_fields__})
    assert ice_score(empty) == 0


@pytest.mark.parametrize(
    ("part", "value", "message"),
    [
        ("naming", 4, "naming: 4 is outside 0-3"),
        ("naming", -1, "naming: -1 is outside 0-3"),
        ("naming", 0.5, "naming: float 0.5 is not an integer; allowed 0-3"),
        ("naming", 1.0, "naming: float 1.0 is not an integer"),
        ("naming", None, "naming: missing"),
        ("naming", "1", "naming: text"),
        ("naming", True, "naming: a boolean"),
        ("writing", 2, "writing: 2 is outside 0-1"),
        ("orientation_year", -1, "orientation_year: -1 is outside 0-1"),
        ("attention", "yes", "attention: text"),
    ],
    ids=["naming-4", "naming-minus-1", "naming-0.5", "naming-1.0", "naming-None", "naming-text", "naming-True",
         "writing-2", "orientation-minus-1", "attention-text"],
)  # fmt: skip
def test_ice_parts_out_of_range_or_not_integers_are_rejected_never_clamped(
    part: str, value: object, message: str
) -> None:
    with pytest.raises(InvalidAssessment, match=message):
        ice_score(replace(FULL, **{part: value}))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("score", "grade"),
    [(0, 3), (2, 3), (3, 2), (6, 2), (7, 1), (9, 1), (10, 0)],
    ids=["ice-0", "ice-2", "ice-3", "ice-6", "ice-7", "ice-9", "ice-10"],
)
def test_ice_score_bands(score: int, grade: int) -> None:
    result = grade_icans(replace(ADULT, ice_score=score))
    assert result.grade == grade
    assert result.reasons[0].startswith(f"ICE: score {score} ")


def test_ice_0_in_an_awake_patient_is_grade_3_not_4() -> None:
    assert grade_icans(replace(ADULT, ice_score=0, consciousness="alert")).grade == 3


def test_unable_to_perform_ice_is_grade_4() -> None:
    result = grade_icans(replace(ADULT, ice_score=None, unable_to_perform_assessment=True, consciousness="unarousable"))
    assert result.grade == 4
    assert "ICE: unable to perform ICE, unarousable -> grade 4" in result.reasons


@pytest.mark.parametrize(
    ("score", "grade"),
    [(0, 0), (1, 1), (8, 1), (9, 3), (32, 3)],
    ids=["capd-0", "capd-1", "capd-8", "capd-9", "capd-32"],
)
def test_capd_score_bands_for_children(score: int, grade: int) -> None:
    assert grade_icans(replace(CHILD, capd_score=score)).grade == grade


def test_capd_1_to_8_becomes_grade_2_only_through_consciousness() -> None:
    assert grade_icans(replace(CHILD, capd_score=5, consciousness="awakens_to_voice")).grade == 2


def test_an_ice_of_0_recorded_with_unable_to_perform_in_an_unarousable_patient_is_grade_4() -> None:
    findings = replace(ADULT, ice_score=0, unable_to_perform_assessment=True, consciousness="unarousable")
    assert grade_icans(findings).grade == 4


def test_a_capd_score_with_unable_to_perform_is_a_contradiction() -> None:
    with pytest.raises(InvalidAssessment, match="capd_score"):
        grade_icans(replace(CHILD, capd_score=0, unable_to_perform_assessment=True))


def test_unable_to_perform_capd_is_grade_4() -> None:
    findings = replace(CHILD, capd_score=None, unable_to_perform_assessment=True, consciousness="unarousable")
    assert grade_icans(findings).grade == 4


@pytest.mark.parametrize(
    ("age", "delay", "tool"),
    [(11.9, False, "CAPD"), (12.0, False, "ICE"), (12.1, False, "ICE"), (30.0, True, "CAPD")],
    ids=["11.9-years-capd", "12-years-ice", "12.1-years-ice", "adult-with-developmental-delay-capd"],
)
def test_the_tool_is_capd_under_12_or_with_developmental_delay(age: float, delay: bool, tool: str) -> None:
    findings = neuro_findings(
        age_years=age, developmental_delay=delay, unable_to_perform_assessment=True, consciousness="unarousable"
    )
    assert grade_icans(findings).reasons[0].startswith(f"{tool}: ")


@pytest.mark.parametrize(
    ("consciousness", "grade"),
    [("alert", 0), ("awakens_spontaneously", 1), ("awakens_to_voice", 2), ("awakens_to_tactile", 3),
     ("unarousable", 4)],
    ids=lambda value: str(value),
)  # fmt: skip
def test_depressed_consciousness_grades(consciousness: str, grade: int) -> None:
    assert grade_icans(replace(ADULT, consciousness=consciousness)).grade == grade


@pytest.mark.parametrize(
    ("seizure", "grade"),
    [
        ("none", 0),
        ("clinical_seizure_resolved_rapidly", 3),
        ("nonconvulsive_eeg_seizure_resolved_with_intervention", 3),
        ("prolonged_over_5_min", 4),
        ("repetitive_without_return_to_baseline", 4),
    ],
    ids=lambda value: str(value),
)
def test_seizure_grades(seizure: str, grade: int) -> None:
    assert grade_icans(replace(ADULT, seizure=seizure)).grade == grade


def test_deep_focal_motor_weakness_is_grade_4() -> None:
    result = grade_icans(replace(ADULT, deep_focal_motor_weakness=True))
    assert result.grade == 4
    assert result.reasons[-1] == "grade 4 set by motor (deep focal motor weakness)"


@pytest.mark.parametrize(
    ("findings", "grade"),
    [
        (frozenset({"focal_local_edema"}), 3),
        (frozenset({"diffuse_cerebral_edema"}), 4),
        (frozenset({"decerebrate_or_decorticate_posturing"}), 4),
        (frozenset({"cranial_nerve_vi_palsy"}), 4),
        (frozenset({"papilledema"}), 4),
        (frozenset({"cushings_triad"}), 4),
        (frozenset({"focal_local_edema", "papilledema"}), 4),
    ],
    ids=lambda value: "+".join(sorted(value)) if isinstance(value, frozenset) else str(value),
)
def test_raised_icp_grades(findings: frozenset[str], grade: int) -> None:
    assert grade_icans(replace(ADULT, icp_findings=findings)).grade == grade


def test_the_most_severe_domain_decides_and_is_named() -> None:
    result = grade_icans(replace(ADULT, ice_score=8, seizure="clinical_seizure_resolved_rapidly"))
    assert result.grade == 3
    assert result.reasons[-1] == "grade 3 set by seizure (clinical_seizure_resolved_rapidly)"
    assert result.rule_set == "ASTCT 2019"


@pytest.mark.parametrize(
    ("findings", "field"),
    [
        (neuro_findings(age_years=54, ice_score=10, capd_score=3), "capd_score"),
        (neuro_findings(age_years=8, capd_score=3, ice_score=10), "ice_score"),
        (neuro_findings(age_years=54, ice_score=5, unable_to_perform_assessment=True), "ice_score"),
        (neuro_findings(age_years=54, ice_score=11), "ice_score"),
        (neuro_findings(age_years=54, ice_score=9.0), "ice_score"),  # type: ignore[arg-type]
        (neuro_findings(age_years=8, capd_score=33), "capd_score"),
        (neuro_findings(age_years=-1, ice_score=10), "age_years"),
        (neuro_findings(age_years=131, ice_score=10), "age_years"),
        (neuro_findings(age_years="54", ice_score=10), "age_years"),  # type: ignore[arg-type]
        (neuro_findings(age_years=54, ice_score=10, developmental_delay=None), "developmental_delay"),  # type: ignore[arg-type]
        (neuro_findings(age_years=54, ice_score=10, consciousness="drowsy"), "consciousness"),
        (neuro_findings(age_years=54, ice_score=10, seizure="tonic_clonic"), "seizure"),
        (neuro_findings(age_years=54, ice_score=10, deep_focal_motor_weakness=1), "deep_focal_motor_weakness"),  # type: ignore[arg-type]
        (neuro_findings(age_years=54, ice_score=10, icp_findings=frozenset({"headache"})), "icp_findings"),
        (neuro_findings(age_years=54, ice_score=10, icp_findings="papilledema"), "icp_findings"),  # type: ignore[arg-type]
        (neuro_findings(age_years=54, ice_score=10, icp_findings=frozenset({1})), "icp_findings"),  # type: ignore[arg-type]
    ],
    ids=[
        "adult-given-capd", "child-given-ice", "score-and-unable",
        "ice-11", "ice-9.0", "capd-33", "age-minus-1", "age-131", "age-text", "delay-None", "unknown-consciousness",
        "unknown-seizure", "motor-1", "unknown-icp-finding", "icp-as-text", "icp-non-text-member",
    ],
)  # fmt: skip
def test_invalid_neuro_findings_are_rejected_naming_the_field(findings: NeuroFindings, field: str) -> None:
    with pytest.raises(InvalidAssessment, match=field):
        grade_icans(findings)
