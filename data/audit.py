"""The audit trail (FHIR AuditEvent fields) and the ward change counter the board polls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from data.models import AuditEvent, WardState

SOURCES = ("form", "api", "import", "system")


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which role, through which door."""

    username: str
    role: str | None = None
    source: str = "api"
    address: str | None = None
    ward: str | None = None  # the only ward this actor may touch; None for every ward

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source: '{self.source}' is not one of {', '.join(SOURCES)}")


SYSTEM = Actor("system", role=None, source="system")


def audit(
    session: Session,
    actor: Actor,
    action: str,
    now: datetime,
    *,
    record_type: str | None = None,
    record_id: int | None = None,
    patient_id: int | None = None,
    outcome: str = "success",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        occurred_at=now,
        actor=actor.username,
        role=actor.role,
        action=action,
        record_type=record_type,
        record_id=record_id,
        patient_id=patient_id,
        outcome=outcome,
        source=actor.source,
        source_address=actor.address,
        details=details or {},
    )
    session.add(event)
    return event


def bump_ward(session: Session, ward: str, now: datetime) -> None:
    """Tell every board showing this ward that something changed."""
    result = session.execute(
        update(WardState).where(WardState.ward == ward).values(version=WardState.version + 1, changed_at=now)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        session.add(WardState(ward=ward, version=1, changed_at=now))
        session.flush()


def ward_version(session: Session, ward: str) -> int:
    return session.scalar(select(WardState.version).where(WardState.ward == ward)) or 0


class AuditIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
def _refuse_audit_update(_mapper: Any, _connection: Any, target: AuditEvent) -> None:
    raise AuditIsAppendOnly(f"audit event {target.id} cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_audit_delete(_mapper: Any, _connection: Any, target: AuditEvent) -> None:
    raise AuditIsAppendOnly(f"audit event {target.id} cannot be deleted")


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    record_type: str | None = None
    patient_id: int | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 500


def audit_actions(session: Session) -> list[str]:
    """Every action the trail holds, in order (the audit page's action filter offers these)."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def list_audit_events(session: Session, where: AuditFilter) -> list[AuditEvent]:
    """Audit events matching every given filter, newest first, at most `limit` (never the whole table)."""
    query = select(AuditEvent)
    for column in ("actor", "action", "record_type", "patient_id", "outcome"):
        value = getattr(where, column)
        if value not in (None, ""):
            query = query.where(getattr(AuditEvent, column) == value)
    if where.since is not None:
        query = query.where(AuditEvent.occurred_at >= where.since)
    if where.until is not None:
        query = query.where(AuditEvent.occurred_at <= where.until)
    limit = max(1, min(where.limit, 5000))
    return list(session.scalars(query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)))
