"""The alert store: insert under the dedupe key first, then write the outbox rows, all in the caller's
transaction; resolve and step up chains with guarded updates so a concurrent change is never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from alerts.chains import ChainConfig
from alerts.decisions import ENTERED_IN_ERROR, FORMAL, SUPERSEDED, ChainAction, NewAlert, Reopen, Resolution, SweepPlan
from alerts.pages import PageSource, new_reference, page_payload
from data.audit import SYSTEM, Actor, audit, bump_ward
from data.models import Alert, AlertDelivery


@dataclass(frozen=True)
class Raised:
    alert_id: int
    reference: str
    kind: str
    severity: str
    ward: str | None
    bed: str | None
    deliveries: int


@dataclass
class Applied:
    raised: list[Raised] = field(default_factory=list)
    resolved: list[Resolution] = field(default_factory=list)
    paged: list[ChainAction] = field(default_factory=list)
    reopened: list[Raised] = field(default_factory=list)
    closed_in_error: list[int] = field(default_factory=list)


def _insert(session: Session) -> Any:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"database dialect {name!r}: alerts support sqlite and postgresql")


def source_of(alert: Alert, ward: str | None, bed: str | None) -> PageSource:
    """The page for a stored alert, at the patient's ``ward`` and ``bed`` now (a bed move after the alert was raised
    must not send anyone to the old bed); a system alert, which has no patient, keeps what its details say."""
    details = alert.details or {}
    return PageSource(
        reference=alert.reference,
        kind=alert.kind,
        severity=alert.severity,
        message=alert.message,
        grade=alert.grade,
        due_at=alert.due_at,
        ward=ward if alert.patient_id is not None else details.get("ward"),
        bed=bed if alert.patient_id is not None else details.get("bed"),
        details=details,
    )


def page_source(new: NewAlert, reference: str) -> PageSource:
    return PageSource(
        reference=reference,
        kind=new.kind,
        severity=new.severity,
        message=new.message,
        grade=new.grade,
        due_at=new.due_at,
        ward=new.ward,
        bed=new.bed,
        details=new.details,
    )


def write_deliveries(
    session: Session,
    alert_id: int,
    source: PageSource,
    step: int,
    recipients: Iterable[str],
    chains: ChainConfig,
    action: str,
    now: datetime,
) -> int:
    """One outbox row per recipient of ``step``, due at once."""
    count = 0
    for name in recipients:
        recipient = chains.recipient(name)
        session.add(
            AlertDelivery(
                alert_id=alert_id,
                step=step,
                recipient=name,
                channel=recipient.channel,
                address=recipient.address,
                payload=page_payload(source, step=step, recipient=name, action=action, now=now),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        count += 1
    return count


def raise_alert(
    session: Session, new: NewAlert, chains: ChainConfig, now: datetime, *, bump: bool = True
) -> Raised | None:
    """Insert the alert unless its dedupe key exists (then None: somebody already raised it), then its first
    step's deliveries, an audit event, and a ward bump."""
    steps = chains.steps_for(new.kind, new.severity)
    reference = new_reference()
    statement = (
        _insert(session)(Alert)
        .values(
            dedupe_key=new.dedupe_key,
            reference=reference,
            patient_id=new.patient_id,
            kind=new.kind,
            severity=new.severity,
            status="open",
            grade=new.grade,
            message=new.message,
            details=dict(new.details),
            due_at=new.due_at,
            source_type=new.source_type,
            source_id=new.source_id,
            raised_at=now,
            chain_step=0,
            next_escalation_at=now + steps[0].wait,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Alert.id)
    )
    alert_id = session.execute(statement).scalar_one_or_none()
    if alert_id is None:
        return None
    count = write_deliveries(
        session, alert_id, page_source(new, reference), 0, steps[0].recipients, chains, "raise", now
    )
    audit(
        session,
        SYSTEM,
        "alert_raise",
        now,
        record_type="alert",
        record_id=alert_id,
        patient_id=new.patient_id,
        details={"kind": new.kind, "severity": new.severity, "reference": reference, "dedupe_key": new.dedupe_key},
    )
    supersede(session, alert_id, new, now)
    if bump and new.ward is not None:
        bump_ward(session, new.ward, now)
    session.flush()
    return Raised(alert_id, reference, new.kind, new.severity, new.ward, new.bed, count)


SYNDROME_FAMILIES: dict[str, tuple[str, ...]] = {
    "crs": ("crs_onset", "crs_rise", "crs_provisional"),
    "icans": ("icans_onset", "icans_rise", "icans_provisional"),
}
"""Escalation alerts of one syndrome: a patient has at most one of them open (the highest grade)."""


def family_of(kind: str) -> tuple[str, ...] | None:
    return next((kinds for kinds in SYNDROME_FAMILIES.values() if kind in kinds), None)


def supersede(session: Session, alert_id: int, new: NewAlert, now: datetime) -> list[int]:
    """A new CRS or ICANS escalation closes the patient's open escalation alerts of the same syndrome at the same or
    a lower grade ("superseded by a higher grade"): one open escalation alert per syndrome per patient, and the
    old alert's pending pages are cancelled rather than sent."""
    family = family_of(new.kind)
    if family is None or new.grade is None or new.patient_id is None:
        return []
    older = session.execute(
        select(Alert.id, Alert.kind).where(
            Alert.patient_id == new.patient_id,
            Alert.kind.in_(family),
            Alert.status != "resolved",
            Alert.id != alert_id,
            Alert.grade <= new.grade,
        )
    ).all()
    closed = []
    for old, kind in older:
        formal = kind.endswith("_provisional") and not new.kind.endswith("_provisional")
        reason = Resolution(old, FORMAL if formal else SUPERSEDED, new.ward, new.patient_id)
        if resolve_automatically(session, reason, now, bump=False):
            closed.append(old)
    return closed


def close_alerts_of_record(
    session: Session, source_type: str, record_id: int, ward: str | None, patient_id: int, now: datetime
) -> list[int]:
    """A record marked entered in error closes the alerts it raised (the sweep then re-decides from what is left)."""
    alerts = session.scalars(
        select(Alert.id).where(
            Alert.source_type == source_type, Alert.source_id == record_id, Alert.status != "resolved"
        )
    ).all()
    closed = []
    for alert_id in alerts:
        if resolve_automatically(session, Resolution(alert_id, ENTERED_IN_ERROR, ward, patient_id), now):
            closed.append(alert_id)
    return closed


def resolve_automatically(
    session: Session, resolution: Resolution, now: datetime, actor: Actor = SYSTEM, *, bump: bool = True
) -> bool:
    """Resolve an alert nobody has resolved yet; False when it already was."""
    result = session.execute(
        update(Alert)
        .where(Alert.id == resolution.alert_id, Alert.status != "resolved")
        .values(
            status="resolved",
            resolved_at=now,
            resolved_by=actor.username,
            resolution_reason=resolution.reason,
            next_escalation_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    audit(
        session,
        actor,
        "alert_resolve",
        now,
        record_type="alert",
        record_id=resolution.alert_id,
        patient_id=resolution.patient_id,
        details={"reason": resolution.reason, "automatic": True},
    )
    if bump and resolution.ward is not None:
        bump_ward(session, resolution.ward, now)
    return True


def apply_chain_action(
    session: Session, action: ChainAction, chains: ChainConfig, now: datetime, *, bump: bool = True
) -> bool:
    """Step the alert's chain if it is still as the snapshot saw it, then page the step's recipients."""
    guard = [
        Alert.id == action.alert_id,
        Alert.status == action.expected_status,
        Alert.chain_step == action.expected_step,
    ]
    if action.expected_next is None:
        guard.append(Alert.next_escalation_at.is_(None))
    else:
        guard.append(Alert.next_escalation_at == action.expected_next)
    result = session.execute(
        update(Alert)
        .where(*guard)
        .values(chain_step=action.step, next_escalation_at=action.next_escalation_at, snoozed_until=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    if action.recipients:
        alert = session.get(Alert, action.alert_id, populate_existing=True)
        assert alert is not None
        source = source_of(alert, action.ward, action.bed)
        write_deliveries(session, alert.id, source, action.step, action.recipients, chains, action.action, now)
        audit(
            session,
            SYSTEM,
            f"alert_{action.action}",
            now,
            record_type="alert",
            record_id=action.alert_id,
            patient_id=alert.patient_id,
            details={"step": action.step, "recipients": list(action.recipients)},
        )
        if bump and action.ward is not None:
            bump_ward(session, action.ward, now)
    return True


def reopen_alert(
    session: Session, reopen: Reopen, chains: ChainConfig, now: datetime, *, bump: bool = True
) -> Raised | None:
    """Open again an alert the sweep had closed by itself, if it is still closed for that reason (None when
    anybody changed it since the snapshot): the chain starts again from its first step, with fresh details."""
    new = reopen.alert
    steps = chains.steps_for(new.kind, new.severity)
    result = session.execute(
        update(Alert)
        .where(
            Alert.id == reopen.alert_id,
            Alert.status == "resolved",
            Alert.resolution_reason == reopen.previous_reason,
        )
        .values(
            status="open",
            severity=new.severity,
            grade=new.grade,
            message=new.message,
            details=dict(new.details),
            resolved_at=None,
            resolved_by=None,
            resolution_reason=None,
            acknowledged_at=None,
            acknowledged_by=None,
            snoozed_until=None,
            snooze_reason=None,
            chain_step=0,
            next_escalation_at=now + steps[0].wait,
        )
        .returning(Alert.reference)
        .execution_options(synchronize_session=False)
    )
    reference = result.scalar_one_or_none()
    if reference is None:
        return None
    count = write_deliveries(
        session, reopen.alert_id, page_source(new, reference), 0, steps[0].recipients, chains, "reopen", now
    )
    audit(
        session,
        SYSTEM,
        "alert_reopen",
        now,
        record_type="alert",
        record_id=reopen.alert_id,
        patient_id=new.patient_id,
        details={"kind": new.kind, "reference": reference, "closed_because": reopen.previous_reason},
    )
    if bump and new.ward is not None:
        bump_ward(session, new.ward, now)
    return Raised(reopen.alert_id, reference, new.kind, new.severity, new.ward, new.bed, count)


def apply_plan(session: Session, plan: SweepPlan, chains: ChainConfig, now: datetime) -> Applied:
    """Carry out a plan: resolutions first (a recorded assessment stops its chain), then chain steps, then new
    alerts, each new alert inserted before any of its delivery rows, then reopened ones."""
    applied = Applied()
    wards: set[str] = set()
    for resolution in plan.resolve:
        if resolve_automatically(session, resolution, now, bump=False):
            applied.resolved.append(resolution)
            wards.update([resolution.ward] if resolution.ward is not None else [])
    for action in plan.chain:
        if apply_chain_action(session, action, chains, now, bump=False):
            applied.paged.append(action)
            wards.update([action.ward] if action.ward is not None else [])
    for new in plan.raise_:
        raised = raise_alert(session, new, chains, now, bump=False)
        if raised is not None:
            applied.raised.append(raised)
            wards.update([new.ward] if new.ward is not None else [])
    for reopen in plan.reopen:
        reopened = reopen_alert(session, reopen, chains, now, bump=False)
        if reopened is not None:
            applied.reopened.append(reopened)
            wards.update([reopen.alert.ward] if reopen.alert.ward is not None else [])
    for ward in sorted(wards):
        bump_ward(session, ward, now)
    session.flush()
    return applied
