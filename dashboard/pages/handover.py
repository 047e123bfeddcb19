"""Handover sheet (`/handover`, or one patient: `/handover?patient=<id>`): printable, one A4 page a patient, and
the downtime sheet with empty rows for paper obs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from dashboard.context import read_session
from dashboard.views.actor import granted, viewing_settings
from dashboard.views.board import cadence_policy
from dashboard.views.handover import load_handover
from dashboard.views.handover_sheet import patient_sheet
from dashboard.views.shell import frame
from dashboard.views.timefmt import stamp

dash.register_page(__name__, path="/handover", title="cartwatch — handover")


def layout(patient: str | None = None, **_query: str) -> html.Div:
    settings = viewing_settings()
    now = datetime.now(UTC)
    chosen = int(patient) if patient and patient.isdigit() else None
    with read_session() as session:
        sheet = load_handover(session, now, settings, chosen)
    tz = settings.ward_timezone
    grace = cadence_policy(settings).grace
    may_plan = "record" in granted("record")
    title = settings.board_ward or "CAR-T bay"
    parts: list[Any] = [
        html.Div(
            [
                html.H1(f"Handover — {title}", className="h4 mb-0"),
                html.Span(f"{stamp(now, tz)} · {len(sheet)} patient{'s' if len(sheet) != 1 else ''}"),
                dbc.Button("Print", id=ids.HANDOVER_PRINT, size="sm", class_name="no-print ms-3"),
            ],
            className="handover-title d-flex align-items-baseline gap-2 mb-2",
        )
    ]
    if not sheet:
        parts.append(dbc.Alert("No patient to hand over.", color="secondary"))
    parts += [patient_sheet(item, now, tz, grace, may_plan) for item in sheet]
    return frame(parts, root_id=ids.HANDOVER_ROOT, active="/handover")
