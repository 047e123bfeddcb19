"""What was measured and graded, as Observations: vital signs (blood pressure as its panel), labs with their
reference ranges, the CRS and ICANS grades with their reasons as notes, and neurological events seen between
assessments as exam Observations."""

from __future__ import annotations

from typing import Any

from data.catalogue import ANALYTES
from data.imports.codes import (
    BLOOD_PRESSURE_PANEL,
    GRADE_CODES,
    ICANS_DOMAIN_GRADE,
    NEURO_EVENT_KINDS,
    OWN_NEURO_EVENTS,
    OWN_VALUES,
    VITAL_DISPLAY,
    VITAL_LOINC,
    VITALS,
)
from data.imports.fhir_out.datatypes import _at, _by, _category, _coded, _loinc, _notes, _own, _quantity, _record_id
from data.models import CRSAssessment, LabResult, NeuroAssessment, NeuroEvent, Observation
from toxicity.neuro_events import NEURO_EVENTS


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
