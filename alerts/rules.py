"""Escalations found in a patient's history: the `toxicity` rules applied to each record in time order.

Each escalation is keyed by the patient, the rule and the clinical time (and grade) of the record that caused
it, so the write-path hook and the sweep produce the same key and an event is paged once, even when an
amendment re-states it. Guideline/ASTCT 2019 rules: CRS onset and any rise in CRS grade; any rise in ICANS
grade; the HLH/MAS screen turning positive; ferritin crossing 10,000 ng/mL; a fourth tocilizumab dose or a
third in 24 hours (to pharmacy and the consultant).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from alerts.decisions import NewAlert, stamp
from alerts.snapshot import GradedRecord, PatientSnapshot
from toxicity import (
    Escalation,
    HLHFindings,
    crs_escalations,
    ferritin_escalations,
    hlh_escalations,
    hlh_screen,
    icans_escalations,
    tocilizumab_escalations,
)

ORGAN_FIELDS = {
    "bilirubin": "bilirubin_increase_grade",
    "ast": "ast_increase_grade",
    "alt": "alt_increase_grade",
    "oliguria": "oliguria_grade",
    "creatinine": "creatinine_increase_grade",
    "pulmonary_edema": "pulmonary_edema_grade",
}


@dataclass(frozen=True)
class Event:
    escalation: Escalation
    at: datetime
    source_type: str
    source_id: int
    details: dict[str, Any]


GradeRule = Callable[[int | None, int], tuple[Escalation, ...]]


def _graded(rows: tuple[GradedRecord, ...], source_type: str, rule: GradeRule, syndrome: str) -> Iterator[Event]:
    previous: int | None = None
    for row in rows:
        for escalation in rule(previous, row.grade):
            yield Event(
                escalation, row.at, source_type, row.record_id, {"previous_grade": previous, syndrome: row.grade}
            )
        previous = row.grade


def _ferritin(patient: PatientSnapshot) -> Iterator[Event]:
    previous: float | None = None
    for lab in patient.ferritin:
        for escalation in ferritin_escalations(previous, lab.value):
            details = {"ferritin_ng_ml": lab.value, "previous_ng_ml": previous}
            yield Event(escalation, lab.at, "labs", lab.record_id, details)
        previous = lab.value


def _tocilizumab(patient: PatientSnapshot) -> Iterator[Event]:
    times = [dose.at for dose in patient.tocilizumab]
    for dose in patient.tocilizumab:
        for escalation in tocilizumab_escalations(times, dose.at):
            details = {"dose_number": sum(1 for when in times if when <= dose.at)}
            yield Event(escalation, dose.at, "medications", dose.record_id, details)


def _crs_grade_at(patient: PatientSnapshot, when: datetime) -> int:
    grade = 0
    for row in patient.crs:
        if row.at <= when:
            grade = row.grade
    return grade


def in_crs_phase(patient: PatientSnapshot, when: datetime, phase: timedelta) -> bool:
    """Guideline: "during the cytokine-release syndrome phase ... (typically the first 5 days after cell
    infusion)": within ``phase`` of infusion, or while a CRS grade of 1 or more is in force."""
    infused = patient.infused_at
    if infused is not None and infused <= when <= infused + phase:
        return True
    return _crs_grade_at(patient, when) >= 1


def _hlh(patient: PatientSnapshot, phase: timedelta) -> Iterator[Event]:
    """The screen re-run at every CRS assessment (organ toxicities) and ferritin result, in time order."""
    timeline: list[tuple[datetime, int, str, int]] = [
        (row.at, 0, "crs-assessments", row.record_id) for row in patient.crs
    ]
    timeline += [(lab.at, 1, "labs", lab.record_id) for lab in patient.ferritin]
    timeline.sort()
    # Whether a result fell in the CRS phase depends only on its own time: decide it once per result.
    labs = [(lab, in_crs_phase(patient, lab.at, phase)) for lab in patient.ferritin]
    positive = False
    for when, _, source_type, source_id in timeline:
        ferritins = [(lab.value, phased) for lab, phased in labs if lab.at <= when]
        if not ferritins:
            continue
        in_phase = [value for value, phased in ferritins if phased]
        peak = max(in_phase) if in_phase else max(value for value, _ in ferritins)
        organs: Any = {}
        for row in patient.crs:
            if row.at <= when:
                organs = row.organ_toxicities
        findings = HLHFindings(
            peak_ferritin_ng_ml=peak,
            ferritin_peak_during_crs_phase=bool(in_phase),
            hemophagocytosis_on_histopathology=bool(organs.get("hemophagocytosis", False)),
            **{name: int(organs.get(key, 0)) for key, name in ORGAN_FIELDS.items()},
        )
        result = hlh_screen(findings)
        for escalation in hlh_escalations(positive, result.positive):
            details = {
                "reasons": list(result.reasons),
                "criteria_met": result.criteria_met,
                "peak_ferritin_ng_ml": peak,
            }
            yield Event(escalation, when, source_type, source_id, details)
        positive = result.positive


def events(patient: PatientSnapshot, crs_phase: timedelta) -> Iterator[Event]:
    """Every escalation in the patient's history (the caller keeps the recent ones)."""
    yield from _graded(patient.crs, "crs-assessments", crs_escalations, "crs_grade")
    yield from _graded(patient.neuro, "neuro-assessments", icans_escalations, "icans_grade")
    yield from _hlh(patient, crs_phase)
    yield from _ferritin(patient)
    yield from _tocilizumab(patient)


def dedupe_key(patient: PatientSnapshot, event: Event) -> str:
    grade = "" if event.escalation.grade is None else f":g{event.escalation.grade}"
    return f"{event.escalation.kind}:{patient.id}:{stamp(event.at)}{grade}"


def escalation_alerts(patient: PatientSnapshot, since: datetime, crs_phase: timedelta) -> list[NewAlert]:
    """Alerts for the escalations whose record's clinical time is at or after ``since``."""
    found = []
    for event in events(patient, crs_phase):
        if event.at < since:
            continue
        escalation = event.escalation
        details = {
            **event.details,
            "grade": escalation.grade,
            "source_at": event.at.isoformat(),
            "recipients_hint": list(escalation.recipients_hint),
            "ward": patient.ward,
            "bed": patient.bed,
        }
        found.append(
            NewAlert(
                dedupe_key=dedupe_key(patient, event),
                kind=escalation.kind,
                severity=str(escalation.severity),
                message=escalation.message,
                patient_id=patient.id,
                ward=patient.ward,
                bed=patient.bed,
                grade=escalation.grade,
                source_type=event.source_type,
                source_id=event.source_id,
                details=MappingProxyType(details),
            )
        )
    return found
