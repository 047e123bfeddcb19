"""REST API v1: a Flask blueprint on the Dash server (JSON in, JSON out)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest

from alerts import lifecycle
from alerts.config import status_rules
from alerts.queries import ALERT_STATES, list_alerts
from dashboard.api_guard import MAX_ID
from dashboard.auth import audit_refusal
from dashboard.context import app_context, read_session, session_scope
from dashboard.openapi import openapi_document
from dashboard.services import amend_clinical, record_clinical, status_of_patient
from dashboard.views.status_json import alert_json, status_json
from data import queries, records
from data.audit import Actor, AuditFilter, list_audit_events
from data.models import CLINICAL_MODELS, Alert, IdempotentRequest, Patient, SchedulerHeartbeat
from data.validation import FieldError, InvalidInput

api = Blueprint("api", __name__, url_prefix="/api/v1")
health = Blueprint("health", __name__)

Handler = Callable[[Session, Actor, datetime], tuple[Any, int]]


def utcnow() -> datetime:
    return datetime.now(UTC)


def current_actor() -> Actor:
    actor: Actor | None = getattr(g, "actor", None)
    return actor or Actor("api-client", role=None, source="api", address=request.remote_addr)


def _json_body() -> Any:
    try:
        return request.get_json(force=True, silent=False)
    except BadRequest:
        raise InvalidInput([FieldError("body", None, "a JSON object", "the request body is not valid JSON")]) from None


def _write(handler: Handler) -> Response | tuple[Response, int]:
    """Run a write in one transaction; with an Idempotency-Key the first response is replayed, stored once."""
    now = utcnow()
    actor = current_actor()
    client_key = request.headers.get("Idempotency-Key")
    # Keys are the client's: scoped to who sent them, so one client can never replay another's response.
    key = None if client_key is None else f"{actor.username}:{client_key}"
    body_hash = hashlib.sha256(request.get_data()).hexdigest()
    if key is not None:
        replay = _replay(key, body_hash)
        if replay is not None:
            return replay
    try:
        with session_scope() as session:
            payload, status = handler(session, actor, now)
            if key is not None:
                session.add(
                    IdempotentRequest(
                        key=key,
                        method=request.method,
                        path=request.path,
                        request_hash=body_hash,
                        status_code=status,
                        response_body=payload,
                        created_at=now,
                    )
                )
                session.flush()
    except IntegrityError:
        # A concurrent request with the same key won the race: answer with what it stored.
        replay = _replay(key, body_hash) if key is not None else None
        if replay is None:
            raise
        return replay
    return jsonify(payload), status


def _replay(key: str, body_hash: str) -> tuple[Response, int] | None:
    with read_session() as session:
        stored = session.scalar(
            select(IdempotentRequest).where(
                IdempotentRequest.key == key,
                IdempotentRequest.method == request.method,
                IdempotentRequest.path == request.path,
            )
        )
    if stored is None:
        return None
    if stored.request_hash != body_hash:
        error = FieldError(
            "Idempotency-Key",
            key.split(":", 1)[1],
            "a new key for a different request",
            "this key was already used with a different body",
        )
        return jsonify(InvalidInput([error]).as_dict()), 422
    return jsonify(stored.response_body), stored.status_code


@api.errorhandler(InvalidInput)
def _invalid(exc: InvalidInput) -> tuple[Response, int]:
    if request.method in ("POST", "PUT", "PATCH"):  # a refused write is audited (field names, never the values)
        patient_id = (request.view_args or {}).get("patient_id")
        fields = sorted({e.field[:60] for e in exc.errors})[:20]
        audit_refusal(
            "validation", "failure", current_actor(), why="invalid: " + ", ".join(fields), patient_id=patient_id
        )
    return jsonify(exc.as_dict()), 422


@api.errorhandler(records.Refused)
def _refused(exc: records.Refused) -> tuple[Response, int]:
    return jsonify({"detail": str(exc)}), 409


@api.errorhandler(records.NotFound)
def _not_found(exc: records.NotFound) -> tuple[Response, int]:
    return jsonify({"detail": str(exc)}), 404


@api.post("/patients")
def create_patient() -> Any:
    data = _json_body()
    return _write(lambda s, actor, now: ({"id": records.create_patient(s, data, actor, now).id}, 201))


@api.get("/patients")
def list_patients() -> Any:
    active = request.args.get("active", "").lower() in ("1", "true", "yes")
    with read_session() as session:
        query = select(Patient).order_by(Patient.ward, Patient.bed)
        ward = current_actor().ward
        if ward is not None:
            query = query.where(Patient.ward == ward)
        if active:
            now = utcnow()
            query = query.where((Patient.discharged_at.is_(None)) | (Patient.discharged_at > now))
        patients = session.scalars(query).all()
        return jsonify({"patients": [records.serialise(p) for p in patients]})


@api.get("/patients/<int:patient_id>")
def get_patient(patient_id: int) -> Any:
    with read_session() as session:
        patient = records.check_ward(current_actor(), records.get_patient(session, patient_id))
        return jsonify(records.serialise(patient))


@api.patch("/patients/<int:patient_id>")
def update_patient(patient_id: int) -> Any:
    data = _json_body()
    return _write(
        lambda s, actor, now: (records.serialise(records.update_patient(s, patient_id, data, actor, now)), 200)
    )


@api.post("/patients/<int:patient_id>/<kind>")
def create_record(patient_id: int, kind: str) -> Any:
    if kind not in CLINICAL_MODELS:
        return jsonify({"detail": f"unknown record kind '{kind}'"}), 404
    data = _json_body()

    def write(s: Session, actor: Actor, now: datetime) -> tuple[Any, int]:
        records.get_patient(s, patient_id)  # no such patient: 404, as for every path naming one
        return records.serialise(record_clinical(s, kind, patient_id, data, actor, now)), 201

    return _write(write)


@api.post("/records/<kind>/<int:record_id>/amend")
def amend_record(kind: str, record_id: int) -> Any:
    if kind not in CLINICAL_MODELS:
        return jsonify({"detail": f"unknown record kind '{kind}'"}), 404
    data = _json_body()
    return _write(lambda s, actor, now: (records.serialise(amend_clinical(s, kind, record_id, data, actor, now)), 201))


@api.get("/patients/<int:patient_id>/timeline")
def timeline(patient_id: int) -> Any:
    with read_session() as session:
        patient = records.check_ward(current_actor(), records.get_patient(session, patient_id))
        series = queries.patient_timeline(session, patient.id)
        return jsonify(
            {
                "patient_id": patient.id,
                "admitted_at": patient.admitted_at.isoformat(),
                "infused_at": patient.infused_at.isoformat() if patient.infused_at else None,
                **{name: [records.serialise(row) for row in rows] for name, rows in series.items()},
            }
        )


@api.get("/patients/<int:patient_id>/status")
def patient_status_now(patient_id: int) -> Any:
    """The patient's status as every screen and the pager decide it (`alerts.status`)."""
    now = utcnow()
    rules = status_rules(app_context().settings)
    with read_session() as session:
        patient = records.check_ward(current_actor(), records.get_patient(session, patient_id))
        decided = status_of_patient(session, patient.id, now, rules)
        alerts = list_alerts(session, patient_id=patient.id)
        if decided is None:
            return jsonify(
                status_json(patient.id, patient.ward, patient.bed, now, None, alerts, [], None, patient.trial)
            )
        return jsonify(
            status_json(
                patient.id,
                patient.ward,
                patient.bed,
                now,
                decided.status,
                alerts,
                list(decided.guidance),
                decided.masking,
                patient.trial,
            )
        )


def _query_int(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    allowed = f"a whole number from 0 to {MAX_ID}"
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_ID)) or int(raw) > MAX_ID:
        raise InvalidInput([FieldError(name, raw, allowed, f"{name} must be {allowed}")])
    return int(raw)


@api.get("/alerts")
def alerts_list() -> Any:
    """Alerts by state (open, acknowledged, resolved; unresolved when not given) and patient."""
    state = request.args.get("state") or None
    if state is not None and state not in ALERT_STATES:
        raise InvalidInput([FieldError("state", state, "one of " + ", ".join(ALERT_STATES), "unknown alert state")])
    patient_id = _query_int("patient_id")
    actor = current_actor()
    with read_session() as session:
        if patient_id is not None:
            records.check_ward(actor, records.get_patient(session, patient_id))
        found = list_alerts(session, state, patient_id, actor.ward)
        return jsonify({"alerts": [alert_json(alert) for alert in found]})


def _alert_action(alert_id: int, act: Callable[[Session, Actor, datetime, dict[str, Any]], Alert]) -> Any:
    data = _json_body() if request.get_data() else {}
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("body", data, "a JSON object", "the request body must be a JSON object")])
    return _write(lambda s, actor, now: (alert_json(act(s, actor, now, data)), 200))


@api.post("/alerts/<int:alert_id>/acknowledge")
def alert_acknowledge(alert_id: int) -> Any:
    settings = app_context().settings
    return _alert_action(
        alert_id, lambda s, actor, now, _data: lifecycle.acknowledge(s, alert_id, actor, now, settings=settings)
    )


@api.post("/alerts/<int:alert_id>/snooze")
def alert_snooze(alert_id: int) -> Any:
    settings = app_context().settings
    return _alert_action(
        alert_id,
        lambda s, actor, now, data: lifecycle.snooze(
            s, alert_id, data.get("minutes"), data.get("reason"), actor, now, settings=settings
        ),
    )


@api.post("/alerts/<int:alert_id>/resolve")
def alert_resolve(alert_id: int) -> Any:
    return _alert_action(
        alert_id, lambda s, actor, now, data: lifecycle.resolve(s, alert_id, data.get("reason"), actor, now)
    )


def _query_time(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    allowed = "an ISO 8601 time with a time zone"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput([FieldError(name, raw, allowed, f"{name} is not an ISO 8601 time")]) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput([FieldError(name, raw, allowed, f"{name} has no time zone")])
    return value


@api.get("/audit-events")
def audit_events() -> Any:
    """The audit trail, filtered (admin only: see dashboard.auth.api_permission)."""
    args = request.args
    limit = _query_int("limit")
    where = AuditFilter(
        actor=args.get("actor"),
        action=args.get("action"),
        record_type=args.get("record_type"),
        patient_id=_query_int("patient_id"),
        outcome=args.get("outcome"),
        since=_query_time("since"),
        until=_query_time("until"),
        limit=500 if limit is None else limit,
    )
    with read_session() as session:
        return jsonify({"events": [records.serialise(e) for e in list_audit_events(session, where)]})


@api.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document(app_context().settings.snooze_max_minutes))


@health.get("/healthz")
def healthz() -> Any:
    """200 while the database answers and the scheduler's heartbeat is fresh; 503 otherwise, for an external
    monitor to alarm on (the scheduler may be down while the web is up: this is not a liveness probe for the web)."""
    try:
        with read_session() as session:
            session.execute(select(1))
            last_beat = session.scalar(select(func.max(SchedulerHeartbeat.beat_at)))
    except Exception as exc:  # noqa: BLE001 - the health check reports any database failure as such
        return jsonify({"database": "error", "error": type(exc).__name__}), 503
    stale_after = app_context().settings.heartbeat_stale_seconds
    age = None if last_beat is None else round((utcnow() - last_beat).total_seconds(), 1)
    scheduler = "never ran" if age is None else "stale" if age > stale_after else "ok"
    body = {
        "database": "ok",
        "scheduler": scheduler,
        "scheduler_heartbeat_age_s": age,
        "scheduler_stale_after_s": stale_after,
    }
    return jsonify(body), 200 if scheduler == "ok" else 503


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
