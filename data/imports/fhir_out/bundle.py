"""The patient's Bundle: the Patient resource, every record in force as its resource, each entry under a stable
urn:uuid, the whole checked against the R4B models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from data.imports.codes import DEFAULT_HOSPITAL_NUMBER_SYSTEM, EXTENSION
from data.imports.fhir_out.clinical import _intervention, _monitoring_exception, _organ_finding, _review
from data.imports.fhir_out.datatypes import _at
from data.imports.fhir_out.medications import _administration
from data.imports.fhir_out.observations import _grade, _lab, _neuro_event, _obs_set
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
