"""The record tables (dash-ag-grid): one row per record in force; amend by editing cells, with a reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from dashboard.views.forms import EVENT_LABELS, EXCEPTION_ITEM_LABELS, FINDING_LABELS, TIME_FIELDS
from dashboard.views.timefmt import stamp
from toxicity import EXCEPTION_REASONS
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


def column_defs(kind: str) -> list[dict[str, Any]]:
    defs: list[dict[str, Any]] = [
        {"field": "when", "headerName": "Time", "editable": False, "pinned": "left", "width": 150},
    ]
    for name, header, data_type, editable in COLUMNS[kind]:
        defs.append(
            {
                "field": name,
                "headerName": header,
                "cellDataType": data_type,
                "editable": editable,
                **({"cellClass": "editable-cell"} if editable else {}),
                **({"flex": 2, "minWidth": 220, "tooltipField": name} if name == "reasons" else {}),
            }
        )
    defs += [
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


def row_data(kind: str, rows: list[Any], tz: str) -> list[dict[str, Any]]:
    """Newest first; `id` is the record's id (the row id the amendment names)."""
    out = []
    for row in reversed(rows):
        item: dict[str, Any] = {"id": str(row.id), "when": stamp(getattr(row, TIME_FIELDS[kind]), tz)}
        words = WORDS.get(kind, {})
        for name, _header, _type, _editable in COLUMNS[kind]:
            value = getattr(row, name)
            item[name] = words[name](value) if name in words else _cell(value, tz)
        item["recorded_by"] = row.recorded_by
        item["amendment_reason"] = row.amendment_reason or ""
        out.append(item)
    return out


def pending_changes(kind: str, events: list[dict[str, Any]] | None, pending: dict[str, Any] | None) -> dict[str, Any]:
    """Cell edits since the last save, as {"record_id": id, "changes": {field: value}}; editing another row
    starts again (an amendment corrects one record)."""
    current = dict(pending or {})
    editable = {name for name, _h, _t, editable in COLUMNS[kind] if editable}
    for event in events or []:
        column = event.get("colId")
        if column not in editable:
            continue
        record_id = int(event["data"]["id"])
        if current.get("record_id") != record_id:
            current = {"record_id": record_id, "changes": {}}
        body_name = BODY_NAMES.get(kind, {}).get(column, column)
        current["changes"] = {**current.get("changes", {}), body_name: event.get("value")}
    return current


def pending_text(pending: dict[str, Any] | None) -> str:
    if not pending or not pending.get("changes"):
        return "Edit a cell to amend a record, or select a row to mark it entered in error."
    changes = ", ".join(f"{k} → {v}" for k, v in pending["changes"].items())
    return f"Record {pending['record_id']}: {changes} (give a reason, then save the amendment)"


def amend_body(pending: dict[str, Any] | None, reason: str | None) -> dict[str, Any]:
    return {"reason": reason or "", "changes": dict((pending or {}).get("changes") or {})}


def error_body(reason: str | None) -> dict[str, Any]:
    return {"reason": reason or "", "entered_in_error": True}
