"""The handover sheet as components: one A4 page per patient when printed (assets/cartwatch.css, @media print).

The same sheet is the downtime sheet: under each patient, empty rows for paper obs, with the columns of the CSV
back-entry file (`python -m feeds import-csv`), which marks each one saved over an hour after its time as late entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.views.bay import haemodynamics_text, neuro_text, oxygen_text
from dashboard.views.board import DUE_KINDS
from dashboard.views.handover import HandoverPatient
from dashboard.views.timefmt import clock, countdown, day_label, milestones_text, stamp
from data.models import CarePlan

PAPER_ROWS = 8
PAPER_COLUMNS = (
    "Time",
    "Temp °C",
    "HR",
    "RR",
    "BP sys/dia",
    "SpO2 %",
    "O2 device / flow",
    "Consciousness",
    "ICE /10",
    "Initials",
)
BACK_ENTRY = (
    "Back-entry after downtime: enter each paper row with the time it was taken, through the obs form with the "
    "time set or python -m feeds import-csv (columns hospital_number, time, temperature_c, heart_rate, "
    "respiratory_rate, systolic_bp, diastolic_bp, spo2, oxygen_device, oxygen_flow_l_min, consciousness). "
    "Records entered over an hour after their time are stored marked as late entry, with both times."
)


def _row(label: str, value: Any) -> html.Tr:
    return html.Tr([html.Th(label, scope="row"), html.Td(value)])


def _last_obs(item: HandoverPatient, tz: str) -> str:
    obs = item.bed.obs
    if obs is None:
        return "no obs recorded"
    parts = [f"{obs.temperature_c:.1f} °C" if obs.temperature_c is not None else "no temperature"]
    for label, value, unit in (
        ("HR", obs.heart_rate, "/min"),
        ("RR", obs.respiratory_rate, "/min"),
        ("SpO2", obs.spo2, "%"),
    ):
        if value is not None:
            parts.append(f"{label} {value}{unit}")
    if obs.systolic_bp is not None:
        parts.append(f"BP {obs.systolic_bp}/{obs.diastolic_bp if obs.diastolic_bp is not None else '–'}")
    parts += [oxygen_text(item.bed), haemodynamics_text(item.bed)]
    if obs.consciousness:
        parts.append(obs.consciousness.replace("_", " "))
    return f"at {clock(obs.taken_at, tz)}: " + " · ".join(parts)


def _due(item: HandoverPatient, now: datetime, grace: Any) -> str:
    parts = []
    for kind, label in DUE_KINDS:
        due = item.bed.due.get(kind)
        if due is not None:
            parts.append(f"{label} {countdown(due.due_at, now, grace).text}")
    return " · ".join(parts) or "nothing due"


def _grade(view: Any) -> str:
    return f"{view.badge_text} ({view.note}; {view.explanation})"


def plan_view(plan: CarePlan | None, tz: str) -> html.Div:
    """The plan in force, with who wrote it and when; says so when there is none."""
    if plan is None:
        return html.Div(html.P("No plan recorded.", className="text-muted mb-0"))
    return html.Div(
        [
            html.P(plan.text, className="handover-plan-text"),
            html.Small(f"{plan.recorded_by}, {stamp(plan.recorded_at, tz)}"),
        ]
    )


def patient_sheet(item: HandoverPatient, now: datetime, tz: str, grace: Any, may_plan: bool) -> html.Section:
    bed, patient = item.bed, item.patient
    day = day_label(patient.infused_at, now, tz)
    crs, icans = item.courses
    table = html.Table(
        html.Tbody(
            [
                _row("CRS now", _grade(bed.crs)),
                _row("CRS course", f"onset {crs.onset}; peak {crs.peak}"),
                _row("ICANS now", _grade(bed.icans)),
                _row("ICANS course", f"onset {icans.onset}; peak {icans.peak}"),
                _row("Tocilizumab / steroids", "; ".join(item.doses) or "none given"),
                _row("Last obs", _last_obs(item, tz)),
                _row("ICE / CAPD", neuro_text(bed, tz)),
                *(_row(trend.label, trend.text) for trend in item.trends),
                _row("Due", _due(item, now, grace)),
                _row("Open alerts", "; ".join(item.alerts) or "none"),
                _row("Milestones", milestones_text(patient.infused_at, now, tz) or "infusion not recorded"),
            ]
        ),
        className="handover-table",
    )
    paper = html.Table(
        [
            html.Thead(html.Tr([html.Th(c) for c in PAPER_COLUMNS])),
            html.Tbody([html.Tr([html.Td("") for _c in PAPER_COLUMNS]) for _n in range(PAPER_ROWS)]),
        ],
        className="handover-paper",
    )
    editor = (
        html.Div(
            [
                dbc.Label(
                    "New plan (replaces the one above; the earlier plan is kept)",
                    html_for=ids.handover_plan(patient.id),
                ),
                dbc.Textarea(id=ids.handover_plan(patient.id), rows=2),
                dbc.Button("Save plan", id=ids.handover_save(patient.id), size="sm", class_name="mt-1 touch"),
                html.Div(id=ids.handover_status(patient.id), role="status"),
            ],
            className="no-print mt-1",
        )
        if may_plan
        else None
    )
    return html.Section(
        [
            html.Div(
                [
                    html.H2(f"Bed {bed.bed} · {patient.name}", className="h5 mb-0"),
                    html.Span(
                        f"{patient.hospital_number} · {day} post-infusion · {patient.product} · "
                        f"{patient.weight_kg:g} kg",
                        className="handover-sub",
                    ),
                    dcc.Link("one page", href=f"/handover?patient={patient.id}", className="no-print ms-2 small"),
                ],
                className="handover-head",
            ),
            table,
            html.H3("Plan", className="h6 mt-1 mb-0"),
            html.Div(plan_view(item.plan, tz), id=ids.handover_plan_shown(patient.id)),
            editor,
            html.H3("Paper obs (downtime)", className="h6 mt-1 mb-0"),
            paper,
            html.P(BACK_ENTRY, className="handover-back-entry"),
            html.P(f"Printed {stamp(now, tz)} · cartwatch handover sheet", className="handover-foot"),
        ],
        className="handover-patient",
    )
