"""The OpenAPI 3.1 document for REST API v1, built from the same request models that validate."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from data.schemas import AmendIn, CRSIn, LabIn, MedicationIn, NeuroIn, ObservationIn, PatientIn, PatientPatch

_ERROR = {
    "description": "validation failed: every bad field with its value and the allowed range",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationError"}}},
}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "the same key again returns the first response and stores nothing twice",
}
_RECORD_KINDS: dict[str, type[BaseModel]] = {
    "observations": ObservationIn,
    "crs-assessments": CRSIn,
    "neuro-assessments": NeuroIn,
    "labs": LabIn,
    "medications": MedicationIn,
}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def _id_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def openapi_document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    models: list[type[BaseModel]] = [PatientIn, PatientPatch, AmendIn, *_RECORD_KINDS.values()]
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    schemas["ValidationError"] = {
        "type": "object",
        "properties": {
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {"type": "string"},
                        "value": {},
                        "allowed": {"type": "string"},
                        "message": {"type": "string"},
                    },
                },
            },
        },
    }
    paths: dict[str, Any] = {
        "/api/v1/patients": {
            "post": {
                "summary": "Register a patient",
                "parameters": [_IDEMPOTENCY],
                "requestBody": _body("PatientIn"),
                "responses": {"201": {"description": "created: {id}"}, "422": _ERROR},
            },
            "get": {
                "summary": "List patients",
                "parameters": [{"name": "active", "in": "query", "schema": {"type": "boolean"}}],
                "responses": {"200": {"description": "patients"}},
            },
        },
        "/api/v1/patients/{patient_id}": {
            "parameters": [_id_param("patient_id")],
            "get": {
                "summary": "One patient",
                "responses": {"200": {"description": "the patient"}, "404": {"description": "not found"}},
            },
            "patch": {
                "summary": "Change bed, weight, infusion or discharge time",
                "parameters": [_IDEMPOTENCY],
                "requestBody": _body("PatientPatch"),
                "responses": {"200": {"description": "the patient"}, "422": _ERROR},
            },
        },
        "/api/v1/patients/{patient_id}/timeline": {
            "parameters": [_id_param("patient_id")],
            "get": {"summary": "Every series since admission", "responses": {"200": {"description": "series"}}},
        },
        "/api/v1/records/{kind}/{record_id}/amend": {
            "parameters": [
                {"name": "kind", "in": "path", "required": True, "schema": {"enum": list(_RECORD_KINDS)}},
                _id_param("record_id"),
            ],
            "post": {
                "summary": "Amend a record or mark it entered in error (a new row; the original stays)",
                "parameters": [_IDEMPOTENCY],
                "requestBody": _body("AmendIn"),
                "responses": {"201": {"description": "the new row"}, "422": _ERROR},
            },
        },
    }
    for kind, model in _RECORD_KINDS.items():
        paths[f"/api/v1/patients/{{patient_id}}/{kind}"] = {
            "parameters": [_id_param("patient_id")],
            "post": {
                "summary": f"Record {kind.replace('-', ' ')}",
                "parameters": [_IDEMPOTENCY],
                "requestBody": _body(model.__name__),
                "responses": {
                    "201": {"description": "the stored record (assessments with grade and reasons)"},
                    "422": _ERROR,
                },
            },
        }
    paths["/api/v1/audit-events"] = {
        "get": {
            "summary": "The audit trail, newest first (admin scope and role)",
            "parameters": [
                {"name": name, "in": "query", "required": False, "schema": {"type": kind}}
                for name, kind in (
                    ("actor", "string"),
                    ("action", "string"),
                    ("record_type", "string"),
                    ("patient_id", "integer"),
                    ("outcome", "string"),
                    ("since", "string"),
                    ("until", "string"),
                    ("limit", "integer"),
                )
            ],
            "responses": {"200": {"description": "events"}, "403": {"description": "not an admin"}},
        }
    }
    paths["/healthz"] = {
        "get": {
            "summary": "Database and scheduler heartbeat",
            "responses": {
                "200": {"description": "the database answers and the scheduler's heartbeat is fresh"},
                "503": {"description": "the database is down, or the scheduler is stale or has never run"},
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "cartwatch API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
