"""Alerts, their delivery outbox, and the scheduler's heartbeat (behaviour lives in `alerts/`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, JSONType


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # (patient, kind, due time or source record): a second insert of the same event fails, so nobody is paged twice.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # opaque, safe to put on a pager
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, acknowledged, resolved
    grade: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)  # holds no name or hospital number
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    due_at: Mapped[datetime | None]
    source_type: Mapped[str | None] = mapped_column(String(40))
    source_id: Mapped[int | None] = mapped_column(Integer)
    raised_at: Mapped[datetime]
    chain_step: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(80))
    snoozed_until: Mapped[datetime | None]
    snooze_reason: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolution_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_alerts_status_next_escalation", "status", "next_escalation_at"),
        Index("ix_alerts_patient_status", "patient_id", "status"),
    )


class AlertDelivery(Base):
    """An outbox row: written in the alert's transaction, sent by the delivery worker."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(20))  # webhook, smtp, log
    address: Mapped[str | None] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, sent, dead, cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]

    __table_args__ = (Index("ix_alert_deliveries_status_next", "status", "next_attempt_at"),)


class DeliveryAttempt(Base):
    """Every try at sending a delivery, with its outcome, for the alert's history."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("alert_deliveries.id"), index=True)
    attempted_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(12))  # sent, failed, dead
    error: Mapped[str | None] = mapped_column(Text)


class SchedulerHeartbeat(Base):
    __tablename__ = "scheduler_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance: Mapped[str] = mapped_column(String(120))
    beat_at: Mapped[datetime] = mapped_column(index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class SchedulerLeadership(Base):
    """One row (id 1): which scheduler leads, under which epoch, and when it last renewed its lease.

    A new leader takes the row over by raising the epoch; every sweep and every send of the old leader checks the
    epoch first, so a leader that was frozen and wakes up finds it has been replaced and sends nothing."""

    __tablename__ = "scheduler_leadership"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    epoch: Mapped[int] = mapped_column(Integer)
    holder: Mapped[str] = mapped_column(String(120))  # "" once released
    holds_lock: Mapped[bool]  # the holder also holds the lock (advisory lock or lock file) that dies with it
    renewed_at: Mapped[datetime]
    taken_at: Mapped[datetime]
