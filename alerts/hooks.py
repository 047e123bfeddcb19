"""The write-path hook: escalation rules run in the transaction that stores an assessment, so a worse grade is
paged within seconds (the delivery worker's next pass) instead of at the next sweep.

It also resolves the patient's overdue alerts that the new record satisfies. Overdue alerts are only raised by
the sweep. The keys are the sweep's, so the sweep finds nothing new to raise for the same event.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from alerts.config import ConfigError, load_config
from alerts.plan import plan_sweep
from alerts.snapshot import load_snapshot
from alerts.store import Applied, apply_plan
from alerts.wake import notify_outbox
from data.models import ClinicalRecord
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
    snapshot = load_snapshot(session, now, [row.patient_id])
    since = min(now - config.escalation_lookback, row.clinical_time)
    plan = plan_sweep(snapshot, now, config, raise_overdue=False, escalations_since=since, chain_steps=False)
    applied = apply_plan(session, plan, config.chains, now)
    wake_delivery(session, applied)
    return applied


def wake_delivery(session: Session, applied: Applied) -> None:
    """New pages wake the scheduler's delivery when this transaction commits (not at its next interval)."""
    if applied.raised or applied.reopened or applied.paged:
        notify_outbox(session)
