"""The CRS and ICANS grade a bed shows: the latest formal assessment, or a provisional grade from newer obs.

A provisional grade is shown when obs taken after the last formal assessment (or with none yet) grade
*higher* than it: a deterioration seen at the bedside must not wait twelve hours for the next CRS assessment.
A lower grade from obs is not shown: coming down a grade needs a formal assessment (obs record neither
fluid-only hypotension nor every oxygen device an assessor would). There is never a default grade: with no
assessment and no gradeable obs the grade is None and the badge says "not graded".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from data.models import CRSAssessment, NeuroAssessment, Observation
from toxicity import CRSFindings, InvalidAssessment, count_vasopressors, grade_crs
from toxicity.icans import CONSCIOUSNESS_GRADES


@dataclass(frozen=True)
class GradeView:
    """What a grade badge shows. `source` says where the grade came from, `reasons` why."""

    syndrome: str  # "CRS" or "ICANS"
    grade: int | None
    provisional: bool
    source: str
    reasons: tuple[str, ...]
    at: datetime | None = None

    @property
    def badge_text(self) -> str:
        return f"{self.syndrome} {'–' if self.grade is None else self.grade}"

    @property
    def note(self) -> str:
        if self.grade is None:
            return "not graded"
        return "provisional" if self.provisional else ""

    @property
    def explanation(self) -> str:
        return "; ".join((self.source, *self.reasons))


def crs_from_obs(obs: Observation, fever_masked: bool) -> tuple[int, tuple[str, ...]] | None:
    """A CRS grade from one set of obs, or None when the obs cannot be graded (e.g. no temperature).

    Obs record vasopressors but not fluid-only hypotension, so hypotension here means "on vasopressors".
    """
    try:
        agents, vasopressin = count_vasopressors(obs.vasopressors or [])
        grade = grade_crs(
            CRSFindings(
                temperature_c=obs.temperature_c,
                hypotension=bool(agents or vasopressin),
                vasopressors=agents,
                vasopressin=vasopressin,
                oxygen=obs.oxygen_device,
                oxygen_flow_l_min=obs.oxygen_flow_l_min,
                after_tocilizumab_or_steroids=fever_masked,
            )
        )
    except InvalidAssessment:
        return None
    return grade.grade, grade.reasons


def crs_view(latest: CRSAssessment | None, obs: Observation | None, fever_masked: bool, when: str = "") -> GradeView:
    """The CRS badge. `when` formats times for the source text (e.g. a ward clock function's output)."""
    formal = _formal("CRS", latest)
    if obs is None or (latest is not None and latest.assessed_at >= obs.taken_at):
        return formal
    from_obs = crs_from_obs(obs, fever_masked)
    if from_obs is None:
        return formal
    grade, reasons = from_obs
    if formal.grade is not None and grade <= formal.grade:
        return formal
    source = "provisional, from obs" + (f" at {when}" if when else "") + " (hypotension = on vasopressors)"
    return GradeView("CRS", grade, True, source, reasons, obs.taken_at)


def icans_view(latest: NeuroAssessment | None, obs: Observation | None, when: str = "") -> GradeView:
    """The ICANS badge: a newer obs can raise it through the level of consciousness alone."""
    formal = _formal("ICANS", latest)
    if obs is None or obs.consciousness is None or (latest is not None and latest.assessed_at >= obs.taken_at):
        return formal
    grade = CONSCIOUSNESS_GRADES.get(obs.consciousness)
    if grade is None or grade == 0 or (formal.grade is not None and grade <= formal.grade):
        return formal
    level = obs.consciousness.replace("_", " ")
    reasons = (f"consciousness: {level} -> grade {grade} (ICE not yet assessed)",)
    source = "provisional, from obs" + (f" at {when}" if when else "")
    return GradeView("ICANS", grade, True, source, reasons, obs.taken_at)


def _formal(syndrome: str, row: CRSAssessment | NeuroAssessment | None) -> GradeView:
    if row is None:
        return GradeView(syndrome, None, False, "no assessment recorded", ())
    reasons = tuple(row.reasons)
    if row.override_grade is not None:
        reasons = (f"override to grade {row.override_grade}: {row.override_reason}", *reasons)
    return GradeView(syndrome, row.grade, False, f"{row.rule_set} assessment", reasons, row.assessed_at)
