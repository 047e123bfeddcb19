"""The audit trail page: filters read from the form, rows for the grid, and what the status line says.

The query itself is `data.audit.list_audit_events`; this module only turns the form into an `AuditFilter`
(every bad field named with what it allows) and the events into rows shown in the ward's time zone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.context import Scope
from dashboard.views.grid import grid_columns
from dashboard.views.timefmt import local
from data.audit import AuditFilter, list_audit_events
from data.models import AuditEvent, Patient
from data.validation import FieldError, InvalidInput

ROW_LIMIT = 500
OUTCOMES = ("success", "failure", "forbidden", "locked")
ANY_OUTCOME = "any"  # not "": dbc.Select keeps "" for its hidden placeholder option
DATE_FORMAT = "a date as YYYY-MM-DD (ward time)"

COLUMNS: tuple[tuple[str, str], ...] = (
    ("when", "When"),
    ("actor", "Who"),
    ("role", "Role"),
    ("action", "Action"),
    ("record_type", "Record type"),
    ("record_id", "Record id"),
    ("patient_id", "Patient id"),
    ("patient", "Patient"),
    ("outcome", "Outcome"),
    ("details", "Reason and details"),
    ("source", "Source"),
    ("address", "Address"),
)
ANY_ACTION = "any"
DETAILS_LIMIT = 300  # characters of the details shown in a cell (the API gives them whole)


def column_defs() -> list[dict[str, Any]]:
    return grid_columns(
        COLUMNS,
        {
            "when": {"width": 210},
            "patient": {"width": 200},
            "details": {"width": 380, "wrapText": True, "autoHeight": True, "tooltipField": "details"},
        },
    )


def outcome_options() -> list[dict[str, str]]:
    return [{"label": ANY_OUTCOME, "value": ANY_OUTCOME}] + [{"label": o, "value": o} for o in OUTCOMES]


def action_options(actions: list[str]) -> list[dict[str, str]]:
    """The action filter's choices: every action the trail holds (reads, refusals, log-ins, records...)."""
    return [{"label": ANY_ACTION, "value": ANY_ACTION}] + [{"label": a, "value": a} for a in actions]


def details_text(details: dict[str, Any] | None) -> str:
    """An event's details in words, the reason first: "reason: fever settled; amends: 41; path: /api/v1/..."."""
    if not details:
        return ""
    first = [k for k in ("reason", "why") if k in details]
    keys = first + sorted(k for k in details if k not in first)
    parts = []
    for key in keys:
        value = details[key]
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{key.replace('_', ' ')}: {value}")
    text = "; ".join(parts)
    return text if len(text) <= DETAILS_LIMIT else text[:DETAILS_LIMIT] + "…"


def patient_labels(session: Session, patient_ids: set[int], viewer_ward: str | None) -> dict[int, str]:
    """ "Bed 3 · Ann Smith (Ward 33)" for the patients the viewer may see (a viewer kept to a ward: that ward's)."""
    if not patient_ids:
        return {}
    query = select(Patient.id, Patient.bed, Patient.name, Patient.ward).where(Patient.id.in_(patient_ids))
    return {
        pid: f"Bed {bed} · {name} ({ward})"
        for pid, bed, name, ward in session.execute(query)
        if viewer_ward is None or ward == viewer_ward
    }


@dataclass(frozen=True)
class FilterInput:
    """The filter form as the browser sends it: text, or None for an input never touched."""

    actor: str | None = None
    action: str | None = None
    outcome: str | None = None
    record_type: str | None = None
    patient_id: str | int | None = None
    since: str | None = None
    until: str | None = None


def _text(value: object) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _day(field: str, value: str | None, errors: list[FieldError]) -> date | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        errors.append(FieldError(field, text, DATE_FORMAT, f"'{text}' is not a date"))
        return None


def _start_of(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(tz))


def parse_filters(form: FilterInput, tz: str, limit: int = ROW_LIMIT) -> AuditFilter:
    """The form as an `AuditFilter`; dates are whole days in the ward's time zone, `until` inclusive.

    Raises InvalidInput naming every bad field and what it allows."""
    errors: list[FieldError] = []
    patient_id = None
    patient_text = _text(form.patient_id)
    if patient_text is not None:
        if patient_text.isdigit() and patient_text.isascii():
            patient_id = int(patient_text)
        else:
            errors.append(
                FieldError(
                    "patient id",
                    patient_text,
                    "a whole number (the patient's id)",
                    f"'{patient_text}' is not a patient id",
                )
            )
    action = _text(form.action)
    action = None if action == ANY_ACTION else action
    outcome = _text(form.outcome)
    outcome = None if outcome == ANY_OUTCOME else outcome
    if outcome is not None and outcome not in OUTCOMES:
        errors.append(FieldError("outcome", outcome, "one of " + ", ".join(OUTCOMES), "unknown outcome"))
    since, until = _day("since", form.since, errors), _day("until", form.until, errors)
    if since is not None and until is not None and since > until:
        errors.append(FieldError("until", until.isoformat(), f"on or after since ({since})", "ends before it starts"))
    if errors:
        raise InvalidInput(errors)
    return AuditFilter(
        actor=_text(form.actor),
        action=action,
        record_type=_text(form.record_type),
        patient_id=patient_id,
        outcome=outcome,
        since=_start_of(since, tz) if since is not None else None,
        # The end of the `until` day: the query's bound is inclusive, so the last instant before midnight.
        until=_start_of(until + timedelta(days=1), tz) - timedelta(microseconds=1) if until is not None else None,
        limit=limit,
    )


def when_text(when: datetime, tz: str) -> str:
    """ "2026-11-24 12:00:05 GMT": sortable as text, with seconds and the zone (an audit reads across DST)."""
    return local(when, tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def _blank(value: Any) -> Any:
    return "" if value is None else value


def audit_rows(events: list[AuditEvent], tz: str, patients: dict[int, str] | None = None) -> list[dict[str, Any]]:
    """Rows for the grid; `patients`: the labels of the patients the viewer may see by bed and name."""
    patients = patients or {}
    return [
        {
            "id": str(event.id),
            "when": when_text(event.occurred_at, tz),
            "actor": event.actor,
            "role": _blank(event.role),
            "action": event.action,
            "record_type": _blank(event.record_type),
            "record_id": _blank(event.record_id),
            "patient_id": _blank(event.patient_id),
            "patient": patients.get(event.patient_id, "") if event.patient_id is not None else "",
            "outcome": event.outcome,
            "details": details_text(event.details),
            "source": _blank(event.source),
            "address": _blank(event.source_address),
        }
        for event in events
    ]


@dataclass(frozen=True)
class AuditResult:
    """What the page shows: the rows, and a status line with its Bootstrap colour."""

    rows: list[dict[str, Any]]
    message: str
    color: str


def status(count: int, more: bool, limit: int = ROW_LIMIT) -> tuple[str, str]:
    if more:
        return (
            f"Showing the newest {limit} events only: more match. Narrow the filters (for example a since date) "
            "to see older ones.",
            "warning",
        )
    if count == 0:
        return "No audit events match these filters.", "secondary"
    return f"{count} event{'' if count == 1 else 's'}, newest first.", "secondary"


def refused(error: InvalidInput) -> AuditResult:
    return AuditResult([], "; ".join(f"{e.field}: {e.message} — use {e.allowed}" for e in error.errors), "danger")


def search(
    scope: Scope, form: FilterInput, tz: str, limit: int = ROW_LIMIT, viewer_ward: str | None = None
) -> AuditResult:
    """The newest `limit` events matching the form; one more is read to know whether the limit cut any off.
    Patients are named (bed and name) only where the viewer may see them (`viewer_ward`: the viewer's ward)."""
    try:
        where = parse_filters(form, tz, limit)
    except InvalidInput as exc:
        return refused(exc)
    with scope() as session:
        events = list_audit_events(session, dataclasses.replace(where, limit=limit + 1))
        shown = events[:limit]
        labels = patient_labels(session, {e.patient_id for e in shown if e.patient_id is not None}, viewer_ward)
    message, color = status(len(shown), len(events) > limit, limit)
    return AuditResult(audit_rows(shown, tz, labels), message, color)
