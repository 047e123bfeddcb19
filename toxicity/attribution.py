"""Domains the assessor attributes to another cause are removed from the grade (ASTCT 2019: '#Not attributable
to any other cause'; CLINICAL-NOTES: marking a domain as attributable to another cause removes it)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from toxicity.crs import CRSFindings, grade_crs
from toxicity.errors import InvalidAssessment
from toxicity.grade import Grade
from toxicity.icans import NeuroFindings, grade_icans

CRS_DOMAINS = ("fever", "hypotension", "hypoxia")
NEURO_DOMAINS = ("consciousness", "seizure", "motor", "icp")


def _check_domains(domains: frozenset[str], allowed: tuple[str, ...], field: str) -> None:
    unknown = sorted(d for d in domains if d not in allowed)
    if unknown:
        raise InvalidAssessment(f"{field}: unknown domain(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")


def grade_crs_attributed(findings: CRSFindings, other_cause: Iterable[str] = ()) -> Grade:
    """The CRS grade with the domains attributed to another cause taken out, each named in the reasons."""
    domains = frozenset(other_cause)
    _check_domains(domains, CRS_DOMAINS, "attributable_to_other_cause")
    notes: list[str] = []
    if "hypotension" in domains and (findings.hypotension or findings.vasopressors or findings.vasopressin):
        findings = dataclasses.replace(findings, hypotension=False, vasopressors=0, vasopressin=False)
        notes.append("hypotension attributed to another cause: not counted")
    if "hypoxia" in domains and findings.oxygen != "room_air":
        findings = dataclasses.replace(findings, oxygen="room_air", oxygen_flow_l_min=None)
        notes.append("hypoxia attributed to another cause: not counted")
    if "fever" in domains and not findings.after_tocilizumab_or_steroids:
        temperature = findings.temperature_c
        notes.append(f"fever ({temperature} °C) attributed to another cause: no CRS without a CRS fever")
        result = grade_crs(
            dataclasses.replace(
                findings,
                hypotension=False,
                vasopressors=0,
                vasopressin=False,
                oxygen="room_air",
                oxygen_flow_l_min=None,
            )
        )
        return dataclasses.replace(result, grade=0, reasons=(*notes, "grade 0: no fever attributable to CRS"))
    result = grade_crs(findings)
    return dataclasses.replace(result, reasons=(*result.reasons, *notes))


def grade_icans_attributed(findings: NeuroFindings, other_cause: Iterable[str] = ()) -> Grade:
    """The ICANS grade with the domains attributed to another cause taken out, each named in the reasons.

    The ICE/CAPD domain cannot be attributed away: the score is the assessment itself.
    """
    domains = frozenset(other_cause)
    _check_domains(domains, NEURO_DOMAINS, "attributable_to_other_cause")
    notes: list[str] = []
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
    result = grade_icans(findings)
    return dataclasses.replace(result, reasons=(*result.reasons, *notes))
