"""Components for the recording forms (dash-bootstrap-components), built from `forms.Field` specs.

Sized for a tablet held by a nurse: every control at least 44 px high (`assets/recording.css`), fields full
width below 768 px, labels tied to their inputs."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.views.field_hints import schema_range, unit_options
from dashboard.views.forms import KINDS, TIME_FIELDS, TITLES, Field, form_fields, ice_total, offered_options
from dashboard.views.prefill import PREFILLABLE, mark
from dashboard.views.previews import Preview
from dashboard.views.submission import new_key

PREVIEWED = ("crs-assessments", "neuro-assessments")
YES_NO_OPTIONS = [{"label": "Yes", "value": "yes"}, {"label": "No", "value": "no"}]
NO_PERMISSIONS: frozenset[str] = frozenset()


def _options(field: Field, values: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"label": field.option_label(v), "value": v} for v in values]


GROUPS = ("multi", "flags", "findings", "yesno", "ice")
"""Field kinds drawn as a group of tick boxes or radio buttons: labelled by a fieldset's legend."""
TIME_HINT = "Leave empty to record the moment you save."


def control(kind: str, field: Field, value: Any, permissions: frozenset[str] = NO_PERMISSIONS) -> Any:
    """The input component for one field; every one carries its value in `value`. A finding that must be stated
    starts with no answer chosen (`value` None)."""
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
                dbc.Input(id=cid, type="number", value=value, step="any", placeholder=hint, inputmode="decimal"),
                *([dbc.InputGroupText(unit)] if unit else []),
            ]
        )
    if field.kind == "select":
        choices = offered_options(field, permissions) or tuple(unit_options(None))
        # The select shows `placeholder` while nothing is chosen; an optional one also offers it as a choice, to
        # take an answer back (a finding that must be stated cannot be un-answered).
        blank = [] if field.default is not None or field.unanswered else [{"label": field.blank, "value": ""}]
        return dbc.Select(id=cid, options=blank + _options(field, choices), value=value or "", placeholder=field.blank)
    if field.kind in ("multi", "flags", "findings", "ice"):
        return dbc.Checklist(
            id=cid, options=_options(field, field.options), value=value or [], inline=True, class_name="ticks"
        )
    if field.kind == "yesno":
        return dbc.RadioItems(id=cid, options=YES_NO_OPTIONS, value=value, inline=True, class_name="ticks")
    if field.kind == "bool":
        return dbc.Checkbox(id=cid, value=bool(value), label=field.label)
    return dbc.Input(id=cid, type="text", value=value or "")


def _labelled(field: Field, parts: list[Any]) -> Any:
    """The field's label tied to its input, so a screen reader reads them together: a group of boxes is a
    fieldset with a legend; a single input sits inside its label element (a pattern-matching id cannot be named
    by a label's `for`); a checkbox carries its own label."""
    if field.kind == "bool":
        return html.Div(parts)
    if field.kind in GROUPS:
        return html.Fieldset([html.Legend(field.label, className="form-label small mb-0"), *parts])
    return html.Label([html.Span(field.label, className="form-label small mb-0 d-block"), *parts], className="w-100")


def field_block(
    kind: str,
    field: Field,
    value: Any,
    filled: dict[str, dict[str, Any]] | None = None,
    permissions: frozenset[str] = NO_PERMISSIONS,
) -> dbc.Col:
    marker = (
        [html.Div(mark(field.name, value, filled or {}), id=ids.patient_prefill(kind, field.name), className="prefill")]
        if kind in PREFILLABLE
        else []
    )
    extra: list[Any] = []
    if field.kind == "time" and field.name == TIME_FIELDS[kind]:
        extra.append(html.Div(TIME_HINT, className="form-text mt-0"))
    if field.kind == "ice":
        extra.append(html.Div(ice_total(value), id=ids.PATIENT_ICE_TOTAL, className="ice-total", role="status"))
    return dbc.Col(
        html.Div(
            [
                _labelled(field, [control(kind, field, value, permissions), *extra]),
                *marker,
                html.Div(id=ids.patient_feedback(kind, field.name), className="field-error", role="alert"),
            ],
            id=ids.patient_wrap(kind, field.name),
        ),
        xs=12,
        md=max(field.width, 6) if field.width < 12 else 12,
        lg=field.width,
        class_name="mb-2",
    )


def offered_fields(kind: str, tool: str, permissions: frozenset[str]) -> tuple[Field, ...]:
    """The fields a user is shown: the grade override only to those who may override (a doctor)."""
    fields = form_fields(kind, tool)
    if "override" in permissions:
        return fields
    return tuple(f for f in fields if not f.name.startswith("override."))


def form(
    kind: str,
    tool: str,
    values: dict[str, Any],
    note: str = "",
    filled: dict[str, dict[str, Any]] | None = None,
    permissions: frozenset[str] = NO_PERMISSIONS,
) -> html.Div:
    """One recording form; `filled`: the values pre-filled from an earlier record and where each came from."""
    fields = offered_fields(kind, tool, permissions)
    parts: list[Any] = []
    if note:
        parts.append(html.P(note, className="text-secondary small mb-2"))
    parts.append(dbc.Row([field_block(kind, f, values.get(f.name), filled, permissions) for f in fields]))
    if kind in PREVIEWED:
        parts.append(html.Div(id=ids.patient_form(ids.PATIENT_PREVIEW, kind), className="preview mb-2"))
    parts += [
        dbc.Button(
            f"Save {TITLES[kind].lower()}", id=ids.patient_form(ids.PATIENT_SAVE, kind), color="primary", size="lg"
        ),
        html.Div(id=ids.patient_form(ids.PATIENT_STATUS, kind), className="mt-2", role="status"),
        dcc.Store(id=ids.patient_form(ids.PATIENT_SAVED, kind), data=0),
        dcc.Store(id=ids.patient_form(ids.PATIENT_SUBMISSION, kind), data=new_key()),
    ]
    if kind in PREFILLABLE:
        parts.append(dcc.Store(id=ids.patient_form(ids.PATIENT_PREFILLED, kind), data=filled or {}))
    return html.Div(parts, className="p-2")


def recording_tabs(
    tool: str,
    initial: dict[str, dict[str, Any]],
    notes: dict[str, str],
    filled: dict[str, dict[str, dict[str, Any]]] | None = None,
    permissions: frozenset[str] = NO_PERMISSIONS,
) -> dbc.Tabs:
    """A tab per record kind; `permissions`: the user's, which decide the choices offered (a nurse is not offered
    "paused by a doctor")."""
    filled = filled or {}
    return dbc.Tabs(
        [
            dbc.Tab(
                form(kind, tool, initial[kind], notes.get(kind, ""), filled.get(kind), permissions),
                label=TITLES[kind],
                tab_id=f"tab-{kind}",
            )
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


def saved_message(text: str, repeated: bool = False) -> dbc.Alert:
    """What was stored and when; a repeated click says it was stored once."""
    if repeated:
        return dbc.Alert(
            [html.Strong("Already saved — not stored twice. "), text], color="info", class_name="py-1 mb-0"
        )
    return dbc.Alert(text, color="success", class_name="py-1 mb-0")


def error_message(lines: list[str]) -> dbc.Alert:
    return dbc.Alert(
        ["Nothing was saved.", html.Ul([html.Li(line) for line in lines], className="mb-0")],
        color="danger",
        class_name="py-1 mb-0",
    )
