"""The grade a CRS or neuro form would store, shown live as fields change and before anything is saved.

The same steps as the write path: validate with `data.schemas`, then grade with `toxicity` (attribution to
another cause included). Fever masking and the patient's age are passed in by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from data.builders import grade_crs_request, grade_neuro_request
from data.schemas import CRSIn, NeuroIn
from data.validation import InvalidInput, parse
from toxicity import ICEParts, InvalidAssessment, ice_score


@dataclass(frozen=True)
class Preview:
    """`grade` is None while the form cannot be graded; `problems` then says why."""

    syndrome: str
    grade: int | None
    reasons: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    score: str = ""

    @property
    def headline(self) -> str:
        score = f"{self.score} · " if self.score else ""
        if self.grade is None:
            return f"{score}{self.syndrome} grade: not yet gradable"
        return f"{score}{self.syndrome} grade {self.grade} if saved now"


def _problems(error: InvalidInput) -> tuple[str, ...]:
    return tuple(f"{e.field}: {e.message}" for e in error.errors)


def crs_preview(body: dict[str, Any], fever_masked: bool, now: datetime) -> Preview:
    try:
        parsed = parse(CRSIn, body, now)
        grade = grade_crs_request(parsed, fever_masked)
    except InvalidInput as exc:
        return Preview("CRS", None, problems=_problems(exc))
    except InvalidAssessment as exc:
        return Preview("CRS", None, problems=(str(exc),))
    reasons = grade.reasons
    if parsed.override is not None:
        reasons = (*reasons, f"override to grade {parsed.override.grade}: {parsed.override.reason}")
        return Preview("CRS", parsed.override.grade, reasons)
    return Preview("CRS", grade.grade, reasons)


def neuro_preview(
    body: dict[str, Any], age_years: float, developmental_delay: bool, tool: str, now: datetime
) -> Preview:
    score_text = ""
    try:
        parsed = parse(NeuroIn, body, now)
        if parsed.ice is not None:
            score_text = f"ICE {ice_score(ICEParts(**parsed.ice.model_dump()))}/10"
        elif parsed.capd_score is not None:
            score_text = f"CAPD {parsed.capd_score}"
        _score, grade = grade_neuro_request(parsed, age_years, developmental_delay)
    except InvalidInput as exc:
        return Preview("ICANS", None, problems=_problems(exc), score=partial_ice(body) if tool == "ICE" else "")
    except InvalidAssessment as exc:
        return Preview("ICANS", None, problems=(str(exc),), score=score_text)
    if parsed.override is not None:
        reasons = (*grade.reasons, f"override to grade {parsed.override.grade}: {parsed.override.reason}")
        return Preview("ICANS", parsed.override.grade, reasons, score=score_text)
    return Preview("ICANS", grade.grade, grade.reasons, score=score_text)


def partial_ice(body: dict[str, Any]) -> str:
    """While the ICE parts are being filled in: the running total and how many parts are still missing."""
    parts = body.get("ice") or {}
    numbers = [v for v in parts.values() if isinstance(v, int) and not isinstance(v, bool)]
    missing = 8 - len(parts)
    if not parts:
        return ""
    return f"ICE {sum(numbers)}/10 so far, {missing} part{'s' if missing != 1 else ''} to go" if missing else ""
