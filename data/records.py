"""Write functions: validate, grade (through `toxicity`), store append-only, audit, bump the ward.

The caller owns the session and the transaction, so escalation rules can run in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import Actor, audit, bump_ward
from data.builders import BUILDERS, fever_masked, neuro_tool, record_as_input
from data.models import CLINICAL_MODELS, ClinicalRecord, CRSAssessment, NeuroAssessment, Patient
from data.queries import patient_checklist
from data.schemas import NOT_CLEARABLE, RECORD_SCHEMAS, AmendIn, PatientIn, PatientPatch
from data.validation import PRE_ADMISSION_ALLOWANCE, invalid, parse
from toxicity.interventions import infusion_warning, open_items

__all__ = [
    "Forbidden",
    "NotFound",
    "Refused",
    "amend",
    "check_ward",
    "create_patient",
    "fever_masked",
    "get_patient",
    "is_late_entry",
    "neuro_tool",
    "record",
    "serialise",
    "update_patient",
]


class NotFound(LookupError):
    pass


class Refused(RuntimeError):
    """The action is not allowed in the record's present state (HTTP 409); the message says why and what to do."""


class Forbidden(PermissionError):
    """The actor may not touch this patient (a user kept to another ward); `patient_id`: the one it tried."""

    def __init__(self, message: str, patient_id: int | None = None) -> None:
        super().__init__(message)
        self.patient_id = patient_id


def check_ward(actor: Actor, patient: Patient) -> Patient:
    if actor.ward is not None and patient.ward != actor.ward:
        raise Forbidden(f"patient {patient.id} is not on {actor.ward}", patient.id)
    return patient


def check_ward_of(session: Session, actor: Actor, patient_id: int) -> None:
    """`check_ward` before anything of the patient is read: only the patient's ward is looked up (an unknown id
    passes, for the caller to answer "not found")."""
    if actor.ward is None:
        return
    ward = session.scalar(select(Patient.ward).where(Patient.id == patient_id))
    if ward is not None and ward != actor.ward:
        raise Forbidden(f"patient {patient_id} is not on {actor.ward}", patient_id)


# --- patients -----------------------------------------------------------------------------------------------


def create_patient(session: Session, data: Any, actor: Actor, now: datetime) -> Patient:
    body = parse(PatientIn, data, now)
    if actor.ward is not None and body.ward != actor.ward:
        raise Forbidden(f"you may register patients only on {actor.ward}")
    if session.scalar(select(Patient.id).where(Patient.hospital_number == body.hospital_number)) is not None:
        raise invalid(
            "hospital_number",
            body.hospital_number,
            "a hospital number not already registered",
            "a patient with this hospital number already exists",
        )
    patient = Patient(**body.model_dump(), created_at=now, created_by=actor.username, source=actor.source)
    session.add(patient)
    session.flush()
    audit(session, actor, "create", now, record_type="patient", record_id=patient.id, patient_id=patient.id)
    bump_ward(session, patient.ward, now)
    return patient


def get_patient(session: Session, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"patient {patient_id} not found")
    return patient


def update_patient(session: Session, patient_id: int, data: Any, actor: Actor, now: datetime) -> Patient:
    body = parse(PatientPatch, data, now)
    patient = check_ward(actor, get_patient(session, patient_id))
    changes = body.model_dump(exclude_unset=True)
    confirmation = changes.pop("confirm_open_interventions", None)
    confirmed = _infusion_confirmation(session, patient, changes, confirmation)
    if changes.get("discharged_at") is not None and changes["discharged_at"] < patient.admitted_at:
        raise invalid(
            "discharged_at",
            changes["discharged_at"].isoformat(),
            "after admitted_at",
            "discharge cannot be before admission",
        )
    for field in NOT_CLEARABLE:
        if field in changes and changes[field] is None:
            raise invalid(field, None, "a value", f"{field} cannot be cleared")
    before = {k: getattr(patient, k) for k in changes}
    for key, value in changes.items():
        setattr(patient, key, value)
    action = "discharge" if changes.get("discharged_at") is not None else "update"
    details: dict[str, Any] = {"changed": {k: _jsonable(v) for k, v in before.items()}}
    if confirmed:
        action = "confirm_infusion"
        details["open_interventions"] = confirmed
        details["reason"] = confirmation["reason"] if confirmation else None
    audit(
        session,
        actor,
        action,
        now,
        record_type="patient",
        record_id=patient.id,
        patient_id=patient.id,
        details=details,
    )
    bump_ward(session, patient.ward, now)
    return patient


def _infusion_confirmation(
    session: Session, patient: Patient, changes: dict[str, Any], confirmation: dict[str, Any] | None
) -> list[str]:
    """Guideline: "Any infection must be controlled before CAR-T cells can be infused". Recording (or moving) the
    infusion time while a routine intervention is open is refused unless a doctor confirms it with a reason; the
    open items are returned for the audit event (empty when nothing needed confirming)."""
    when = changes.get("infused_at")
    if when is None or when == patient.infused_at:
        return []
    still = open_items(patient_checklist(session, patient.id))
    if not still:
        return []
    if confirmation is None:
        raise Refused(infusion_warning(still) + " Send confirm_open_interventions with a reason (a doctor).")
    return [item.item for item in still]


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _recordable_patient(session: Session, patient_id: int, now: datetime) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise invalid("patient_id", patient_id, "a registered patient", f"no patient with id {patient_id}")
    if patient.is_discharged_at(now):
        assert patient.discharged_at is not None
        raise invalid(
            "patient_id",
            patient_id,
            "a patient who has not been discharged",
            f"patient was discharged at {patient.discharged_at.isoformat()}: records cannot be added",
        )
    return patient


def check_clinical_time(kind: str, body: Any, patient: Patient, pre_admission: timedelta | None = None) -> None:
    """A record's clinical time lies in this admission: not before admission less `pre_admission` (results taken
    before the patient came in; default `PRE_ADMISSION_ALLOWANCE`). The upper bound (now plus the allowed clock
    skew) is the schema's."""
    allowance = PRE_ADMISSION_ALLOWANCE if pre_admission is None else pre_admission
    column = CLINICAL_MODELS[kind].clinical_time_column
    when = getattr(body, column, None)
    earliest = patient.admitted_at - allowance
    if isinstance(when, datetime) and when < earliest:
        hours = f"{allowance.total_seconds() / 3600:g}"
        raise invalid(
            column,
            when.isoformat(),
            f"from {earliest.isoformat()} (admission less {hours} h) to now",
            f"is before this admission ({patient.admitted_at.isoformat()}) less {hours} h",
        )


LATE_ENTRY_AFTER = timedelta(hours=1)
"""A record whose clinical time is more than this before the moment it is saved is a late entry."""


def is_late_entry(clinical_time: datetime, saved_at: datetime) -> bool:
    """Whether a record is a late entry: its own time (taken, assessed, given ...) more than `LATE_ENTRY_AFTER`
    before the moment it is saved, such as paper obs entered after downtime. The one rule for forms, the API and
    the back-entry file; the record is stored and shown with both times."""
    return clinical_time < saved_at - LATE_ENTRY_AFTER


def record(
    session: Session,
    kind: str,
    patient_id: int,
    data: Any,
    actor: Actor,
    now: datetime,
    *,
    mark_late_entry: bool = False,
    pre_admission: timedelta | None = None,
) -> ClinicalRecord:
    """Validate and store one new clinical record of `kind` ("observations", "crs-assessments", ...).

    `mark_late_entry`: the record is entered by a person (a form, the API, a back-entry file), so it is marked
    late entry when `is_late_entry` says so. A device's or laboratory's feed (FHIR, HL7) sends results after their
    time by nature: those are not marked. `pre_admission`: how long before admission its time may lie
    (`check_clinical_time`)."""
    if kind not in CLINICAL_MODELS:
        raise NotFound(f"unknown record kind '{kind}'")
    body = parse(RECORD_SCHEMAS[kind], data, now)
    patient = _recordable_patient(session, patient_id, now)
    check_ward(actor, patient)
    check_clinical_time(kind, body, patient, pre_admission)
    clinical_time = getattr(body, CLINICAL_MODELS[kind].clinical_time_column)
    late_entry = mark_late_entry and is_late_entry(clinical_time, now)
    values = BUILDERS[kind](session, patient, body)
    row = CLINICAL_MODELS[kind](
        patient_id=patient.id,
        recorded_at=now,
        recorded_by=actor.username,
        source=actor.source,
        late_entry=late_entry,
        **values,
    )
    session.add(row)
    session.flush()
    assert isinstance(row, ClinicalRecord)
    action = "override" if values.get("override_grade") is not None else "create"
    details = {"late_entry": True} if late_entry else None
    audit(session, actor, action, now, record_type=kind, record_id=row.id, patient_id=patient.id, details=details)
    bump_ward(session, patient.ward, now)
    return row


def amend(
    session: Session,
    kind: str,
    record_id: int,
    data: Any,
    actor: Actor,
    now: datetime,
    *,
    pre_admission: timedelta | None = None,
) -> ClinicalRecord:
    """A new row that corrects (or marks as entered in error) the current row `record_id`; the original stays."""
    model = CLINICAL_MODELS.get(kind)
    if model is None:
        raise NotFound(f"unknown record kind '{kind}'")
    body = parse(AmendIn, data, now)
    original = session.get(model, record_id)
    if original is None:
        raise NotFound(f"{kind} record {record_id} not found")
    newer = session.scalar(select(model.id).where(model.amends_id == record_id))
    if newer is not None:
        raise invalid(
            "record_id",
            record_id,
            "the current version of the record",
            f"record {record_id} was already corrected by record {newer}: amend that one",
        )
    if original.entered_in_error:
        raise invalid("record_id", record_id, "a record in force", "this row marks a record as entered in error")
    patient = check_ward(actor, get_patient(session, original.patient_id))
    if body.entered_in_error:
        values = {c: getattr(original, c) for c in _copy_columns(model)}
        row = model(**values, entered_in_error=True)
        action = "entered_in_error"
    else:
        merged = {**record_as_input(kind, original), **body.changes}
        merged = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in merged.items()}
        parsed = parse(RECORD_SCHEMAS[kind], merged, now)
        check_clinical_time(kind, parsed, patient, pre_admission)
        row = model(**BUILDERS[kind](session, patient, parsed))
        action = "amend"
    row.patient_id = original.patient_id
    row.amends_id = original.id
    row.amendment_reason = body.reason
    row.recorded_at = now
    row.recorded_by = actor.username
    row.source = actor.source
    row.late_entry = original.late_entry  # a correction of a record entered late is still that record
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        action,
        now,
        record_type=kind,
        record_id=row.id,
        patient_id=patient.id,
        details={"amends": original.id, "reason": body.reason},
    )
    bump_ward(session, patient.ward, now)
    assert isinstance(row, ClinicalRecord)
    return row


_BOOKKEEPING = {
    "id",
    "patient_id",
    "amends_id",
    "amendment_reason",
    "entered_in_error",
    "late_entry",
    "recorded_at",
    "recorded_by",
    "source",
}


def _copy_columns(model: Any) -> list[str]:
    return [c.key for c in model.__table__.columns if c.key not in _BOOKKEEPING]


def serialise(row: Any) -> dict[str, Any]:
    """A stored row as JSON-ready data (times in ISO 8601 UTC)."""
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        out[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    if isinstance(row, CRSAssessment | NeuroAssessment):
        out["grade"] = row.grade
    return out
