"""FHIR R4 in and out: `POST /api/v1/fhir` imports a Bundle, `GET /api/v1/patients/<id>/fhir` exports one.

An imported record goes through the same write path as a typed one, with the escalation rules in the same
transaction (`alerts.hooks.escalating_writer`): a fever imported from a monitor pages like a typed one.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, request

from alerts.hooks import escalating_writer
from dashboard.api import current_actor, utcnow
from dashboard.auth import permitted
from dashboard.context import app_context, read_session, session_scope
from dashboard.fhir_openapi import FHIR_JSON
from data import records
from data.imports.codes import load_local_codes
from data.imports.core import ImportOptions, Issue
from data.imports.fhir_bundle import BundleAnswer, import_bundle, operation_outcome
from data.imports.fhir_in import FhirOptions
from data.imports.fhir_out import patient_bundle

fhir_api = Blueprint("fhir_api", __name__, url_prefix="/api/v1")


class _NothingStored(Exception):
    """Rolls the transaction back (a transaction bundle with an error stores nothing) and carries the answer."""

    def __init__(self, answer: BundleAnswer) -> None:
        super().__init__("bundle not stored")
        self.answer = answer


def _fhir(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status, mimetype=FHIR_JSON)


@fhir_api.errorhandler(records.NotFound)
def _not_found(exc: records.NotFound) -> Response:
    return _fhir(operation_outcome([Issue("error", "not-found", "Patient", str(exc))]), 404)


@fhir_api.post("/fhir")
def import_fhir() -> Response:
    doc = request.get_json(force=True, silent=True)
    if doc is None:
        return _fhir(operation_outcome([Issue("error", "structure", "Bundle", "the body is not JSON")]), 422)
    settings = app_context().settings
    options = ImportOptions(
        source="fhir",
        actor=replace(current_actor(), source="import"),
        now=utcnow(),
        may_register=permitted("manage_beds"),
    )
    fhir = FhirOptions(settings.hospital_number_system, load_local_codes(settings.local_codes_path))
    try:
        with session_scope() as session:
            answer = import_bundle(session, doc, escalating_writer(settings), options, fhir)
            if not answer.commit:
                raise _NothingStored(answer)
    except _NothingStored as rolled_back:
        answer = rolled_back.answer
    return _fhir(answer.body, answer.status)


@fhir_api.get("/patients/<int:patient_id>/fhir")
def export_fhir(patient_id: int) -> Response:
    settings = app_context().settings
    with read_session() as session:
        patient = records.check_ward(current_actor(), records.get_patient(session, patient_id))
        return _fhir(patient_bundle(session, patient, settings.hospital_number_system, utcnow()), 200)
