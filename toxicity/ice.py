"""The ICE score (Immune effector Cell-associated Encephalopathy score, 0-10; previously CARTOX-10).

Guideline: "Orientation to year, month, city, hospital (total of 4 points); Follows commands (1 point);
Naming three nearby objects (maximum of 3 points); Writing a standard sentence (1 point); Counting backwards
from 100 in tens (1 point)."
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from toxicity.errors import InvalidAssessment
from toxicity.validation import require_int


@dataclass(frozen=True)
class ICEParts:
    """The ICE items as integers; ``attention`` is counting back from 100 in tens."""

    orientation_year: int
    orientation_month: int
    orientation_city: int
    orientation_hospital: int
    follows_commands: int
    naming: int
    writing: int
    attention: int


ICE_PART_MAXIMA: dict[str, int] = {
    "orientation_year": 1,
    "orientation_month": 1,
    "orientation_city": 1,
    "orientation_hospital": 1,
    "follows_commands": 1,
    "naming": 3,
    "writing": 1,
    "attention": 1,
}
ICE_MAX = sum(ICE_PART_MAXIMA.values())


def ice_score(parts: ICEParts) -> int:
    """The total 0-10. Each part must be an integer in its range: naming 4, -1, 0.5, 1.0, None, "1" and True
    are rejected (never clamped) with the part and its range named, e.g. "naming: 4 is outside 0-3"."""
    if not isinstance(parts, ICEParts):
        raise InvalidAssessment(f"parts: expected ICEParts, got {type(parts).__name__}")
    return sum(
        require_int(part.name, getattr(parts, part.name), 0, ICE_PART_MAXIMA[part.name]) for part in fields(parts)
    )
