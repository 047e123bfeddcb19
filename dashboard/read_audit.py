"""Every opening of a patient leaves an event in the audit trail: a read when it is shown (the patient page, and any
API answer about one patient: its record, timeline, status, FHIR export, its alerts), an `access` refusal with the
patient id when the patient is on another ward. That refusal has one hook, `audit_refused_access`, whichever layer
refuses: the page address (`dashboard.page_access`), a callback or the API (`data.records.Forbidden`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify, request
from flask_login import current_user

from dashboard.api_guard import MAX_ID, is_api
from dashboard.auth import actor, audit_refusal
from dashboard.context import session_scope
from data.audit import audit
from data.records import Forbidden


def audit_read(patient_id: int, view: str) -> None:
    """A read of `patient_id` by the signed-in person, in a transaction of its own."""
    with session_scope() as db:
        audit(
            db,
            actor(),
            "read",
            datetime.now(UTC),
            record_type="patient",
            record_id=patient_id,
            patient_id=patient_id,
            details={"view": view, "path": request.path[:200]},
        )


def audit_refused_access(patient_id: int | None, why: str) -> None:
    """A patient of another ward refused to the signed-in person, with the patient id it tried."""
    audit_refusal("access", "forbidden", actor(), why=why, patient_id=patient_id)


def _forbidden(exc: Forbidden) -> Any:
    audit_refused_access(exc.patient_id, str(exc))
    return jsonify({"detail": f"forbidden: {exc}"}), 403


def _patient_read(response: Response) -> Response:
    if request.method != "GET" or response.status_code != 200 or not is_api(request.path):
        return response
    if not getattr(current_user, "is_authenticated", False):
        return response
    patient_id = (request.view_args or {}).get("patient_id")
    query = request.args.get("patient_id", "")
    if patient_id is None and query.isascii() and query.isdigit() and int(query) <= MAX_ID:
        patient_id = int(query)
    if isinstance(patient_id, int):
        audit_read(patient_id, "api")
    return response


def init_read_audit(server: Flask) -> None:
    server.after_request(_patient_read)
    server.register_error_handler(Forbidden, _forbidden)
