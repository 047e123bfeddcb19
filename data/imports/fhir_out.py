"""A patient's record as a FHIR R4 Bundle: the Patient, obs as vital-sign Observations, labs with their
reference ranges, medication administrations, the CRS and ICANS grades as Observations in cartwatch's own
code system with the reasons as notes, organ findings as Conditions with their CTCAE grade as severity, routine
interventions as Procedures, daily clinical reviews as ClinicalImpressions, neurological events as exam
Observations and monitoring exceptions as Flags. Only records in force are exported (an amended record as its
current version, one entered in error not at all); the Bundle is checked against the R4B models before it is
returned.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from data.catalogue import ANALYTES
from data.imports.codes import (
    BLOOD_PRESSURE_PANEL,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    CTCAE_GRADES,
    DEFAULT_HOSPITAL_NUMBER_SYSTEM,
    EXTENSION,
    FINDING_DISPLAY,
    FLAG_CATEGORY,
    GRADE_CODES,
    ICANS_DOMAIN_GRADE,
    LOINC,
    MONITORING_ITEM_DISPLAY,
    NCI_THESAURUS,
    NEURO_EVENT_KINDS,
    OBSERVATION_CATEGORY,
    OWN_CODES,
    OWN_DRUGS,
    OWN_EXCEPTION_REASONS,
    OWN_FINDINGS,
    OWN_INTERVENTIONS,
    OWN_MONITORING_ITEMS,
    OWN_NEURO_EVENTS,
    OWN_VALUES,
    RECORD_SYSTEM,
    REVIEW_CODE,
    ROUTE_SNOMED,
    SNOMED,
    UCUM,
    VITAL_DISPLAY,
    VITAL_LOINC,
    VITALS,
)
from data.models import (
    ClinicalReview,
    CRSAssessment,
    LabResult,
    MedicationAdministration,
    MonitoringException,
    NeuroAssessment,
    NeuroEvent,
    Observation,
    OrganFinding,
    Patient,
    RoutineIntervention,
)
from data.queries import current_records
from toxicity.cadence import EXCEPTION_REASONS
from toxicity.ctcae import CTCAE_VERSION
from toxicity.interventions import INTERVENTIONS
from toxicity.neuro_events import NEURO_EVENTS

DOSE_UCUM = {"mg": "mg", "g": "g", "microgram": "ug", "mL": "mL"}
ROUTE_NAMES = {"IV": "Intravenous", "PO": "Oral", "SC": "Subcutaneous", "IM": "Intramuscular"}
ROUTE_NAMES |= {"IT": "Intrathecal", "NG": "Nasogastric"}


def _at(value: datetime) -> str:
    return value.isoformat()


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code}]}]


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _loinc(code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": LOINC, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding], "text": display or code}


def _own(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": OWN_CODES, "code": code, "display": display}], "text": display}


def _record_id(kind: str, row_id: int, part: str | None = None) -> list[dict[str, Any]]:
    value = f"{kind}/{row_id}" + (f"/{part}" if part else "")
    return [{"system": RECORD_SYSTEM, "value": value}]


def _patient(patient: Patient, system: str) -> dict[str, Any]:
    extension = [
        {"url": f"{EXTENSION}/ward", "valueString": patient.ward},
        {"url": f"{EXTENSION}/bed", "valueString": patient.bed},
        {"url": f"{EXTENSION}/product", "valueString": patient.product},
        {"url": f"{EXTENSION}/admitted-at", "valueDateTime": _at(patient.admitted_at)},
        {"url": f"{EXTENSION}/weight-kg", "valueDecimal": patient.weight_kg},
    ]
    if patient.indication:
        extension.append({"url": f"{EXTENSION}/indication", "valueString": patient.indication})
    if patient.infused_at is not None:
        extension.append({"url": f"{EXTENSION}/infused-at", "valueDateTime": _at(patient.infused_at)})
    if patient.height_cm is not None:
        extension.append({"url": f"{EXTENSION}/height-cm", "valueDecimal": patient.height_cm})
    return {
        "resourceType": "Patient",
        "id": str(patient.id),
        "extension": extension,
        "identifier": [{"system": system, "value": patient.hospital_number}],
        "name": [{"text": patient.name}],
        "gender": patient.sex,
        "birthDate": patient.date_of_birth.isoformat(),
    }


def _observation(row: Any, subject: dict[str, str], code: dict[str, Any], part: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"obs-{row.id}-{part}".replace("_", "-"),
        "identifier": _record_id("observations", row.id, part),
        "status": "final",
        "category": _category("vital-signs"),
        "code": code,
        "subject": subject,
        "effectiveDateTime": _at(row.taken_at),
        **value,
    }


def _obs_set(row: Observation, subject: dict[str, str]) -> list[dict[str, Any]]:
    """One Observation per vital sign; blood pressure as the 85354-9 panel when both values are there."""
    out = []
    both = row.systolic_bp is not None and row.diastolic_bp is not None
    for name, code in VITAL_LOINC.items():
        value = getattr(row, name)
        if value is None or (both and name in ("systolic_bp", "diastolic_bp")):
            continue
        unit = VITALS[code].unit
        out.append(
            _observation(row, subject, _loinc(code, VITAL_DISPLAY[code]), name, valueQuantity=_quantity(value, unit))
        )
    if both:
        components = [
            {"code": _loinc(code, VITAL_DISPLAY[code]), "valueQuantity": _quantity(getattr(row, name), "mm[Hg]")}
            for name, code in (("systolic_bp", "8480-6"), ("diastolic_bp", "8462-4"))
        ]
        panel = _loinc(BLOOD_PRESSURE_PANEL, VITAL_DISPLAY[BLOOD_PRESSURE_PANEL])
        out.append(_observation(row, subject, panel, "blood_pressure", component=components))
    coded = [
        ("consciousness", "consciousness", row.consciousness),
        ("oxygen-device", "oxygen_device", row.oxygen_device),
    ]
    coded += [("vasopressor", f"vasopressor_{agent}", agent) for agent in row.vasopressors or []]
    for code, part, value in coded:
        if value is None:
            continue
        concept = {"coding": [{"system": OWN_VALUES, "code": value}], "text": value.replace("_", " ")}
        out.append(_observation(row, subject, _own(code, code.replace("-", " ")), part, valueCodeableConcept=concept))
    return out


def _lab(row: LabResult, subject: dict[str, str]) -> dict[str, Any]:
    analyte = ANALYTES.get(row.analyte)
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"lab-{row.id}",
        "identifier": _record_id("labs", row.id),
        "status": "final",
        "category": _category("laboratory"),
        "code": _loinc(row.loinc_code, analyte.name if analyte else row.analyte),
        "subject": subject,
        "effectiveDateTime": _at(row.collected_at),
        "valueQuantity": _quantity(row.value, row.unit),
    }
    if row.reported_at is not None:
        resource["issued"] = _at(row.reported_at)
    reference = {
        end: _quantity(value, row.unit)
        for end, value in (("low", row.reference_low), ("high", row.reference_high))
        if value is not None
    }
    if reference:
        resource["referenceRange"] = [reference]
    return resource


def _administration(row: MedicationAdministration, subject: dict[str, str]) -> dict[str, Any]:
    route: dict[str, Any] = {"text": ROUTE_NAMES.get(row.route, row.route)}
    if row.route in ROUTE_SNOMED:
        route["coding"] = [{"system": SNOMED, "code": ROUTE_SNOMED[row.route], "display": route["text"]}]
    return {
        "resourceType": "MedicationAdministration",
        "id": f"med-{row.id}",
        "identifier": _record_id("medications", row.id),
        "status": "completed",
        "medicationCodeableConcept": {
            "coding": [{"system": OWN_DRUGS, "code": row.drug, "display": row.drug}],
            "text": row.drug,
        },
        "subject": subject,
        "effectiveDateTime": _at(row.given_at),
        "dosage": {"route": route, "dose": _quantity(row.dose, DOSE_UCUM.get(row.unit, row.unit))},
    }


def _grade(row: CRSAssessment | NeuroAssessment, subject: dict[str, str], code: str) -> dict[str, Any]:
    notes = [{"text": reason} for reason in row.reasons]
    notes.append({"text": f"rule set: {row.rule_set}"})
    if row.override_grade is not None:
        notes.append(
            {
                "text": f"grade {row.override_grade} set by a clinician over the computed {row.computed_grade}: "
                f"{row.override_reason}"
            }
        )
    kind = "crs-assessments" if code == "crs-grade" else "neuro-assessments"
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{code}-{row.id}",
        "identifier": _record_id(kind, row.id),
        "status": "final",
        "category": _category("survey"),
        "code": _own(code, GRADE_CODES[code]),
        "subject": subject,
        "effectiveDateTime": _at(row.assessed_at),
        "valueInteger": row.grade,
        "note": notes,
    }
    if isinstance(row, NeuroAssessment) and row.ice_score is not None:
        resource["component"] = [{"code": _own("ice-score", "ICE score"), "valueInteger": row.ice_score}]
    return resource


def _coded(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _by(row: Any) -> dict[str, str]:
    """Who recorded a row: cartwatch knows a user name, not a Practitioner resource."""
    return {"display": row.recorded_by}


def _notes(*texts: str | None) -> list[dict[str, str]]:
    return [{"text": text} for text in texts if text]


def _organ_finding(row: OrganFinding, subject: dict[str, str]) -> dict[str, Any]:
    """A finding for the HLH/MAS screen as a Condition: in force until amended (active, confirmed), found at
    `occurred_at`, its CTCAE grade (pulmonary oedema, oliguria) as the severity."""
    display = FINDING_DISPLAY.get(row.finding, row.finding.replace("_", " "))
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": f"finding-{row.id}",
        "identifier": _record_id("organ-findings", row.id),
        "clinicalStatus": _coded(CONDITION_CLINICAL, "active", "Active"),
        "verificationStatus": _coded(CONDITION_VERIFICATION, "confirmed", "Confirmed"),
        "code": _coded(OWN_FINDINGS, row.finding, display),
        "subject": subject,
        "onsetDateTime": _at(row.occurred_at),
        "recordedDate": _at(row.recorded_at),
        "recorder": _by(row),
    }
    if row.ctcae_grade is not None:
        code, meaning = CTCAE_GRADES[row.ctcae_grade]
        resource["severity"] = {
            "coding": [{"system": NCI_THESAURUS, "code": code, "display": meaning}],
            "text": f"{CTCAE_VERSION} grade {row.ctcae_grade}",
        }
    notes = _notes(row.note)
    if notes:
        resource["note"] = notes
    return resource


def _intervention(row: RoutineIntervention, subject: dict[str, str]) -> dict[str, Any]:
    """A routine intervention of the guideline done, as a completed Procedure with the guideline's words."""
    words = INTERVENTIONS.get(row.item, row.item.replace("_", " "))
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": f"intervention-{row.id}",
        "identifier": _record_id("routine-interventions", row.id),
        "status": "completed",
        "code": _coded(OWN_INTERVENTIONS, row.item, words),
        "subject": subject,
        "performedDateTime": _at(row.done_at),
        "recorder": _by(row),
    }
    notes = _notes(row.note)
    if notes:
        resource["note"] = notes
    return resource


def _review(row: ClinicalReview, subject: dict[str, str]) -> dict[str, Any]:
    """The daily clinical assessment and examination as a completed ClinicalImpression: who, when, what was found."""
    code, display = REVIEW_CODE
    return {
        "resourceType": "ClinicalImpression",
        "id": f"review-{row.id}",
        "identifier": _record_id("clinical-reviews", row.id),
        "status": "completed",
        "code": _own(code, display),
        "subject": subject,
        "effectiveDateTime": _at(row.reviewed_at),
        "date": _at(row.recorded_at),
        "assessor": _by(row),
        "summary": row.note,
    }


def _neuro_event(row: NeuroEvent, subject: dict[str, str]) -> dict[str, Any]:
    """A neurological event seen between assessments as an exam Observation: what was seen (the kind and the
    words of the guideline's ICANS domain), when, who recorded it, and the ICANS grade its domain alone gives."""
    rule = NEURO_EVENTS.get(row.event)
    display = f"{NEURO_EVENT_KINDS[rule.kind]}: {rule.words}" if rule else row.event.replace("_", " ")
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"neuro-event-{row.id}",
        "identifier": _record_id("neuro-events", row.id),
        "status": "final",
        "category": _category("exam"),
        "code": _coded(OWN_NEURO_EVENTS, row.event, display),
        "subject": subject,
        "effectiveDateTime": _at(row.occurred_at),
        "issued": _at(row.recorded_at),
        "performer": [_by(row)],
        "valueBoolean": True,  # the event was seen: a receiver reading values finds a present finding
    }
    if rule is not None:
        code, words = ICANS_DOMAIN_GRADE
        resource["component"] = [{"code": _own(code, words), "valueInteger": rule.grade}]
    notes = _notes(row.note)
    if notes:
        resource["note"] = notes
    return resource


def _monitoring_exception(row: MonitoringException, subject: dict[str, str], now: datetime) -> dict[str, Any]:
    """A documented exception to the schedule as a Flag for its period: active until it ends (so a receiver
    showing current flags shows it while the items are not due), inactive after; the reason coded, the items
    as extensions, the nurse's or doctor's note in the text."""
    reason = EXCEPTION_REASONS.get(row.reason, row.reason.replace("_", " "))
    items = [MONITORING_ITEM_DISPLAY.get(item, item) for item in row.items]
    return {
        "resourceType": "Flag",
        "id": f"exception-{row.id}",
        "identifier": _record_id("monitoring-exceptions", row.id),
        "extension": [
            {
                "url": f"{EXTENSION}/monitoring-item",
                "valueCoding": {"system": OWN_MONITORING_ITEMS, "code": item, "display": words},
            }
            for item, words in zip(row.items, items, strict=True)
        ],
        "status": "active" if now < row.ends_at else "inactive",
        "category": [_coded(FLAG_CATEGORY, "clinical", "Clinical")],
        "code": {
            "coding": [{"system": OWN_EXCEPTION_REASONS, "code": row.reason, "display": reason}],
            "text": f"Monitoring exception ({reason}): {', '.join(items)} not due. {row.note}",
        },
        "subject": subject,
        "period": {"start": _at(row.starts_at), "end": _at(row.ends_at)},
        "author": _by(row),
    }


def _full_url(patient: Patient, resource: dict[str, Any]) -> str:
    """A stable urn:uuid per resource (the same export twice names each resource the same way)."""
    name = f"cartwatch:{patient.hospital_number}:{resource['resourceType']}/{resource['id']}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def patient_bundle(
    session: Session, patient: Patient, hospital_number_system: str | None, now: datetime
) -> dict[str, Any]:
    """The patient's Bundle (type collection) as it stands at `now`, validated against the R4B models."""
    from fhir.resources.R4B.bundle import Bundle

    subject = {"reference": f"Patient/{patient.id}"}
    resources: list[dict[str, Any]] = [_patient(patient, hospital_number_system or DEFAULT_HOSPITAL_NUMBER_SYSTEM)]
    for obs in session.scalars(current_records(Observation, patient.id)):
        resources += _obs_set(obs, subject)
    resources += [_lab(row, subject) for row in session.scalars(current_records(LabResult, patient.id))]
    medications = session.scalars(current_records(MedicationAdministration, patient.id))
    resources += [_administration(row, subject) for row in medications]
    resources += [
        _grade(row, subject, "crs-grade") for row in session.scalars(current_records(CRSAssessment, patient.id))
    ]
    neuro = session.scalars(current_records(NeuroAssessment, patient.id))
    resources += [_grade(row, subject, "icans-grade") for row in neuro]
    resources += [_organ_finding(row, subject) for row in session.scalars(current_records(OrganFinding, patient.id))]
    interventions = session.scalars(current_records(RoutineIntervention, patient.id))
    resources += [_intervention(row, subject) for row in interventions]
    resources += [_review(row, subject) for row in session.scalars(current_records(ClinicalReview, patient.id))]
    resources += [_neuro_event(row, subject) for row in session.scalars(current_records(NeuroEvent, patient.id))]
    exceptions = session.scalars(current_records(MonitoringException, patient.id))
    resources += [_monitoring_exception(row, subject, now) for row in exceptions]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": _full_url(patient, r), "resource": r} for r in resources],
    }
    Bundle.model_validate(bundle)  # raises if cartwatch ever wrote something R4 does not allow
    return bundle
