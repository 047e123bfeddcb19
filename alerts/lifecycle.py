"""What people do with an alert: acknowledge, snooze (with a reason, for a limited time), resolve (with a reason).

Every change is an audit event and bumps the ward so boards refresh. The caller owns the transaction.
An acknowledged critical alert that stays unresolved is paged again after ``renotify_critical_minutes``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.config import AlertConfig, load_config
from data.audit import Actor, audit, bump_ward
from data.models import Alert, Patient
from data.records import Forbidden, NotFound, Refused
from data.settings import Settings
from data.validation import FieldError, InvalidInput
from toxicity import Severity

REASON_MAX = 500


def _config(settings: Settings | None) -> AlertConfig:
    return load_config(settings if settings is not None else Settings.from_env())


def _load(session: Session, alert_id: int, actor: Actor) -> Alert:
    query = select(Alert).where(Alert.id == alert_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    alert = session.scalars(query.execution_options(populate_existing=True)).first()
    if alert is None:
        raise NotFound(f"alert {alert_id} not found")
    if actor.ward is not None:
        # A person kept to one ward acts on that ward's alerts only (system alerts belong to every ward).
        ward = (alert.details or {}).get("ward")
        if ward is None and alert.patient_id is not None:
            ward = session.scalar(select(Patient.ward).where(Patient.id == alert.patient_id))
        if ward is not None and ward != actor.ward:
            raise Forbidden(f"alert {alert_id} is not on {actor.ward}", alert.patient_id)
    return alert


def _unresolved(alert: Alert) -> None:
    if alert.status == "resolved":
        raise InvalidInput(
            [FieldError("alert_id", alert.id, "an alert that is not resolved", "this alert is already resolved")]
        )


def _reason(field: str, reason: Any) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput([FieldError(field, reason, f"text, 1-{REASON_MAX} characters", "a reason is required")])
    text = reason.strip()
    if len(text) > REASON_MAX:
        raise InvalidInput(
            [FieldError(field, f"{len(text)} characters", f"1-{REASON_MAX} characters", "the reason is too long")]
        )
    return text


def _changed(session: Session, alert: Alert, actor: Actor, action: str, now: datetime, **details: Any) -> None:
    audit(
        session,
        actor,
        action,
        now,
        record_type="alert",
        record_id=alert.id,
        patient_id=alert.patient_id,
        details={"reference": alert.reference, **details},
    )
    ward = (alert.details or {}).get("ward")
    if ward is None and alert.patient_id is not None:
        ward = session.scalar(select(Patient.ward).where(Patient.id == alert.patient_id))
    if ward is not None:
        bump_ward(session, ward, now)
    session.flush()


def acknowledge(
    session: Session, alert_id: int, actor: Actor, now: datetime, *, settings: Settings | None = None
) -> Alert:
    """Stop the chain: nobody further is paged. A critical alert is paged again if still unresolved after
    ``renotify_critical_minutes``. Acknowledging twice changes nothing."""
    alert = _load(session, alert_id, actor)
    _unresolved(alert)
    if alert.status == "acknowledged":
        return alert
    config = _config(settings)
    alert.status = "acknowledged"
    alert.acknowledged_at = now
    alert.acknowledged_by = actor.username
    critical = alert.severity == Severity.CRITICAL
    alert.next_escalation_at = now + config.renotify_critical if critical else None
    if alert.snoozed_until is not None and alert.snoozed_until > now and critical:
        alert.next_escalation_at = max(alert.snoozed_until, now + config.renotify_critical)
    _changed(session, alert, actor, "alert_acknowledge", now)
    return alert


def snooze(
    session: Session,
    alert_id: int,
    minutes: object,
    reason: object,
    actor: Actor,
    now: datetime,
    *,
    settings: Settings | None = None,
) -> Alert:
    """Hold the chain for ``minutes`` (1 to ``snooze_max_minutes``) with a mandatory reason; when the snooze ends
    the current step is paged again and the chain carries on. An acknowledged alert's next page (a critical
    alert's reminder) is never brought forward by a snooze."""
    config = _config(settings)
    limit = config.snooze_max_minutes
    if isinstance(minutes, float) and minutes.is_integer():
        minutes = int(minutes)  # JSON does not tell 30 from 30.0: both are a whole number of minutes
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= limit:
        raise InvalidInput(
            [FieldError("minutes", minutes, f"a whole number of minutes, 1-{limit}", "snooze length out of range")]
        )
    text = _reason("reason", reason)
    alert = _load(session, alert_id, actor)
    _unresolved(alert)
    alert.snoozed_until = now + timedelta(minutes=minutes)
    alert.snooze_reason = text
    if alert.status == "acknowledged":
        # A snooze only ever holds pages back: an acknowledged critical alert's reminder is not brought forward,
        # and an acknowledged alert that pages nobody any more stays that way.
        due = alert.next_escalation_at
        alert.next_escalation_at = None if due is None else max(due, alert.snoozed_until)
    else:
        alert.next_escalation_at = alert.snoozed_until
    _changed(session, alert, actor, "alert_snooze", now, minutes=minutes, reason=text)
    return alert


OVERDUE_WORDS = {
    "overdue_obs": "observations",
    "overdue_crs": "CRS assessment",
    "overdue_neuro": "neuro (ICE/ICANS) assessment",
    "overdue_bloods": "daily bloods",
    "overdue_review": "daily clinical review",
}


def resolve(session: Session, alert_id: int, reason: object, actor: Actor, now: datetime) -> Alert:
    """Close the alert with a reason (who and when are recorded); nobody is paged for it again.

    An overdue alert cannot be closed by hand while its assessment is still missing: it closes itself when the
    assessment is recorded, or when a documented exception (patient off the ward, refused, monitoring paused by a
    doctor) with an end time is recorded; when the exception ends the item is due again."""
    text = _reason("reason", reason)
    alert = _load(session, alert_id, actor)
    _unresolved(alert)
    if alert.kind in OVERDUE_WORDS:
        what = OVERDUE_WORDS[alert.kind]
        raise Refused(
            f"alert {alert.id}: the {what} is still missing, so this alert cannot be closed by hand; record the "
            f"{what}, or record a monitoring exception (patient off the ward, refused, or paused by a doctor) "
            "with an end time, and it closes itself"
        )
    alert.status = "resolved"
    alert.resolved_at = now
    alert.resolved_by = actor.username
    alert.resolution_reason = text
    alert.next_escalation_at = None
    _changed(session, alert, actor, "alert_resolve", now, reason=text)
    return alert
