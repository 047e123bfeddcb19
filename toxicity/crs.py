"""CRS grading (ASTCT 2019), as the guideline's Table 1 with the signs it lost restored (CLINICAL-NOTES.md).

"CRS parameter: Fever - Temperature >= 38°C ... with either: Hypotension ... and/or Hypoxia ...
CRS grade is determined by the more severe event."
"""

from __future__ import annotations

from dataclasses import dataclass

from toxicity.bands import (
    FEVER_BANDS,
    FEVER_THRESHOLD_C,
    HYPOTENSION_LEVELS,
    LOW_FLOW_MAX_L_MIN,
    MAX_VASOPRESSORS,
    NASAL_CANNULA_FLOW_BANDS,
    OXYGEN_DEVICE_LEVELS,
    OXYGEN_FLOW_MAX_L_MIN,
    OXYGEN_LEVELS,
    Level,
    find_band,
    level,
)
from toxicity.enums import OXYGEN_DEVICES, RULE_SET
from toxicity.errors import InvalidAssessment
from toxicity.grade import Grade, joined
from toxicity.validation import require_bool, require_choice, require_int, require_number, show


@dataclass(frozen=True)
class CRSFindings:
    """One CRS assessment. Findings attributable to another cause are recorded as absent by the caller.

    ``hypotension`` and ``oxygen`` have no default: "no hypotension" and "room air" are findings an assessor
    states, never a guess (None raises, naming the field). ``fever_masking_reason`` is the history that decided
    ``after_tocilizumab_or_steroids`` (see `toxicity.fever_masking`); it is quoted in the reasons."""

    temperature_c: float | None
    hypotension: bool | None
    vasopressors: int = 0
    vasopressin: bool = False
    oxygen: str | None = None
    oxygen_flow_l_min: float | None = None
    after_tocilizumab_or_steroids: bool = False
    fever_masking_reason: str = ""


def _hypotension(findings: CRSFindings) -> tuple[Level, str, str]:
    """ASTCT 2019 hypotension: "Not requiring vasopressors" (2); "Requiring a vasopressor with or without
    vasopressin" (3); "Requiring multiple vasopressors (excluding vasopressin)" (4).

    Returns the level, the reason and the value in a few words (for the line naming the deciding domain).

    Vasopressors recorded with ``hypotension`` False raise rather than grade. The vasopressor count only ever
    qualifies hypotension: CLINICAL-NOTES lists "one vasopressor ... -> 3" and "multiple vasopressors -> 4"
    under "Hypotension", and issue 3 documents ``hypotension`` as "attributable to CRS (fluids-only hypotension
    included)", i.e. the flag covers every hypotension, with or without vasopressors. Neither says that a
    vasopressor alone sets the grade. False with vasopressors therefore reads two ways that grade differently:
    hypotension needing a vasopressor that was not ticked (3-4), or hypotension attributed to another cause,
    e.g. septic shock, whose domain CLINICAL-NOTES removes from the grade (0). Choosing either would be
    guessing, so the caller is asked to record which.
    """
    if findings.hypotension is None:
        raise InvalidAssessment(
            "hypotension: not recorded; state it (True, with the vasopressors if any, or False): "
            "no hypotension is a finding, not a default"
        )
    hypotension = require_bool("hypotension", findings.hypotension)
    count = require_int("vasopressors", findings.vasopressors, 0, MAX_VASOPRESSORS)
    vasopressin = require_bool("vasopressin", findings.vasopressin)
    with_vasopressin = " with vasopressin" if vasopressin else ""
    if not hypotension:
        if count or vasopressin:
            raise InvalidAssessment(
                f"hypotension: False but {count} vasopressor(s){with_vasopressin} recorded; record hypotension "
                "True (grade from the vasopressors), or, for hypotension not attributable to CRS, vasopressors 0 "
                "and vasopressin False"
            )
        found = level(HYPOTENSION_LEVELS, "none")
        return found, f"hypotension: none -> grade {found.grade}", "none"
    if count == 0 and not vasopressin:
        found = level(HYPOTENSION_LEVELS, "fluids_only")
        value = "not requiring vasopressors (fluids only)"
    elif count == 0:
        found = level(HYPOTENSION_LEVELS, "one_vasopressor")
        value = "vasopressin alone (counts as one vasopressor)"
    elif count == 1:
        found = level(HYPOTENSION_LEVELS, "one_vasopressor")
        value = f"1 vasopressor{with_vasopressin}"
    else:
        found = level(HYPOTENSION_LEVELS, "multiple_vasopressors")
        value = f"{count} vasopressors excluding vasopressin{with_vasopressin}"
    return found, f"hypotension: {value} -> grade {found.grade}", value


def _hypoxia(findings: CRSFindings) -> tuple[int, str, str]:
    """ASTCT 2019 hypoxia: "low-flow nasal cannula (<= 6 L/min) or blow-by" (2); "high-flow nasal cannula
    (> 6 L/min), facemask, nonrebreather mask, or Venturi mask" (3); "positive pressure" (4).

    Returns the grade, the reason and the value in a few words. The device is named as recorded
    (``non_rebreather``), followed by the guideline's words for its level."""
    if findings.oxygen is None:
        raise InvalidAssessment(
            f"oxygen: not recorded; state the oxygen device (room_air when none); allowed: {', '.join(OXYGEN_DEVICES)}"
        )
    device = require_choice("oxygen", findings.oxygen, OXYGEN_DEVICES)
    flow: float | None = None
    if findings.oxygen_flow_l_min is not None:
        flow = require_number("oxygen_flow_l_min", findings.oxygen_flow_l_min, 0.0, OXYGEN_FLOW_MAX_L_MIN, "L/min")
    if device in NASAL_CANNULA_DEVICES and flow is not None and flow <= 0:
        raise InvalidAssessment(
            f"oxygen_flow_l_min: {show(flow)} L/min on {device}; a nasal cannula needs a flow above 0 "
            f"(up to {show(OXYGEN_FLOW_MAX_L_MIN)} L/min), or record oxygen room_air"
        )
    level_key = OXYGEN_DEVICE_LEVELS[device]
    # CLINICAL-NOTES: "For a nasal cannula with a recorded flow, the flow decides (6.0 -> 2, 6.1 -> 3)", whatever
    # the cannula was called; without a flow a labelled low-/high-flow cannula keeps its label's grade, and a
    # plain nasal_cannula cannot be graded (low- and high-flow cannulas are told apart by the flow alone).
    if level_key is None or (device in NASAL_CANNULA_DEVICES and flow is not None):
        if flow is None:
            raise InvalidAssessment(
                "oxygen_flow_l_min: needed for nasal_cannula (<= 6 L/min is low-flow, grade 2; "
                "> 6 L/min is high-flow, grade 3); allowed 0-80 L/min"
            )
        band = find_band(NASAL_CANNULA_FLOW_BANDS, flow, "oxygen_flow_l_min", "L/min")
        sign = "<=" if band.outcome == 2 else ">"
        kind = "low-flow" if band.outcome == 2 else "high-flow"
        value = f"{device} {show(flow)} L/min"
        relabelled = ""
        if device == "low_flow_nasal_cannula" and band.outcome == 3:
            relabelled = ": graded as high-flow although the device is called low-flow (the flow decides)"
        elif device == "high_flow_nasal_cannula" and band.outcome == 2:
            relabelled = ": graded as low-flow although the device is called high-flow (the flow decides)"
        return (
            band.outcome,
            f"hypoxia: {value} {sign} {show(LOW_FLOW_MAX_L_MIN)} L/min ({kind}){relabelled} -> grade {band.outcome}",
            value,
        )
    _check_device_flow(device, flow)
    found = level(OXYGEN_LEVELS, level_key)
    if device == "room_air":
        return found.grade, f"hypoxia: none (room_air) -> grade {found.grade}", "room_air"
    value = device if flow is None else f"{device} {show(flow)} L/min"
    return found.grade, f"hypoxia: {value} ({found.label}) -> grade {found.grade}", value


NASAL_CANNULA_DEVICES = frozenset({"nasal_cannula", "low_flow_nasal_cannula", "high_flow_nasal_cannula"})


def _check_device_flow(device: str, flow: float | None) -> None:
    """Oxygen flowing on room air is a contradiction: which of the two is wrong cannot be known."""
    if flow is not None and device == "room_air" and flow > 0:
        raise InvalidAssessment(
            f"oxygen_flow_l_min: {show(flow)} L/min recorded with oxygen room_air; room air takes no flow "
            "(leave the flow empty, or record the device the oxygen is given by)"
        )


def _fever(findings: CRSFindings, masked: bool) -> tuple[bool, str]:
    """Fever: "Temperature >= 38°C". Without a temperature only a masked patient (footnote †) can be graded."""
    if findings.temperature_c is None:
        if not masked:
            raise InvalidAssessment(
                "temperature_c: missing; a temperature (25-45 °C) is needed to grade CRS unless "
                "after_tocilizumab_or_steroids is True"
            )
        return False, "temperature: not recorded"
    band = find_band(FEVER_BANDS, findings.temperature_c, "temperature_c", "°C")
    temperature = show(float(findings.temperature_c))
    threshold = show(FEVER_THRESHOLD_C)
    if band.outcome:
        return True, f"fever: temperature {temperature} °C >= {threshold} °C"
    return False, f"no fever: temperature {temperature} °C < {threshold} °C"


def grade_crs(findings: CRSFindings) -> Grade:
    """The ASTCT 2019 CRS grade 0-4 with the reasons for it; the last reason names the deciding domain(s)
    and value(s), e.g. "grade 3 set by hypotension (1 vasopressor)".

    Footnote †: "In patients who have CRS then receive tocilizumab or steroids, fever is no longer required
    to grade subsequent CRS severity" - then hypotension and hypoxia alone set the grade.
    Footnote ‡: "CRS grade is determined by the more severe event."
    """
    if not isinstance(findings, CRSFindings):
        raise InvalidAssessment(f"findings: expected CRSFindings, got {type(findings).__name__}")
    masked = require_bool("after_tocilizumab_or_steroids", findings.after_tocilizumab_or_steroids)
    fever, fever_reason = _fever(findings, masked)
    hypotension, hypotension_reason, hypotension_value = _hypotension(findings)
    hypoxia_grade, hypoxia_reason, hypoxia_value = _hypoxia(findings)
    domains = (("fever", 1 if fever else 0), ("hypotension", hypotension.grade), ("hypoxia", hypoxia_grade))
    values = {"hypotension": hypotension_value, "hypoxia": hypoxia_value}
    reasons = [fever_reason, hypotension_reason, hypoxia_reason]
    worst = max(hypotension.grade, hypoxia_grade)
    setters = [f"{name} ({values[name]})" for name, grade in domains[1:] if grade == worst and worst > 0]

    if fever:
        grade = max(1, worst)
        setter = joined(setters) if setters else f"fever ({fever_reason.removeprefix('fever: ')})"
        reasons.append(f"grade {grade} set by {setter}")
    elif masked:
        grade = worst
        reasons.append(
            findings.fever_masking_reason or "fever not required: CRS then tocilizumab or corticosteroids (ASTCT 2019)"
        )
        if grade:
            reasons.append(f"grade {grade} set by {joined(setters)}")
        else:
            reasons.append("grade 0: no hypotension or hypoxia")
    else:
        grade = 0
        present = [f"{name} ({values[name]})" for name, grade in domains[1:] if grade > 0]
        if findings.fever_masking_reason:
            reasons.append(findings.fever_masking_reason)
        if present:
            reasons.append(
                f"grade 0: {joined(present)} without fever is not CRS (fever >= {show(FEVER_THRESHOLD_C)} °C needed)"
            )
        else:
            reasons.append("grade 0: no fever")
    return Grade(grade=grade, reasons=tuple(reasons), rule_set=RULE_SET, domain_grades=domains)
