"""Findings as an assessor records them: every required finding stated.

The grading functions have no defaults for the findings a nurse must state (oxygen device, consciousness,
seizure, motor weakness, raised-ICP findings). These helpers state the normal value ("room_air", "alert",
"none", no weakness, no findings) for every one a test does not name, so a test about one domain can name
only that domain; the tests of missing findings build the dataclasses directly.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from toxicity import CRSFindings, NeuroFindings

_CRS_POSITIONS = [f.name for f in dataclasses.fields(CRSFindings)]
_NEURO_POSITIONS = [f.name for f in dataclasses.fields(NeuroFindings)]
_CRS_NORMAL: dict[str, Any] = {"oxygen": "room_air"}
_NEURO_NORMAL: dict[str, Any] = {
    "consciousness": "alert",
    "seizure": "none",
    "deep_focal_motor_weakness": False,
    "icp_findings": frozenset(),
}


def _stated(positions: list[str], normal: dict[str, Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    named = set(positions[: len(args)]) | set(kwargs)
    for name, value in normal.items():
        if name not in named:
            kwargs[name] = value


def crs_findings(*args: Any, **kwargs: Any) -> CRSFindings:
    _stated(_CRS_POSITIONS, _CRS_NORMAL, args, kwargs)
    return CRSFindings(*args, **kwargs)


def neuro_findings(*args: Any, **kwargs: Any) -> NeuroFindings:
    _stated(_NEURO_POSITIONS, _NEURO_NORMAL, args, kwargs)
    return NeuroFindings(*args, **kwargs)
