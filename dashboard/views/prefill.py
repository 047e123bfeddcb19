"""What a recording form opens with: the time empty (the moment of saving), no answer to any finding that must be
stated, and for the CRS form what the newest obs recorded, each pre-filled value marked with the obs it came from
and that obs's time. Newer obs saved while the page is open move the pre-fill on (`refill`).

Only values the obs actually recorded are pre-filled, never a default: no temperature, device or flow is made
up, and hypotension is never pre-filled (an obs without vasopressors does not say there was no hypotension).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dashboard.views.forms import form_fields
from dashboard.views.timefmt import clock, local, stamp
from data import queries
from data.models import Observation

PREFILLABLE = ("crs-assessments",)
"""The forms that may carry values from an earlier record (and so have a marker under each field)."""


def crs_prefill(obs: Observation) -> dict[str, Any]:
    """The CRS findings the obs recorded: temperature, oxygen device and flow, the vasopressors running."""
    values: dict[str, Any] = {}
    if obs.temperature_c is not None:
        values["temperature_c"] = obs.temperature_c
    if obs.oxygen_device is not None:
        values["oxygen"] = obs.oxygen_device
    if obs.oxygen_flow_l_min is not None:
        values["oxygen_flow_l_min"] = obs.oxygen_flow_l_min
    if obs.vasopressors:
        values["vasopressors"] = list(obs.vasopressors)
    return values


def source_text(obs: Observation, now: datetime, tz: str) -> str:
    """ "obs at 14:05" when the obs is from today (ward time), else with its day: "obs at Mon 23 Nov 22:05"."""
    same_day = local(obs.taken_at, tz).date() == local(now, tz).date()
    return f"obs at {clock(obs.taken_at, tz) if same_day else stamp(obs.taken_at, tz)}"


def prefilled(kind: str, obs: Observation | None, now: datetime, tz: str) -> dict[str, dict[str, Any]]:
    """Each pre-filled field's value and where it came from, by field name (the page keeps it in a store)."""
    if kind != "crs-assessments" or obs is None:
        return {}
    source = source_text(obs, now, tz)
    return {name: {"value": value, "source": source} for name, value in crs_prefill(obs).items()}


def initial_values(kind: str, tool: str, now: datetime, tz: str, obs: Observation | None = None) -> dict[str, Any]:
    """What the form shows when it opens: the record's time empty (the moment of saving unless the nurse sets
    one), the defaults (none for a finding that must be stated), and for CRS what the newest obs recorded."""
    values = {f.name: f.default for f in form_fields(kind, tool)}
    values.update({name: item["value"] for name, item in prefilled(kind, obs, now, tz).items()})
    return values


def _same(value: Any, original: Any) -> bool:
    if isinstance(value, list) and isinstance(original, list):
        return sorted(map(str, value)) == sorted(map(str, original))
    return bool(value == original)


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("_", " ")


def mark(name: str, value: Any, filled: dict[str, dict[str, Any]]) -> str:
    """The marker under a field: where its pre-filled value came from, or that the nurse changed it."""
    item = filled.get(name)
    if item is None:
        return ""
    if _same(value, item["value"]):
        return f"from {item['source']}"
    return f"changed: the {item['source']} had {_shown(item['value'])}"


def marks(names: list[str], values: dict[str, Any], filled: dict[str, dict[str, Any]]) -> list[str]:
    """The markers of a form's fields in `names` order, for the values the form now holds."""
    return [mark(name, values.get(name), filled) for name in names]


def newest_obs(session: Session, patient_id: int) -> Observation | None:
    """The patient's newest obs in force (the one a CRS form pre-fills from)."""
    return queries.latest_per_patient(session, Observation, [patient_id]).get(patient_id)


def _untouched(value: Any, name: str, filled: dict[str, dict[str, Any]]) -> bool:
    """Empty, or still what was pre-filled: the nurse has not answered it themselves."""
    item = filled.get(name)
    empty = value is None or value == "" or value == []
    return empty or (item is not None and _same(value, item["value"]))


def refill(
    names: list[str], values: dict[str, Any], filled: dict[str, dict[str, Any]], newest: dict[str, dict[str, Any]]
) -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """The CRS form after newer obs: each field the nurse has not touched follows the newest obs (its value, or
    empty when that obs did not record it); a field the nurse answered stays as they left it, still marked
    against the obs it was pre-filled from. Returns the values in `names` order and the new pre-fill sources."""
    out: list[Any] = []
    sources: dict[str, dict[str, Any]] = {}
    for name in names:
        value = values.get(name)
        if name in filled and not _untouched(value, name, filled):
            out.append(value)
            sources[name] = filled[name]
        elif name in newest:
            out.append(newest[name]["value"])
            sources[name] = newest[name]
        elif name in filled:
            out.append([] if isinstance(value, list) else None)
        else:
            out.append(value)
    return out, sources
