"""What each page shows while the database cannot be reached, in the components its callbacks update.

A callback request fails before the callback runs (the signed-in session is checked in the database) or inside
it; either way the page hears nothing but what `callback_outputs` puts in the components that request was to
update: the board's banner, a form's save status, the live preview, the page being opened. Everything else is
left as it was (the board keeps the cards of its last update, a form keeps what was typed into it).
"""

from __future__ import annotations

import json
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids

DB_UNAVAILABLE = "database unavailable — not saving"
BANNER = f"{DB_UNAVAILABLE}: this board is not updating — check patients at the bedside and escalate by phone"
PREVIEW = f"{DB_UNAVAILABLE}: no grade can be previewed or stored until it is back"
SAVE = "Nothing was saved. Keep this form open and save again when the database is back, or record on paper."
PAGE = "This page cannot be opened until the database is back; it was not changed."

API_WRITE = "database unavailable, nothing was saved"
API_READ = "database unavailable"

BANNERS = (ids.BAY_BANNER, ids.ALERTS_BANNER)
STATUSES = (ids.PATIENT_AMEND_STATUS, ids.ALERTS_STATUS, ids.AUDIT_STATUS, ids.PATIENT_STATUS)
PAGE_CONTENT = "_pages_content"  # Dash pages' container: what a page's layout() returns goes here


def status_alert(detail: str) -> dbc.Alert:
    return dbc.Alert(
        [html.Strong(DB_UNAVAILABLE), html.Br(), detail], color="danger", class_name="py-1 mb-0 db-unavailable"
    )


def shown_value(component_id: str | dict[str, Any], prop: str) -> Any | None:
    """What the component shows during the outage, or None to leave it as it is."""
    kind = component_id.get("type") if isinstance(component_id, dict) else component_id
    if kind in BANNERS:
        return {"children": BANNER, "is_open": True}.get(prop)
    if prop != "children":
        return None
    if kind in STATUSES:
        return status_alert(SAVE)
    if kind == ids.PATIENT_PREVIEW:
        return html.Span(PREVIEW, className="text-danger db-unavailable")
    if kind == PAGE_CONTENT:
        return html.Div(status_alert(PAGE), className="container-fluid mt-3")
    return None


def dash_key(component_id: str | dict[str, Any]) -> str:
    """The key Dash's renderer gives a component in a callback response (`dash._utils.stringify_id`)."""
    if isinstance(component_id, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(component_id[k])}" for k in sorted(component_id)) + "}"
    return component_id


def _specs(outputs: Any) -> list[dict[str, Any]]:
    """A callback request's outputs, flat: one spec, a list of specs, lists of specs for pattern-matching ones."""
    if isinstance(outputs, dict):
        return [outputs]
    if isinstance(outputs, list):
        return [spec for item in outputs for spec in _specs(item)]
    return []


def callback_outputs(outputs: Any) -> dict[str, dict[str, Any]]:
    """The response to a callback request (its `outputs`) during the outage: {component key: {prop: value}}."""
    response: dict[str, dict[str, Any]] = {}
    for spec in _specs(outputs):
        component_id, prop = spec.get("id"), spec.get("property")
        if not isinstance(component_id, (str, dict)) or not isinstance(prop, str):
            continue
        value = shown_value(component_id, prop)
        if value is not None:
            response.setdefault(dash_key(component_id), {})[prop] = value
    return response
