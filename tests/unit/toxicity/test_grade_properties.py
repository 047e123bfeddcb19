"""Properties over many generated findings: a worse finding never lowers the grade; every grade explains itself."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from toxicity import (
    CONSCIOUSNESS_LEVELS,
    ICP_FINDINGS,
    SEIZURE_TYPES,
    CRSFindings,
    InvalidAssessment,
    NeuroFindings,
    grade_crs,
    grade_icans,
)
from toxicity.icans import SEIZURE_GRADES, assessment_tool

temperatures = st.floats(min_value=25.0, max_value=45.0, allow_nan=False)
flows = st.floats(min_value=0.0, max_value=80.0, allow_nan=False)
cannula_flows = st.floats(min_value=0.0, max_value=80.0, allow_nan=False, exclude_min=True)  # a cannula needs > 0

oxygen_support = st.one_of(
    st.tuples(st.just("room_air"), st.sampled_from([None, 0.0])),
    st.tuples(st.just("nasal_cannula"), cannula_flows),
    st.tuples(st.just("low_flow_nasal_cannula"), st.none() | st.floats(min_value=0.0, max_value=6.0, exclude_min=True)),
    st.tuples(
        st.just("high_flow_nasal_cannula"),
        st.none() | st.floats(min_value=6.0, max_value=80.0, exclude_min=True),
    ),
    st.tuples(st.sampled_from(["blow_by", "facemask", "non_rebreather", "venturi"]), st.none() | flows),
    st.tuples(st.sampled_from(["cpap", "bipap", "mechanical_ventilation"]), st.none() | flows),
)


def oxygen_rank(device: str, flow: float | None) -> int:
    """How much support the patient needs, independent of the grading code."""
    if device == "room_air":
        return 0
    if device == "nasal_cannula":
        return 1 if flow is not None and flow <= 6.0 else 2
    if device in ("blow_by", "low_flow_nasal_cannula"):
        return 1
    if device in ("cpap", "bipap", "mechanical_ventilation"):
        return 3
    return 2


@st.composite
def crs_findings(draw: st.DrawFn) -> CRSFindings:
    masked = draw(st.booleans())
    temperature = draw(st.none() | temperatures) if masked else draw(temperatures)
    hypotension = draw(st.booleans())
    vasopressors = draw(st.integers(0, 4)) if hypotension else 0
    vasopressin = draw(st.booleans()) if hypotension else False
    oxygen, flow = draw(oxygen_support)
    return CRSFindings(temperature, hypotension, vasopressors, vasopressin, oxygen, flow, masked)


@st.composite
def worse_crs(draw: st.DrawFn, findings: CRSFindings) -> CRSFindings:
    options = ["oxygen"]
    if findings.temperature_c is not None:
        options.append("temperature")
    if not findings.hypotension:
        options.append("hypotension")
    else:
        options += ["vasopressor", "vasopressin"]
    change = draw(st.sampled_from(options))
    if change == "temperature":
        assert findings.temperature_c is not None
        return replace(findings, temperature_c=draw(st.floats(findings.temperature_c, 45.0)))
    if change == "hypotension":
        return replace(findings, hypotension=True)
    if change == "vasopressor":
        return replace(findings, vasopressors=findings.vasopressors + 1)
    if change == "vasopressin":
        return replace(findings, vasopressin=True)
    current = oxygen_rank(findings.oxygen, findings.oxygen_flow_l_min)
    oxygen, flow = draw(oxygen_support.filter(lambda support: oxygen_rank(*support) >= current))
    return replace(findings, oxygen=oxygen, oxygen_flow_l_min=flow)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_worse_crs_finding_never_lowers_the_grade_and_every_grade_has_reasons(data: st.DataObject) -> None:
    findings = data.draw(crs_findings())
    worse = data.draw(worse_crs(findings))
    before, after = grade_crs(findings), grade_crs(worse)
    assert after.grade >= before.grade, (findings, worse)
    for result in (before, after):
        assert 0 <= result.grade <= 4
        assert result.reasons
        assert result.rule_set == "ASTCT 2019"


@st.composite
def neuro_findings(draw: st.DrawFn) -> NeuroFindings:
    age = draw(st.floats(min_value=0.0, max_value=130.0))
    delay = draw(st.booleans())
    capd = age < 12 or delay
    consciousness = draw(st.sampled_from(CONSCIOUSNESS_LEVELS))
    # "Unable to perform" CAPD applies to an unarousable child only (an awake child is scored by observation).
    unable = draw(st.booleans()) and (not capd or consciousness == "unarousable")
    recorded = draw(st.booleans()) or draw(st.booleans())  # a score is usually recorded, sometimes not
    ice = None if unable or capd or not recorded else draw(st.integers(0, 10))
    capd_score = None if unable or not capd or not recorded else draw(st.integers(0, 32))
    return NeuroFindings(
        age_years=age,
        ice_score=ice,
        capd_score=capd_score,
        developmental_delay=delay,
        unable_to_perform_assessment=unable,
        consciousness=consciousness,
        seizure=draw(st.sampled_from(SEIZURE_TYPES)),
        deep_focal_motor_weakness=draw(st.booleans()),
        icp_findings=frozenset(draw(st.sets(st.sampled_from(ICP_FINDINGS)))),
    )


@st.composite
def worse_neuro(draw: st.DrawFn, findings: NeuroFindings) -> NeuroFindings:
    change = draw(st.sampled_from(["score", "unable", "consciousness", "seizure", "motor", "icp"]))
    if change == "score" and findings.ice_score is not None:
        return replace(findings, ice_score=draw(st.integers(0, findings.ice_score)))
    if change == "score" and findings.capd_score is not None:
        return replace(findings, capd_score=draw(st.integers(findings.capd_score, 32)))
    if change in ("score", "unable"):
        if assessment_tool(findings.age_years, findings.developmental_delay) == "CAPD":
            # CAPD: "unable" needs an unarousable child, which is itself worse.
            return replace(findings, capd_score=None, unable_to_perform_assessment=True, consciousness="unarousable")
        return replace(findings, ice_score=None, capd_score=None, unable_to_perform_assessment=True)
    if change == "consciousness":
        index = CONSCIOUSNESS_LEVELS.index(findings.consciousness)
        return replace(findings, consciousness=draw(st.sampled_from(CONSCIOUSNESS_LEVELS[index:])))
    if change == "seizure":
        now = SEIZURE_GRADES[findings.seizure]
        return replace(findings, seizure=draw(st.sampled_from([s for s in SEIZURE_TYPES if SEIZURE_GRADES[s] >= now])))
    if change == "motor":
        return replace(findings, deep_focal_motor_weakness=True)
    return replace(findings, icp_findings=findings.icp_findings | {draw(st.sampled_from(ICP_FINDINGS))})


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_worse_neuro_finding_never_lowers_the_icans_grade_and_every_grade_has_reasons(data: st.DataObject) -> None:
    findings = data.draw(neuro_findings())
    try:
        before = grade_icans(findings)
    except InvalidAssessment:
        # No ICE/CAPD score while the other domains stay below 3: rightly not graded (see the unit tests).
        assume(False)
    worse = data.draw(worse_neuro(findings))
    after = grade_icans(worse)
    assert after.grade >= before.grade, (findings, worse)
    for result in (before, after):
        assert 0 <= result.grade <= 4
        assert result.reasons
        assert f"grade {result.grade}" in result.reasons[-1]
