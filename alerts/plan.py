"""Plan a sweep: overdue alerts, escalations, automatic resolutions and chain steps, from one snapshot.

Pure: no database, no clock. A patient whose records the rules reject is reported in ``errors`` and skipped,
so one bad row cannot stop the ward's alerts.
"""

from __future__ import annotations

import logging
from datetime import datetime

from alerts.config import AlertConfig
from alerts.decisions import (
    DISCHARGED,
    EXCEPTION,
    FORMAL,
    RECORDED,
    ChainAction,
    NewAlert,
    Reopen,
    Resolution,
    SweepPlan,
)
from alerts.overdue import OVERDUE_KINDS, covered_by_exception, is_done, overdue_now_and_next
from alerts.rules import PROVISIONAL_KINDS, escalation_alerts
from alerts.snapshot import OpenAlert, PatientSnapshot, WardSnapshot
from alerts.status import histories
from toxicity import InvalidAssessment, Severity

log = logging.getLogger(__name__)


def chain_action(alert: OpenAlert, now: datetime, config: AlertConfig) -> ChainAction | None:
    """Whom to page now for an unresolved alert whose next escalation time has come, if anyone."""
    due = alert.next_escalation_at
    if due is None or due > now:
        return None
    if alert.snoozed_until is not None and alert.snoozed_until > now:
        return None
    steps = config.chains.steps_for(alert.kind, alert.severity)
    current = min(alert.chain_step, len(steps) - 1)

    def action(kind: str, step: int, next_at: datetime | None) -> ChainAction:
        recipients = steps[step].recipients if kind != "stop" else ()
        return ChainAction(
            alert.id,
            kind,
            step,
            recipients,
            next_at,
            alert.status,
            alert.chain_step,
            alert.next_escalation_at,
            alert.patient_ward,
            alert.patient_bed,
        )

    critical = alert.severity == Severity.CRITICAL
    if alert.status == "acknowledged":
        if critical:
            return action("renotify", current, now + config.renotify_critical)
        return action("stop", current, None)
    if alert.snoozed_until is not None:
        return action("snooze_ended", current, now + steps[current].wait)
    if current + 1 < len(steps):
        return action("escalate", current + 1, now + steps[current + 1].wait)
    return action("repeat", current, now + steps[current].wait)


def formally_assessed(alert: OpenAlert, patient: PatientSnapshot) -> bool:
    """A provisional escalation is superseded by the formal assessment of its syndrome recorded at or after the
    record that raised it (the formal grade then pages by itself if it is an onset or a rise)."""
    source_at = alert.details.get("source_at")
    if not isinstance(source_at, str):
        return False
    last = patient.last_crs if alert.kind == "crs_provisional" else patient.last_neuro
    return last is not None and last >= datetime.fromisoformat(source_at)


def plan_sweep(
    snapshot: WardSnapshot,
    now: datetime,
    config: AlertConfig,
    *,
    raise_overdue: bool = True,
    escalations_since: datetime | None = None,
    chain_steps: bool = True,
) -> SweepPlan:
    """Everything a sweep should do at ``now``. The write-path hook passes ``raise_overdue=False``.

    A candidate whose key is spent is not raised again, unless the sweep itself had closed that alert (the
    assessment was recorded, the patient discharged) and the event is back: then the alert is reopened.
    ``next_overdue`` is the first moment after ``now`` at which any active patient's item falls overdue (only when
    raising overdue items)."""
    since = escalations_since if escalations_since is not None else now - config.escalation_lookback
    active = {patient.id: patient for patient in snapshot.patients}
    new: list[NewAlert] = []
    reopen: list[Reopen] = []
    errors: list[str] = []
    handled: set[str] = set()
    upcoming: list[datetime] = []
    for patient in snapshot.patients:
        try:
            graded = histories(patient, config.rules)  # built once: the escalations and what is due share it
            found = escalation_alerts(patient, since, config.rules, now, graded)
            if raise_overdue:
                overdue, next_at = overdue_now_and_next(patient, now, config.rules, graded)
                found += overdue
                if next_at is not None:
                    upcoming.append(next_at)
        except InvalidAssessment as exc:
            errors.append(f"patient {patient.id} ({patient.ward} bed {patient.bed}): {exc}")
            log.error("alert rules rejected the records of patient %s: %s", patient.id, exc)
            continue
        for candidate in found:
            key = candidate.dedupe_key
            if key in handled:
                continue
            handled.add(key)
            if key in snapshot.reopenable:
                alert_id, reason = snapshot.reopenable[key]
                reopen.append(Reopen(alert_id, reason, candidate))
            elif key not in snapshot.known_keys:
                new.append(candidate)

    resolutions: list[Resolution] = []
    resolved: set[int] = set()
    for alert in snapshot.open_alerts:
        if alert.patient_id is None:
            continue
        owner = active.get(alert.patient_id)
        if owner is None:
            if alert.patient_discharged_at is not None and alert.patient_discharged_at <= now:
                resolutions.append(Resolution(alert.id, DISCHARGED, alert.patient_ward, alert.patient_id))
                resolved.add(alert.id)
            continue
        if alert.kind in OVERDUE_KINDS and is_done(alert, owner, config.policy):
            resolutions.append(Resolution(alert.id, RECORDED, alert.patient_ward, alert.patient_id))
            resolved.add(alert.id)
        elif alert.kind in OVERDUE_KINDS and covered_by_exception(alert, owner, now):
            resolutions.append(Resolution(alert.id, EXCEPTION, alert.patient_ward, alert.patient_id))
            resolved.add(alert.id)
        elif alert.kind in PROVISIONAL_KINDS and formally_assessed(alert, owner):
            resolutions.append(Resolution(alert.id, FORMAL, alert.patient_ward, alert.patient_id))
            resolved.add(alert.id)

    actions: list[ChainAction] = []
    if chain_steps:
        for pending in snapshot.open_alerts:
            if pending.id in resolved:
                continue
            step = chain_action(pending, now, config)
            if step is not None:
                actions.append(step)
    return SweepPlan(
        tuple(new), tuple(resolutions), tuple(actions), tuple(reopen), tuple(errors), min(upcoming, default=None)
    )
