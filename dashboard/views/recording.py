"""Saving a form or an amendment through the one write path (`dashboard.services`), as the API does.

A write runs in its own transaction; a validation error raised inside it rolls it back, so nothing is stored
when any field is invalid. The errors come back by field for the form to show inline.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dashboard.services import amend_clinical, record_clinical
from dashboard.views.forms import field_errors
from data.audit import Actor
from data.records import NotFound
from data.validation import InvalidInput

Scope = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Outcome:
    saved: bool
    record_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


def save_record(
    scope: Scope, kind: str, patient_id: int, body: dict[str, Any], names: list[str], actor: Actor, now: datetime
) -> Outcome:
    try:
        with scope() as session:
            row = record_clinical(session, kind, patient_id, body, actor, now)
            record_id = row.id
    except InvalidInput as exc:
        errors, general = field_errors(exc, names)
        return Outcome(False, errors=errors, general=general)
    return Outcome(True, record_id=record_id)


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
        return Outcome(False, general=[f"{e.field}: {e.message}" for e in exc.errors])
    except NotFound as exc:
        return Outcome(False, general=[str(exc)])
    return Outcome(True, record_id=new_id)
