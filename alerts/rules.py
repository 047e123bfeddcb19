"""Escalations found in a patient's history: the `toxicity` rules applied to each record in time order.

Each escalation is keyed by the patient, the rule and the clinical time (and grade) of the record that caused
it, so the write-path hook and the sweep produce the same key and an event is paged once, even when an
amendment re-states it. Guideline/ASTCT 2019 rules: CRS onset and any rise in CRS grade; ICANS onset and any rise;
a provisional grade from obs or a neurological event worse than the last formal grade (CRS >= 2, any ICANS); a
seizure, status epilepticus, new deep focal motor weakness or a new raised-ICP finding whatever the grade; a
clinician's override that lowers a computed grade (to the consultant); the HLH/MAS screen turning positive;
ferritin crossing 10,000 ng/mL; a fourth tocilizumab dose or a third in 24 hours (to pharmacy and the consultant).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from alerts.config import StatusRules
from alerts.decisions import NewAlert, stamp
from alerts.hlh_status import hlh_now, hlh_timeline
from alerts.hlh_status import stamp as minute
from alerts.snapshot import GradedRecord, PatientSnapshot
from alerts.status import Histories, fever_episodes, histories
from toxicity import (
    Escalation,
    Graded,
    Severity,
    assessment_events,
    crs_escalations,
    escalating,
    event_message,
    ferritin_escalations,
    hlh_escalations,
    icans_escalations,
    neuro_event,
    severity_for_grade,
    tocilizumab_escalations,
    walk,
)
from toxicity.drugs import drug_class
from toxicity.neutropenia import neutropenia_escalations, neutropenic_fever_escalation
from toxicity.second_line import etoposide_text

PROVISIONAL_KINDS = ("crs_provisional", "icans_provisional")
OVERRIDE_KIND = "grade_override"
SOURCE_WORDS = {"observations": "obs", "neuro-events": "a neurological event"}


@dataclass(frozen=True)
class Event:
    escalation: Escalation
    at: datetime
    source_type: str
    source_id: int
    details: dict[str, Any]
    key_part: str = field(default="")
    """Added to the dedupe key when one record can cause several alerts of a kind (two raised-ICP findings)."""


GradeRule = Callable[[int | None, int], tuple[Escalation, ...]]


def _graded(rows: tuple[GradedRecord, ...], source_type: str, rule: GradeRule, syndrome: str) -> Iterator[Event]:
    previous: int | None = None
    for row in rows:
        for escalation in rule(previous, row.grade):
            yield Event(
                escalation, row.at, source_type, row.record_id, {"previous_grade": previous, syndrome: row.grade}
            )
        previous = row.grade


def _provisional(syndrome: str, history: list[Graded]) -> Iterator[Event]:
    """A provisional grade worse than the last formal grade (and than every provisional grade since it) pages and
    asks for the formal assessment now."""
    assessment = "CRS assessment" if syndrome == "CRS" else "neuro (ICE/ICANS) assessment"
    for row, formal, worst in walk(syndrome, history):
        if row.formal or not escalating(syndrome, row.grade, worst) or row.grade is None:
            continue
        if row.source_type == "neuro-events":
            continue  # the event pages by itself (critical, naming it); it still makes the assessment due now
        where = SOURCE_WORDS.get(row.source_type, row.source_type)
        message = (
            f"{syndrome} {row.grade} from {where} at {minute(row.at)} (provisional): formal {assessment} needed now"
        )
        escalation = Escalation(f"{syndrome.lower()}_provisional", severity_for_grade(row.grade), row.grade, message)
        details = {
            "provisional_grade": row.grade,
            "formal_grade": None if formal is None else formal.grade,
            "reasons": list(row.reasons),
        }
        yield Event(escalation, row.at, row.source_type, row.source_id, details)


def _neuro_events(patient: PatientSnapshot) -> Iterator[Event]:
    """A seizure (any), status epilepticus, new deep focal motor weakness or a new raised-ICP finding: critical,
    whatever the ICANS grade, from an assessment or from an event recorded on its own."""
    previous: GradedRecord | None = None
    for row in patient.neuro:
        found = assessment_events(
            row.seizure,
            row.motor_weakness,
            row.icp_findings,
            None if previous is None else previous.motor_weakness,
            None if previous is None else previous.icp_findings,
        )
        for rule in found:
            message = event_message(rule, f"neuro assessment at {minute(row.at)}")
            escalation = Escalation(rule.kind, Severity.CRITICAL, rule.grade, message)
            yield Event(escalation, row.at, "neuro-assessments", row.record_id, {"event": rule.event}, rule.event)
        previous = row
    for event in patient.events:
        rule = neuro_event(event.event)
        message = event_message(rule, f"recorded at {minute(event.at)}")
        escalation = Escalation(rule.kind, Severity.CRITICAL, rule.grade, message)
        yield Event(escalation, event.at, "neuro-events", event.record_id, {"event": rule.event}, rule.event)


def _overrides(patient: PatientSnapshot) -> Iterator[Event]:
    """A clinician's override below the computed grade pages the consultant for a second look (the override's
    reason stays in the record and the alert's details, not in the page: pages are insecure)."""
    for syndrome, source_type, rows in (
        ("CRS", "crs-assessments", patient.crs),
        ("ICANS", "neuro-assessments", patient.neuro),
    ):
        for row in rows:
            if row.computed_grade is None or row.grade >= row.computed_grade:
                continue
            message = (
                f"{syndrome} assessment at {minute(row.at)}: computed grade {row.computed_grade} overridden to "
                f"grade {row.grade}: consultant review"
            )
            escalation = Escalation(OVERRIDE_KIND, Severity.URGENT, row.grade, message, ("consultant",))
            details = {
                "syndrome": syndrome,
                "computed_grade": row.computed_grade,
                "override_grade": row.grade,
                "override_reason": row.override_reason,
            }
            yield Event(escalation, row.at, source_type, row.record_id, details, f"{source_type}-{row.record_id}")


def _ferritin(patient: PatientSnapshot) -> Iterator[Event]:
    previous: float | None = None
    for lab in patient.ferritin:
        for escalation in ferritin_escalations(previous, lab.value):
            details = {"ferritin_ng_ml": lab.value, "previous_ng_ml": previous}
            yield Event(escalation, lab.at, "labs", lab.record_id, details)
        previous = lab.value


def _neutropenia(patient: PatientSnapshot) -> Iterator[Event]:
    previous: float | None = None
    for lab in patient.neutrophils:
        for escalation in neutropenia_escalations(previous, lab.value):
            yield Event(escalation, lab.at, "labs", lab.record_id, {"neutrophils": lab.value, "previous": previous})
        previous = lab.value


def _neutropenic_fever(patient: PatientSnapshot) -> Iterator[Event]:
    """A neutropenic fever pages a doctor once an episode (its source is the patient: a fever may be in obs or
    an assessment)."""
    for episode in fever_episodes(patient):
        details = {"temperature_c": episode.temperature_c, "reason": episode.reason}
        yield Event(neutropenic_fever_escalation(episode), episode.at, "patient", patient.id, details)


def _tocilizumab(patient: PatientSnapshot, rules: StatusRules) -> Iterator[Event]:
    times = [dose.at for dose in patient.tocilizumab]
    for dose in patient.tocilizumab:
        for escalation in tocilizumab_escalations(times, dose.at, rules.tocilizumab_min_interval):
            details = {"dose_number": sum(1 for when in times if when <= dose.at)}
            yield Event(escalation, dose.at, "medications", dose.record_id, details)


def _hlh(patient: PatientSnapshot, rules: StatusRules, since: datetime | None) -> Iterator[Event]:
    positive = False
    for point in hlh_timeline(patient, rules, since):
        for escalation in hlh_escalations(positive, point.result.positive):
            details = {
                "reasons": list(point.result.reasons),
                "criteria_met": point.result.criteria_met,
                "peak_ferritin_ng_ml": point.peak,
            }
            yield Event(escalation, point.at, point.source_type, point.source_id, details)
        positive = point.result.positive


NO_IMPROVEMENT_AFTER = timedelta(hours=48)


def _hlh_no_improvement(patient: PatientSnapshot, rules: StatusRules, now: datetime | None) -> Iterator[Event]:
    """HLH section: "If the patient has no improvement within 48 h after commencement of steroids and tocilizumab,
    additional therapy with etoposide 75–100 mg/m2 should be considered." 48 h after both have been started, a
    screen still positive with a ferritin not lower than before the treatment (or none since) pages the consultant
    for review, with the etoposide dose for this patient."""
    if now is None:
        return
    treatments = patient.masking.treatments
    first = {
        kind: min((at for at, drug in treatments if drug_class(drug) == kind), default=None)
        for kind in ("anti_il6", "corticosteroid")
    }
    if first["anti_il6"] is None or first["corticosteroid"] is None:
        return
    started = max(first["anti_il6"], first["corticosteroid"])
    due = started + NO_IMPROVEMENT_AFTER
    if now < due or not hlh_now(patient, rules).positive:
        return
    before = [lab.value for lab in patient.ferritin if lab.at <= started]
    since = [lab.value for lab in patient.ferritin if started < lab.at <= now]
    if before and since and since[-1] < before[-1]:
        return  # ferritin falling since treatment began: improving
    dose = etoposide_text(patient.height_cm, patient.weight_kg)
    message = (
        "HLH/MAS screen still positive 48 h after steroids and tocilizumab: consider etoposide 75-100 mg/m2 "
        f"(consultant review): {dose}"
    )
    trend = "no ferritin since treatment began" if not since else f"ferritin {since[-1]:g} ng/mL"
    details = {"started_at": started.isoformat(), "etoposide": dose, "ferritin": trend}
    escalation = Escalation("hlh_no_improvement", Severity.URGENT, None, message, ("consultant",))
    yield Event(escalation, due, "patient", patient.id, details)


def events(
    patient: PatientSnapshot,
    rules: StatusRules,
    now: datetime | None = None,
    graded: Histories | None = None,
    since: datetime | None = None,
) -> Iterator[Event]:
    """Every escalation in the patient's history (the caller keeps the recent ones); those that fall due by the
    passing of time (no improvement 48 h after treatment) need ``now``. ``graded``: the patient's CRS and ICANS
    histories when the caller has built them already. With ``since`` the HLH screen's escalations are looked for
    from then on only (an earlier one may still be yielded: the caller keeps the recent ones)."""
    graded = graded or histories(patient, rules)
    yield from _graded(patient.crs, "crs-assessments", crs_escalations, "crs_grade")
    yield from _graded(patient.neuro, "neuro-assessments", icans_escalations, "icans_grade")
    yield from _provisional("CRS", graded.crs)
    yield from _provisional("ICANS", graded.icans)
    yield from _neuro_events(patient)
    yield from _overrides(patient)
    yield from _hlh(patient, rules, since)
    yield from _hlh_no_improvement(patient, rules, now)
    yield from _ferritin(patient)
    yield from _neutropenia(patient)
    yield from _neutropenic_fever(patient)
    yield from _tocilizumab(patient, rules)


def dedupe_key(patient: PatientSnapshot, event: Event) -> str:
    grade = "" if event.escalation.grade is None else f":g{event.escalation.grade}"
    part = f":{event.key_part}" if event.key_part else ""
    return f"{event.escalation.kind}:{patient.id}:{stamp(event.at)}{grade}{part}"


def escalation_alerts(
    patient: PatientSnapshot,
    since: datetime,
    rules: StatusRules,
    now: datetime | None = None,
    graded: Histories | None = None,
) -> list[NewAlert]:
    """Alerts for the escalations whose record's clinical time is at or after ``since``."""
    found = []
    for event in events(patient, rules, now, graded, since):
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
