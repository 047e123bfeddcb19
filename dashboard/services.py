"""The one write path used by the REST API and the dashboard's forms, so both behave the same."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_app_context
from sqlalchemy.orm import Session

from alerts.config import StatusRules
from alerts.hooks import on_clinical_write
from alerts.snapshot import load_snapshot
from alerts.status import StatusNow, status_now
from dashboard.context import app_context
from data import records
from data.audit import Actor
from data.models import ClinicalRecord
from data.settings import Settings


def _settings() -> Settings | None:
    """The app's settings for the escalation hook (None outside a request: the hook reads the environment)."""
    return app_context().settings if has_app_context() else None


def record_clinical(
    session: Session, kind: str, patient_id: int, data: Any, actor: Actor, now: datetime
) -> ClinicalRecord:
    """Store a clinical record entered by a person (a late entry when `data.records.is_late_entry` says so);
    escalation rules run in the caller's transaction."""
    settings = _settings()
    allowance = settings.pre_admission if settings is not None else None
    row = records.record(session, kind, patient_id, data, actor, now, pre_admission=allowance, mark_late_entry=True)
    on_clinical_write(session, row, now, settings)
    return row


def amend_clinical(
    session: Session, kind: str, record_id: int, data: Any, actor: Actor, now: datetime
) -> ClinicalRecord:
    settings = _settings()
    allowance = settings.pre_admission if settings is not None else None
    row = records.amend(session, kind, record_id, data, actor, now, pre_admission=allowance)
    on_clinical_write(session, row, now, settings)
    return row


def status_of_patient(session: Session, patient_id: int, now: datetime, rules: StatusRules) -> StatusNow | None:
    """What the patient page and the status API show of one patient, decided by `alerts.status.status_now` over
    the patient's snapshot; None for a patient no longer monitored (discharged)."""
    snapshot = load_snapshot(session, now, [patient_id], window=rules.window, with_alerts=False).patients
    return status_now(snapshot[0], now, rules) if snapshot else None
