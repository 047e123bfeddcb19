"""The write-path hook: escalation rules run in the transaction that stores an assessment, so a worse grade is
paged within seconds (the delivery worker's next pass) instead of at the next sweep.

It also resolves the patient's overdue alerts that the new record satisfies. Overdue alerts are only raised by
the sweep. The keys are the sweep's, so the sweep finds nothing new to raise for the same event.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.config import ConfigError, load_config
from alerts.plan import plan_sweep
from alerts.snapshot import load_snapshot
from alerts.store import Applied, apply_plan, close_alerts_of_record
from alerts.wake import notify_outbox
from data.imports.core import RecordsWriter
from data.models import CLINICAL_MODELS, ClinicalRecord, Patient
from data.settings import Settings

log = logging.getLogger(__name__)


def on_clinical_write(
    session: Session, row: ClinicalRecord, now: datetime, settings: Settings | None = None
) -> Applied | None:
    """Raise the escalations the new (or amended) record causes and resolve what it satisfies, in the caller's
    transaction. A broken alerting configuration never blocks recording: it is logged (the scheduler refuses
    to start with it, so the board shows alerting as down) and nothing is raised here."""
    try:
        config = load_config(settings if settings is not None else Settings.from_env())
    except ConfigError as exc:
        log.error("alerting configuration is invalid; escalations not checked on write: %s", exc)
        return None
    closed: list[int] = []
    if row.entered_in_error and row.amends_id is not None:
        ward = session.scalar(select(Patient.ward).where(Patient.id == row.patient_id))
        kind = next(name for name, model in CLINICAL_MODELS.items() if isinstance(row, model))
        closed = close_alerts_of_record(session, kind, row.amends_id, ward, row.patient_id, now)
    since = min(now - config.escalation_lookback, row.clinical_time)
    snapshot = load_snapshot(session, now, [row.patient_id], window=now - since)
    plan = plan_sweep(snapshot, now, config, raise_overdue=False, escalations_since=since, chain_steps=False)
    applied = apply_plan(session, plan, config.chains, now)
    applied.closed_in_error.extend(closed)
    wake_delivery(session, applied)
    return applied


def wake_delivery(session: Session, applied: Applied) -> None:
    """New pages wake the scheduler's delivery when this transaction commits (not at its next interval)."""
    if applied.raised or applied.reopened or applied.paged:
        notify_outbox(session)


def on_clinical_writes(
    session: Session, rows: Sequence[ClinicalRecord], now: datetime, settings: Settings | None = None
) -> None:
    """The hook for many records written at once (an imported bundle, message or file): the rules run once per
    patient from the earliest record's time, as a sweep would, and once for each record marked entered in error
    (which closes the alerts it raised)."""
    earliest: dict[int, ClinicalRecord] = {}
    for row in rows:
        if row.entered_in_error:
            on_clinical_write(session, row, now, settings)
        elif row.patient_id not in earliest or row.clinical_time < earliest[row.patient_id].clinical_time:
            earliest[row.patient_id] = row
    for row in earliest.values():
        on_clinical_write(session, row, now, settings)


def escalating_writer(settings: Settings | None = None, *, mark_late_entry: bool = False) -> RecordsWriter:
    """The write path for imports: `data.imports.core.RecordsWriter` with the escalation rules run on what it
    wrote, in the same transaction, as for a record typed into a form. `mark_late_entry` for a back-entry file."""

    def escalate(session: Session, rows: Sequence[ClinicalRecord], now: datetime) -> None:
        on_clinical_writes(session, rows, now, settings)

    return RecordsWriter(settings, mark_late_entry, escalate)
