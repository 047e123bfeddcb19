"""Write functions: validate, grade (through `toxicity`), store append-only, audit, bump the ward.

The caller owns the session and the transaction, so escalation rules can run in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import Actor, audit, bump_ward
from data.catalogue import ANALYTES
from data.models import (
    CLINICAL_MODELS,
    ClinicalRecord,
    CRSAssessment,
    MedicationAdministration,
    NeuroAssessment,
    Patient,
)
from data.queries import current_records
from data.schemas import (
    RECORD_SCHEMAS,
    AmendIn,
    CRSIn,
    LabIn,
    MedicationIn,
    NeuroIn,
    ObservationIn,
    PatientIn,
    PatientPatch,
)
from data.validation import FieldError, InvalidInput, parse
from toxicity import (
    CRSFindings,
    ICEParts,
    InvalidAssessment,
    NeuroFindings,
    count_vasopressors,
    drug_class,
    fever_no_longer_required,
    ice_score,
)
from toxicity.attribution import grade_crs_attributed, grade_icans_attributed


class NotFound(LookupError):
    pass


def _invalid(field: str, value: Any, allowed: str, message: str) -> InvalidInput:
    return InvalidInput([FieldError(field, value, allowed, message)])


# --- patients -----------------------------------------------------------------------------------------------


def create_patient(session: Session, data: Any, actor: Actor, now: datetime) -> Patient:
    body = parse(PatientIn, data, now)
    if session.scalar(select(Patient.id).where(Patient.hospital_number == body.hospital_number)) is not None:
        raise _invalid(
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
    patient = get_patient(session, patient_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("discharged_at") is not None and changes["discharged_at"] < patient.admitted_at:
        raise _invalid(
            "discharged_at",
            changes["discharged_at"].isoformat(),
            "after admitted_at",
            "discharge cannot be before admission",
        )
    for field in ("bed", "weight_kg", "infused_at"):
        if field in changes and changes[field] is None:
            raise _invalid(field, None, "a value", f"{field} cannot be cleared")
    before = {k: getattr(patient, k) for k in changes}
    for key, value in changes.items():
        setattr(patient, key, value)
    action = "discharge" if changes.get("discharged_at") is not None else "update"
    audit(
        session,
        actor,
        action,
        now,
        record_type="patient",
        record_id=patient.id,
        patient_id=patient.id,
        details={"changed": {k: _jsonable(v) for k, v in before.items()}},
    )
    bump_ward(session, patient.ward, now)
    return patient


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _recordable_patient(session: Session, patient_id: int, now: datetime) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise _invalid("patient_id", patient_id, "a registered patient", f"no patient with id {patient_id}")
    if patient.is_discharged_at(now):
        assert patient.discharged_at is not None
        raise _invalid(
            "patient_id",
            patient_id,
            "a patient who has not been discharged",
            f"patient was discharged at {patient.discharged_at.isoformat()}: records cannot be added",
        )
    return patient


def _grading_error(exc: InvalidAssessment) -> InvalidInput:
    message = str(exc)
    field = message.split(":", 1)[0] if ":" in message else "assessment"
    return _invalid(field, None, "see message", message)


# --- building rows from validated bodies --------------------------------------------------------------------


def _observation(session: Session, patient: Patient, body: ObservationIn) -> dict[str, Any]:
    return body.model_dump()


def fever_masked(session: Session, patient_id: int, at: datetime) -> bool:
    """Whether fever is no longer required: CRS was graded, then tocilizumab or steroids were given."""
    grades = [
        (row.assessed_at, row.grade)
        for row in session.scalars(current_records(CRSAssessment, patient_id).where(CRSAssessment.assessed_at <= at))
    ]
    treatments = [
        (row.given_at, row.drug)
        for row in session.scalars(
            current_records(MedicationAdministration, patient_id).where(MedicationAdministration.given_at <= at)
        )
    ]
    return fever_no_longer_required(at, grades, treatments)


def _crs(session: Session, patient: Patient, body: CRSIn) -> dict[str, Any]:
    agents, vasopressin = count_vasopressors(body.vasopressors)
    masked = fever_masked(session, patient.id, body.assessed_at)
    findings = CRSFindings(
        temperature_c=body.temperature_c,
        hypotension=body.hypotension,
        vasopressors=agents,
        vasopressin=vasopressin,
        oxygen=body.oxygen,
        oxygen_flow_l_min=body.oxygen_flow_l_min,
        after_tocilizumab_or_steroids=masked,
    )
    other = [d for d, flagged in body.attributable_to_other_cause.model_dump().items() if flagged]
    try:
        grade = grade_crs_attributed(findings, other)
    except InvalidAssessment as exc:
        raise _grading_error(exc) from None
    return {
        "assessed_at": body.assessed_at,
        "temperature_c": body.temperature_c,
        "hypotension": body.hypotension,
        "vasopressors": body.vasopressors,
        "oxygen": body.oxygen,
        "oxygen_flow_l_min": body.oxygen_flow_l_min,
        "fever_other_cause": body.attributable_to_other_cause.fever,
        "hypotension_other_cause": body.attributable_to_other_cause.hypotension,
        "hypoxia_other_cause": body.attributable_to_other_cause.hypoxia,
        "organ_toxicities": body.organ_toxicities.model_dump(),
        "after_tocilizumab_or_steroids": masked,
        "computed_grade": grade.grade,
        "reasons": list(grade.reasons),
        "rule_set": grade.rule_set,
        "override_grade": body.override.grade if body.override else None,
        "override_reason": body.override.reason if body.override else None,
    }


def neuro_tool(patient: Patient, at: datetime) -> str:
    """CAPD for children under 12 or with developmental delay (ASTCT 2019), ICE otherwise."""
    return "CAPD" if patient.developmental_delay or patient.age_years_at(at) < 12 else "ICE"


def _neuro(session: Session, patient: Patient, body: NeuroIn) -> dict[str, Any]:
    tool = neuro_tool(patient, body.assessed_at)
    score: int | None = None
    if tool == "ICE" and body.capd_score is not None:
        raise _invalid(
            "capd_score",
            body.capd_score,
            "CAPD only for children under 12 or with developmental delay",
            "this patient is assessed with ICE, not CAPD",
        )
    if tool == "CAPD" and body.ice is not None:
        raise _invalid(
            "ice",
            "ICE parts",
            "ICE for patients 12 and over without developmental delay",
            "this patient is assessed with CAPD, not ICE",
        )
    if body.unable_to_perform_assessment and (body.ice is not None or body.capd_score is not None):
        raise _invalid(
            "unable_to_perform_assessment",
            True,
            "either a score or unable to perform, not both",
            "a score was given for a patient unable to perform the assessment",
        )
    if not body.unable_to_perform_assessment:
        if tool == "ICE" and body.ice is None:
            raise _invalid(
                "ice", None, "the eight ICE parts", "ICE parts are required (or unable_to_perform_assessment)"
            )
        if tool == "CAPD" and body.capd_score is None:
            raise _invalid("capd_score", None, "0-32", "CAPD score is required (or unable_to_perform_assessment)")
    try:
        if body.ice is not None:
            score = ice_score(ICEParts(**body.ice.model_dump()))
        findings = NeuroFindings(
            age_years=patient.age_years_at(body.assessed_at),
            ice_score=score,
            capd_score=body.capd_score,
            developmental_delay=patient.developmental_delay,
            unable_to_perform_assessment=body.unable_to_perform_assessment,
            consciousness=body.consciousness,
            seizure=body.seizure,
            deep_focal_motor_weakness=body.deep_focal_motor_weakness,
            icp_findings=frozenset(body.icp_findings),
        )
        other = [d for d, flagged in body.attributable_to_other_cause.model_dump().items() if flagged]
        grade = grade_icans_attributed(findings, other)
    except InvalidAssessment as exc:
        raise _grading_error(exc) from None
    return {
        "assessed_at": body.assessed_at,
        "tool": tool,
        "ice_parts": body.ice.model_dump() if body.ice else None,
        "ice_score": score,
        "capd_score": body.capd_score,
        "unable_to_perform_assessment": body.unable_to_perform_assessment,
        "consciousness": body.consciousness,
        "seizure": body.seizure,
        "deep_focal_motor_weakness": body.deep_focal_motor_weakness,
        "icp_findings": list(body.icp_findings),
        "other_cause_domains": other,
        "computed_grade": grade.grade,
        "reasons": list(grade.reasons),
        "rule_set": grade.rule_set,
        "override_grade": body.override.grade if body.override else None,
        "override_reason": body.override.reason if body.override else None,
    }


def _lab(session: Session, patient: Patient, body: LabIn) -> dict[str, Any]:
    analyte = ANALYTES[body.analyte]
    return {
        "collected_at": body.collected_at,
        "reported_at": body.reported_at,
        "analyte": analyte.name,
        "loinc_code": analyte.loinc,
        "panel": analyte.panel,
        "value": body.canonical_value,
        "unit": analyte.unit,
        "original_value": body.value,
        "original_unit": body.unit,
    }


def _medication(session: Session, patient: Patient, body: MedicationIn) -> dict[str, Any]:
    return {**body.model_dump(), "drug_class": drug_class(body.drug)}


_BUILDERS: dict[str, Any] = {
    "observations": _observation,
    "crs-assessments": _crs,
    "neuro-assessments": _neuro,
    "labs": _lab,
    "medications": _medication,
}

# How a stored row reads back as a request body, so an amendment can be validated like a new record.
_INPUT_FIELDS: dict[str, Any] = {
    "crs-assessments": lambda r: {
        "assessed_at": r.assessed_at,
        "temperature_c": r.temperature_c,
        "hypotension": r.hypotension,
        "vasopressors": r.vasopressors,
        "oxygen": r.oxygen,
        "oxygen_flow_l_min": r.oxygen_flow_l_min,
        "attributable_to_other_cause": {
            "fever": r.fever_other_cause,
            "hypotension": r.hypotension_other_cause,
            "hypoxia": r.hypoxia_other_cause,
        },
        "organ_toxicities": r.organ_toxicities,
        **(
            {"override": {"grade": r.override_grade, "reason": r.override_reason}}
            if r.override_grade is not None
            else {}
        ),
    },
    "neuro-assessments": lambda r: {
        "assessed_at": r.assessed_at,
        "ice": r.ice_parts,
        "capd_score": r.capd_score,
        "unable_to_perform_assessment": r.unable_to_perform_assessment,
        "consciousness": r.consciousness,
        "seizure": r.seizure,
        "deep_focal_motor_weakness": r.deep_focal_motor_weakness,
        "icp_findings": r.icp_findings,
        "attributable_to_other_cause": {
            d: d in r.other_cause_domains for d in ("consciousness", "seizure", "motor", "icp")
        },
        **(
            {"override": {"grade": r.override_grade, "reason": r.override_reason}}
            if r.override_grade is not None
            else {}
        ),
    },
    "labs": lambda r: {
        "collected_at": r.collected_at,
        "reported_at": r.reported_at,
        "analyte": r.analyte,
        "value": r.original_value,
        "unit": r.original_unit,
    },
}


def record_as_input(kind: str, row: ClinicalRecord) -> dict[str, Any]:
    reader = _INPUT_FIELDS.get(kind)
    if reader is not None:
        return dict(reader(row))
    schema = RECORD_SCHEMAS[kind]
    return {name: getattr(row, name) for name in schema.model_fields}


def record(session: Session, kind: str, patient_id: int, data: Any, actor: Actor, now: datetime) -> ClinicalRecord:
    """Validate and store one new clinical record of `kind` ("observations", "crs-assessments", ...)."""
    if kind not in CLINICAL_MODELS:
        raise NotFound(f"unknown record kind '{kind}'")
    body = parse(RECORD_SCHEMAS[kind], data, now)
    patient = _recordable_patient(session, patient_id, now)
    values = _BUILDERS[kind](session, patient, body)
    row = CLINICAL_MODELS[kind](
        patient_id=patient.id, recorded_at=now, recorded_by=actor.username, source=actor.source, **values
    )
    session.add(row)
    session.flush()
    assert isinstance(row, ClinicalRecord)
    action = "override" if values.get("override_grade") is not None else "create"
    audit(session, actor, action, now, record_type=kind, record_id=row.id, patient_id=patient.id)
    bump_ward(session, patient.ward, now)
    return row


def amend(session: Session, kind: str, record_id: int, data: Any, actor: Actor, now: datetime) -> ClinicalRecord:
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
        raise _invalid(
            "record_id",
            record_id,
            "the current version of the record",
            f"record {record_id} was already corrected by record {newer}: amend that one",
        )
    if original.entered_in_error:
        raise _invalid("record_id", record_id, "a record in force", "this row marks a record as entered in error")
    patient = get_patient(session, original.patient_id)
    if body.entered_in_error:
        values = {c: getattr(original, c) for c in _copy_columns(model)}
        row = model(**values, entered_in_error=True)
        action = "entered_in_error"
    else:
        merged = {**record_as_input(kind, original), **body.changes}
        merged = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in merged.items()}
        parsed = parse(RECORD_SCHEMAS[kind], merged, now)
        row = model(**_BUILDERS[kind](session, patient, parsed))
        action = "amend"
    row.patient_id = original.patient_id
    row.amends_id = original.id
    row.amendment_reason = body.reason
    row.recorded_at = now
    row.recorded_by = actor.username
    row.source = actor.source
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
