"""Saving a form or an amendment through the one write path (`dashboard.services`), as the API does.

A write runs in its own transaction; a validation error raised inside it rolls it back, so nothing is stored
when any field is invalid. The errors come back by field for the form to show inline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboard.context import Scope
from dashboard.services import amend_clinical, record_clinical
from dashboard.views.answers import clinical, form_problems
from dashboard.views.errors import error_lines
from dashboard.views.form_layout import error_message, saved_message
from dashboard.views.forms import PAUSED_BY_DOCTOR, body_from_values, field_errors
from dashboard.views.records_table import amend_body, error_body
from dashboard.views.timefmt import clock
from data.audit import Actor
from data.records import NotFound
from data.schemas import RECORD_SCHEMAS
from data.validation import InvalidInput, parse

Permit = Callable[[str], Actor]
"""`dashboard.views.actor.current_actor`: the signed-in person if allowed `permission`, else the request ends."""

INVALID_FIELDS = "answer or correct the fields marked in red"
AMENDED = "Amendment saved; the original is kept in the audit trail."
MARKED_IN_ERROR = "Marked entered in error; the record is kept in the audit trail."


@dataclass(frozen=True)
class Outcome:
    saved: bool
    record_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


def save_record(
    scope: Scope,
    kind: str,
    patient_id: int,
    body: dict[str, Any],
    names: list[str],
    actor: Actor,
    now: datetime,
    tool: str = "ICE",
) -> Outcome:
    try:
        with scope() as session:
            row = record_clinical(session, kind, patient_id, body, actor, now)
            record_id = row.id
    except InvalidInput as exc:
        errors, general = field_errors(clinical(kind, tool, exc), names)
        return Outcome(False, errors=errors, general=general)
    return Outcome(True, record_id=record_id)


def check_record(kind: str, body: dict[str, Any], names: list[str], now: datetime, tool: str = "ICE") -> Outcome:
    """The request's errors by field without writing anything (for a form the page itself already refuses, so
    that every problem is shown at once)."""
    try:
        parse(RECORD_SCHEMAS[kind], body, now)
    except InvalidInput as exc:
        errors, general = field_errors(clinical(kind, tool, exc), names)
        return Outcome(False, errors=errors, general=general)
    return Outcome(False)


def amend_record(
    scope: Scope, kind: str, record_id: int | None, body: dict[str, Any], actor: Actor, now: datetime
) -> Outcome:
    if record_id is None:
        return Outcome(False, general=["choose a record first: edit a cell or select a row"])
    try:
        with scope() as session:
            row = amend_clinical(session, kind, record_id, body, actor, now)
            new_id = row.id
    except InvalidInput as exc:
        return Outcome(False, general=error_lines(exc))
    except NotFound as exc:
        return Outcome(False, general=[str(exc)])
    return Outcome(True, record_id=new_id)


def save_permission(body: dict[str, Any]) -> str:
    """Recording needs "record"; a form that overrides the grade needs "override" and a monitoring exception
    "paused by a doctor" needs "pause_monitoring" (both a doctor's), as the API asks (`dashboard.auth`)."""
    if body.get("override"):
        return "override"
    if body.get("reason") == PAUSED_BY_DOCTOR:
        return "pause_monitoring"
    return "record"


@dataclass(frozen=True)
class FormResult:
    """What a form shows after Save: a message under each field (by `names` order), their classes, a status."""

    saved: bool
    feedback: list[str]
    classes: list[str]
    status: Any


def submit_form(
    scope: Scope,
    kind: str,
    values: dict[str, Any],
    names: list[str],
    patient: dict[str, Any],
    permit: Permit,
    now: datetime,
    tz: str,
) -> FormResult:
    """Save a form's `values` for `patient` (the page's store: id and tool) as the person `permit` allows.
    Nothing is saved while a finding is unanswered or the form contradicts itself."""
    tool = patient["tool"]
    body = body_from_values(kind, values, tz, now, tool)
    actor = permit(save_permission(body))
    problems = form_problems(kind, values)
    if problems:
        checked = check_record(kind, body, names, now, tool)
        outcome = Outcome(False, errors={**checked.errors, **problems}, general=checked.general)
    else:
        outcome = save_record(scope, kind, patient["id"], body, names, actor, now, tool)
    feedback = [outcome.errors.get(name, "") for name in names]
    classes = ["field-invalid" if name in outcome.errors else "" for name in names]
    if not outcome.saved:
        return FormResult(False, feedback, classes, error_message(outcome.general or [INVALID_FIELDS]))
    return FormResult(True, feedback, classes, saved_message(kind, clock(now, tz)))


def amend_from_table(
    scope: Scope,
    kind: str,
    entered_in_error: bool,
    selected: list[dict[str, Any]] | None,
    pending: dict[str, Any] | None,
    reason: str | None,
    actor: Actor,
    now: datetime,
) -> tuple[bool, Any]:
    """Save the pending cell edits as an amendment, or mark the selected row entered in error; (saved, message)."""
    if entered_in_error:
        record_id = int(selected[0]["id"]) if selected else None
        body, done = error_body(reason), MARKED_IN_ERROR
    else:
        record_id = (pending or {}).get("record_id")
        body, done = amend_body(pending, reason), AMENDED
    outcome = amend_record(scope, kind, record_id, body, actor, now)
    return (True, done) if outcome.saved else (False, error_message(outcome.general))
