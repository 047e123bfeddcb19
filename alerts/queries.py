"""Read functions for the board: open alerts, an alert's delivery history, the scheduler's heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from alerts.pages import minutes_late
from alerts.system import last_heartbeat
from data.models import Alert, AlertDelivery, DeliveryAttempt, Patient
from data.settings import Settings

SEVERITY_SORT = case(
    {"critical": 3, "urgent": 2, "warning": 1, "info": 0},
    value=Alert.severity,
    else_=0,
)


def open_alerts(session: Session, now: datetime, ward: str | None = None) -> list[Alert]:
    """Alerts not resolved (open or acknowledged), most severe first, then newest. With ``ward``, that ward's
    alerts and the system alerts (which have no patient). ``details`` holds ward, bed, due_at, minutes_late at
    raising and grade; `current_minutes_late` gives the lateness at ``now``."""
    query = (
        select(Alert)
        .outerjoin(Patient, Patient.id == Alert.patient_id)
        .where(
            Alert.status != "resolved",
            # A patient discharged since the last sweep: the sweep closes these alerts, the board hides them now.
            or_(Alert.patient_id.is_(None), Patient.discharged_at.is_(None), Patient.discharged_at > now),
        )
    )
    if ward is not None:
        query = query.where(or_(Alert.patient_id.is_(None), Patient.ward == ward))
    query = query.order_by(SEVERITY_SORT.desc(), Alert.raised_at.desc(), Alert.id.desc())
    return list(session.scalars(query))


ALERT_STATES = ("open", "acknowledged", "resolved")
RESOLVED_LIMIT = 500


def list_alerts(
    session: Session, state: str | None = None, patient_id: int | None = None, ward: str | None = None
) -> list[Alert]:
    """Alerts for the API: by state (open, acknowledged or resolved; unresolved ones when None), by patient, by
    ward (that ward's and the system alerts), most severe first then newest; at most the newest 500 resolved."""
    query = select(Alert).outerjoin(Patient, Patient.id == Alert.patient_id)
    query = query.where(Alert.status != "resolved") if state is None else query.where(Alert.status == state)
    if patient_id is not None:
        query = query.where(Alert.patient_id == patient_id)
    if ward is not None:
        query = query.where(or_(Alert.patient_id.is_(None), Patient.ward == ward))
    query = query.order_by(SEVERITY_SORT.desc(), Alert.raised_at.desc(), Alert.id.desc())
    if state == "resolved":
        query = query.limit(RESOLVED_LIMIT)
    return list(session.scalars(query))


def current_minutes_late(alert: Alert, now: datetime) -> int | None:
    """How late an overdue assessment is at ``now`` (None for alerts that are not about a due time)."""
    return minutes_late(alert.due_at, now)


def alert_history(session: Session, alert_id: int) -> list[tuple[AlertDelivery, list[DeliveryAttempt]]]:
    """Every page sent (or tried) for the alert, in order, each with its attempts (two statements)."""
    deliveries = list(
        session.scalars(
            select(AlertDelivery)
            .where(AlertDelivery.alert_id == alert_id)
            .order_by(AlertDelivery.created_at, AlertDelivery.id)
        )
    )
    attempts: dict[int, list[DeliveryAttempt]] = {delivery.id: [] for delivery in deliveries}
    if deliveries:
        for attempt in session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id.in_(list(attempts)))
            .order_by(DeliveryAttempt.attempted_at, DeliveryAttempt.id)
        ):
            attempts[attempt.delivery_id].append(attempt)
    return [(delivery, attempts[delivery.id]) for delivery in deliveries]


def heartbeat_age_seconds(session: Session, now: datetime) -> float | None:
    """Seconds since the scheduler's last sweep, or None if it has never run."""
    beat = last_heartbeat(session)
    return None if beat is None else (now - beat).total_seconds()


def is_heartbeat_stale(session: Session, now: datetime, settings: Settings) -> bool:
    """True when the scheduler has never run or has been silent longer than ``heartbeat_stale_seconds``."""
    age = heartbeat_age_seconds(session, now)
    return age is None or age > settings.heartbeat_stale_seconds
