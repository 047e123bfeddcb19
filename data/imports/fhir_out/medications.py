"""Medication administrations as completed MedicationAdministrations: the drug, the route (SNOMED where it has
a code) and the dose in UCUM."""

from __future__ import annotations

from typing import Any

from data.imports.codes import OWN_DRUGS, ROUTE_SNOMED, SNOMED
from data.imports.fhir_out.datatypes import _at, _quantity, _record_id
from data.models import MedicationAdministration

DOSE_UCUM = {"mg": "mg", "g": "g", "microgram": "ug", "mL": "mL"}
ROUTE_NAMES = {"IV": "Intravenous", "PO": "Oral", "SC": "Subcutaneous", "IM": "Intramuscular"}
ROUTE_NAMES |= {"IT": "Intrathecal", "NG": "Nasogastric"}


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
