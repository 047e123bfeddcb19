"""What a form says once saved: what was stored, in words, with the clinical time and the time of saving.

"Obs saved: Temperature 38.2 °C, Heart rate 96 bpm. Taken 14:05, recorded 14:05." A record whose time the nurse
set more than an hour back says so: "Saved as a late entry: taken Sat 28 Nov 09:00, recorded 14:05."
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.views.field_hints import schema_range
from dashboard.views.forms import ICE_ITEMS, NO_ICE_ITEM, NO_ICP_FINDING, TIME_FIELDS, TITLES, Field, form_fields
from dashboard.views.timefmt import clock, local, stamp

TIME_WORDS = {
    "observations": "taken",
    "crs-assessments": "assessed",
    "neuro-assessments": "assessed",
    "neuro-events": "seen",
    "monitoring-exceptions": "starts",
    "labs": "collected",
    "medications": "given",
    "organ-findings": "found",
    "routine-interventions": "done",
    "clinical-reviews": "reviewed",
}
NOT_LISTED = ("ice",)  # shown as its total


def _value_words(kind: str, field: Field, value: Any) -> str | None:
    """A field's value as the form shows it, or None when nothing was entered (left out of the message)."""
    if value is None or value == "" or value == [] or (field.kind == "bool" and not value):
        return None
    if field.kind in ("multi", "flags", "findings"):
        return ", ".join(field.option_label(v) for v in value if v != NO_ICP_FINDING) or "none"
    if field.kind == "yesno":
        return {"yes": "yes", "no": "no"}.get(value, str(value))
    if field.kind == "bool":
        return "yes"
    if field.kind == "select":
        return field.option_label(str(value))
    if field.kind == "number":
        accepted = schema_range(kind, field.name)
        unit = f" {accepted.unit}" if accepted is not None and accepted.unit else ""
        return f"{value:g}{unit}" if isinstance(value, (int, float)) else f"{value}{unit}"
    return str(value)


def _ice_words(values: dict[str, Any]) -> str | None:
    ticked = values.get("ice") or []
    if not ticked:
        return None
    right = [t for t in ticked if t != NO_ICE_ITEM]
    return f"ICE {len(right)}/{len(ICE_ITEMS) - 1}"


def _when(kind: str, at: datetime, now: datetime, tz: str) -> str:
    same_day = local(at, tz).date() == local(now, tz).date()
    return clock(at, tz) if same_day else stamp(at, tz)


def stored_text(kind: str, tool: str, values: dict[str, Any], row: Any, late: bool, now: datetime, tz: str) -> str:
    """The saved message for `row`, stored from the form's `values` at `now`."""
    parts = []
    if kind == "neuro-assessments" and tool == "ICE":
        parts.append(_ice_words(values))
    for field in form_fields(kind, tool):
        if (field.kind == "time" and field.name == TIME_FIELDS[kind]) or field.name in NOT_LISTED:
            continue
        if field.kind == "time":
            shown = values.get(field.name)
            parts.append(f"{field.label.split(' (')[0]} {shown.replace('T', ' ')}" if shown else None)
            continue
        words = _value_words(kind, field, values.get(field.name))
        parts.append(None if words is None else f"{field.label}: {words}")
    grade = getattr(row, "grade", None)
    if grade is not None:
        parts.append(f"{'CRS' if kind == 'crs-assessments' else 'ICANS'} grade {grade}")
    listed = "; ".join(p for p in parts if p)
    at = getattr(row, TIME_FIELDS[kind])
    times = f"{TIME_WORDS[kind]} {_when(kind, at, now, tz)}, recorded {clock(now, tz)}"
    if late:
        return f"{TITLES[kind]} saved as a late entry ({times}): {listed}."
    return f"{TITLES[kind]} saved ({times}): {listed}."
