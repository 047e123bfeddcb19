"""The grade a CRS or neuro form would store, shown live as fields change and before anything is saved.

The same steps as the write path (`data.builders`): validate with `data.schemas`, then grade with `toxicity`
(attribution to another cause included), with fever masking and the patient's age taken at the form's own
assessment time, as the stored grade will be.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dashboard.views.answers import form_problems, lines
from dashboard.views.grades import override_reason
from data.audit import Actor
from data.builders import fever_masking, grade_crs_request, grade_neuro_request
from data.models import Patient
from data.records import check_ward
from data.schemas import CRSIn, NeuroIn, Override
from data.validation import InvalidInput, parse
from toxicity import FeverMasking, Grade, ICEParts, InvalidAssessment, ice_score
from toxicity.ice import ICE_MAX, ICE_PART_MAXIMA


@dataclass(frozen=True)
class Preview:
    """`grade` is None while the form cannot be graded; `problems` then says why."""

    syndrome: str
    grade: int | None
    reasons: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    score: str = ""
    rule_set: str = ""

    @property
    def headline(self) -> str:
        score = f"{self.score} · " if self.score else ""
        if self.grade is None:
            return f"{score}{self.syndrome} grade: not yet gradable"
        rule_set = f" ({self.rule_set})" if self.rule_set else ""
        return f"{score}{self.syndrome} grade {self.grade}{rule_set} if saved now"


def _stored(syndrome: str, grade: Grade, override: Override | None, score: str = "") -> Preview:
    """What would be stored: the clinician's override when one is given, else the computed grade."""
    if override is None:
        return Preview(syndrome, grade.grade, grade.reasons, score=score, rule_set=grade.rule_set)
    reasons = (override_reason(override.grade, override.reason), *grade.reasons)
    return Preview(syndrome, override.grade, reasons, score=score, rule_set=grade.rule_set)


def crs_preview(body: dict[str, Any], now: datetime, masked_at: Callable[[datetime], FeverMasking | bool]) -> Preview:
    """`masked_at(t)`: whether fever was no longer required at t (read only once the form is valid)."""
    try:
        parsed = parse(CRSIn, body, now)
        grade = grade_crs_request(parsed, masked_at(parsed.assessed_at))
    except InvalidInput as exc:
        return Preview("CRS", None, problems=tuple(lines("crs-assessments", "ICE", exc)))
    except InvalidAssessment as exc:
        return Preview("CRS", None, problems=(str(exc),))
    return _stored("CRS", grade, parsed.override)


def neuro_preview(body: dict[str, Any], patient: Patient, tool: str, now: datetime) -> Preview:
    score_text = ""
    try:
        parsed = parse(NeuroIn, body, now)
        if parsed.ice is not None:
            score_text = f"ICE {ice_score(ICEParts(**parsed.ice.model_dump()))}/{ICE_MAX}"
        elif parsed.capd_score is not None:
            score_text = f"CAPD {parsed.capd_score}"
        age = patient.age_years_at(parsed.assessed_at)
        _score, grade = grade_neuro_request(parsed, age, patient.developmental_delay)
    except InvalidInput as exc:
        partial = partial_ice(body) if tool == "ICE" else ""
        return Preview("ICANS", None, problems=tuple(lines("neuro-assessments", tool, exc)), score=partial)
    except InvalidAssessment as exc:
        return Preview("ICANS", None, problems=(str(exc),), score=score_text)
    return _stored("ICANS", grade, parsed.override, score_text)


SYNDROMES = {"crs-assessments": "CRS", "neuro-assessments": "ICANS"}


def form_preview(
    session: Session,
    kind: str,
    body: dict[str, Any],
    patient_id: int,
    tool: str,
    actor: Actor,
    now: datetime,
    values: dict[str, Any] | None = None,
) -> Preview | None:
    """The preview of a CRS or neuro form for a patient the actor may see; None when there is no such patient.
    A form that contradicts itself (`values`: what the fields hold) is not graded."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        return None
    check_ward(actor, patient)
    problems = form_problems(kind, values or {})
    if problems:
        return Preview(SYNDROMES[kind], None, problems=tuple(problems.values()))
    if kind == "crs-assessments":
        return crs_preview(body, now, lambda at: fever_masking(session, patient_id, at))
    return neuro_preview(body, patient, tool, now)


def partial_ice(body: dict[str, Any]) -> str:
    """While the ICE parts are being filled in: the running total and how many parts are still missing."""
    parts = body.get("ice") or {}
    numbers = [v for v in parts.values() if isinstance(v, int) and not isinstance(v, bool)]
    missing = len(ICE_PART_MAXIMA) - len(parts)
    if not parts:
        return ""
    return f"ICE {sum(numbers)}/{ICE_MAX} so far, {missing} part{'s' if missing != 1 else ''} to go" if missing else ""
