"""CLINICAL-NOTES.md sentence by sentence, through the public API of issue 3 only (``from toxicity import ...``).

Each rule is checked at edge - ε, edge and edge + ε, with plain strings and with the StrEnum members, and
every grade is checked to name its deciding domain and value in the last reason.
"""

from __future__ import annotations

import itertools

import pytest

from tests.unit.toxicity.stated import crs_findings, neuro_findings
from toxicity import (
    CONSCIOUSNESS_LEVELS,
    ICP_FINDINGS,
    OXYGEN_DEVICES,
    SEIZURE_TYPES,
    Consciousness,
    HLHFindings,
    ICEParts,
    ICPFinding,
    InvalidAssessment,
    OxygenDevice,
    SeizureType,
    grade_crs,
    grade_icans,
    hlh_screen,
    ice_score,
    tocilizumab_dose_mg,
)

# --- CRS: fever ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("temperature", "grade"),
    [(37.9, 0), (37.99, 0), (38.0, 1), (38.01, 1), (38.1, 1), (37, 0), (38, 1), (39, 1), (41.5, 1)],
    ids=["37.9", "37.99", "38.0", "38.01", "38.1", "int-37", "int-38", "int-39", "41.5"],
)
def test_fever_is_38_0_or_more_floats_and_ints_alike(temperature: float, grade: int) -> None:
    result = grade_crs(crs_findings(temperature_c=temperature, hypotension=False))
    assert result.grade == grade
    assert result.rule_set == "ASTCT 2019"
    assert str(float(temperature)) in result.reasons[0]


HYPOTENSION_CASES = [
    # (hypotension, vasopressors, vasopressin) -> hypotension grade
    ((False, 0, False), 0),
    ((True, 0, False), 2),
    ((True, 0, True), 3),
    ((True, 1, False), 3),
    ((True, 1, True), 3),
    ((True, 2, False), 4),
    ((True, 2, True), 4),
    ((True, 3, False), 4),
    ((True, 3, True), 4),
]
HYPOTENSION_IDS = [
    "none",
    "fluids-only",
    "vasopressin-alone",
    "one-vasopressor",
    "noradrenaline-plus-vasopressin",
    "noradrenaline-plus-phenylephrine",
    "two-plus-vasopressin",
    "three",
    "three-plus-vasopressin",
]

OXYGEN_CASES = [
    # (device, flow) -> hypoxia grade
    (("room_air", None), 0),
    (("room_air", 0.0), 0),
    (("room_air", 0), 0),
    (("blow_by", None), 2),
    (("blow_by", 4.0), 2),
    (("nasal_cannula", 0.5), 2),
    (("nasal_cannula", 5.9), 2),
    (("nasal_cannula", 6.0), 2),
    (("nasal_cannula", 6), 2),
    (("nasal_cannula", 6.1), 3),
    (("nasal_cannula", 7), 3),
    (("nasal_cannula", 40.0), 3),
    (("low_flow_nasal_cannula", None), 2),
    (("low_flow_nasal_cannula", 2.0), 2),
    (("low_flow_nasal_cannula", 6.0), 2),
    (("low_flow_nasal_cannula", 6.1), 3),
    (("high_flow_nasal_cannula", None), 3),
    (("high_flow_nasal_cannula", 6.0), 2),
    (("high_flow_nasal_cannula", 6.1), 3),
    (("high_flow_nasal_cannula", 60.0), 3),
    (("facemask", None), 3),
    (("facemask", 2.0), 3),
    (("facemask", 10.0), 3),
    (("non_rebreather", None), 3),
    (("non_rebreather", 15.0), 3),
    (("venturi", None), 3),
    (("venturi", 4.0), 3),
    (("cpap", None), 4),
    (("cpap", 10.0), 4),
    (("bipap", None), 4),
    (("bipap", 10.0), 4),
    (("mechanical_ventilation", None), 4),
    (("mechanical_ventilation", 8.0), 4),
]
OXYGEN_IDS = [f"{device}-{flow}" for (device, flow), _ in OXYGEN_CASES]


def test_every_oxygen_device_is_covered() -> None:
    assert {device for (device, _), _ in OXYGEN_CASES} == set(OXYGEN_DEVICES)


@pytest.mark.parametrize(("hypotension", "hypotension_grade"), HYPOTENSION_CASES, ids=HYPOTENSION_IDS)
@pytest.mark.parametrize(("oxygen", "hypoxia_grade"), OXYGEN_CASES, ids=OXYGEN_IDS)
@pytest.mark.parametrize("temperature", [37.9, 38.0], ids=["afebrile", "febrile"])
def test_crs_grade_is_the_more_severe_of_hypotension_and_hypoxia_with_fever_at_least_1(
    temperature: float,
    oxygen: tuple[str, float | None],
    hypoxia_grade: int,
    hypotension: tuple[bool, int, bool],
    hypotension_grade: int,
) -> None:
    findings = crs_findings(temperature, *hypotension, oxygen=oxygen[0], oxygen_flow_l_min=oxygen[1])
    result = grade_crs(findings)
    worst = max(hypotension_grade, hypoxia_grade)
    if temperature >= 38.0:
        assert result.grade == max(1, worst)
        grades = {"hypotension": hypotension_grade, "hypoxia": hypoxia_grade}
        deciding = [name for name, grade in grades.items() if grade == worst and worst > 0] or ["fever"]
        assert result.reasons[-1].startswith(f"grade {result.grade} set by ")
        for name in deciding:
            assert f"{name} (" in result.reasons[-1]
        if "hypoxia" in deciding:
            assert oxygen[0] in result.reasons[-1]
    else:
        assert result.grade == 0


@pytest.mark.parametrize(("hypotension", "hypotension_grade"), HYPOTENSION_CASES, ids=HYPOTENSION_IDS)
@pytest.mark.parametrize(("oxygen", "hypoxia_grade"), OXYGEN_CASES, ids=OXYGEN_IDS)
@pytest.mark.parametrize("temperature", [None, 36.5, 37.9], ids=["not-recorded", "36.5", "37.9"])
def test_after_tocilizumab_or_steroids_hypotension_and_hypoxia_alone_set_the_grade(
    temperature: float | None,
    oxygen: tuple[str, float | None],
    hypoxia_grade: int,
    hypotension: tuple[bool, int, bool],
    hypotension_grade: int,
) -> None:
    findings = crs_findings(
        temperature, *hypotension, oxygen=oxygen[0], oxygen_flow_l_min=oxygen[1], after_tocilizumab_or_steroids=True
    )
    result = grade_crs(findings)
    assert result.grade == max(hypotension_grade, hypoxia_grade)
    assert result.reasons[-1].startswith(f"grade {result.grade}")


def test_after_tocilizumab_a_fever_still_sets_the_minimum_grade_1() -> None:
    findings = crs_findings(temperature_c=38.0, hypotension=False, after_tocilizumab_or_steroids=True)
    assert grade_crs(findings).grade == 1


def test_after_tocilizumab_a_missing_temperature_is_named_in_the_reasons() -> None:
    result = grade_crs(crs_findings(temperature_c=None, hypotension=True, after_tocilizumab_or_steroids=True))
    assert result.grade == 2
    assert "temperature: not recorded" in result.reasons
    assert result.reasons[-1] == "grade 2 set by hypotension (not requiring vasopressors (fluids only))"


@pytest.mark.parametrize(
    ("masked", "field"),
    [(False, "temperature_c"), (None, "after_tocilizumab_or_steroids"), (0, "after_tocilizumab_or_steroids")],
    ids=["False", "None", "0"],
)
def test_without_a_temperature_crs_needs_after_tocilizumab_or_steroids_true(masked: object, field: str) -> None:
    findings = crs_findings(None, True, 1, False, "cpap", None, masked)  # type: ignore[arg-type]
    with pytest.raises(InvalidAssessment, match=field):
        grade_crs(findings)


@pytest.mark.parametrize(
    ("vasopressors", "vasopressin"),
    [(1, False), (2, False), (0, True), (1, True)],
    ids=["one", "two", "vasopressin", "one-plus-vasopressin"],
)
def test_vasopressors_with_hypotension_false_are_rejected_naming_both_fields(
    vasopressors: int, vasopressin: bool
) -> None:
    findings = crs_findings(temperature_c=38.5, hypotension=False, vasopressors=vasopressors, vasopressin=vasopressin)
    with pytest.raises(InvalidAssessment, match=r"hypotension: False .*vasopressors 0"):
        grade_crs(findings)


@pytest.mark.parametrize("flow", [0.1, 2.0, 2], ids=["0.1", "2.0", "int-2"])
def test_room_air_with_oxygen_flowing_is_a_contradiction(flow: float) -> None:
    with pytest.raises(InvalidAssessment, match="oxygen_flow_l_min"):
        grade_crs(crs_findings(temperature_c=38.5, hypotension=False, oxygen="room_air", oxygen_flow_l_min=flow))


def test_a_plain_nasal_cannula_needs_its_flow() -> None:
    with pytest.raises(InvalidAssessment, match="oxygen_flow_l_min"):
        grade_crs(crs_findings(temperature_c=38.5, hypotension=False, oxygen="nasal_cannula"))


@pytest.mark.parametrize("device", list(OxygenDevice), ids=lambda device: str(device))
def test_oxygen_enum_members_grade_as_their_plain_strings(device: OxygenDevice) -> None:
    flow = 3.0 if device != OxygenDevice.ROOM_AIR else None
    as_enum = grade_crs(crs_findings(temperature_c=38.5, hypotension=False, oxygen=device, oxygen_flow_l_min=flow))
    as_text = grade_crs(
        crs_findings(temperature_c=38.5, hypotension=False, oxygen=device.value, oxygen_flow_l_min=flow)
    )
    assert as_enum == as_text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"temperature_c": float("inf")}, "temperature_c"),
        ({"temperature_c": [38.5]}, "temperature_c"),
        ({"hypotension": "True"}, "hypotension"),
        ({"hypotension": 0}, "hypotension"),
        ({"hypotension": True, "vasopressors": None}, "vasopressors"),
        ({"hypotension": True, "vasopressors": "1"}, "vasopressors"),
        ({"hypotension": True, "vasopressors": 1.5}, "vasopressors"),
        ({"hypotension": True, "vasopressin": 1}, "vasopressin"),
        ({"hypotension": True, "vasopressin": None}, "vasopressin"),
        ({"oxygen": "ROOM_AIR"}, "oxygen"),
        ({"oxygen": 3}, "oxygen"),
        ({"oxygen": "nasal_cannula", "oxygen_flow_l_min": float("nan")}, "oxygen_flow_l_min"),
        ({"oxygen": "facemask", "oxygen_flow_l_min": -1.0}, "oxygen_flow_l_min"),
        ({"oxygen": "facemask", "oxygen_flow_l_min": "10"}, "oxygen_flow_l_min"),
        ({"after_tocilizumab_or_steroids": 1}, "after_tocilizumab_or_steroids"),
        ({"after_tocilizumab_or_steroids": "yes"}, "after_tocilizumab_or_steroids"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else str(value),
)
def test_invalid_crs_values_raise_naming_the_field(changes: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"temperature_c": 38.5, "hypotension": False, **changes}
    with pytest.raises(InvalidAssessment, match=field):
        grade_crs(crs_findings(**values))  # type: ignore[arg-type]


# --- ICE score -------------------------------------------------------------------------------------------

ICE_MAXIMA = {
    "orientation_year": 1,
    "orientation_month": 1,
    "orientation_city": 1,
    "orientation_hospital": 1,
    "follows_commands": 1,
    "naming": 3,
    "writing": 1,
    "attention": 1,
}
FULL_ICE = dict(ICE_MAXIMA)


@pytest.mark.parametrize("part", list(ICE_MAXIMA))
def test_each_ice_part_counts_up_to_its_maximum(part: str) -> None:
    for value in range(ICE_MAXIMA[part] + 1):
        parts = ICEParts(**{**FULL_ICE, part: value})
        assert ice_score(parts) == 10 - ICE_MAXIMA[part] + value


@pytest.mark.parametrize(
    ("part", "value"),
    [
        (part, value)
        for part, top in ICE_MAXIMA.items()
        for value in (top + 1, -1, 0.5, 1.0, None, "1", "0", True, False, [1])
    ],
    ids=lambda value: repr(value),
)
def test_each_ice_part_outside_its_range_or_not_an_integer_is_rejected_never_clamped(part: str, value: object) -> None:
    with pytest.raises(InvalidAssessment, match=rf"^{part}: "):
        ice_score(ICEParts(**{**FULL_ICE, part: value}))  # type: ignore[arg-type]


# --- ICANS -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade"),
    [(10, 0), (9, 1), (8, 1), (7, 1), (6, 2), (5, 2), (4, 2), (3, 2), (2, 3), (1, 3), (0, 3)],
    ids=lambda value: str(value),
)
def test_every_ice_score_has_its_grade(score: int, grade: int) -> None:
    result = grade_icans(neuro_findings(age_years=45, ice_score=score))
    assert result.grade == grade
    if grade:
        assert result.reasons[-1] == f"grade {grade} set by ICE (score {score})"


@pytest.mark.parametrize(
    "consciousness",
    ["alert", "awakens_spontaneously", "awakens_to_voice", "awakens_to_tactile"],
)
def test_an_ice_of_0_in_an_awake_patient_is_grade_3(consciousness: str) -> None:
    assert grade_icans(neuro_findings(age_years=45, ice_score=0, consciousness=consciousness)).grade == 3


@pytest.mark.parametrize("ice", [None, 0], ids=["no-score", "ice-0"])
def test_unarousable_and_unable_to_perform_ice_is_grade_4(ice: int | None) -> None:
    findings = neuro_findings(
        age_years=45, ice_score=ice, unable_to_perform_assessment=True, consciousness="unarousable"
    )
    result = grade_icans(findings)
    assert result.grade == 4
    assert "ICE (unable to perform ICE, unarousable)" in result.reasons[-1]


@pytest.mark.parametrize("ice", [-1, 11, 9.5, 10.0, True, "10"], ids=lambda value: repr(value))
def test_an_ice_score_outside_0_to_10_or_not_an_integer_is_rejected(ice: object) -> None:
    with pytest.raises(InvalidAssessment, match="ice_score"):
        grade_icans(neuro_findings(age_years=45, ice_score=ice))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("capd", "grade"),
    [(0, 0), (1, 1), (2, 1), (7, 1), (8, 1), (9, 3), (10, 3), (31, 3), (32, 3)],
    ids=lambda value: str(value),
)
def test_every_capd_band_for_a_child_under_12(capd: int, grade: int) -> None:
    result = grade_icans(neuro_findings(age_years=7, capd_score=capd))
    assert result.grade == grade
    if grade:
        assert result.reasons[-1] == f"grade {grade} set by CAPD (score {capd})"


@pytest.mark.parametrize(
    ("capd", "consciousness", "grade"),
    [
        (1, "awakens_to_voice", 2),
        (8, "awakens_to_voice", 2),
        (0, "awakens_to_voice", 2),
        (5, "awakens_spontaneously", 1),
        (9, "awakens_to_voice", 3),
        (5, "awakens_to_tactile", 3),
        (5, "unarousable", 4),
    ],
    ids=lambda value: str(value),
)
def test_the_consciousness_domain_lifts_capd_like_any_domain(capd: int, consciousness: str, grade: int) -> None:
    assert grade_icans(neuro_findings(age_years=7, capd_score=capd, consciousness=consciousness)).grade == grade


def test_unable_to_perform_capd_is_grade_4() -> None:
    result = grade_icans(neuro_findings(age_years=3, unable_to_perform_assessment=True, consciousness="unarousable"))
    assert result.grade == 4
    assert "CAPD (unable to perform CAPD, unarousable)" in result.reasons[-1]


@pytest.mark.parametrize("capd", [-1, 33, 4.5, True, "4"], ids=lambda value: repr(value))
def test_a_capd_score_outside_0_to_32_or_not_an_integer_is_rejected(capd: object) -> None:
    with pytest.raises(InvalidAssessment, match="capd_score"):
        grade_icans(neuro_findings(age_years=7, capd_score=capd))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("age", "delay", "tool"),
    [
        (0, False, "CAPD"),
        (0.5, False, "CAPD"),
        (11, False, "CAPD"),
        (11.99, False, "CAPD"),
        (12, False, "ICE"),
        (12.0, False, "ICE"),
        (12.01, False, "ICE"),
        (12, True, "CAPD"),
        (16, True, "CAPD"),
        (45, True, "CAPD"),
        (45, False, "ICE"),
    ],
    ids=lambda value: str(value),
)
def test_capd_under_12_or_with_developmental_delay_and_ice_otherwise(age: float, delay: bool, tool: str) -> None:
    score = {"capd_score": 9} if tool == "CAPD" else {"ice_score": 2}
    result = grade_icans(neuro_findings(age_years=age, developmental_delay=delay, **score))
    assert result.grade == 3
    assert result.reasons[0].startswith(f"{tool}: score ")
    wrong = {"ice_score": 2} if tool == "CAPD" else {"capd_score": 9}
    with pytest.raises(InvalidAssessment, match=next(iter(wrong))):
        grade_icans(neuro_findings(age_years=age, developmental_delay=delay, **wrong))


@pytest.mark.parametrize(
    ("changes", "grade", "deciding"),
    [
        ({"consciousness": "awakens_spontaneously"}, 1, "consciousness (awakens_spontaneously)"),
        ({"consciousness": "awakens_to_voice"}, 2, "consciousness (awakens_to_voice)"),
        ({"consciousness": "awakens_to_tactile"}, 3, "consciousness (awakens_to_tactile)"),
        ({"consciousness": "unarousable"}, 4, "consciousness (unarousable)"),
        ({"seizure": "clinical_seizure_resolved_rapidly"}, 3, "seizure (clinical_seizure_resolved_rapidly)"),
        (
            {"seizure": "nonconvulsive_eeg_seizure_resolved_with_intervention"},
            3,
            "seizure (nonconvulsive_eeg_seizure_resolved_with_intervention)",
        ),
        ({"seizure": "prolonged_over_5_min"}, 4, "seizure (prolonged_over_5_min)"),
        ({"seizure": "repetitive_without_return_to_baseline"}, 4, "seizure (repetitive_without_return_to_baseline)"),
        ({"deep_focal_motor_weakness": True}, 4, "motor (deep focal motor weakness)"),
        ({"icp_findings": frozenset({"focal_local_edema"})}, 3, "raised ICP (focal_local_edema)"),
        ({"icp_findings": frozenset({"diffuse_cerebral_edema"})}, 4, "raised ICP (diffuse_cerebral_edema)"),
        (
            {"icp_findings": frozenset({"decerebrate_or_decorticate_posturing"})},
            4,
            "raised ICP (decerebrate_or_decorticate_posturing)",
        ),
        ({"icp_findings": frozenset({"cranial_nerve_vi_palsy"})}, 4, "raised ICP (cranial_nerve_vi_palsy)"),
        ({"icp_findings": frozenset({"papilledema"})}, 4, "raised ICP (papilledema)"),
        ({"icp_findings": frozenset({"cushings_triad"})}, 4, "raised ICP (cushings_triad)"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else str(value),
)
@pytest.mark.parametrize(
    "tool",
    [{"age_years": 45, "ice_score": 10}, {"age_years": 7, "capd_score": 0}, {"age_years": 45}],
    ids=["adult-ice-10", "child-capd-0", "adult-ice-not-recorded"],
)
def test_each_other_domain_grades_alone_and_is_named(
    tool: dict[str, int], changes: dict[str, object], grade: int, deciding: str
) -> None:
    findings = neuro_findings(**tool, **changes)  # type: ignore[arg-type]
    if "ice_score" not in tool and "capd_score" not in tool and grade < 3:
        # Without a score a grade below 3 is not known: the missing ICE could make it 3.
        with pytest.raises(InvalidAssessment, match="ice_score"):
            grade_icans(findings)
        return
    result = grade_icans(findings)
    assert result.grade == grade
    assert result.reasons[-1] == f"grade {grade} set by {deciding}"


def test_an_alert_adult_without_an_ice_score_is_not_graded() -> None:
    with pytest.raises(InvalidAssessment, match=r"ice_score: missing \(0-10\)"):
        grade_icans(neuro_findings(age_years=45))


def test_a_child_without_a_capd_score_is_not_graded_below_3() -> None:
    with pytest.raises(InvalidAssessment, match="capd_score"):
        grade_icans(neuro_findings(age_years=6, consciousness="awakens_to_voice"))


def test_without_an_ice_score_other_domains_of_grade_3_or_more_decide_and_the_reasons_say_so() -> None:
    result = grade_icans(neuro_findings(age_years=45, seizure="clinical_seizure_resolved_rapidly"))
    assert result.grade == 3
    assert result.reasons[0].startswith("ICE: ice_score not recorded")
    assert [domain for domain, _ in result.domain_grades] == ["consciousness", "seizure", "motor", "raised ICP"]


def test_the_most_severe_domain_decides_and_ties_are_all_named() -> None:
    findings = neuro_findings(
        age_years=45,
        ice_score=5,
        consciousness="awakens_to_tactile",
        seizure="clinical_seizure_resolved_rapidly",
        icp_findings=frozenset({"focal_local_edema"}),
    )
    result = grade_icans(findings)
    assert result.grade == 3
    assert result.reasons[-1] == (
        "grade 3 set by consciousness (awakens_to_tactile), seizure (clinical_seizure_resolved_rapidly) "
        "and raised ICP (focal_local_edema)"
    )


@pytest.mark.parametrize(
    ("consciousness", "seizure", "icp"),
    list(itertools.product(Consciousness, SeizureType, ICPFinding)),
    ids=lambda value: str(value),
)
def test_neuro_enum_members_grade_as_their_plain_strings(
    consciousness: Consciousness, seizure: SeizureType, icp: ICPFinding
) -> None:
    as_enum = neuro_findings(
        age_years=45, ice_score=8, consciousness=consciousness, seizure=seizure, icp_findings=frozenset({icp})
    )
    as_text = neuro_findings(
        age_years=45,
        ice_score=8,
        consciousness=consciousness.value,
        seizure=seizure.value,
        icp_findings=frozenset({icp.value}),
    )
    assert grade_icans(as_enum) == grade_icans(as_text)


@pytest.mark.parametrize("container", [frozenset, set, list, tuple], ids=lambda kind: kind.__name__)
def test_icp_findings_may_come_in_any_collection(container: type) -> None:
    findings = neuro_findings(age_years=45, ice_score=10, icp_findings=container(["papilledema"]))
    assert grade_icans(findings).grade == 4


def test_the_vocabularies_are_the_issues() -> None:
    assert set(CONSCIOUSNESS_LEVELS) == {
        "alert",
        "awakens_spontaneously",
        "awakens_to_voice",
        "awakens_to_tactile",
        "unarousable",
    }
    assert set(SEIZURE_TYPES) == {
        "none",
        "clinical_seizure_resolved_rapidly",
        "nonconvulsive_eeg_seizure_resolved_with_intervention",
        "prolonged_over_5_min",
        "repetitive_without_return_to_baseline",
    }
    assert set(ICP_FINDINGS) == {
        "focal_local_edema",
        "diffuse_cerebral_edema",
        "decerebrate_or_decorticate_posturing",
        "cranial_nerve_vi_palsy",
        "papilledema",
        "cushings_triad",
    }
    assert set(OXYGEN_DEVICES) == {
        "room_air",
        "blow_by",
        "nasal_cannula",
        "low_flow_nasal_cannula",
        "high_flow_nasal_cannula",
        "facemask",
        "non_rebreather",
        "venturi",
        "cpap",
        "bipap",
        "mechanical_ventilation",
    }


# --- HLH / MAS screen ------------------------------------------------------------------------------------

LIVER = ("bilirubin_increase_grade", "ast_increase_grade", "alt_increase_grade")
KIDNEY = ("oliguria_grade", "creatinine_increase_grade")
CRITERIA: dict[str, dict[str, object]] = {
    **{f"liver-{name}": {name: 3} for name in LIVER},
    **{f"kidney-{name}": {name: 3} for name in KIDNEY},
    "lung": {"pulmonary_edema_grade": 3},
    "histopathology": {"hemophagocytosis_on_histopathology": True},
}


def _organ(criterion: str) -> str:
    return criterion.split("-")[0]


@pytest.mark.parametrize(
    ("first", "second"),
    list(itertools.combinations(CRITERIA, 2)),
    ids=lambda value: str(value),
)
@pytest.mark.parametrize("ferritin", [10_000, 10_000.0, 10_000.01, 10_001, 50_000.0], ids=lambda value: repr(value))
def test_two_different_criteria_with_ferritin_strictly_over_10000_are_positive(
    first: str, second: str, ferritin: float
) -> None:
    findings = HLHFindings(ferritin, True, **CRITERIA[first], **CRITERIA[second])  # type: ignore[arg-type]
    result = hlh_screen(findings)
    met = 1 if _organ(first) == _organ(second) else 2
    assert result.criteria_met == met
    assert result.positive is (met == 2 and ferritin > 10_000)
    assert result.reasons


@pytest.mark.parametrize("criterion", list(CRITERIA), ids=lambda value: str(value))
def test_one_criterion_is_not_enough(criterion: str) -> None:
    result = hlh_screen(HLHFindings(50_000.0, True, **CRITERIA[criterion]))  # type: ignore[arg-type]
    assert (result.positive, result.criteria_met) == (False, 1)


def test_all_three_liver_tests_and_both_kidney_tests_are_two_criteria() -> None:
    findings = HLHFindings(50_000.0, True, 4, 4, 4, 4, 4)
    result = hlh_screen(findings)
    assert (result.positive, result.criteria_met) == (True, 2)


@pytest.mark.parametrize("grade", [0, 1, 2], ids=lambda value: f"grade-{value}")
def test_organ_grades_below_3_do_not_count(grade: int) -> None:
    findings = HLHFindings(50_000.0, True, grade, grade, grade, grade, grade, grade, True)
    assert (hlh_screen(findings).positive, hlh_screen(findings).criteria_met) == (False, 1)


def test_a_ferritin_peak_outside_the_crs_phase_is_negative_even_with_all_four_criteria() -> None:
    result = hlh_screen(HLHFindings(90_000.0, False, 4, 4, 4, 4, 4, 4, True))
    assert (result.positive, result.criteria_met, result.ferritin_criterion_met) == (False, 4, False)
    assert any("not during the CRS phase" in reason for reason in result.reasons)


# --- Tocilizumab -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight", "dose"),
    [
        (10, 120.0),
        (25.5, 306.0),
        (29.99, 359.88),
        (30, 240.0),
        (30.01, 240.08),
        (62.5, 500.0),
        (99, 792.0),
        (100, 800.0),
        (101, 800.0),
        (150.0, 800.0),
    ],
    ids=lambda value: str(value),
)
def test_tocilizumab_is_8_mg_per_kg_capped_at_800_and_12_mg_per_kg_under_30_kg(weight: float, dose: float) -> None:
    assert tocilizumab_dose_mg(weight) == pytest.approx(dose)
    assert isinstance(tocilizumab_dose_mg(weight), float)


@pytest.mark.parametrize(
    "weight",
    [0, 0.0, -1, -70.0, None, "70", True, False, float("nan"), float("inf"), [70]],
    ids=lambda value: repr(value),
)
def test_an_invalid_weight_is_rejected_naming_weight_kg(weight: object) -> None:
    with pytest.raises(InvalidAssessment, match="weight_kg"):
        tocilizumab_dose_mg(weight)  # type: ignore[arg-type]
