"""The ward's clinical records beyond measurements: organ findings as Conditions with their CTCAE grade as
severity, routine interventions as Procedures, daily reviews as ClinicalImpressions and monitoring exceptions as
Flags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from data.imports.codes import (
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    CTCAE_GRADES,
    EXTENSION,
    FINDING_DISPLAY,
    FLAG_CATEGORY,
    MONITORING_ITEM_DISPLAY,
    NCI_THESAURUS,
    OWN_EXCEPTION_REASONS,
    OWN_FINDINGS,
    OWN_INTERVENTIONS,
    OWN_MONITORING_ITEMS,
    REVIEW_CODE,
)
from data.imports.fhir_out.datatypes import _at, _by, _coded, _notes, _own, _record_id
from data.models import ClinicalReview, MonitoringException, OrganFinding, RoutineIntervention
from toxicity.cadence import EXCEPTION_REASONS
from toxicity.ctcae import CTCAE_VERSION
from toxicity.interventions import INTERVENTIONS


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
