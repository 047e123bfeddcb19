"""Beds (`/beds`): admit, move and discharge (nurse-in-charge and doctor), the discharged patients, and the wall
screen's display tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.context import read_session
from dashboard.views.actor import granted, viewing_settings
from dashboard.views.beds import (
    ADMISSION_FIELDS,
    SEXES,
    discharged_rows,
    discharged_table,
    patient_options,
    token_options,
)
from dashboard.views.shell import frame

dash.register_page(__name__, path="/beds", title="cartwatch — beds")


def _field(name: str, label: str, kind: str, value: Any) -> dbc.Col:
    component_id = ids.beds_field(name)
    if kind == "select":
        control: Any = dbc.Select(id=component_id, options=[{"label": s, "value": s} for s in SEXES], value=value)
    else:
        control = dbc.Input(id=component_id, type=kind, value=value, step="any" if kind == "number" else None)
    html_id = f"beds-field-{name}"
    return dbc.Col([dbc.Label(label, html_for=html_id, class_name="small mb-0"), html.Div(control, id=html_id)], md=3)


def _section(title: str, children: list[Any]) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(html.H2(title, className="h5 mb-0")), dbc.CardBody(children)], class_name="mb-3")


def _admission(ward: str | None, bed: str | None) -> dbc.Card:
    defaults = {"ward": ward, "bed": bed, "sex": "unknown"}
    fields = [_field(name, label, kind, defaults.get(name)) for name, label, kind in ADMISSION_FIELDS]
    return _section(
        "Admit a patient",
        [
            dbc.Row(fields, class_name="g-2"),
            dbc.Button("Admit", id=ids.BEDS_ADMIT, color="primary", class_name="mt-2 touch"),
            html.Div(id=ids.BEDS_ADMIT_STATUS, className="mt-2", role="status"),
        ],
    )


def _labelled(label: str, control: Any, md: int = 4) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=control.id, class_name="small mb-0"), control], md=md)


def _move(options: list[dict[str, Any]]) -> dbc.Card:
    return _section(
        "Move a patient to another bed",
        [
            dbc.Row(
                [
                    _labelled("Patient", dcc.Dropdown(id=ids.BEDS_MOVE_PATIENT, options=options), md=6),
                    _labelled("New bed", dbc.Input(id=ids.BEDS_MOVE_BED), md=2),
                    dbc.Col(dbc.Button("Move", id=ids.BEDS_MOVE, color="primary", class_name="touch"), md=2),
                ],
                class_name="g-2 align-items-end",
            ),
            html.Div(id=ids.BEDS_MOVE_STATUS, className="mt-2", role="status"),
        ],
    )


def _discharge(options: list[dict[str, Any]]) -> dbc.Card:
    return _section(
        "Discharge",
        [
            dbc.Row(
                [
                    _labelled("Patient", dcc.Dropdown(id=ids.BEDS_DISCHARGE_PATIENT, options=options), md=6),
                    _labelled(
                        "Discharge time (empty: now)", dbc.Input(id=ids.BEDS_DISCHARGE_AT, type="datetime-local"), md=3
                    ),
                ],
                class_name="g-2 align-items-end",
            ),
            dbc.Checkbox(
                id=ids.BEDS_DISCHARGE_CONFIRM,
                label="I confirm this discharge: monitoring, countdowns and pages for this patient stop.",
                value=False,
                class_name="mt-2",
            ),
            dbc.Button("Discharge", id=ids.BEDS_DISCHARGE, color="danger", class_name="mt-2 touch"),
            html.Div(id=ids.BEDS_DISCHARGE_STATUS, className="mt-2", role="status"),
        ],
    )


def _tokens(ward: str | None, options: list[dict[str, Any]]) -> dbc.Card:
    return _section(
        "Wall screen display (kiosk)",
        [
            html.P(
                "A display token opens the wall screen of one ward, read-only, without a log-in, until it expires "
                "or is revoked. Every token made, used and revoked is in the audit trail.",
                className="small",
            ),
            dbc.Row(
                [
                    _labelled("Ward", dbc.Input(id=ids.BEDS_TOKEN_WARD, value=ward), md=3),
                    _labelled("Valid for (days)", dbc.Input(id=ids.BEDS_TOKEN_DAYS, type="number", value=365), md=2),
                    dbc.Col(dbc.Button("Make display link", id=ids.BEDS_TOKEN_CREATE, class_name="touch"), md=2),
                ],
                class_name="g-2 align-items-end",
            ),
            dbc.Row(
                [
                    _labelled("Display tokens", dcc.Dropdown(id=ids.BEDS_TOKEN_LIST, options=options), md=8),
                    dbc.Col(dbc.Button("Revoke", id=ids.BEDS_TOKEN_REVOKE, color="danger", class_name="touch"), md=2),
                ],
                class_name="g-2 align-items-end mt-1",
            ),
            html.Div(id=ids.BEDS_TOKEN_STATUS, className="mt-2", role="status"),
        ],
    )


def layout(bed: str | None = None, **_query: str) -> html.Div:
    settings = viewing_settings()
    tz = settings.ward_timezone
    may = granted("manage_beds", "discharge", "admin")
    displays = bool(may & {"manage_beds", "admin"})
    with read_session() as session:
        patients = patient_options(session, datetime.now(UTC), settings.board_ward)
        gone = discharged_rows(session, settings.board_ward, tz)
        tokens = token_options(session, settings.board_ward, tz) if displays else []
    parts: list[Any] = [html.H1("Beds", className="h3")]
    if "manage_beds" in may:
        parts += [_admission(settings.board_ward, bed), _move(patients)]
    if "discharge" in may:
        parts.append(_discharge(patients))
    if not may & {"manage_beds", "discharge"}:
        parts.append(dbc.Alert("Your role may see the beds but not admit, move or discharge.", color="secondary"))
    parts.append(
        _section(
            "Discharged patients",
            [html.Div(discharged_table(gone), id=ids.BEDS_DISCHARGED)],
        )
    )
    if displays:
        parts.append(_tokens(settings.board_ward, tokens))
    parts.append(dcc.Store(id=ids.BEDS_CHANGED, data=0))
    return frame(parts, root_id=ids.BEDS_ROOT, active="/beds")
