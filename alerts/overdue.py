"""Overdue assessments: which to raise, and which open ones the recorded assessment has resolved.

Guideline, Clinical Approach: "4 hourly routine observation monitoring; Daily clinical assessment and
examination; Twice daily CRS assessment and grading; 8 hourly neurotoxicity assessment and grading; Daily bloods
including FBC, Coag, U+E, LFT, Bone, CRP and Ferritin".
The due times come from `toxicity.due_items`; this module turns them into alerts.
"""

from __future__ import annotations

from datetime import datetime, time
from types import MappingProxyType

from alerts.config import StatusRules
from alerts.decisions import NewAlert, stamp
from alerts.snapshot import OpenAlert, PatientSnapshot
from alerts.status import Histories, histories
from alerts.status import monitoring_state as status_monitoring_state
from toxicity import (
    CadencePolicy,
    DueItem,
    MonitoringState,
    Severity,
    due_items,
    max_severity,
    overdue_from,
    severity_for_grade,
)
from toxicity.cadence import BLOODS_PREFIX

OVERDUE_KINDS: tuple[str, ...] = ("overdue_obs", "overdue_crs", "overdue_neuro", "overdue_bloods", "overdue_review")
PANEL_LABELS = {
    "fbc": "FBC",
    "coagulation": "coagulation",
    "ue": "U+E",
    "lft": "LFT",
    "bone": "bone profile",
    "crp": "CRP",
    "ferritin": "ferritin",
}
ITEM_LABELS = {
    "obs": "Observations",
    "crs": "CRS assessment",
    "neuro": "Neuro (ICE/ICANS) assessment",
    "review": "Daily clinical review",
}


def item_label(item: str) -> str:
    if item.startswith(BLOODS_PREFIX):
        panel = item[len(BLOODS_PREFIX) :]
        return f"Daily bloods: {PANEL_LABELS.get(panel, panel)}"
    return ITEM_LABELS.get(item, item)


def alert_kind(item: str) -> str:
    return "overdue_bloods" if item.startswith(BLOODS_PREFIX) else f"overdue_{item}"


def monitoring_state(patient: PatientSnapshot, rules: StatusRules, graded: Histories | None = None) -> MonitoringState:
    """The state `alerts.status` decides what is due from (the board shows the same)."""
    graded = graded or histories(patient, rules)
    return status_monitoring_state(patient, graded.crs_now(), graded.icans_now())


def last_done(patient: PatientSnapshot, item: str) -> datetime | None:
    """When the assessment (or blood panel) an overdue item counts from was last done."""
    if item.startswith(BLOODS_PREFIX):
        return patient.last_bloods.get(item[len(BLOODS_PREFIX) :])
    lasts = {
        "obs": patient.last_obs,
        "crs": patient.last_crs,
        "neuro": patient.last_neuro,
        "review": patient.last_review,
    }
    return lasts.get(item)


def cadence_grade(state: MonitoringState, item: str) -> int | None:
    """The grade that sets the item's cadence: CRS for obs and CRS assessments, ICANS for neuro (none for bloods);
    a provisional grade counts like a formal one."""
    return {"obs": state.crs_grade, "crs": state.crs_grade, "neuro": state.icans_grade}.get(item)


def overdue_severity(grade: int | None) -> Severity:
    """Warning, raised to the grade's severity when the grade that sets the cadence is 2 or more."""
    severities = [Severity.WARNING]
    if grade is not None:
        severities.append(severity_for_grade(grade))
    worst = max_severity(severities)
    return Severity.WARNING if worst is None else worst


def overdue_alert(patient: PatientSnapshot, due: DueItem, policy: CadencePolicy, state: MonitoringState) -> NewAlert:
    item = due.kind
    local = due.due_at.astimezone(policy.zone)
    since = last_done(patient, item)
    panel = item[len(BLOODS_PREFIX) :] if item.startswith(BLOODS_PREFIX) else None
    label = item_label(item)
    grade = cadence_grade(state, item)
    severity = overdue_severity(grade)
    message = f"{label} overdue: due {local:%H:%M} {local.tzname()} on {local:%d %b}"
    if due.note.startswith("due now"):
        message += " (asked for at once by a provisional grade)"
    details = {
        "item": item,
        "panel": panel,
        "label": label,
        "due_at": due.due_at.isoformat(),
        "minutes_late": due.minutes_late,
        "grace_minutes": int(policy.grace.total_seconds() // 60),
        "since": since.isoformat() if since is not None else None,
        "grade": grade,
        "note": due.note,
        "ward": patient.ward,
        "bed": patient.bed,
    }
    return NewAlert(
        dedupe_key=f"overdue:{patient.id}:{item}:{stamp(due.due_at)}",
        kind=alert_kind(item),
        severity=str(severity),
        message=message,
        patient_id=patient.id,
        ward=patient.ward,
        bed=patient.bed,
        grade=grade,
        due_at=due.due_at,
        source_type="patient",
        source_id=patient.id,
        details=MappingProxyType(details),
    )


def overdue_now_and_next(
    patient: PatientSnapshot, now: datetime, rules: StatusRules, graded: Histories | None = None
) -> tuple[list[NewAlert], datetime | None]:
    """One alert per overdue item (per missing panel per day for bloods), and the first moment after ``now`` at
    which another of the patient's items falls overdue as things stand (None if none will, or discharged).

    Both come from the same due items and `toxicity.overdue_from` (grace included), so a sweep at that moment
    raises the item: the scheduler wakes for it (`alerts.scheduler`)."""
    state = monitoring_state(patient, rules, graded)
    items = due_items(state, now, rules.policy)
    alerts = [overdue_alert(patient, due, rules.policy, state) for due in items if due.overdue]
    upcoming = [overdue_from(due.due_at, rules.policy.grace) for due in items if not due.overdue]
    return alerts, min(upcoming, default=None)


def overdue_alerts(
    patient: PatientSnapshot, now: datetime, rules: StatusRules, graded: Histories | None = None
) -> list[NewAlert]:
    """One alert per overdue item (per missing panel per day for bloods); none for a discharged patient."""
    return overdue_now_and_next(patient, now, rules, graded)[0]


def covered_by_exception(alert: OpenAlert, patient: PatientSnapshot, now: datetime) -> bool:
    """An overdue alert whose item a documented exception covers now (patient off the ward, refused, paused by a
    doctor) is closed by it; when the exception ends the item is due again under a new key."""
    item = alert.details.get("item")
    if not isinstance(item, str):
        return False
    base = "bloods" if item.startswith(BLOODS_PREFIX) else item
    return any(base in row.items and row.starts_at <= now < row.ends_at for row in patient.exceptions)


def is_done(alert: OpenAlert, patient: PatientSnapshot, policy: CadencePolicy) -> bool:
    """An overdue alert is resolved once its assessment has been done since the one it counted from; for daily
    bloods, on or after the (ward-local) day it was due: a sample back-dated to the day before is not today's.

    This is exactly when the sweep would no longer raise the alert's key, so a resolution and a reopening
    (`alerts.plan`) can never undo each other sweep after sweep."""
    item = alert.details.get("item")
    if not isinstance(item, str):
        return False
    done = last_done(patient, item)
    if done is None:
        return False
    since = alert.details.get("since")
    if since is not None and done <= datetime.fromisoformat(since):
        return False
    due_at = alert.details.get("due_at")
    if item.startswith(BLOODS_PREFIX) and isinstance(due_at, str):
        day = datetime.fromisoformat(due_at).astimezone(policy.zone).date()
        return done >= datetime.combine(day, time(0), tzinfo=policy.zone)
    return True
