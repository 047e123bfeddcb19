"""Components for the recording forms (dash-bootstrap-components), built from `forms.Field` specs."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.views.forms import KINDS, TITLES, Field, form_fields, schema_range, unit_options
from dashboard.views.previews import Preview

PREVIEWED = ("crs-assessments", "neuro-assessments")


def _options(field: Field, values: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"label": v.replace("_", " "), "value": v} for v in values]


def control(kind: str, field: Field, value: Any) -> Any:
    """The input component for one field; every one carries its value in `value`."""
    cid = ids.patient_field(kind, field.name)
    if field.kind == "time":
        return dbc.Input(id=cid, type="datetime-local", value=value)
    if field.kind == "number":
        # No min/max on the input: the browser would drop an out-of-range value silently, and the schema's
        # message ("98.6 is outside 30-45 °C (looks like Fahrenheit)") is the one the nurse should see.
        accepted = schema_range(kind, field.name)
        hint = f"{accepted.low:g}-{accepted.high:g}" if accepted is not None else None
        unit = accepted.unit if accepted is not None else ""
        return dbc.InputGroup(
            [
                dbc.Input(id=cid, type="number", value=value, step="any", placeholder=hint),
                *([dbc.InputGroupText(unit)] if unit else []),
            ]
        )
    if field.kind == "select":
        choices = field.options or tuple(unit_options(None))
        placeholder = [] if field.default is not None else [{"label": "—", "value": ""}]
        return dbc.Select(id=cid, options=placeholder + _options(field, choices), value=value or "")
    if field.kind in ("multi", "flags"):
        return dbc.Checklist(id=cid, options=_options(field, field.options), value=value or [], inline=True)
    if field.kind == "bool":
        return dbc.Checkbox(id=cid, value=bool(value), label=field.label)
    return dbc.Input(id=cid, type="text", value=value or "")


def field_block(kind: str, field: Field, value: Any) -> dbc.Col:
    label = [] if field.kind == "bool" else [dbc.Label(field.label, html_for=None, class_name="mb-0 small")]
    return dbc.Col(
        html.Div(
            [
                *label,
                control(kind, field, value),
                html.Div(id=ids.patient_feedback(kind, field.name), className="field-error"),
            ],
            id=ids.patient_wrap(kind, field.name),
        ),
        md=field.width,
        class_name="mb-2",
    )


def form(kind: str, tool: str, values: dict[str, Any], note: str = "") -> html.Div:
    fields = form_fields(kind, tool)
    parts: list[Any] = []
    if note:
        parts.append(html.P(note, className="text-secondary small mb-2"))
    parts.append(dbc.Row([field_block(kind, f, values.get(f.name)) for f in fields]))
    if kind in PREVIEWED:
        parts.append(html.Div(id=ids.patient_form(ids.PATIENT_PREVIEW, kind), className="preview mb-2"))
    parts += [
        dbc.Button(f"Save {TITLES[kind].lower()}", id=ids.patient_form(ids.PATIENT_SAVE, kind), color="primary"),
        html.Div(id=ids.patient_form(ids.PATIENT_STATUS, kind), className="mt-2"),
        dcc.Store(id=ids.patient_form(ids.PATIENT_SAVED, kind), data=0),
    ]
    return html.Div(parts, className="p-2")


def recording_tabs(tool: str, initial: dict[str, dict[str, Any]], notes: dict[str, str]) -> dbc.Tabs:
    return dbc.Tabs(
        [
            dbc.Tab(form(kind, tool, initial[kind], notes.get(kind, "")), label=TITLES[kind], tab_id=f"tab-{kind}")
            for kind in KINDS
        ],
        active_tab="tab-observations",
    )


def preview_block(preview: Preview) -> list[Any]:
    parts: list[Any] = [html.Strong(preview.headline)]
    if preview.reasons:
        parts.append(html.Ul([html.Li(r) for r in preview.reasons], className="mb-0 small"))
    if preview.problems:
        parts.append(html.Ul([html.Li(p) for p in preview.problems], className="mb-0 small text-danger"))
    return parts


def saved_message(kind: str, when: str) -> dbc.Alert:
    return dbc.Alert(f"{TITLES[kind]} saved ({when}).", color="success", class_name="py-1 mb-0")


def error_message(lines: list[str]) -> dbc.Alert:
    return dbc.Alert(
        ["Nothing was saved.", html.Ul([html.Li(line) for line in lines], className="mb-0")],
        color="danger",
        class_name="py-1 mb-0",
    )
