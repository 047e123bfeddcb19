"""Every opening of a patient leaves a read event in the audit trail: the patient page, and any API answer about
one patient (its record, timeline, status, FHIR export, its alerts)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, Response, request
from flask_login import current_user

from dashboard.api_guard import MAX_ID, is_api
from dashboard.auth import actor
from dashboard.context import session_scope
from data.audit import audit


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
