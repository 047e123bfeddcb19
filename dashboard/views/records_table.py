"""The record tables (dash-ag-grid): one row per record in force; amend by editing cells, with a reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from sqlalchemy.orm import Session

from dashboard.views.forms import EVENT_LABELS, FINDING_LABELS, TIME_FIELDS, TITLES
from dashboard.views.tampering import BadCallback
from dashboard.views.timefmt import stamp
from data import queries
from data.models import CLINICAL_MODELS
from toxicity import EXCEPTION_ITEM_LABELS, EXCEPTION_REASONS
from toxicity.interventions import INTERVENTIONS

# kind -> (column, header, data type, editable): the editable ones are the record's own top-level fields,
# which `data.records.amend` re-validates as the record's kind.
COLUMNS: dict[str, tuple[tuple[str, str, str, bool], ...]] = {
    "observations": (
        ("temperature_c", "Temp °C", "number", True),
        ("heart_rate", "HR", "number", True),
        ("respiratory_rate", "RR", "number", True),
        ("systolic_bp", "SBP", "number", True),
        ("diastolic_bp", "DBP", "number", True),
        ("spo2", "SpO₂", "number", True),
        ("oxygen_device", "Oxygen", "text", True),
        ("oxygen_flow_l_min", "Flow", "number", True),
        ("fio2", "FiO₂", "number", True),
        ("vasopressors", "Vasopressors", "text", False),
        ("consciousness", "Consciousness", "text", True),
    ),
    "crs-assessments": (
        ("grade", "Grade", "number", False),
        ("temperature_c", "Temp °C", "number", True),
        ("hypotension", "Hypotension", "boolean", True),
        ("vasopressors", "Vasopressors", "text", False),
        ("oxygen", "Oxygen", "text", True),
        ("oxygen_flow_l_min", "Flow", "number", True),
        ("reasons", "Reasons", "text", False),
    ),
    "neuro-assessments": (
        ("grade", "Grade", "number", False),
        ("tool", "Tool", "text", False),
        ("ice_score", "ICE", "number", False),
        ("capd_score", "CAPD", "number", True),
        ("consciousness", "Consciousness", "text", True),
        ("seizure", "Seizure", "text", True),
        ("deep_focal_motor_weakness", "Motor weakness", "boolean", True),
        ("reasons", "Reasons", "text", False),
    ),
    "neuro-events": (
        ("event", "Event", "text", False),
        ("note", "Note", "text", True),
    ),
    "monitoring-exceptions": (
        ("ends_at", "Ends", "text", False),
        ("items", "Not done", "text", False),
        ("reason", "Reason", "text", False),
        ("note", "Note", "text", True),
    ),
    "labs": (
        ("analyte", "Analyte", "text", False),
        ("original_value", "Value", "number", True),
        ("original_unit", "Unit", "text", True),
        ("value", "Stored value", "number", False),
        ("unit", "Stored unit", "text", False),
    ),
    "organ-findings": (
        ("finding", "Finding", "text", False),
        ("ctcae_grade", "CTCAE grade", "number", True),
        ("note", "Note", "text", True),
    ),
    "routine-interventions": (
        ("item", "Intervention", "text", False),
        ("note", "Note", "text", True),
    ),
    "clinical-reviews": (("note", "Assessment and examination", "text", True),),
    "medications": (
        ("drug", "Drug", "text", True),
        ("dose", "Dose", "number", True),
        ("unit", "Unit", "text", True),
        ("route", "Route", "text", True),
    ),
}
# Grid columns that are entered under another name in the request body.
BODY_NAMES = {"labs": {"original_value": "value", "original_unit": "unit"}}
# Columns shown in words rather than as stored (the guideline's words for an event, the reason in full).
WORDS: dict[str, dict[str, Callable[[Any], str]]] = {
    "neuro-events": {"event": lambda v: EVENT_LABELS.get(v, v)},
    "organ-findings": {"finding": lambda v: FINDING_LABELS.get(v, v)},
    "routine-interventions": {"item": lambda v: INTERVENTIONS.get(v, v)},
    "monitoring-exceptions": {
        "items": lambda v: ", ".join(EXCEPTION_ITEM_LABELS.get(i, i) for i in v),
        "reason": lambda v: EXCEPTION_REASONS.get(v, v),
    },
}


def column_defs(kind: str, editable: bool = True) -> list[dict[str, Any]]:
    """The grid's columns; `editable` False for a role that cannot amend (the cells are read-only)."""
    defs: list[dict[str, Any]] = [
        {"field": "when", "headerName": "Time", "editable": False, "pinned": "left", "width": 150},
    ]
    may_edit = editable
    for name, header, data_type, editable in COLUMNS[kind]:
        defs.append(
            {
                "field": name,
                "headerName": header,
                "cellDataType": data_type,
                "editable": editable and may_edit,
                **({"cellClass": "editable-cell"} if editable and may_edit else {}),
                **({"flex": 2, "minWidth": 220, "tooltipField": name} if name == "reasons" else {}),
            }
        )
    defs += [
        {"field": "entered", "headerName": "Entered", "editable": False, "width": 210, "tooltipField": "entered"},
        {"field": "recorded_by", "headerName": "By", "editable": False, "width": 110},
        {"field": "amendment_reason", "headerName": "Amendment", "editable": False, "width": 150},
    ]
    return defs


def _cell(value: Any, tz: str) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) if value else ""
    if isinstance(value, datetime):
        return stamp(value, tz)
    return value


def entered_text(row: Any, tz: str) -> str:
    """When the record was entered: a late entry says so with both times (its own time is in the Time column)."""
    recorded = stamp(row.recorded_at, tz)
    return f"late entry, recorded {recorded}" if getattr(row, "late_entry", False) else recorded


def row_data(kind: str, rows: list[Any], tz: str) -> list[dict[str, Any]]:
    """Newest first; `id` is the record's id (the row id the amendment names)."""
    out = []
    for row in reversed(rows):
        item: dict[str, Any] = {"id": str(row.id), "when": stamp(getattr(row, TIME_FIELDS[kind]), tz)}
        words = WORDS.get(kind, {})
        for name, _header, _type, _editable in COLUMNS[kind]:
            value = getattr(row, name)
            item[name] = words[name](value) if name in words else _cell(value, tz)
        item["entered"] = entered_text(row, tz)
        item["recorded_by"] = row.recorded_by
        item["amendment_reason"] = row.amendment_reason or ""
        out.append(item)
    return out


def pending_changes(kind: str, events: list[dict[str, Any]] | None, pending: dict[str, Any] | None) -> dict[str, Any]:
    """Cell edits since the last save, as {"record_id": id, "when": row time, "changes": {field: value},
    "shown": {header: value}}; editing another row starts again (an amendment corrects one record)."""
    current = dict(pending or {})
    editable = {name: header for name, header, _t, editable in COLUMNS[kind] if editable}
    for event in events or []:
        column = event.get("colId")
        data = event.get("data")
        if column not in editable or not isinstance(data, dict) or not str(data.get("id", "")).isdigit():
            continue
        record_id = int(data["id"])
        if current.get("record_id") != record_id:
            current = {"record_id": record_id, "when": str(data.get("when", "")), "changes": {}, "shown": {}}
        body_name = BODY_NAMES.get(kind, {}).get(column, column)
        current["changes"] = {**current.get("changes", {}), body_name: event.get("value")}
        current["shown"] = {**current.get("shown", {}), editable[column]: event.get("value")}
    return current


def pending_text(pending: dict[str, Any] | None) -> str:
    if not pending or not pending.get("changes"):
        return "Edit a cell to amend a record, or select a row to mark it entered in error."
    shown = pending.get("shown") or pending["changes"]
    changes = ", ".join(f"{k} changed to {_words(v)}" for k, v in shown.items())
    return (
        f"The record of {pending.get('when') or 'the edited row'}: {changes}. Give a reason, then save the amendment."
    )


def _words(value: Any) -> str:
    if value is None or value == "":
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("_", " ")


def row_summary(kind: str, row: dict[str, Any]) -> list[tuple[str, str]]:
    """A grid row's contents as (header, value) pairs, as the confirmation before marking it in error shows them."""
    pairs = [("Time", str(row.get("when", "")))]
    for name, header, _type, _editable in COLUMNS[kind]:
        value = row.get(name)
        if value not in (None, ""):
            pairs.append((header, _words(value)))
    pairs.append(("By", str(row.get("recorded_by", ""))))
    return pairs


def amend_body(pending: dict[str, Any] | None, reason: str | None) -> dict[str, Any]:
    changes = (pending or {}).get("changes")
    return {"reason": reason or "", "changes": dict(changes) if isinstance(changes, dict) else {}}


def error_body(reason: str | None) -> dict[str, Any]:
    return {"reason": reason or "", "entered_in_error": True}


def record_kind(value: Any) -> str:
    """The record kind the page's chooser sent: one of the grid's kinds."""
    if not isinstance(value, str) or value not in COLUMNS:
        raise BadCallback("the kind of record is not one this page shows")
    return value


def stored_rows(session: Session, patient_id: int, kind: str, tz: str) -> list[dict[str, Any]]:
    """The grid's rows as stored (after a refused amendment the edited cells go back to these)."""
    rows = list(session.scalars(queries.current_records(CLINICAL_MODELS[kind], patient_id)))
    return row_data(kind, rows, tz)


def confirm_text(kind: str, row: dict[str, Any]) -> list[Any]:
    """The confirmation's body: the record that will be marked, field by field."""
    return [
        html.P(f"This {TITLES[kind].lower()} will be marked entered in error (it is kept in the audit trail):"),
        dbc.Table(
            html.Tbody([html.Tr([html.Th(header), html.Td(value)]) for header, value in row_summary(kind, row)]),
            size="sm",
            bordered=True,
            class_name="mb-0",
        ),
    ]
