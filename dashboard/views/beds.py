"""Beds (`/beds`): admission, bed move and discharge through the data layer's write path, the discharged patients,
and the wall's display tokens. Each action answers with what was stored, or with each refused field and what it
allows; nothing is stored when anything is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.views.errors import describe, error_lines
from dashboard.views.timefmt import day_label, parse_local, stamp
from dashboard.views.wording import field_words
from data import queries
from data.audit import Actor
from data.display_tokens import create_display_token, display_tokens, revoke_display_token
from data.models import Patient
from data.records import Forbidden, create_patient, update_patient
from data.validation import InvalidInput

Scope = Callable[[], AbstractContextManager[Session]]

ADMISSION_FIELDS = (
    ("hospital_number", "Hospital number", "text"),
    ("name", "Name", "text"),
    ("date_of_birth", "Date of birth", "date"),
    ("sex", "Sex", "select"),
    ("weight_kg", "Weight (kg)", "number"),
    ("height_cm", "Height (cm, optional)", "number"),
    ("product", "CAR-T product", "text"),
    ("indication", "Indication (optional)", "text"),
    ("ward", "Ward", "text"),
    ("bed", "Bed", "text"),
    ("admitted_at", "Admitted at (empty: now)", "datetime-local"),
    ("infused_at", "Planned infusion (optional)", "datetime-local"),
)
SEXES = ("female", "male", "other", "unknown")
LABELS = {name: label for name, label, _kind in ADMISSION_FIELDS} | {
    "discharged_at": "Discharge time",
    "bed_move": "New bed",
}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    lines: tuple[str, ...]


def _refused(error: InvalidInput, labels: dict[str, str] | None = None) -> Outcome:
    """Each error under the label the form shows for its field ("Weight (kg): ...")."""
    named = labels if labels is not None else LABELS
    lines = [
        f"{named.get(item.field, field_words(item.field))}: {describe(item)}" if item.field else describe(item)
        for item in error.errors
    ]
    return Outcome(False, ("Nothing was stored.", *lines))


def _number(value: Any) -> Any:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return value  # the validation names the field and its range


def admission_body(values: dict[str, Any], tz: str, now: datetime) -> dict[str, Any]:
    """The API's patient body from the form: times read as ward time, empty optional fields left out."""
    body: dict[str, Any] = {}
    for name, _label, kind in ADMISSION_FIELDS:
        value = values.get(name)
        if isinstance(value, str):
            value = value.strip()
        if kind == "number":
            value = _number(value)
        elif kind == "datetime-local":
            when = parse_local(value, tz) if value else None
            value = when.isoformat() if when else None
        if value not in (None, ""):
            body[name] = value
    body.setdefault("admitted_at", now.isoformat())
    return body


def admit(scope: Scope, values: dict[str, Any], actor: Actor, tz: str, now: datetime) -> Outcome:
    try:
        with scope() as session:
            patient = create_patient(session, admission_body(values, tz, now), actor, now)
            planned = f"; infusion planned {stamp(patient.infused_at, tz)}" if patient.infused_at else ""
            where = f"{patient.ward} bed {patient.bed}"
            text = f"Admitted {patient.name} to {where} at {stamp(patient.admitted_at, tz)}{planned}."
    except InvalidInput as error:
        return _refused(error)
    except Forbidden as error:
        return Outcome(False, ("Nothing was stored.", str(error)))
    return Outcome(True, (text,))


def move(scope: Scope, patient_id: int | None, bed: str | None, actor: Actor, tz: str, now: datetime) -> Outcome:
    if patient_id is None:
        return Outcome(False, ("Nothing was stored.", "Patient: choose the patient to move."))
    try:
        with scope() as session:
            before = queries.patients_by_id(session, [patient_id])[patient_id].bed
            patient = update_patient(session, patient_id, {"bed": (bed or "").strip()}, actor, now)
            text = f"Moved {patient.name} from bed {before} to bed {patient.bed} at {stamp(now, tz)}."
    except InvalidInput as error:
        return _refused_move(error)
    except (Forbidden, KeyError) as error:
        return Outcome(False, ("Nothing was stored.", str(error)))
    return Outcome(True, (text,))


def _refused_move(error: InvalidInput) -> Outcome:
    return _refused(error, {**LABELS, "bed": "New bed"})


def discharge(
    scope: Scope, patient_id: int | None, when: str | None, confirmed: bool, actor: Actor, tz: str, now: datetime
) -> Outcome:
    """Discharge ends monitoring and alerting for the patient: it asks for an explicit confirmation."""
    if patient_id is None:
        return Outcome(False, ("Nothing was stored.", "Patient: choose the patient to discharge."))
    if not confirmed:
        return Outcome(False, ("Nothing was stored.", "Tick the confirmation: discharge stops monitoring and alerts."))
    at = parse_local(when, tz) if when else now
    try:
        with scope() as session:
            patient = update_patient(session, patient_id, {"discharged_at": (at or now).isoformat()}, actor, now)
            text = f"Discharged {patient.name} from bed {patient.bed} at {stamp(at or now, tz)}."
    except InvalidInput as error:
        return _refused(error)
    except Forbidden as error:
        return Outcome(False, ("Nothing was stored.", str(error)))
    return Outcome(True, (text,))


def patient_options(session: Session, now: datetime, ward: str | None) -> list[dict[str, Any]]:
    """The patients in a bed now, as "Bed 3 · Demo Charlie"."""
    from dashboard.views.board import bed_sort_key

    patients = sorted(queries.active_patients(session, now, ward), key=bed_sort_key)
    return [{"label": f"Bed {p.bed} · {p.name} · {p.ward}", "value": p.id} for p in patients]


def discharged_rows(session: Session, ward: str | None, tz: str, limit: int = 100) -> list[dict[str, str]]:
    """Discharged patients, most recent first: when they came, were infused and went, and the day they left on."""
    query = select(Patient).where(Patient.discharged_at.is_not(None))
    if ward is not None:
        query = query.where(Patient.ward == ward)
    rows = session.scalars(query.order_by(Patient.discharged_at.desc()).limit(limit)).all()
    out = []
    for p in rows:
        assert p.discharged_at is not None
        out.append(
            {
                "bed": f"{p.ward} bed {p.bed}",
                "name": p.name,
                "hospital_number": p.hospital_number,
                "admitted": stamp(p.admitted_at, tz),
                "infused": stamp(p.infused_at, tz) if p.infused_at else "not infused",
                "discharged": stamp(p.discharged_at, tz),
                "day": day_label(p.infused_at, p.discharged_at, tz),
            }
        )
    return out


DISCHARGED_COLUMNS = (
    ("bed", "Ward and bed"),
    ("name", "Name"),
    ("hospital_number", "Hospital number"),
    ("admitted", "Admitted"),
    ("infused", "Infused (D0)"),
    ("discharged", "Discharged"),
    ("day", "Day at discharge"),
)


def discharged_table(rows: list[dict[str, str]]) -> Any:
    if not rows:
        return html.P("Nobody has been discharged yet.", className="text-muted")
    head = html.Thead(html.Tr([html.Th(name) for _key, name in DISCHARGED_COLUMNS]))
    body = html.Tbody([html.Tr([html.Td(row[key]) for key, _name in DISCHARGED_COLUMNS]) for row in rows])
    return dbc.Table([head, body], striped=True, size="sm", class_name="beds-discharged")


# --- wall display tokens ---------------------------------------------------------------------------------------


def new_display_token(scope: Scope, ward: str | None, days: Any, actor: Actor, now: datetime) -> Outcome:
    try:
        with scope() as session:
            token = create_display_token(session, (ward or "").strip(), int(_number(days) or 0), actor, now)
    except InvalidInput as error:
        return Outcome(False, ("No token was made.", *error_lines(error)))
    return Outcome(
        True,
        (
            "Open this link on the wall screen (shown once; keep it as the kiosk browser's start page):",
            f"/kiosk?token={token}",
        ),
    )


def token_options(session: Session, ward: str | None, tz: str) -> list[dict[str, Any]]:
    return [
        {
            "label": f"#{t.id} · {t.ward} · made {stamp(t.created_at, tz)} · "
            + (f"revoked {stamp(t.revoked_at, tz)}" if t.revoked_at else f"expires {stamp(t.expires_at, tz)}"),
            "value": t.id,
            "disabled": t.revoked_at is not None,
        }
        for t in display_tokens(session, ward)
    ]


def revoke_token(scope: Scope, token_id: int | None, actor: Actor, now: datetime) -> Outcome:
    if token_id is None:
        return Outcome(False, ("Choose the display token to revoke.",))
    try:
        with scope() as session:
            revoke_display_token(session, int(token_id), actor, now)
    except InvalidInput as error:
        return Outcome(False, tuple(error_lines(error)))
    return Outcome(True, (f"Display token #{token_id} revoked: its wall shows NOT UPDATING at its next refresh.",))
