"""Thresholds and grade bands as data: the grading functions and the dashboard's charts read these tables.

Continuous bands (``Band``) carry explicit inclusive/exclusive bounds. Integer score bands (``ScoreBand``)
are plain ``(low, high, grade)`` tuples, inclusive at both ends. The outermost bounds of each table are the
accepted range of the input: a value outside every band is an error, never a default grade.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Generic, NamedTuple, TypeVar

from toxicity.errors import InvalidAssessment
from toxicity.validation import require_int, require_number, show

T = TypeVar("T")


@dataclass(frozen=True)
class Band(Generic[T]):
    """``low`` .. ``high`` with explicit inclusivity, and what a value inside it means (``outcome``)."""

    low: float
    high: float
    low_inclusive: bool
    high_inclusive: bool
    outcome: T
    label: str

    def contains(self, value: float) -> bool:
        above_low = value >= self.low if self.low_inclusive else value > self.low
        below_high = value <= self.high if self.high_inclusive else value < self.high
        return above_low and below_high

    def describe(self) -> str:
        left = "[" if self.low_inclusive else "("
        right = "]" if self.high_inclusive else ")"
        return f"{left}{show(self.low)}, {show(self.high)}{right}"


class ScoreBand(NamedTuple):
    """An integer score band, inclusive at both ends: ``ScoreBand(7, 9, 1)`` is "7-9 -> grade 1"."""

    low: int
    high: int
    grade: int


class Level(NamedTuple):
    """One ordinal level of a CRS domain and the grade it sets."""

    key: str
    label: str
    grade: int


def find_band(bands: Sequence[Band[T]], value: object, field: str, unit: str) -> Band[T]:
    """The band holding ``value``; InvalidAssessment (naming ``field`` and the range) if there is none."""
    low = min(band.low for band in bands)
    high = max(band.high for band in bands)
    number = require_number(field, value, low, high, unit)
    for band in bands:
        if band.contains(number):
            return band
    ranges = " or ".join(band.describe() for band in bands)
    raise InvalidAssessment(f"{field}: {show(value)} is outside {ranges} {unit}".rstrip())


def find_score_band(bands: Sequence[ScoreBand], score: object, field: str) -> ScoreBand:
    """The band holding an integer score; InvalidAssessment for non-integers or out-of-range scores."""
    value = require_int(field, score, min(b.low for b in bands), max(b.high for b in bands))
    for band in bands:
        if band.low <= value <= band.high:
            return band
    raise InvalidAssessment(f"{field}: {value} falls in no band")  # unreachable while the tables are contiguous


# --- CRS: fever -------------------------------------------------------------------------------------------
FEVER_THRESHOLD_C = 38.0
"""ASTCT 2019 Table (CRS), Fever: "Temperature >= 38°C" (the guideline lost the sign; 37.9 is not fever)."""
TEMPERATURE_MIN_C = 25.0
TEMPERATURE_MAX_C = 45.0
"""Plausible recorded body temperatures; anything outside is a recording error, not a grade."""

FEVER_BANDS: tuple[Band[bool], ...] = (
    Band(TEMPERATURE_MIN_C, FEVER_THRESHOLD_C, True, False, False, "no fever (< 38.0 °C)"),
    Band(FEVER_THRESHOLD_C, TEMPERATURE_MAX_C, True, True, True, "fever (>= 38.0 °C)"),
)

# --- CRS: hypoxia -----------------------------------------------------------------------------------------
LOW_FLOW_MAX_L_MIN = 6.0
"""Guideline Table 1 footnote: "Low-flow nasal cannula is <= 6 L/min and high-flow nasal cannula is > 6 L/min"."""
OXYGEN_FLOW_MAX_L_MIN = 80.0

NASAL_CANNULA_FLOW_BANDS: tuple[Band[int], ...] = (
    Band(0.0, LOW_FLOW_MAX_L_MIN, True, True, 2, "low-flow nasal cannula (<= 6 L/min)"),
    Band(LOW_FLOW_MAX_L_MIN, OXYGEN_FLOW_MAX_L_MIN, False, True, 3, "high-flow nasal cannula (> 6 L/min)"),
)

OXYGEN_LEVELS: tuple[Level, ...] = (
    Level("room_air", "room air", 0),
    Level("low_flow", "low-flow nasal cannula (<= 6 L/min) or blow-by", 2),
    Level("high_flow_or_mask", "high-flow nasal cannula (> 6 L/min), facemask, non-rebreather or Venturi", 3),
    Level("positive_pressure", "positive pressure (CPAP, BiPAP, intubation and mechanical ventilation)", 4),
)
"""ASTCT 2019 hypoxia: grade 2 "requiring low-flow nasal cannula or blow-by"; grade 3 "requiring high-flow
nasal cannula, facemask, nonrebreather mask, or Venturi mask"; grade 4 "requiring positive pressure"."""

OXYGEN_DEVICE_LEVELS: Mapping[str, str | None] = MappingProxyType(
    {
        "room_air": "room_air",
        "blow_by": "low_flow",
        "nasal_cannula": None,  # the recorded flow decides (NASAL_CANNULA_FLOW_BANDS)
        "low_flow_nasal_cannula": "low_flow",
        "high_flow_nasal_cannula": "high_flow_or_mask",
        "facemask": "high_flow_or_mask",
        "non_rebreather": "high_flow_or_mask",
        "venturi": "high_flow_or_mask",
        "cpap": "positive_pressure",
        "bipap": "positive_pressure",
        "mechanical_ventilation": "positive_pressure",
    }
)

# --- CRS: hypotension -------------------------------------------------------------------------------------
HYPOTENSION_LEVELS: tuple[Level, ...] = (
    Level("none", "no hypotension", 0),
    Level("fluids_only", "hypotension not requiring vasopressors", 2),
    Level("one_vasopressor", "one vasopressor with or without vasopressin", 3),
    Level("multiple_vasopressors", "multiple vasopressors (excluding vasopressin)", 4),
)
"""ASTCT 2019 hypotension: grade 2 "not requiring vasopressors"; grade 3 "requiring a vasopressor with or
without vasopressin"; grade 4 "requiring multiple vasopressors (excluding vasopressin)"."""
MAX_VASOPRESSORS = 10


def level(levels: Sequence[Level], key: str) -> Level:
    for candidate in levels:
        if candidate.key == key:
            return candidate
    raise KeyError(key)


# --- ICANS: ICE and CAPD ----------------------------------------------------------------------------------
ICE_BANDS: tuple[ScoreBand, ...] = (
    ScoreBand(10, 10, 0),
    ScoreBand(7, 9, 1),
    ScoreBand(3, 6, 2),
    ScoreBand(0, 2, 3),
)
"""Guideline Table 4, ICE score: grade 1 "7-9", grade 2 "3-6", grade 3 "0-2"; 10 is normal (grade 0)."""
ICE_UNABLE_GRADE = 4
"""Table 4, ICE score grade 4: "0 (unable to perform ICE)" - the patient is unarousable."""

CAPD_BANDS: tuple[ScoreBand, ...] = (
    ScoreBand(0, 0, 0),
    ScoreBand(1, 8, 1),
    ScoreBand(9, 32, 3),
)
"""ASTCT 2019 (children under 12): CAPD 1-8 -> grade 1 (2 only through consciousness), >= 9 -> grade 3."""
CAPD_UNABLE_GRADE = 4
CAPD_AGE_LIMIT_YEARS = 12.0
"""ASTCT 2019: CAPD for children "age < 12 years" (and older children with developmental delay)."""
AGE_MAX_YEARS = 130.0

# --- HLH / MAS --------------------------------------------------------------------------------------------
HLH_FERRITIN_THRESHOLD_NG_ML = 10_000.0
"""Guideline Table 6 (HLH): "a peak serum ferritin level of >10,000 ng/ml" - 10,000 itself fails."""

FERRITIN_BANDS: tuple[Band[bool], ...] = (
    Band(0.0, HLH_FERRITIN_THRESHOLD_NG_ML, True, True, False, "ferritin <= 10,000 ng/mL"),
    Band(HLH_FERRITIN_THRESHOLD_NG_ML, math.inf, False, False, True, "ferritin > 10,000 ng/mL"),
)
