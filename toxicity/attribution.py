"""Domains the assessor attributes to another cause are removed from the grade (ASTCT 2019: '#Not attributable
to any other cause'; CLINICAL-NOTES: marking a domain as attributable to another cause removes it)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from toxicity.bands import FEVER_BANDS, MAX_VASOPRESSORS, OXYGEN_FLOW_MAX_L_MIN, find_band
from toxicity.crs import CRSFindings, grade_crs
from toxicity.enums import OXYGEN_DEVICES
from toxicity.errors import InvalidAssessment
from toxicity.grade import Grade
from toxicity.icans import NeuroFindings, grade_icans_in_context, stated_findings
from toxicity.validation import require_bool, require_choice, require_int, require_items, require_number, show

CRS_DOMAINS = ("fever", "hypotension", "hypoxia")
NEURO_DOMAINS = ("consciousness", "seizure", "motor", "icp")


def _domains(other_cause: object, allowed: tuple[str, ...]) -> frozenset[str]:
    field = "attributable_to_other_cause"
    if isinstance(other_cause, str):
        raise InvalidAssessment(f"{field}: expected a list of domains, got the text {other_cause!r}")
    items = require_items(field, other_cause, f"domains ({', '.join(allowed)})")
    for item in items:
        require_choice(field, item, allowed)
    return frozenset(str(item) for item in items)


def _check_crs_domains(findings: CRSFindings, domains: frozenset[str]) -> None:
    """The values of the attributed domains, checked before they are taken out (they are still recorded).

    Only each value is checked: a contradiction inside a domain attributed elsewhere no longer matters, e.g.
    vasopressors with ``hypotension`` False for hypotension due to sepsis."""
    if "hypotension" in domains:
        require_bool("hypotension", findings.hypotension)
        require_int("vasopressors", findings.vasopressors, 0, MAX_VASOPRESSORS)
        require_bool("vasopressin", findings.vasopressin)
    if "hypoxia" in domains:
        require_choice("oxygen", findings.oxygen, OXYGEN_DEVICES)
        if findings.oxygen_flow_l_min is not None:
            require_number("oxygen_flow_l_min", findings.oxygen_flow_l_min, 0.0, OXYGEN_FLOW_MAX_L_MIN, "L/min")
    if "fever" in domains and findings.temperature_c is not None:
        find_band(FEVER_BANDS, findings.temperature_c, "temperature_c", "°C")


def grade_crs_attributed(findings: CRSFindings, other_cause: Iterable[str] = ()) -> Grade:
    """The CRS grade with the domains attributed to another cause taken out, each named in the reasons.

    Fever attributed to another cause: before tocilizumab or corticosteroids there is no CRS without a CRS fever
    (grade 0); after them fever is not required, and the attributed fever no longer sets the minimum grade 1.
    """
    if not isinstance(findings, CRSFindings):
        raise InvalidAssessment(f"findings: expected CRSFindings, got {type(findings).__name__}")
    domains = _domains(other_cause, CRS_DOMAINS)
    _check_crs_domains(findings, domains)
    masked = require_bool("after_tocilizumab_or_steroids", findings.after_tocilizumab_or_steroids)
    notes: list[str] = []
    if "hypotension" in domains and (findings.hypotension or findings.vasopressors or findings.vasopressin):
        findings = dataclasses.replace(findings, hypotension=False, vasopressors=0, vasopressin=False)
        notes.append("hypotension attributed to another cause: not counted")
    if "hypoxia" in domains and findings.oxygen != "room_air":
        findings = dataclasses.replace(findings, oxygen="room_air", oxygen_flow_l_min=None)
        notes.append("hypoxia attributed to another cause: not counted")
    if "fever" in domains and masked:
        if findings.temperature_c is not None:
            notes.append(f"fever ({show(float(findings.temperature_c))} °C) attributed to another cause: not counted")
            findings = dataclasses.replace(findings, temperature_c=None)
    elif "fever" in domains:
        grade_crs(findings)  # validates the rest as recorded; before tocilizumab a temperature is required
        temperature = "not recorded" if findings.temperature_c is None else f"{show(float(findings.temperature_c))} °C"
        notes.append(f"fever ({temperature}) attributed to another cause: no CRS without a CRS fever")
        stripped = dataclasses.replace(
            findings, hypotension=False, vasopressors=0, vasopressin=False, oxygen="room_air", oxygen_flow_l_min=None
        )
        result = grade_crs(stripped)
        return dataclasses.replace(result, grade=0, reasons=(*notes, "grade 0: no fever attributable to CRS"))
    result = grade_crs(findings)
    return dataclasses.replace(result, reasons=(*result.reasons, *notes))


def grade_icans_attributed(findings: NeuroFindings, other_cause: Iterable[str] = ()) -> Grade:
    """The ICANS grade with the domains attributed to another cause taken out, each named in the reasons.

    The ICE/CAPD domain cannot be attributed away: the score is the assessment itself. The values of the
    attributed domains are checked before they are taken out.
    """
    if not isinstance(findings, NeuroFindings):
        raise InvalidAssessment(f"findings: expected NeuroFindings, got {type(findings).__name__}")
    domains = _domains(other_cause, NEURO_DOMAINS)
    stated_findings(findings)
    notes: list[str] = []
    # An unarousable patient who cannot do the ICE/CAPD because of sedation (consciousness attributed to another
    # cause) has no gradeable ICE/CAPD domain: it is not graded 4, and not 3 either (see `toxicity.icans`).
    unarousable_other_cause = (
        "consciousness" in domains
        and findings.consciousness == "unarousable"
        and bool(findings.unable_to_perform_assessment)
    )
    if "consciousness" in domains and findings.consciousness != "alert":
        notes.append(f"depressed consciousness ({findings.consciousness}) attributed to another cause: not counted")
        findings = dataclasses.replace(findings, consciousness="alert")
    if "seizure" in domains and findings.seizure != "none":
        notes.append(f"seizure ({findings.seizure}) attributed to another cause: not counted")
        findings = dataclasses.replace(findings, seizure="none")
    if "motor" in domains and findings.deep_focal_motor_weakness:
        notes.append("deep focal motor weakness attributed to another cause: not counted")
        findings = dataclasses.replace(findings, deep_focal_motor_weakness=False)
    if "icp" in domains and findings.icp_findings:
        notes.append("raised ICP / cerebral oedema findings attributed to another cause: not counted")
        findings = dataclasses.replace(findings, icp_findings=frozenset())
    result = grade_icans_in_context(findings, unarousable_other_cause=unarousable_other_cause)
    return dataclasses.replace(result, reasons=(*result.reasons, *notes))
