"""Saving a form or an amendment through the one write path (`dashboard.services`), as the API does.

A write runs in its own transaction; a validation error raised inside it rolls it back, so nothing is stored
when any field is invalid. The errors come back by field for the form to show inline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from sqlalchemy.exc import IntegrityError

from dashboard.context import Scope
from dashboard.services import amend_clinical, record_clinical
from dashboard.views import submission
from dashboard.views.answers import clinical, form_problems
from dashboard.views.errors import WARD_TZ, error_lines
from dashboard.views.form_layout import error_message, saved_message
from dashboard.views.forms import PAUSED_BY_DOCTOR, body_from_values, field_errors, form_fields
from dashboard.views.records_table import amend_body, error_body
from dashboard.views.stored import stored_text
from data.audit import Actor, audit
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
    message: str = ""
    repeated: bool = False  # the submission's key was already used: nothing new was stored


def save_record(
    scope: Scope,
    kind: str,
    patient_id: int,
    body: dict[str, Any],
    names: list[str],
    actor: Actor,
    now: datetime,
    tool: str = "ICE",
    *,
    key: str | None = None,
    say: Callable[[Any, bool], str] = lambda _row, _late: "",
) -> Outcome:
    """Store the record (a late entry when `data.records.is_late_entry` says so: its time over an hour before
    `now`). With a submission `key` it is stored once: a key already used answers with what it stored then.
    `say(row, late)`: the saved message."""
    try:
        with scope() as session:
            if key is not None:
                before = submission.earlier(session, actor, key, patient_id, kind)
                if before is not None:
                    return Outcome(True, before.record_id, message=before.message, repeated=True)
            row = record_clinical(session, kind, patient_id, body, actor, now)
            record_id, message = row.id, say(row, row.late_entry)
            if key is not None:
                submission.claim(session, actor, key, patient_id, kind, record_id, message, now)
    except InvalidInput as exc:
        audit_invalid(scope, actor, now, exc, kind, patient_id=patient_id)
        errors, general = field_errors(clinical(kind, tool, exc), names)
        return Outcome(False, errors=errors, general=general)
    except IntegrityError:
        # The same submission saved at this very moment by a second click: that one stands, this rolled back.
        if key is None:
            raise
        with scope() as session:
            twin = submission.earlier(session, actor, key, patient_id, kind)
        if twin is None:
            raise
        return Outcome(True, twin.record_id, message=twin.message, repeated=True)
    return Outcome(True, record_id=record_id, message=message)


def audit_invalid(
    scope: Scope,
    actor: Actor,
    now: datetime,
    exc: InvalidInput,
    kind: str,
    *,
    patient_id: int | None = None,
    record_id: int | None = None,
) -> None:
    """A write the form sent and the records refused, in the audit trail in a transaction of its own (the field
    names, never the values), as the API audits its refused writes."""
    fields = sorted({error.field[:60] for error in exc.errors})[:20]
    with scope() as session:
        audit(
            session,
            actor,
            "validation",
            now,
            outcome="failure",
            record_type=kind,
            record_id=record_id,
            patient_id=patient_id,
            details={"why": "invalid: " + ", ".join(fields), "source": "form"},
        )


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
    scope: Scope,
    kind: str,
    record_id: int | None,
    body: dict[str, Any],
    actor: Actor,
    now: datetime,
    tz: str = WARD_TZ,
) -> Outcome:
    if record_id is None:
        return Outcome(False, general=["Choose a record first: edit a cell, or select a row."])
    try:
        with scope() as session:
            row = amend_clinical(session, kind, record_id, body, actor, now)
            new_id = row.id
    except InvalidInput as exc:
        audit_invalid(scope, actor, now, exc, kind, record_id=record_id)
        return Outcome(False, general=error_lines(exc, tz))
    except NotFound:
        return Outcome(False, general=["that record is no longer in the table: reload the page"])
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
    """What a form shows after Save: a message under each field (by `names` order), their classes, a status;
    once saved, the form's values cleared (`cleared`, by name) and a new submission key."""

    saved: bool
    feedback: list[str]
    classes: list[str]
    status: Any
    cleared: dict[str, Any] | None = None
    key: str | None = None


def submit_form(
    scope: Scope,
    kind: str,
    values: dict[str, Any],
    names: list[str],
    patient: dict[str, Any],
    permit: Permit,
    now: datetime,
    tz: str,
    key: str | None = None,
) -> FormResult:
    """Save a form's `values` for `patient` (the page's store: id and tool) as the person `permit` allows, once
    per submission `key`. Nothing is saved while a finding is unanswered or the form contradicts itself; the
    record's time is the moment of saving unless the nurse set one."""
    tool = patient["tool"]
    body = body_from_values(kind, values, tz, now, tool)
    actor = permit(save_permission(body))
    problems = form_problems(kind, values)
    if problems:
        checked = check_record(kind, body, names, now, tool)
        outcome = Outcome(False, errors={**checked.errors, **problems}, general=checked.general)
    else:

        def say(row: Any, late: bool) -> str:
            return stored_text(kind, tool, values, row, late, now, tz)

        outcome = save_record(scope, kind, patient["id"], body, names, actor, now, tool, key=key, say=say)
    feedback = [outcome.errors.get(name, "") for name in names]
    classes = ["field-invalid" if name in outcome.errors else "" for name in names]
    if not outcome.saved:
        return FormResult(False, feedback, classes, error_message(outcome.general or [INVALID_FIELDS]))
    status = saved_message(outcome.message, repeated=outcome.repeated)
    return FormResult(True, feedback, classes, status, cleared_values(kind, tool), submission.new_key())


def cleared_values(kind: str, tool: str) -> dict[str, Any]:
    """A form as it opens: the defaults, no answer to a finding, the time empty (the moment of saving)."""
    return {f.name: [] if f.kind in TICK_BOXES and f.default is None else f.default for f in form_fields(kind, tool)}


TICK_BOXES = ("multi", "flags", "findings", "ice")
"""Field kinds whose component holds a list: cleared to an empty list (nothing ticked), never to null."""


def amend_from_table(
    scope: Scope,
    kind: str,
    entered_in_error: bool,
    selected: list[dict[str, Any]] | None,
    pending: dict[str, Any] | None,
    reason: str | None,
    actor: Actor,
    now: datetime,
    tz: str = WARD_TZ,
) -> tuple[bool, Any]:
    """Save the pending cell edits as an amendment, or mark the selected row entered in error; (saved, message)."""
    if entered_in_error:
        record_id = int(selected[0]["id"]) if selected else None
        body, done = error_body(reason), MARKED_IN_ERROR
    else:
        found = (pending or {}).get("record_id")
        record_id = found if isinstance(found, int) and not isinstance(found, bool) else None
        body, done = amend_body(pending, reason), AMENDED
    outcome = amend_record(scope, kind, record_id, body, actor, now, tz)
    if outcome.saved:
        return True, dbc.Alert(done, color="success", class_name="py-1 mb-0")
    return False, error_message(outcome.general)
