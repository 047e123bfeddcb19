"""Data frames for figure tests, built the way `views.timeline` builds them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd

from dashboard.views.timeline import CRS_COLUMNS, LAB_COLUMNS, MED_COLUMNS, NEURO_COLUMNS, OBS_COLUMNS, Frames
from tests.unit.dashboard.factories import NOW

ORIGIN = NOW - timedelta(days=3)


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def frames(tool: str = "ICE") -> Frames:
    hours = [ORIGIN + timedelta(hours=h) for h in (0, 12, 24, 36)]
    obs = [
        {
            "taken_at": t,
            "temperature_c": temp,
            "vasopressors": [],
            "oxygen_device": "room_air",
            "oxygen_flow_l_min": None,
            "consciousness": "alert",
        }
        for t, temp in zip(hours, (36.8, 38.4, 38.9, 37.2), strict=True)
    ]
    crs = [
        {
            "id": 1,
            "assessed_at": hours[1],
            "grade": 1,
            "rule_set": "ASTCT 2019",
            "overridden": False,
            "reasons": ["fever"],
            "temperature_c": 38.4,
            "hypotension": False,
            "vasopressors": [],
            "oxygen": "room_air",
            "oxygen_flow_l_min": None,
        },
        {
            "id": 2,
            "assessed_at": hours[2],
            "grade": 3,
            "rule_set": "ASTCT 2019",
            "overridden": True,
            "reasons": ["override to grade 3: clinical concern", "hypotension"],
            "temperature_c": 38.9,
            "hypotension": True,
            "vasopressors": ["noradrenaline"],
            "oxygen": "nasal_cannula",
            "oxygen_flow_l_min": 3.0,
        },
    ]
    score = {"ICE": ("ice_score", 6), "CAPD": ("capd_score", 9)}[tool]
    neuro = [
        {
            "consciousness": "alert",
            "seizure": "none",
            "deep_focal_motor_weakness": False,
            "icp_findings": [],
            "id": 1,
            "assessed_at": hours[2],
            "grade": 2,
            "rule_set": "ASTCT 2019",
            "overridden": False,
            "reasons": ["ICE 6"],
            "tool": tool,
            "ice_score": None,
            "capd_score": None,
            "unable": False,
            score[0]: score[1],
        },
        {
            "consciousness": "alert",
            "seizure": "none",
            "deep_focal_motor_weakness": False,
            "icp_findings": [],
            "id": 2,
            "assessed_at": hours[3],
            "grade": 4,
            "rule_set": "ASTCT 2019",
            "overridden": False,
            "reasons": ["unable"],
            "tool": tool,
            "ice_score": None,
            "capd_score": None,
            "unable": True,
        },
    ]
    labs = [
        {"collected_at": hours[0], "analyte": "ferritin", "value": 900.0, "unit": "ng/mL"},
        {"collected_at": hours[2], "analyte": "ferritin", "value": 25_000.0, "unit": "ng/mL"},
        {"collected_at": hours[2], "analyte": "crp", "value": 80.0, "unit": "mg/L"},
        {"collected_at": hours[0], "analyte": "neutrophils", "value": 0.3, "unit": "10*9/L"},
        {"collected_at": hours[2], "analyte": "neutrophils", "value": 0.9, "unit": "10*9/L"},
        {"collected_at": hours[2], "analyte": "platelets", "value": 42.0, "unit": "10*9/L"},
    ]
    meds = [
        {
            "given_at": hours[2],
            "drug": "tocilizumab",
            "drug_class": "anti_il6",
            "dose": 560.0,
            "unit": "mg",
            "route": "IV",
        },
        {
            "given_at": hours[3],
            "drug": "dexamethasone",
            "drug_class": "corticosteroid",
            "dose": 10.0,
            "unit": "mg",
            "route": "IV",
        },
        {
            "given_at": hours[3],
            "drug": "levetiracetam",
            "drug_class": "antiepileptic",
            "dose": 500.0,
            "unit": "mg",
            "route": "IV",
        },
    ]
    return Frames(
        obs=_frame(obs, OBS_COLUMNS),
        crs=_frame(crs, CRS_COLUMNS),
        neuro=_frame(neuro, NEURO_COLUMNS),
        labs=_frame(labs, LAB_COLUMNS),
        meds=_frame(meds, MED_COLUMNS),
    )


def empty() -> Frames:
    return Frames(
        obs=_frame([], OBS_COLUMNS),
        crs=_frame([], CRS_COLUMNS),
        neuro=_frame([], NEURO_COLUMNS),
        labs=_frame([], LAB_COLUMNS),
        meds=_frame([], MED_COLUMNS),
    )
