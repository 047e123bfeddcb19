"""The one write path used by the REST API and the dashboard's forms, so both behave the same."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from alerts.hooks import on_clinical_write
from data import records
from data.audit import Actor
from data.models import ClinicalRecord


def record_clinical(
    session: Session, kind: str, patient_id: int, data: Any, actor: Actor, now: datetime
) -> ClinicalRecord:
    """Store a clinical record; escalation rules run in the caller's transaction."""
    row = records.record(session, kind, patient_id, data, actor, now)
    on_clinical_write(session, row, now)
    return row


def amend_clinical(
    session: Session, kind: str, record_id: int, data: Any, actor: Actor, now: datetime
) -> ClinicalRecord:
    row = records.amend(session, kind, record_id, data, actor, now)
    on_clinical_write(session, row, now)
    return row
