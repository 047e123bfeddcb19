"""Care plans: written at handover, append-only. A new plan is a new row that names the one it follows; nothing is
changed or deleted, so the plan in force is the newest and every earlier one stays readable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.audit import Actor, audit, bump_ward
from data.models import CarePlan, Patient
from data.records import check_ward
from data.validation import invalid

MIN_CHARS, MAX_CHARS = 3, 4000


def write_plan(session: Session, patient_id: int, text: str | None, actor: Actor, now: datetime) -> CarePlan:
    words = (text or "").strip()
    if not MIN_CHARS <= len(words) <= MAX_CHARS:
        raise invalid("plan", len(words), f"{MIN_CHARS}-{MAX_CHARS} characters", "write the plan in words")
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise invalid("patient_id", patient_id, "a registered patient", f"no patient with id {patient_id}")
    check_ward(actor, patient)
    if patient.is_discharged_at(now):
        raise invalid("patient_id", patient_id, "a patient who has not been discharged", "the patient was discharged")
    current = latest_plans(session, [patient_id]).get(patient_id)
    plan = CarePlan(
        patient_id=patient_id,
        text=words,
        replaces_id=current.id if current else None,
        recorded_at=now,
        recorded_by=actor.username,
        source=actor.source,
    )
    session.add(plan)
    session.flush()
    audit(session, actor, "create", now, record_type="care_plan", record_id=plan.id, patient_id=patient_id)
    bump_ward(session, patient.ward, now)
    return plan


def latest_plans(session: Session, patient_ids: Sequence[int]) -> dict[int, CarePlan]:
    """The plan in force for each patient (one statement, whatever the number of patients)."""
    if not patient_ids:
        return {}
    newest = (
        select(func.max(CarePlan.id)).where(CarePlan.patient_id.in_(patient_ids)).group_by(CarePlan.patient_id)
    ).scalar_subquery()
    return {plan.patient_id: plan for plan in session.scalars(select(CarePlan).where(CarePlan.id.in_(newest)))}
