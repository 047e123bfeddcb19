"""The outbox rows: claim due pages, mark them sent, or schedule a retry with backoff, or dead-letter them.

A claim is a short transaction that stamps ``claimed_until`` (on PostgreSQL the rows are selected
``FOR UPDATE SKIP LOCKED``, so two workers never take the same row; on SQLite the IMMEDIATE transaction
serialises the claim). Sending happens outside any transaction (`alerts.delivery`). If the process dies between
sending and marking, the claim expires and the row is sent again: a page may repeat, never be lost. A new
scheduler leader releases every claim at once (`release_claims`), so a page claimed by a leader that died or froze
is not held back for the rest of its claim.

A page that is no longer true when its turn comes is cancelled, not sent: any page of an alert resolved since, and
a chain page saying nobody has acknowledged (escalate, repeat, snooze ended) once somebody has.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from alerts.config import AlertConfig
from alerts.pages import UNACKNOWLEDGED_ACTIONS
from alerts.store import Raised, raise_alert
from alerts.system import delivery_dead_alert, last_heartbeat, stale_heartbeat_alert
from data.audit import SYSTEM, audit
from data.models import Alert, AlertDelivery, DeliveryAttempt, Patient

log = logging.getLogger(__name__)

BATCH = 20
JITTER = 0.25
"""A retry waits between the backoff and 1.25 times it, so receivers that come back are not stampeded."""


@dataclass(frozen=True)
class Claimed:
    id: int
    alert_id: int
    alert_kind: str
    alert_reference: str
    ward: str | None
    bed: str | None
    recipient: str
    channel: str
    address: str | None
    payload: dict[str, Any]
    attempts: int
    claimed_until: datetime


@dataclass
class DeliveryReport:
    """What a pass did, by delivery id. ``claimed``: handed to a sender (its outcome follows in sent, retrying or
    dead once sent; the scheduler's passes return before that and log the outcomes)."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    system_alerts: list[Raised] = field(default_factory=list)
    claimed: list[int] = field(default_factory=list)

    def merge(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.dead += other.dead
        self.cancelled += other.cancelled
        self.system_alerts += other.system_alerts
        for ids in (self.sent, self.retrying, self.dead, self.cancelled):
            ids.sort()


def backoff_delay(attempts: int, config: AlertConfig, rng: random.Random) -> timedelta:
    """``backoff * 2^(attempts-1)``, capped, plus up to 25% jitter."""
    base: timedelta = min(config.backoff * (2 ** max(0, attempts - 1)), config.backoff_max)
    return base * (1 + JITTER * rng.random())


def obsolete(alert_status: str, action: object) -> str | None:
    """Why a page not yet sent should not be sent any more (None: send it)."""
    if alert_status == "resolved":
        return "not sent: the alert was resolved first"
    if alert_status == "acknowledged" and action in UNACKNOWLEDGED_ACTIONS:
        return "not sent: the alert was acknowledged first"
    return None


def claimable(now: datetime) -> Any:
    """Pending, due, and not claimed by a worker that may still be sending it."""
    return (
        (AlertDelivery.status == "pending")
        & (AlertDelivery.next_attempt_at <= now)
        & or_(AlertDelivery.claimed_until.is_(None), AlertDelivery.claimed_until < now)
    )


def any_due(session: Session, now: datetime) -> bool:
    """One indexed read: is there a page to claim? (the scheduler's short poll on SQLite)."""
    return session.scalar(select(AlertDelivery.id).where(claimable(now)).limit(1)) is not None


def release_claims(session: Session) -> int:
    """Make every claimed pending page claimable at once (a new leader does this: the claims were its
    predecessor's). A page the predecessor had sent but not yet marked is sent again: a repeat, never a loss."""
    held = (AlertDelivery.status == "pending") & AlertDelivery.claimed_until.is_not(None)
    if session.scalar(select(AlertDelivery.id).where(held).limit(1)) is None:
        return 0  # nothing to release: no write (the usual case)
    result = session.execute(
        update(AlertDelivery).where(held).values(claimed_until=None).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def claim_due(
    session: Session,
    now: datetime,
    config: AlertConfig,
    limit: int = BATCH,
    report: DeliveryReport | None = None,
    kinds: Collection[str] | None = None,
) -> list[Claimed]:
    """Claim up to ``limit`` due rows (one statement), cancelling those that are no longer true. With ``kinds``,
    only pages of alerts of those kinds (the watchdog sends its own system page and nothing else)."""
    query = (
        select(AlertDelivery, Alert.kind, Alert.reference, Alert.status, Alert.details, Patient.ward, Patient.bed)
        .join(Alert, Alert.id == AlertDelivery.alert_id)
        .outerjoin(Patient, Patient.id == Alert.patient_id)
        .where(claimable(now))
        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
        .limit(limit)
    )
    if kinds is not None:
        query = query.where(Alert.kind.in_(list(kinds)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=AlertDelivery, skip_locked=True)
    claimed = []
    for row, kind, reference, status, details, ward, bed in session.execute(query):
        reason = obsolete(status, (row.payload or {}).get("action"))
        if reason is not None:
            row.status = "cancelled"
            row.last_error = reason
            row.claimed_until = None
            session.add(DeliveryAttempt(delivery_id=row.id, attempted_at=now, outcome="cancelled", error=reason))
            if report is not None:
                report.cancelled.append(row.id)
            continue
        row.claimed_until = now + config.claim
        if ward is None:  # a system alert: where the page it is about was for
            ward, bed = (details or {}).get("ward"), (details or {}).get("bed")
        claimed.append(
            Claimed(
                id=row.id,
                alert_id=row.alert_id,
                alert_kind=kind,
                alert_reference=reference,
                ward=ward,
                bed=bed,
                recipient=row.recipient,
                channel=row.channel,
                address=row.address,
                payload=dict(row.payload),
                attempts=row.attempts,
                claimed_until=row.claimed_until,
            )
        )
    session.flush()
    return claimed


def mark_sent(session: Session, job: Claimed, now: datetime) -> None:
    session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.id == job.id, AlertDelivery.status == "pending")
        .values(status="sent", sent_at=now, attempts=job.attempts + 1, claimed_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    session.add(DeliveryAttempt(delivery_id=job.id, attempted_at=now, outcome="sent", error=None))


def mark_failed(
    session: Session, job: Claimed, error: str, now: datetime, config: AlertConfig, rng: random.Random
) -> tuple[bool, Raised | None]:
    """Schedule a retry, or dead-letter the row after ``max_attempts`` and raise a system alert.

    Returns (dead, the system alert raised if any)."""
    attempts = job.attempts + 1
    if attempts < config.max_attempts:
        session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id == job.id, AlertDelivery.status == "pending")
            .values(
                attempts=attempts,
                last_error=error,
                claimed_until=None,
                next_attempt_at=now + backoff_delay(attempts, config, rng),
            )
            .execution_options(synchronize_session=False)
        )
        session.add(DeliveryAttempt(delivery_id=job.id, attempted_at=now, outcome="failed", error=error))
        return False, None
    killed = session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.id == job.id, AlertDelivery.status == "pending")
        .values(status="dead", attempts=attempts, last_error=error, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    if not getattr(killed, "rowcount", 0):
        # Another worker settled the page meanwhile (a new leader sent it while this one was frozen): this
        # attempt failed, the page did not die.
        session.add(DeliveryAttempt(delivery_id=job.id, attempted_at=now, outcome="failed", error=error))
        return False, None
    session.add(DeliveryAttempt(delivery_id=job.id, attempted_at=now, outcome="dead", error=error))
    audit(
        session,
        SYSTEM,
        "delivery_dead",
        now,
        record_type="alert_delivery",
        record_id=job.id,
        details={"alert_id": job.alert_id, "attempts": attempts, "error": error},
    )
    if job.alert_kind == "delivery_dead":
        # A page about a dead page that itself died: the board still shows both; paging again would loop.
        log.error("delivery %s of system alert %s is dead: %s", job.id, job.alert_reference, error)
        return True, None
    alert = delivery_dead_alert(
        job.id,
        job.recipient,
        job.channel,
        attempts,
        error,
        job.alert_reference,
        job.ward,
        job.bed,
        config.second_channel,
    )
    return True, raise_alert(session, alert, config.chains, now)


def check_heartbeat(session: Session, config: AlertConfig, now: datetime) -> Raised | None:
    """Raise the stale-heartbeat system alert when the sweep has been silent too long (never: nothing)."""
    beat = last_heartbeat(session)
    if beat is None:
        return None
    alert = stale_heartbeat_alert(beat, now, config.heartbeat_stale, config.second_channel)
    return raise_alert(session, alert, config.chains, now) if alert is not None else None
