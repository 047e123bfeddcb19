"""The OpenAPI description of the FHIR endpoints (`dashboard.fhir_api`), kept apart so the document can be
built without importing the blueprint."""

from __future__ import annotations

from typing import Any

FHIR_JSON = "application/fhir+json"

FHIR_PATHS: dict[str, Any] = {
    "/api/v1/fhir": {
        "post": {
            "summary": "Import a FHIR R4 Bundle (transaction, batch or collection) of Patient, Observation and "
            "MedicationAdministration resources; answers a batch- or transaction-response Bundle with an "
            "OperationOutcome for every resource not stored as sent",
            "requestBody": {
                "required": True,
                "content": {
                    FHIR_JSON: {
                        "schema": {
                            "type": "object",
                            "required": ["resourceType", "type"],
                            "properties": {
                                "resourceType": {"const": "Bundle"},
                                "type": {"enum": ["transaction", "batch", "collection"]},
                                "entry": {"type": "array", "items": {"type": "object"}},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {"description": "the response Bundle, one entry per entry sent"},
                "422": {
                    "description": "not a Bundle, or a transaction with an error: OperationOutcome, nothing stored"
                },
            },
        }
    },
    "/api/v1/patients/{patient_id}/fhir": {
        "parameters": [
            {
                "name": "patient_id",
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
            }
        ],
        "get": {
            "summary": "The patient as a FHIR R4 Bundle: obs, labs with reference ranges, medication "
            "administrations, the CRS and ICANS grades with their reasons, organ findings (Condition, CTCAE grade "
            "as severity), routine interventions (Procedure), daily clinical reviews (ClinicalImpression), "
            "neurological events (Observation) and monitoring exceptions (Flag)",
            "responses": {"200": {"description": "a Bundle of type collection"}, "404": {"description": "not found"}},
        },
    },
}
