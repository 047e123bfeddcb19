"""Read functions. Each takes a Session and reads only what its caller needs (never a whole table)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from data.models import (
    ClinicalRecord,
    CRSAssessment,
    LabResult,
    MedicationAdministration,
    NeuroAssessment,
    Observation,
    Patient,
)

R = TypeVar("R", bound=ClinicalRecord)


def current_filter(model: type[R]) -> Any:
    """Rows in force: not corrected by a newer row, and not themselves an 'entered in error' marker."""
    newer = aliased(model)
    return and_(
        ~exists().where(newer.amends_id == model.id),
        model.entered_in_error.is_(False),
    )


def current_records(model: type[R], patient_id: int) -> Select[Any]:
    time_col = getattr(model, model.clinical_time_column)
    return select(model).where(model.patient_id == patient_id, current_filter(model)).order_by(time_col, model.id)


def active_patients(session: Session, now: datetime, ward: str | None = None) -> Sequence[Patient]:
    query = select(Patient).where((Patient.discharged_at.is_(None)) | (Patient.discharged_at > now))
    if ward is not None:
        query = query.where(Patient.ward == ward)
    return session.scalars(query.order_by(Patient.ward, Patient.bed)).all()


def latest_per_patient(session: Session, model: type[R], patient_ids: Sequence[int]) -> dict[int, R]:
    """The newest current row per patient in one statement.

    For each patient an index seek on (patient_id, time) descending that stops at the first row in force, so the
    cost does not grow with the patient's history (see bench/latest_values.py).
    """
    if not patient_ids:
        return {}
    inner = aliased(model)
    inner_time = getattr(inner, model.clinical_time_column)
    newest_id = (
        select(inner.id)
        .where(inner.patient_id == Patient.id, current_filter(inner))
        .order_by(inner_time.desc(), inner.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    ids = select(newest_id).where(Patient.id.in_(patient_ids))
    rows = session.scalars(select(model).where(model.id.in_(ids))).all()
    return {row.patient_id: row for row in rows}


def latest_labs_per_panel(session: Session, patient_ids: Sequence[int]) -> dict[tuple[int, str], datetime]:
    """When each daily panel was last collected, per patient: one grouped query."""
    if not patient_ids:
        return {}
    rows = session.execute(
        select(LabResult.patient_id, LabResult.panel, func.max(LabResult.collected_at))
        .where(LabResult.patient_id.in_(patient_ids), current_filter(LabResult))
        .group_by(LabResult.patient_id, LabResult.panel)
    ).all()
    return {(pid, panel): when for pid, panel, when in rows}


def patient_timeline(session: Session, patient_id: int) -> dict[str, list[Any]]:
    """Every current series for one patient since admission, for charts (only this patient's rows)."""
    return {
        "observations": list(session.scalars(current_records(Observation, patient_id))),
        "crs_assessments": list(session.scalars(current_records(CRSAssessment, patient_id))),
        "neuro_assessments": list(session.scalars(current_records(NeuroAssessment, patient_id))),
        "labs": list(session.scalars(current_records(LabResult, patient_id))),
        "medications": list(session.scalars(current_records(MedicationAdministration, patient_id))),
    }
