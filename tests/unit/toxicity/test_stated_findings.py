"""No silent defaults, ICE "unable to perform" by consciousness, oxygen input, fever masking from any record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.toxicity.stated import crs_findings, neuro_findings
from toxicity import (
    CRSFindings,
    InvalidAssessment,
    NeuroFindings,
    explain_fever_masking,
    grade_crs,
    grade_crs_attributed,
    grade_icans,
    grade_icans_attributed,
)

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ({"consciousness": None}, "consciousness"),
        ({"seizure": None}, "seizure"),
        ({"deep_focal_motor_weakness": None}, "deep_focal_motor_weakness"),
        ({"icp_findings": None}, "icp_findings"),
    ],
    ids=["consciousness", "seizure", "motor", "icp"],
)
def test_a_neuro_finding_not_stated_is_an_error_naming_it_never_a_normal_default(
    missing: dict[str, object], field: str
) -> None:
    findings = neuro_findings(age_years=45, ice_score=10, **missing)
    with pytest.raises(InvalidAssessment, match=rf"^{field}: not recorded"):
        grade_icans(findings)
    with pytest.raises(InvalidAssessment, match=rf"^{field}: not recorded"):
        grade_icans_attributed(findings, ["seizure"])


def test_a_neuro_assessment_with_only_an_ice_score_is_not_graded() -> None:
    with pytest.raises(InvalidAssessment, match="not recorded"):
        grade_icans(NeuroFindings(age_years=45, ice_score=10))


def test_a_crs_assessment_without_an_oxygen_device_is_not_graded_as_room_air() -> None:
    with pytest.raises(InvalidAssessment, match=r"^oxygen: not recorded"):
        grade_crs(CRSFindings(temperature_c=38.5, hypotension=False))


def test_a_crs_assessment_without_hypotension_stated_is_not_graded() -> None:
    with pytest.raises(InvalidAssessment, match=r"^hypotension: not recorded"):
        grade_crs(CRSFindings(temperature_c=38.5, hypotension=None, oxygen="room_air"))


@pytest.mark.parametrize("consciousness", ["alert", "awakens_spontaneously", "awakens_to_voice", "awakens_to_tactile"])
def test_unable_to_perform_ice_in_an_awake_patient_is_ice_0_grade_3_not_4(consciousness: str) -> None:
    result = grade_icans(neuro_findings(age_years=45, unable_to_perform_assessment=True, consciousness=consciousness))
    assert result.grade == 3
    assert any("unable to perform ICE while awake" in reason and "ICE 0" in reason for reason in result.reasons)


def test_unable_and_unarousable_is_grade_4() -> None:
    result = grade_icans(neuro_findings(age_years=45, unable_to_perform_assessment=True, consciousness="unarousable"))
    assert result.grade == 4
    assert result.reasons[-1].startswith("grade 4 set by ICE (unable to perform ICE, unarousable)")


def test_unarousable_from_sedation_makes_the_ice_domain_not_assessable_and_the_other_domains_decide() -> None:
    findings = neuro_findings(
        age_years=45,
        unable_to_perform_assessment=True,
        consciousness="unarousable",
        seizure="clinical_seizure_resolved_rapidly",
    )
    result = grade_icans_attributed(findings, ["consciousness"])
    assert result.grade == 3
    assert any(reason.startswith("ICE: not assessable") for reason in result.reasons)
    assert result.reasons[-2].startswith("grade 3 set by seizure")


def test_unarousable_from_sedation_with_nothing_else_is_grade_0_and_says_ice_was_not_assessable() -> None:
    findings = neuro_findings(age_years=45, unable_to_perform_assessment=True, consciousness="unarousable")
    result = grade_icans_attributed(findings, ["consciousness"])
    assert result.grade == 0
    assert "not assessable" in result.reasons[0]
    assert "sedation" in result.reasons[0]


def test_unable_to_perform_capd_in_an_awake_child_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidAssessment, match=r"^unable_to_perform_assessment"):
        grade_icans(neuro_findings(age_years=6, unable_to_perform_assessment=True, consciousness="awakens_to_voice"))


@pytest.mark.parametrize("device", ["nasal_cannula", "low_flow_nasal_cannula", "high_flow_nasal_cannula"])
def test_a_nasal_cannula_at_0_l_min_is_rejected(device: str) -> None:
    with pytest.raises(InvalidAssessment, match=r"^oxygen_flow_l_min: 0\.0 L/min on .*needs a flow above 0"):
        grade_crs(crs_findings(temperature_c=38.5, hypotension=False, oxygen=device, oxygen_flow_l_min=0.0))


def test_room_air_takes_no_flow() -> None:
    with pytest.raises(InvalidAssessment, match="room air takes no flow"):
        grade_crs(crs_findings(temperature_c=38.5, hypotension=False, oxygen="room_air", oxygen_flow_l_min=4.0))


def test_a_low_flow_cannula_above_6_l_min_is_graded_high_flow_and_says_so() -> None:
    result = grade_crs(
        crs_findings(temperature_c=38.5, hypotension=False, oxygen="low_flow_nasal_cannula", oxygen_flow_l_min=8.0)
    )
    assert result.grade == 3
    assert any("graded as high-flow although the device is called low-flow" in reason for reason in result.reasons)


def test_fever_in_obs_before_tocilizumab_masks_fever_afterwards_and_names_both() -> None:
    result = explain_fever_masking(hours(5), [], [(hours(1), "tocilizumab")], fevers=[(hours(0), 39.4)])
    assert result.applies
    assert "tocilizumab at 2026-05-04 09:00 UTC after fever 39.4 °C recorded at 2026-05-04 08:00 UTC" in result.reason


def test_a_temperature_below_38_is_no_evidence_of_crs() -> None:
    result = explain_fever_masking(hours(5), [], [(hours(1), "tocilizumab")], fevers=[(hours(0), 37.9)])
    assert not result.applies
    assert "was not preceded by any record of CRS" in result.reason


def test_fever_only_after_the_dose_does_not_mask() -> None:
    result = explain_fever_masking(hours(5), [], [(hours(1), "dexamethasone")], fevers=[(hours(2), 39.0)])
    assert not result.applies


def test_masked_crs_graded_without_fever_quotes_the_history_and_never_says_fever_is_required_before_tocilizumab() -> (
    None
):
    masking = explain_fever_masking(hours(5), [], [(hours(1), "tocilizumab")], fevers=[(hours(0), 39.4)])
    result = grade_crs(
        crs_findings(
            temperature_c=37.1,
            hypotension=True,
            vasopressors=1,
            oxygen="room_air",
            after_tocilizumab_or_steroids=masking.applies,
            fever_masking_reason=masking.reason,
        )
    )
    assert result.grade == 3
    assert masking.reason in result.reasons
    assert not any("before tocilizumab" in reason and "required" in reason for reason in result.reasons)


def test_tocilizumab_without_prior_crs_keeps_fever_needed_and_says_why() -> None:
    masking = explain_fever_masking(hours(5), [], [(hours(1), "tocilizumab")])
    result = grade_crs_attributed(
        crs_findings(
            temperature_c=37.1,
            hypotension=True,
            vasopressors=1,
            oxygen="room_air",
            after_tocilizumab_or_steroids=masking.applies,
            fever_masking_reason=masking.reason,
        )
    )
    assert result.grade == 0
    assert any("not preceded by any record of CRS" in reason for reason in result.reasons)
