"""JSON for the alerts and status API: each field named as the README documents it.

The decisions are `alerts.status`'s (the board, the patient page and the pager read the same); this module only
writes them out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts.hlh_status import HLHStatus
from alerts.overdue import item_label
from alerts.status import NeutropeniaStatus, PatientStatus, TocilizumabStatus
from data.models import Alert
from toxicity import CurrentGrade, DueItem, FeverMasking, Guidance
from toxicity.steroids import SOURCE as STEROID_SOURCE
from toxicity.steroids import SteroidCourse


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def alert_json(alert: Alert) -> dict[str, Any]:
    details = alert.details or {}
    return {
        "id": alert.id,
        "reference": alert.reference,
        "patient_id": alert.patient_id,
        "ward": details.get("ward"),
        "bed": details.get("bed"),
        "kind": alert.kind,
        "severity": alert.severity,
        "status": alert.status,
        "grade": alert.grade,
        "message": alert.message,
        "raised_at": _time(alert.raised_at),
        "chain_step": alert.chain_step,
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": _time(alert.acknowledged_at),
        "snoozed_until": _time(alert.snoozed_until),
        "snooze_reason": alert.snooze_reason,
        "resolved_by": alert.resolved_by,
        "resolved_at": _time(alert.resolved_at),
        "reason": alert.resolution_reason,
    }


def grade_json(current: CurrentGrade) -> dict[str, Any]:
    source = current.source
    return {
        "grade": current.grade,
        "provisional_grade": current.provisional_grade,
        "effective_grade": current.effective,
        "not_graded": current.effective is None,
        "source": None
        if source is None
        else {"type": source.source_type, "id": source.source_id, "at": source.at.isoformat(), "formal": source.formal},
        "formal_assessment_due_now_since": _time(current.requested_at),
        "reasons": list(current.reasons) if source is not None else ["no assessment recorded"],
        "rule_set": None if source is None else source.rule_set,
    }


def hlh_json(hlh: HLHStatus) -> dict[str, Any]:
    result = hlh.result
    return {
        "result": "not_assessable"
        if result is None or not result.assessable
        else ("positive" if result.positive else "negative"),
        "criteria_met": None if result is None else result.criteria_met,
        "peak_ferritin_ng_ml": hlh.peak_ferritin,
        "reasons": list(hlh.reasons),
        "rule_set": hlh.rule_set,
    }


def neutropenia_json(found: NeutropeniaStatus) -> dict[str, Any]:
    episode = found.episode
    return {
        "neutrophils": found.count,
        "collected_at": _time(found.count_at),
        "neutropenic": found.neutropenic,
        "neutropenic_fever": None
        if episode is None
        else {
            "fever_at": episode.at.isoformat(),
            "temperature_c": episode.temperature_c,
            "first_antibiotic": None
            if episode.first_antibiotic is None
            else {"drug": episode.first_antibiotic[1], "given_at": episode.first_antibiotic[0].isoformat()},
            "minutes_to_antibiotic": episode.minutes_to_antibiotic,
        },
        "reasons": list(found.reasons),
    }


def interventions_json(status: PatientStatus) -> list[dict[str, Any]]:
    return [
        {
            "item": item.item,
            "words": item.words,
            "open": item.open,
            "done_at": None if item.done is None else item.done.at.isoformat(),
            "done_by": None if item.done is None else item.done.by,
            "how": None if item.done is None else item.done.how,
        }
        for item in status.interventions
    ]


def steroids_json(course: SteroidCourse | None) -> dict[str, Any] | None:
    if course is None:
        return None
    return {
        "doses": [
            {"given_at": dose.at.isoformat(), "drug": dose.drug, "dose": dose.dose, "unit": dose.unit}
            for dose in course.doses
        ],
        "cumulative": list(course.cumulative),
        "next_due_at": _time(course.next_due),
        "next_due": course.next_due_reason,
        "taper_step": course.taper_step,
        "source": STEROID_SOURCE,
    }


def tocilizumab_json(found: TocilizumabStatus | None) -> dict[str, Any] | None:
    if found is None:
        return None
    summary = found.summary
    return {
        "indication": found.indication.status,
        "indication_text": found.indication.text,
        "dose": list(found.dose_line),
        "doses_given": None if summary is None else summary.doses_given,
        "doses_last_24h": None if summary is None else summary.doses_last_24h,
        "next_dose_not_before": None if summary is None else _time(summary.next_dose_not_before),
        "min_interval_hours": None if summary is None else summary.min_interval.total_seconds() / 3600,
        "problem": found.problem or None,
    }


def due_json(item: DueItem) -> dict[str, Any]:
    return {
        "item": item.kind,
        "label": item_label(item.kind),
        "due_at": item.due_at.isoformat(),
        "overdue": item.overdue,
        "minutes_late": item.minutes_late,
        "note": item.note,
    }


def guidance_json(item: Guidance) -> dict[str, Any]:
    return {
        "topic": item.syndrome,
        "grade": item.grade,
        "source": item.source,
        "condition": item.condition,
        "items": list(item.items),
        "dosing": list(item.dosing),
        "note": item.note,
    }


def status_json(
    patient_id: int,
    ward: str,
    bed: str,
    now: datetime,
    status: PatientStatus | None,
    alerts: list[Alert],
    guidance: list[Guidance],
    masking: FeverMasking | None,
    trial: str | None = None,
) -> dict[str, Any]:
    """A patient's status; ``status`` None for a patient no longer monitored (discharged)."""
    body: dict[str, Any] = {"patient_id": patient_id, "ward": ward, "bed": bed, "at": now.isoformat(), "trial": trial}
    if status is None:
        return {
            **body,
            "monitored": False,
            "crs": None,
            "icans": None,
            "hlh": None,
            "neutropenia": None,
            "interventions": [],
            "steroids": None,
            "tocilizumab": None,
            "due": [],
            "open_alerts": [alert_json(a) for a in alerts],
            "guidance": [],
            "fever_masking": None,
            "reason": "discharged: not monitored",
        }
    return {
        **body,
        "monitored": True,
        "crs": grade_json(status.crs),
        "icans": grade_json(status.icans),
        "hlh": hlh_json(status.hlh),
        "neutropenia": neutropenia_json(status.neutropenia),
        "interventions": interventions_json(status),
        "steroids": steroids_json(status.steroids),
        "tocilizumab": tocilizumab_json(status.tocilizumab),
        "due": [due_json(item) for item in status.due],
        "open_alerts": [alert_json(a) for a in alerts],
        "guidance": [guidance_json(item) for item in guidance],
        "fever_masking": None if masking is None else {"applies": masking.applies, "reason": masking.reason},
    }
