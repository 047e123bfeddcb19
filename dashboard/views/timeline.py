"""One patient's records as data frames for the trajectory chart (only that patient's rows are read)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from data.queries import patient_timeline
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
    "provisional",
    "reasons",
    "temperature_c",
    "hypotension",
    "vasopressors",
    "oxygen",
    "oxygen_flow_l_min",
)
NEURO_COLUMNS = ("id", "assessed_at", "grade", "reasons", "tool", "ice_score", "capd_score", "unable")
LAB_COLUMNS = ("collected_at", "analyte", "value", "unit")
MED_COLUMNS = ("given_at", "drug", "drug_class", "dose", "unit", "route")


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
            "provisional": False,
            "reasons": list(r.reasons),
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
            "reasons": list(r.reasons),
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


def load_frames(session: Session, patient_id: int) -> Frames:
    return frames_from_rows(patient_timeline(session, patient_id))


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
