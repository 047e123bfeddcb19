"""From a validated request to the columns stored: grading through `toxicity`, with the patient's history.

Each builder takes the session, the patient and the validated body and returns the row's values; the reverse,
`record_as_input`, reads a stored row back as a request body so an amendment is validated like a new record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from data.catalogue import ANALYTES, convert, from_canonical
from data.models import ClinicalRecord, Patient
from data.queries import fever_masking_history
from data.schemas import (
    RECORD_SCHEMAS,
    CRSIn,
    LabIn,
    MedicationIn,
    MonitoringExceptionIn,
    NeuroEventIn,
    NeuroIn,
    ObservationIn,
)
from data.validation import InvalidInput, invalid
from toxicity import (
    CRSFindings,
    FeverMasking,
    Grade,
    ICEParts,
    InvalidAssessment,
    NeuroFindings,
    count_vasopressors,
    drug_class,
    explain_fever_masking,
    grade_crs_attributed,
    grade_icans_attributed,
    ice_score,
)


def _grading_error(exc: InvalidAssessment) -> InvalidInput:
    message = str(exc)
    field = message.split(":", 1)[0] if ":" in message else "assessment"
    return invalid(field, None, "see message", message)


# --- building rows from validated bodies --------------------------------------------------------------------


def _observation(session: Session, patient: Patient, body: ObservationIn) -> dict[str, Any]:
    return body.model_dump()


def fever_masking(session: Session, patient_id: int, at: datetime) -> FeverMasking:
    """Whether fever is no longer required at ``at``, and why: CRS evident in any record (a CRS grade >= 1, or a
    temperature >= 38 °C in obs or an assessment), then tocilizumab or a corticosteroid. The sweep and the board
    read the same history (`data.queries.fever_masking_history`) through the same rule."""
    history = fever_masking_history(session, [patient_id], until=at).get(patient_id)
    if history is None:
        return explain_fever_masking(at, [], [])
    return explain_fever_masking(at, history.crs_grades, history.treatments, history.fevers)


def fever_masked(session: Session, patient_id: int, at: datetime) -> bool:
    return fever_masking(session, patient_id, at).applies


def grade_crs_request(body: CRSIn, masking: FeverMasking | bool) -> Grade:
    """The grade the rules give a validated CRS request (raises InvalidAssessment): used to store and to preview.

    ``masking`` is the patient's fever masking at the assessment time (a bare bool where no history is known)."""
    masked = masking.applies if isinstance(masking, FeverMasking) else masking
    reason = masking.reason if isinstance(masking, FeverMasking) else ""
    agents, vasopressin = count_vasopressors(body.vasopressors)
    findings = CRSFindings(
        temperature_c=body.temperature_c,
        hypotension=body.hypotension,
        vasopressors=agents,
        vasopressin=vasopressin,
        oxygen=body.oxygen,
        oxygen_flow_l_min=body.oxygen_flow_l_min,
        after_tocilizumab_or_steroids=masked,
        fever_masking_reason=reason,
    )
    other = [d for d, flagged in body.attributable_to_other_cause.model_dump().items() if flagged]
    return grade_crs_attributed(findings, other)


def grade_neuro_request(body: NeuroIn, age_years: float, developmental_delay: bool) -> tuple[int | None, Grade]:
    """The ICE score (when ICE parts were given) and the ICANS grade of a validated neuro request.

    Raises InvalidAssessment; used to store and to preview."""
    score = ice_score(ICEParts(**body.ice.model_dump())) if body.ice is not None else None
    findings = NeuroFindings(
        age_years=age_years,
        ice_score=score,
        capd_score=body.capd_score,
        developmental_delay=developmental_delay,
        unable_to_perform_assessment=body.unable_to_perform_assessment,
        consciousness=body.consciousness,
        seizure=body.seizure,
        deep_focal_motor_weakness=body.deep_focal_motor_weakness,
        icp_findings=frozenset(body.icp_findings),
    )
    other = [d for d, flagged in body.attributable_to_other_cause.model_dump().items() if flagged]
    return score, grade_icans_attributed(findings, other)


def _crs(session: Session, patient: Patient, body: CRSIn) -> dict[str, Any]:
    masking = fever_masking(session, patient.id, body.assessed_at)
    try:
        grade = grade_crs_request(body, masking)
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
        "after_tocilizumab_or_steroids": masking.applies,
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
    if tool == "ICE" and body.capd_score is not None:
        raise invalid(
            "capd_score",
            body.capd_score,
            "CAPD only for children under 12 or with developmental delay",
            "this patient is assessed with ICE, not CAPD",
        )
    if tool == "CAPD" and body.ice is not None:
        raise invalid(
            "ice",
            "ICE parts",
            "ICE for patients 12 and over without developmental delay",
            "this patient is assessed with CAPD, not ICE",
        )
    if body.unable_to_perform_assessment and (body.ice is not None or body.capd_score is not None):
        raise invalid(
            "unable_to_perform_assessment",
            True,
            "either a score or unable to perform, not both",
            "a score was given for a patient unable to perform the assessment",
        )
    if not body.unable_to_perform_assessment:
        if tool == "ICE" and body.ice is None:
            raise invalid(
                "ice", None, "the eight ICE parts", "ICE parts are required (or unable_to_perform_assessment)"
            )
        if tool == "CAPD" and body.capd_score is None:
            raise invalid("capd_score", None, "0-32", "CAPD score is required (or unable_to_perform_assessment)")
    try:
        score, grade = grade_neuro_request(body, patient.age_years_at(body.assessed_at), patient.developmental_delay)
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
        "other_cause_domains": [d for d, flagged in body.attributable_to_other_cause.model_dump().items() if flagged],
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
        "reference_low": None if body.reference_low is None else convert(analyte, body.reference_low, body.unit),
        "reference_high": None if body.reference_high is None else convert(analyte, body.reference_high, body.unit),
    }


def _medication(session: Session, patient: Patient, body: MedicationIn) -> dict[str, Any]:
    return {**body.model_dump(), "drug_class": drug_class(body.drug)}


def _neuro_event(session: Session, patient: Patient, body: NeuroEventIn) -> dict[str, Any]:
    return body.model_dump()


def _monitoring_exception(session: Session, patient: Patient, body: MonitoringExceptionIn) -> dict[str, Any]:
    return body.model_dump()


def _as_validated(session: Session, patient: Patient, body: Any) -> dict[str, Any]:
    """Records stored exactly as validated: an organ finding, a routine intervention done, a clinical review."""
    dumped: dict[str, Any] = body.model_dump()
    return dumped


BUILDERS: dict[str, Any] = {
    "observations": _observation,
    "crs-assessments": _crs,
    "neuro-assessments": _neuro,
    "labs": _lab,
    "medications": _medication,
    "neuro-events": _neuro_event,
    "monitoring-exceptions": _monitoring_exception,
    "organ-findings": _as_validated,
    "routine-interventions": _as_validated,
    "clinical-reviews": _as_validated,
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
        **{
            name: from_canonical(ANALYTES[r.analyte], getattr(r, name), r.original_unit)
            for name in ("reference_low", "reference_high")
            if getattr(r, name) is not None
        },
    },
}


def record_as_input(kind: str, row: ClinicalRecord) -> dict[str, Any]:
    reader = _INPUT_FIELDS.get(kind)
    if reader is not None:
        return dict(reader(row))
    schema = RECORD_SCHEMAS[kind]
    return {name: getattr(row, name) for name in schema.model_fields}
