"""The OpenAPI 3.1 document for REST API v1, built from the same request models that validate."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from alerts.lifecycle import REASON_MAX
from dashboard.api_guard import MAX_ID
from dashboard.fhir_openapi import FHIR_PATHS
from data.schemas import (
    AmendIn,
    ClinicalReviewIn,
    CRSIn,
    LabIn,
    MedicationIn,
    MonitoringExceptionIn,
    NeuroEventIn,
    NeuroIn,
    ObservationIn,
    OrganFindingIn,
    PatientIn,
    PatientPatch,
    RoutineInterventionIn,
)
from data.validation import TextJsonSchema

_ERROR_TEXT = "validation failed: every bad field with its value and the allowed range"
_ERROR = {
    "description": _ERROR_TEXT,
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
    "neuro-events": NeuroEventIn,
    "monitoring-exceptions": MonitoringExceptionIn,
    "organ-findings": OrganFindingIn,
    "routine-interventions": RoutineInterventionIn,
    "clinical-reviews": ClinicalReviewIn,
}
_ALERT_REASON = {"type": "string", "minLength": 1, "maxLength": REASON_MAX, "pattern": r"\S"}
_REFUSED = {"description": "refused in the alert's present state; `detail` says why and what to do instead"}
_ALERT = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Alert"}}}}
_GRADE = {
    "type": ["object", "null"],
    "properties": {
        "grade": {"type": ["integer", "null"], "description": "the formal grade (null: never assessed)"},
        "provisional_grade": {
            "type": ["integer", "null"],
            "description": "a worse grade from obs or a neurological event since the formal one",
        },
        "effective_grade": {"type": ["integer", "null"]},
        "not_graded": {"type": "boolean"},
        "source": {
            "type": ["object", "null"],
            "properties": {
                "type": {"type": "string"},
                "id": {"type": "integer"},
                "at": {"type": "string", "format": "date-time"},
                "formal": {"type": "boolean"},
            },
        },
        "formal_assessment_due_now_since": {"type": ["string", "null"], "format": "date-time"},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "rule_set": {"type": ["string", "null"]},
    },
}

_STORED_RECORD = {
    "type": "object",
    "description": "the stored row: the record's own fields (its clinical time among them) and these",
    "required": ["id", "patient_id", "recorded_at", "recorded_by", "source", "late_entry", "entered_in_error"],
    "properties": {
        "id": {"type": "integer"},
        "patient_id": {"type": "integer"},
        "recorded_at": {"type": "string", "format": "date-time", "description": "the moment it was saved"},
        "recorded_by": {"type": "string"},
        "source": {"type": "string"},
        "late_entry": {
            "type": "boolean",
            "description": "entered late: its clinical time (taken_at, assessed_at, collected_at, given_at, ...) is "
            "more than 1 h before recorded_at, the rule forms and the back-entry file use; a correction of a late "
            "entry stays one",
        },
        "entered_in_error": {"type": "boolean"},
        "amends_id": {"type": ["integer", "null"], "description": "the row this one corrects"},
        "amendment_reason": {"type": ["string", "null"]},
    },
}
_STORED = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/StoredRecord"}}}}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def _id_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": ID_SCHEMA}


_DETAIL = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}}}
# Answers any operation may give, from the layers in front of every view (dashboard.auth, dashboard.api_guard).
_COMMON = {
    "401": {"description": "no valid session or API token", **_DETAIL},
    "403": {"description": "the role or the token's scopes may not do this, or another ward's patient", **_DETAIL},
}
_WITH_ID = {"404": {"description": "no such patient, record or alert", **_DETAIL}}
_WITH_BODY = {
    "413": {"description": "the body is larger than the limit", **_DETAIL},
    "415": {"description": "the body is not JSON", **_DETAIL},
    "422": _ERROR,
}


def _amendment_names(model: type[BaseModel]) -> tuple[str, str]:
    stem = model.__name__.removesuffix("In")
    return f"{stem}AmendIn", f"{stem}Changes"


def _amendment_schemas(model: type[BaseModel], created: dict[str, Any]) -> dict[str, Any]:
    """An amendment of one kind of record: `AmendIn` (a reason, and changes or entered in error) with its changes
    being the kind's own fields, each with the type, range and values of the schema that records it (`created`,
    the same object: one source). Rules across fields (a vital sign present, oxygen flow and device, analyte with
    unit and value, ...) apply to the record as amended, the stored fields with the changes, so they are not
    restated for the changes alone."""
    amend_name, changes_name = _amendment_names(model)
    changes = {
        "type": "object",
        "description": f"the fields that change, each as in {model.__name__}; the record as amended (its stored "
        f"fields with these) is validated as {model.__name__} (an assessment is graded again)",
        "properties": created["properties"],
        "additionalProperties": False,
    }
    amend = AmendIn.model_json_schema(ref_template="#/components/schemas/{model}", schema_generator=TextJsonSchema)
    amend["title"] = amend_name
    amend["properties"] = {**amend["properties"], "changes": {"$ref": f"#/components/schemas/{changes_name}"}}
    return {amend_name: amend, changes_name: changes}


def _amendment_path(kind: str, model: type[BaseModel]) -> dict[str, Any]:
    """One path per record kind (the server routes `/records/<kind>/...`), so each takes its kind's changes."""
    refused = (
        _ERROR_TEXT + "; or the record as amended breaks a rule of its kind (the field named), or record_id was "
        "already corrected or marked entered in error (amend the current version). Nothing is stored."
    )
    return {
        "parameters": [_id_param("record_id")],
        "post": {
            "summary": f"Amend a record of {kind.replace('-', ' ')} or mark it entered in error (a new row; the "
            "original stays)",
            "parameters": [_IDEMPOTENCY],
            "requestBody": _body(_amendment_names(model)[0]),
            "responses": {
                "201": {"description": "the new row", **_STORED},
                "404": {"description": f"no {kind} record with this record_id", **_DETAIL},
                "422": {**_ERROR, "description": refused},
            },
        },
    }


def _with_common_answers(paths: dict[str, Any]) -> None:
    """Every operation documents the answers the server gives to any request (401, 403), to one naming an id
    (404) and to one with a body (413, 415, 422), so a client can rely on the document."""
    for path, item in paths.items():
        if not path.startswith("/api/"):
            continue
        has_id = any(p.get("in") == "path" for p in item.get("parameters", []))
        for method, operation in item.items():
            if method == "parameters":
                continue
            extra = {**_COMMON, **(_WITH_ID if has_id else {}), **(_WITH_BODY if "requestBody" in operation else {})}
            if operation.get("parameters") or method == "get":
                extra.setdefault("422", _ERROR)  # a query or header that is not what it should be
            for status, answer in extra.items():
                operation["responses"].setdefault(status, answer)


def openapi_document(snooze_max_minutes: int = 60) -> dict[str, Any]:
    """The document; `snooze_max_minutes` is the ward's setting (CARTWATCH_SNOOZE_MAX_MINUTES)."""
    schemas: dict[str, Any] = {}
    models: list[type[BaseModel]] = [PatientIn, PatientPatch, *_RECORD_KINDS.values()]
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}", schema_generator=TextJsonSchema)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    for model in _RECORD_KINDS.values():
        schemas.update(_amendment_schemas(model, schemas[model.__name__]))
    schemas["Alert"] = {
        "type": "object",
        "properties": {
            **{name: {"type": ["integer", "null"]} for name in ("id", "patient_id", "grade", "chain_step")},
            **{
                name: {"type": ["string", "null"]}
                for name in (
                    "reference",
                    "ward",
                    "bed",
                    "kind",
                    "severity",
                    "status",
                    "message",
                    "acknowledged_by",
                    "snooze_reason",
                    "resolved_by",
                    "reason",
                )
            },
            **{
                name: {"type": ["string", "null"], "format": "date-time"}
                for name in ("raised_at", "acknowledged_at", "snoozed_until", "resolved_at")
            },
        },
    }
    schemas["PatientStatus"] = {
        "type": "object",
        "properties": {
            "patient_id": {"type": "integer"},
            "ward": {"type": "string"},
            "bed": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "monitored": {"type": "boolean", "description": "false once discharged (then no grades are given)"},
            "trial": {"type": ["string", "null"], "description": "a clinical trial whose protocol grading applies"},
            "crs": _GRADE,
            "icans": _GRADE,
            "hlh": {
                "type": ["object", "null"],
                "properties": {
                    "result": {"enum": ["positive", "negative", "not_assessable"]},
                    "criteria_met": {"type": ["integer", "null"]},
                    "peak_ferritin_ng_ml": {"type": ["number", "null"]},
                    "reasons": {"type": "array", "items": {"type": "string"}},
                    "rule_set": {"type": "string"},
                },
            },
            "neutropenia": {
                "type": ["object", "null"],
                "properties": {
                    "neutrophils": {"type": ["number", "null"], "description": "latest count, 10^9/L"},
                    "collected_at": {"type": ["string", "null"], "format": "date-time"},
                    "neutropenic": {"type": ["boolean", "null"], "description": "null: no count recorded"},
                    "neutropenic_fever": {"type": ["object", "null"]},
                    "reasons": {"type": "array", "items": {"type": "string"}},
                },
            },
            "interventions": {
                "type": "array",
                "description": "the guideline's routine interventions, each open or done with who, when and how",
                "items": {"type": "object"},
            },
            "steroids": {
                "type": ["object", "null"],
                "description": "the steroid course: doses, cumulative by drug, next due by the guideline, taper step",
            },
            "tocilizumab": {
                "type": ["object", "null"],
                "description": "indication now (indicated, consider, not indicated); the dose only with one",
            },
            "due": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "item": {"type": "string"},
                        "label": {"type": "string"},
                        "due_at": {"type": "string", "format": "date-time"},
                        "overdue": {"type": "boolean"},
                        "minutes_late": {"type": "integer"},
                        "note": {"type": "string"},
                    },
                },
            },
            "open_alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}},
            "guidance": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "topic": {"type": "string"},
                        "grade": {"type": ["integer", "null"]},
                        "source": {"type": "string"},
                        "condition": {"type": "string"},
                        "items": {"type": "array", "items": {"type": "string"}},
                        "dosing": {"type": "array", "items": {"type": "string"}},
                        "note": {"type": "string"},
                    },
                },
            },
            "fever_masking": {
                "type": ["object", "null"],
                "properties": {"applies": {"type": "boolean"}, "reason": {"type": "string"}},
            },
        },
    }
    schemas["StoredRecord"] = _STORED_RECORD
    schemas["Detail"] = {"type": "object", "properties": {"detail": {"type": "string"}}}
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
                "responses": {
                    "200": {"description": "the patient"},
                    "409": {
                        "description": "the infusion time while a routine intervention is open: `detail` names them; "
                        "a doctor may send confirm_open_interventions with a reason",
                        **_DETAIL,
                    },
                    "422": _ERROR,
                },
            },
        },
        "/api/v1/patients/{patient_id}/timeline": {
            "parameters": [_id_param("patient_id")],
            "get": {"summary": "Every series since admission", "responses": {"200": {"description": "series"}}},
        },
    }
    for kind, model in _RECORD_KINDS.items():
        paths[f"/api/v1/records/{kind}/{{record_id}}/amend"] = _amendment_path(kind, model)
    for kind, model in _RECORD_KINDS.items():
        paths[f"/api/v1/patients/{{patient_id}}/{kind}"] = {
            "parameters": [_id_param("patient_id")],
            "post": {
                "summary": f"Record {kind.replace('-', ' ')}",
                "parameters": [_IDEMPOTENCY],
                "requestBody": _body(model.__name__),
                "responses": {
                    "201": {
                        "description": "the stored record (assessments with grade and reasons), with late_entry",
                        **_STORED,
                    },
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
    paths["/api/v1/patients/{patient_id}/status"] = {
        "parameters": [_id_param("patient_id")],
        "get": {
            "summary": "The patient's status now: CRS and ICANS grades (formal and provisional) with their source and "
            "reasons, the HLH/MAS screen, what is due, open alerts and the guideline sections that apply",
            "responses": {
                "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/PatientStatus"}}}},
                "403": {"description": "a patient on another ward"},
                "404": {"description": "not found"},
            },
        },
    }
    paths["/api/v1/alerts"] = {
        "get": {
            "summary": "Alerts, most severe first then newest (unresolved ones unless a state is given)",
            "parameters": [
                {"name": "state", "in": "query", "schema": {"enum": ["open", "acknowledged", "resolved"]}},
                {"name": "patient_id", "in": "query", "schema": ID_SCHEMA},
            ],
            "responses": {
                "200": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}}
                                },
                            }
                        }
                    }
                },
                "404": {"description": "no patient with this patient_id", **_DETAIL},
                "422": _ERROR,
            },
        }
    }
    action_bodies: dict[str, dict[str, Any] | None] = {
        "acknowledge": None,
        "snooze": {
            "type": "object",
            "required": ["minutes", "reason"],
            "properties": {
                "minutes": {"type": "integer", "minimum": 1, "maximum": snooze_max_minutes},
                "reason": _ALERT_REASON,
            },
        },
        "resolve": {"type": "object", "required": ["reason"], "properties": {"reason": _ALERT_REASON}},
    }
    summaries = {
        "acknowledge": "Acknowledge: nobody further is paged (a critical alert is re-paged until resolved); "
        "acknowledging twice records one acknowledgement",
        "snooze": "Hold the chain for a number of minutes, with a reason",
        "resolve": "Close the alert with a reason; an overdue alert is refused (409) while its assessment is missing",
    }
    for action, body in action_bodies.items():
        operation: dict[str, Any] = {
            "summary": summaries[action],
            "parameters": [_IDEMPOTENCY],
            "responses": {
                "200": {"description": "the alert", **_ALERT},
                "403": {"description": "the role may not do this, or the alert is on another ward"},
                "404": {"description": "no such alert"},
                "409": _REFUSED,
                "422": {**_ERROR, "description": _ERROR_TEXT + "; or the alert is already resolved"},
            },
        }
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        paths[f"/api/v1/alerts/{{alert_id}}/{action}"] = {"parameters": [_id_param("alert_id")], "post": operation}
    paths.update(FHIR_PATHS)
    _with_common_answers(paths)
    paths["/api/v1/me"] = {
        "get": {
            "summary": "Who the request is from: user name and role",
            "responses": {"200": {"description": "the signed-in user or the token's user"}},
        }
    }
    paths["/healthz"] = {
        "get": {
            "summary": "Database and scheduler heartbeat (no log-in: for an external monitor)",
            "security": [],
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
