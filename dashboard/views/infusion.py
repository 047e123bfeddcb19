"""Recording the infusion time on the patient page: a doctor confirms it with a reason when a routine intervention
is still open (guideline: "Any infection must be controlled before CAR-T cells can be infused"). The rule is
`data.records.update_patient`'s, as for `PATCH /api/v1/patients/<id>`; this module only offers it and says what
came back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from dashboard.context import Scope
from dashboard.views.errors import error_lines
from dashboard.views.form_layout import error_message
from dashboard.views.recording import Permit
from dashboard.views.timefmt import parse_local, stamp, to_local_input
from data import records
from data.models import Patient
from data.validation import InvalidInput

CONFIRM_PERMISSION = "confirm_infusion"


def infusion_section(patient: Patient, tz: str, may_confirm: bool) -> list[Any]:
    """The infusion time form: when, and (for a doctor) the reason that confirms it with interventions open."""
    current = f"Recorded: {stamp(patient.infused_at, tz)}" if patient.infused_at else "No infusion time recorded yet."
    reason = (
        dbc.Input(
            id=ids.PATIENT_INFUSION_REASON,
            placeholder="Doctor's reason, needed while a routine intervention is open",
        )
        if may_confirm
        else dbc.Input(
            id=ids.PATIENT_INFUSION_REASON,
            placeholder="While a routine intervention is open, a doctor confirms the infusion time",
            disabled=True,
        )
    )
    return [
        html.Div(current, className="small text-secondary mb-1"),
        dbc.InputGroup(
            [
                dbc.Input(
                    id=ids.PATIENT_INFUSION_TIME,
                    type="datetime-local",
                    value=to_local_input(patient.infused_at, tz) if patient.infused_at else None,
                ),
                reason,
                dbc.Button("Record infusion time", id=ids.PATIENT_INFUSION_SAVE, color="primary"),
            ]
        ),
        html.Div(id=ids.PATIENT_INFUSION_STATUS, className="mt-2"),
    ]


def infusion_body(when: str | None, reason: str | None, tz: str) -> dict[str, Any]:
    """The PATCH body: the time read as ward time; a reason, when given, is the doctor's confirmation."""
    found = parse_local(when, tz)
    body: dict[str, Any] = {"infused_at": None if found is None else found.isoformat()}
    if reason and reason.strip():
        body["confirm_open_interventions"] = {"reason": reason.strip()}
    return body


def save_infusion(
    scope: Scope, patient_id: int, when: str | None, reason: str | None, permit: Permit, now: datetime, tz: str
) -> tuple[bool, Any]:
    """Record the infusion time as `permit` allows (a reason needs a doctor's `confirm_infusion`); (saved, message).
    With an intervention open and no reason the write is refused and nothing changes."""
    body = infusion_body(when, reason, tz)
    if body["infused_at"] is None:
        return False, error_message(["infused_at: enter the infusion time"])
    actor = permit(CONFIRM_PERMISSION if "confirm_open_interventions" in body else "manage_beds")
    try:
        with scope() as session:
            records.update_patient(session, patient_id, body, actor, now)
    except records.Refused as exc:
        return False, error_message([str(exc)])
    except InvalidInput as exc:
        return False, error_message(error_lines(exc))
    confirmed = " with a doctor's confirmation" if "confirm_open_interventions" in body else ""
    return True, dbc.Alert(f"Infusion time recorded{confirmed}.", color="success", class_name="py-1 mb-0")
