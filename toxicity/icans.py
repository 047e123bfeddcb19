"""ICANS grading (ASTCT 2019): the most severe domain decides.

Guideline Table 4 footnote ‡: "ICANS grade is determined by the most severe event (ICE score, level of
consciousness, seizure, motor findings, and raised ICP/cerebral oedema) not attributable to any other cause."
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from toxicity.bands import (
    AGE_MAX_YEARS,
    CAPD_AGE_LIMIT_YEARS,
    CAPD_BANDS,
    CAPD_UNABLE_GRADE,
    ICE_BANDS,
    ICE_UNABLE_GRADE,
    ScoreBand,
    find_score_band,
)
from toxicity.enums import CONSCIOUSNESS_LEVELS, ICP_FINDINGS, RULE_SET, SEIZURE_TYPES
from toxicity.errors import InvalidAssessment
from toxicity.grade import Grade, joined
from toxicity.validation import require_bool, require_choice, require_number, show


@dataclass(frozen=True)
class NeuroFindings:
    """One neurotoxicity assessment. ICE is the tool from age 12 without developmental delay, else CAPD.

    ``consciousness``, ``seizure``, ``deep_focal_motor_weakness`` and ``icp_findings`` have no default: "alert",
    "none", False and an empty set are findings an assessor states; None (not recorded) raises, naming the field.
    """

    age_years: float
    ice_score: int | None = None
    capd_score: int | None = None
    developmental_delay: bool = False
    unable_to_perform_assessment: bool = False
    consciousness: str | None = None
    seizure: str | None = None
    deep_focal_motor_weakness: bool | None = None
    icp_findings: frozenset[str] | None = None


CONSCIOUSNESS_GRADES: Mapping[str, int] = MappingProxyType(
    {
        "alert": 0,
        "awakens_spontaneously": 1,  # Table 4 grade 1: "Awakens spontaneously"
        "awakens_to_voice": 2,  # grade 2: "Awakens to voice"
        "awakens_to_tactile": 3,  # grade 3: "Awakens only to tactile stimulus"
        "unarousable": 4,  # grade 4: "Patient is unarousable or requires vigorous or repetitive tactile stimuli"
    }
)

SEIZURE_GRADES: Mapping[str, int] = MappingProxyType(
    {
        "none": 0,
        # Table 4 grade 3: "Any clinical seizure that resolves rapidly; or Non-convulsive seizures on EEG,
        # resolves with intervention"
        "clinical_seizure_resolved_rapidly": 3,
        "nonconvulsive_eeg_seizure_resolved_with_intervention": 3,
        # grade 4: "Life-threatening prolonged seizure (>5 min); or Repetitive seizures without return to
        # baseline in between"
        "prolonged_over_5_min": 4,
        "repetitive_without_return_to_baseline": 4,
    }
)

ICP_GRADES: Mapping[str, int] = MappingProxyType(
    {
        # Table 4 grade 3: "Focal/local edema on neuroimaging"
        "focal_local_edema": 3,
        # grade 4: "Diffuse cerebral edema on neuroimaging; Decerebrate or decorticate posturing; or Cranial
        # nerve VI palsy; or Papilledema; or Cushing's triad"
        "diffuse_cerebral_edema": 4,
        "decerebrate_or_decorticate_posturing": 4,
        "cranial_nerve_vi_palsy": 4,
        "papilledema": 4,
        "cushings_triad": 4,
    }
)

MOTOR_WEAKNESS_GRADE = 4
"""Table 4 grade 4: "Deep focal motor weakness such as hemiparesis or paraparesis"."""

CONSCIOUSNESS_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "alert": "fully alert",
        "awakens_spontaneously": "awakens spontaneously",
        "awakens_to_voice": "awakens to voice",
        "awakens_to_tactile": "awakens only to tactile stimulus",
        "unarousable": "unarousable or needs vigorous or repetitive tactile stimuli",
    }
)
SEIZURE_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "none": "no seizure",
        "clinical_seizure_resolved_rapidly": "clinical seizure that resolves rapidly",
        "nonconvulsive_eeg_seizure_resolved_with_intervention": "non-convulsive seizure on EEG, resolves with "
        "intervention",
        "prolonged_over_5_min": "life-threatening prolonged seizure > 5 min",
        "repetitive_without_return_to_baseline": "repetitive seizures without return to baseline in between",
    }
)
"""The guideline's words for each value, shown after the value in the reasons."""


def assessment_tool(age_years: float, developmental_delay: bool) -> str:
    """ "CAPD" for children under 12 (or older with developmental delay), otherwise "ICE"."""
    age = require_number("age_years", age_years, 0.0, AGE_MAX_YEARS, "years")
    delay = require_bool("developmental_delay", developmental_delay)
    return "CAPD" if age < CAPD_AGE_LIMIT_YEARS or delay else "ICE"


def _tool_domain(findings: NeuroFindings, unarousable_other_cause: bool) -> tuple[str, int | None, str, str, bool]:
    """ICE: 10 -> 0, 7-9 -> 1, 3-6 -> 2, 0-2 -> 3, "0 (unable to perform ICE)" -> 4; CAPD likewise.

    Returns the tool, its grade (None when not assessed), the reason, the value in a few words, and whether the
    domain is explicitly not assessable (then no score is asked for). A score for the other tool is an error.

    "Unable to perform" (ASTCT 2019 grade 4: "unarousable and unable to perform ICE") depends on consciousness:
    unable and unarousable (not from another cause) -> grade 4; unable in an awake patient (e.g. global aphasia)
    scores ICE 0 -> grade 3; unable because the patient is unarousable from another cause (e.g. sedation) -> the
    domain cannot be graded and the other domains decide. CAPD is scored by observing the child, so an awake
    child can always be scored: "unable" with CAPD needs the child to be unarousable.
    """
    tool = assessment_tool(findings.age_years, findings.developmental_delay)
    unable = require_bool("unable_to_perform_assessment", findings.unable_to_perform_assessment)
    used, other = ("ice_score", "capd_score") if tool == "ICE" else ("capd_score", "ice_score")
    score, wrong = getattr(findings, used), getattr(findings, other)
    who = (
        f"age_years {show(findings.age_years)}"
        + (" with developmental_delay True" if findings.developmental_delay else "")
        + f" means {tool} (CAPD under 12 years or with developmental_delay True, ICE otherwise)"
    )
    if wrong is not None:
        raise InvalidAssessment(f"{other}: given but {who}; record {used} instead")
    if unable:
        # Table 4 writes grade 4 as "0 (unable to perform ICE)", so an ICE of 0 may accompany the flag; any other
        # score (and any CAPD score, where high is worse) contradicts it.
        if score is not None and not (tool == "ICE" and type(score) is int and score == 0):
            raise InvalidAssessment(
                f"{used}: {show(score)} given but unable_to_perform_assessment is True; give one or the other"
            )
        consciousness = _consciousness(findings)
        if unarousable_other_cause:
            reason = (
                f"{tool}: not assessable: unable to perform {tool} while unarousable from a cause other than ICANS "
                "(e.g. sedation); the other domains decide"
            )
            return tool, None, reason, "not assessable (unarousable from another cause)", True
        if consciousness == "unarousable":
            grade = ICE_UNABLE_GRADE if tool == "ICE" else CAPD_UNABLE_GRADE
            value = f"unable to perform {tool}, unarousable"
            return tool, grade, f"{tool}: {value} -> grade {grade}", value, False
        if tool == "CAPD":
            raise InvalidAssessment(
                f"unable_to_perform_assessment: True with consciousness {consciousness}; CAPD is scored by "
                "observing the child, so an awake child is scored (capd_score 0-32): 'unable' needs consciousness "
                "unarousable"
            )
        zero = find_score_band(ICE_BANDS, 0, used)
        value = "unable to perform ICE while awake (ICE 0)"
        reason = (
            f"ICE: unable to perform ICE while awake ({consciousness}, e.g. global aphasia) scores ICE 0 "
            f"(0-2) -> grade {zero.grade}; grade {ICE_UNABLE_GRADE} needs the patient to be unarousable"
        )
        return tool, zero.grade, reason, value, False
    bands, top = (ICE_BANDS, 10) if tool == "ICE" else (CAPD_BANDS, 32)
    if score is None:
        reason = f"{tool}: {used} not recorded (0-{top}) -> not needed: the other domains already decide"
        return tool, None, reason, "not recorded", False
    band: ScoreBand = find_score_band(bands, score, used)
    span = str(band.low) if band.low == band.high else f"{band.low}-{band.high}"
    return tool, band.grade, f"{tool}: score {score} ({span}) -> grade {band.grade}", f"score {score}", False


def _consciousness(findings: NeuroFindings) -> str:
    if findings.consciousness is None:
        raise InvalidAssessment(
            f"consciousness: not recorded; state the level of consciousness (alert when fully alert); "
            f"allowed: {', '.join(CONSCIOUSNESS_LEVELS)}"
        )
    return require_choice("consciousness", findings.consciousness, CONSCIOUSNESS_LEVELS)


def stated_findings(findings: NeuroFindings) -> tuple[str, str, bool, frozenset[str]]:
    """Consciousness, seizure, motor weakness and raised-ICP findings, each required: a missing one raises."""
    consciousness = _consciousness(findings)
    if findings.seizure is None:
        raise InvalidAssessment(
            f"seizure: not recorded; state it (none when there was no seizure); allowed: {', '.join(SEIZURE_TYPES)}"
        )
    seizure = require_choice("seizure", findings.seizure, SEIZURE_TYPES)
    if findings.deep_focal_motor_weakness is None:
        raise InvalidAssessment(
            "deep_focal_motor_weakness: not recorded; state it (True for hemiparesis or paraparesis, else False)"
        )
    weakness = require_bool("deep_focal_motor_weakness", findings.deep_focal_motor_weakness)
    if findings.icp_findings is None:
        raise InvalidAssessment(
            f"icp_findings: not recorded; state them (an empty list for none); allowed: {', '.join(ICP_FINDINGS)}"
        )
    return consciousness, seizure, weakness, icp_findings(findings.icp_findings)


def icp_findings(value: object) -> frozenset[str]:
    """The raised-ICP findings as a frozenset of their names; any collection of allowed names is accepted."""
    if isinstance(value, str) or not isinstance(value, (frozenset, set, tuple, list)):
        raise InvalidAssessment(
            f"icp_findings: expected a set of findings, got {type(value).__name__} {value!r}; "
            f"allowed: {', '.join(ICP_FINDINGS)}"
        )
    for item in value:
        require_choice("icp_findings", item, ICP_FINDINGS)
    return frozenset(str(item) for item in value)


def _require_score_unless_decided(tool: str, overall: int) -> None:
    """Without an ICE/CAPD score the grade is known only when the other domains already reach the highest grade
    a performed score can give (3: ICE 0-2 or CAPD >= 9); below that a missing score could raise the grade, so
    grading would be a guess."""
    bands, used, top = (ICE_BANDS, "ice_score", 10) if tool == "ICE" else (CAPD_BANDS, "capd_score", 32)
    ceiling = max(band.grade for band in bands)
    if overall < ceiling:
        raise InvalidAssessment(
            f"{used}: missing (0-{top}); the other domains give grade {overall} and a {tool} score could raise it "
            f"to {ceiling}: record {used}, or unable_to_perform_assessment"
        )


def grade_icans(findings: NeuroFindings) -> Grade:
    """The ASTCT 2019 ICANS grade; see `grade_icans_in_context`."""
    return grade_icans_in_context(findings, unarousable_other_cause=False)


def grade_icans_in_context(findings: NeuroFindings, *, unarousable_other_cause: bool) -> Grade:
    """The ASTCT 2019 ICANS grade 0-4 with the reasons for it; the last reason names the deciding domain(s)
    and value(s), e.g. "grade 3 set by seizure (clinical_seizure_resolved_rapidly)".

    An ICE of 0 in an awake patient (e.g. global aphasia) is grade 3; grade 4 needs the patient to be unable
    to perform ICE. Tremor and myoclonus are not graded; intracranial haemorrhage is excluded.
    """
    if not isinstance(findings, NeuroFindings):
        raise InvalidAssessment(f"findings: expected NeuroFindings, got {type(findings).__name__}")
    consciousness, seizure, weakness, icp = stated_findings(findings)
    tool, tool_grade, tool_reason, tool_value, not_assessable = _tool_domain(findings, unarousable_other_cause)
    # domain_grades lists the assessed domains only: a tool score not recorded is left out, not shown as 0.
    domains: list[tuple[str, int]] = [] if tool_grade is None else [(tool, tool_grade)]
    values: dict[str, str] = {tool: tool_value}
    reasons = [tool_reason]

    grade = CONSCIOUSNESS_GRADES[consciousness]
    domains.append(("consciousness", grade))
    values["consciousness"] = consciousness
    reasons.append(f"consciousness: {consciousness} ({CONSCIOUSNESS_WORDS[consciousness]}) -> grade {grade}")

    grade = SEIZURE_GRADES[seizure]
    domains.append(("seizure", grade))
    values["seizure"] = seizure
    reasons.append(f"seizure: {seizure} ({SEIZURE_WORDS[seizure]}) -> grade {grade}")

    grade = MOTOR_WEAKNESS_GRADE if weakness else 0
    domains.append(("motor", grade))
    values["motor"] = "deep focal motor weakness" if weakness else "no deep focal motor weakness"
    if weakness:
        reasons.append(f"motor: deep_focal_motor_weakness (hemiparesis or paraparesis) -> grade {grade}")
    else:
        reasons.append(f"motor: no deep focal motor weakness -> grade {grade}")

    grade = max((ICP_GRADES[item] for item in icp), default=0)
    domains.append(("raised ICP", grade))
    values["raised ICP"] = ", ".join(sorted(item for item in icp if ICP_GRADES[item] == grade)) or "none"
    named = ", ".join(sorted(icp)) or "none"
    reasons.append(f"raised ICP / cerebral oedema: {named} -> grade {grade}")

    overall = max(grade for _, grade in domains)
    if tool_grade is None and not not_assessable:
        _require_score_unless_decided(tool, overall)
    if overall:
        setters = [f"{name} ({values[name]})" for name, grade in domains if grade == overall]
        reasons.append(f"grade {overall} set by {joined(setters)}")
    else:
        reasons.append("grade 0: no domain above grade 0")
    return Grade(grade=overall, reasons=tuple(reasons), rule_set=RULE_SET, domain_grades=tuple(domains))
