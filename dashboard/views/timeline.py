"""One patient's records as data frames for the trajectory chart, and the ordinal levels (haemodynamics,
oxygen) both the chart and the bay's cards put into words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from alerts.status import with_override
from toxicity import (
    HYPOTENSION_LEVELS,
    NASAL_CANNULA_FLOW_BANDS,
    OXYGEN_DEVICE_LEVELS,
    OXYGEN_LEVELS,
    InvalidAssessment,
    count_vasopressors,
)

OBS_COLUMNS = ("taken_at", "temperature_c", "vasopressors", "oxygen_device", "oxygen_flow_l_min", "consciousness")
CRS_COLUMNS = (
    "id",
    "assessed_at",
    "grade",
    "rule_set",
    "overridden",
    "reasons",
    "temperature_c",
    "hypotension",
    "vasopressors",
    "oxygen",
    "oxygen_flow_l_min",
)
NEURO_COLUMNS = (
    "id",
    "assessed_at",
    "grade",
    "rule_set",
    "overridden",
    "reasons",
    "tool",
    "ice_score",
    "capd_score",
    "unable",
)
LAB_COLUMNS = ("collected_at", "analyte", "value", "unit")
MED_COLUMNS = ("given_at", "drug", "drug_class", "dose", "unit", "route")
# Short words for each ordinal level: the chart's tick labels and the bay's oxygen text say the same.
LEVEL_WORDS = {
    "none": "none",
    "fluids_only": "fluids",
    "one_vasopressor": "1 pressor",
    "multiple_vasopressors": "multiple",
    "room_air": "room air",
    "low_flow": "low-flow",
    "high_flow_or_mask": "high-flow/mask",
    "positive_pressure": "pos. pressure",
}


@dataclass(frozen=True)
class Frames:
    obs: pd.DataFrame
    crs: pd.DataFrame
    neuro: pd.DataFrame
    labs: pd.DataFrame
    meds: pd.DataFrame


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def frames_from_rows(timeline: dict[str, list[Any]]) -> Frames:
    """Data frames from `data.queries.patient_timeline` rows (each already in time order)."""
    obs = [{c: getattr(r, c) for c in OBS_COLUMNS} for r in timeline["observations"]]
    crs = [
        {
            "id": r.id,
            "assessed_at": r.assessed_at,
            "grade": r.grade,
            "rule_set": r.rule_set,
            "overridden": r.override_grade is not None,
            "reasons": list(with_override(r.reasons, r.override_grade, r.override_reason)),
            "temperature_c": r.temperature_c,
            "hypotension": r.hypotension,
            "vasopressors": list(r.vasopressors or []),
            "oxygen": r.oxygen,
            "oxygen_flow_l_min": r.oxygen_flow_l_min,
        }
        for r in timeline["crs_assessments"]
    ]
    neuro = [
        {
            "id": r.id,
            "assessed_at": r.assessed_at,
            "grade": r.grade,
            "rule_set": r.rule_set,
            "overridden": r.override_grade is not None,
            "reasons": list(with_override(r.reasons, r.override_grade, r.override_reason)),
            "tool": r.tool,
            "ice_score": r.ice_score,
            "capd_score": r.capd_score,
            "unable": r.unable_to_perform_assessment,
        }
        for r in timeline["neuro_assessments"]
    ]
    labs = [{c: getattr(r, c) for c in LAB_COLUMNS} for r in timeline["labs"]]
    meds = [{c: getattr(r, c) for c in MED_COLUMNS} for r in timeline["medications"]]
    return Frames(
        obs=_frame(obs, OBS_COLUMNS),
        crs=_frame(crs, CRS_COLUMNS),
        neuro=_frame(neuro, NEURO_COLUMNS),
        labs=_frame(labs, LAB_COLUMNS),
        meds=_frame(meds, MED_COLUMNS),
    )


def hypotension_level(hypotension: bool, vasopressors: list[str]) -> int:
    """The index in `HYPOTENSION_LEVELS`: none, fluids only, one vasopressor, multiple (vasopressin excluded)."""
    keys = [level.key for level in HYPOTENSION_LEVELS]
    if not hypotension:
        return keys.index("none")
    agents, vasopressin = count_vasopressors(vasopressors)
    if agents == 0 and not vasopressin:
        return keys.index("fluids_only")
    return keys.index("multiple_vasopressors" if agents > 1 else "one_vasopressor")


def oxygen_level(device: str, flow: float | None) -> int | None:
    """The index in `OXYGEN_LEVELS` for a device (a plain nasal cannula by its flow); None if unknown."""
    key = OXYGEN_DEVICE_LEVELS.get(device)
    if key is None:
        if device != "nasal_cannula" or flow is None:
            return None
        band = next((b for b in NASAL_CANNULA_FLOW_BANDS if b.contains(flow)), None)
        if band is None:
            return None
        key = next(level.key for level in OXYGEN_LEVELS if level.grade == band.outcome)
    return [level.key for level in OXYGEN_LEVELS].index(key)


def safe_hypotension_level(hypotension: bool, vasopressors: list[str]) -> int | None:
    try:
        return hypotension_level(hypotension, vasopressors)
    except InvalidAssessment:
        return None


def oxygen_words(device: str | None, flow: float | None) -> str:
    """Oxygen as the bedside says it, with the level that grades it: "nasal cannula 8 L/min (high-flow/mask)".

    A plain nasal cannula is graded by its flow, so without a flow its level is unknown and the text says so; obs
    that did not record the device say so, never "room air"."""
    if device is None:
        return "oxygen not recorded"
    if device == "room_air":
        return LEVEL_WORDS["room_air"]
    flow_text = f" {flow:g} L/min" if flow is not None else ""
    index = oxygen_level(device, flow)
    if index is None:
        suffix = " (flow not recorded)" if flow is None else ""
    else:
        suffix = f" ({LEVEL_WORDS[OXYGEN_LEVELS[index].key]})"
    return f"{device.replace('_', ' ')}{flow_text}{suffix}"
