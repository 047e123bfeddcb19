"""The CRS and ICANS grade a bed shows: the latest formal assessment, or a provisional grade from newer obs.

A provisional grade is shown when obs taken after the last formal assessment (or with none yet) grade
*higher* than it: a deterioration seen at the bedside must not wait twelve hours for the next CRS assessment.
A lower grade from obs is not shown: coming down a grade needs a formal assessment (obs record neither
fluid-only hypotension nor every oxygen device an assessor would). There is never a default grade: with no
assessment and no gradeable obs the grade is None and the badge says "not graded".

A formal grade is the stored one: the clinician's override when there is one, else the computed grade, with
the rule set the assessment was graded under (STYLE: every result names its rule set).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from data.models import CRSAssessment, NeuroAssessment, Observation
from toxicity import RULE_SET, CRSFindings, InvalidAssessment, count_vasopressors, fever_no_longer_required, grade_crs
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
    rule_set: str = ""
    overridden: bool = False

    @property
    def badge_text(self) -> str:
        return f"{self.syndrome} {'–' if self.grade is None else self.grade}"

    @property
    def note(self) -> str:
        """The words beside the badge: "not graded", or provisional / override and the rule set."""
        if self.grade is None:
            return "not graded"
        words = [word for word, shown in (("provisional", self.provisional), ("override", self.overridden)) if shown]
        return " · ".join([*words, *([self.rule_set] if self.rule_set else [])])

    @property
    def explanation(self) -> str:
        return "; ".join((self.source, *self.reasons))


def fever_masked_at(at: datetime, first_crs: datetime | None, doses: Iterable[tuple[datetime, str]]) -> bool:
    """Whether fever was no longer required at `at` (ASTCT 2019: CRS, then tocilizumab or steroids).

    `first_crs` is when CRS grade >= 1 was first recorded; `doses` are (given at, drug). Obs are graded with
    the masking in force when they were taken, as the write path grades an assessment at its own time.
    """
    if first_crs is None:
        return False
    return fever_no_longer_required(at, [(first_crs, 1)], [(when, drug) for when, drug in doses if when <= at])


def first_crs_episode(rows: Iterable[CRSAssessment]) -> datetime | None:
    """When CRS grade >= 1 (the stored grade, override included) was first recorded, from one patient's rows."""
    return min((row.assessed_at for row in rows if row.grade >= 1), default=None)


def crs_from_obs(obs: Observation, fever_masked: bool) -> tuple[int, tuple[str, ...], str] | None:
    """A CRS grade, its reasons and rule set from one set of obs; None when the obs cannot be graded.

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
    return grade.grade, grade.reasons, grade.rule_set


def crs_view(latest: CRSAssessment | None, obs: Observation | None, fever_masked: bool, when: str = "") -> GradeView:
    """The CRS badge. `when` formats times for the source text (e.g. a ward clock function's output)."""
    formal = _formal("CRS", latest)
    if obs is None or (latest is not None and latest.assessed_at >= obs.taken_at):
        return formal
    from_obs = crs_from_obs(obs, fever_masked)
    if from_obs is None:
        return formal
    grade, reasons, rule_set = from_obs
    if formal.grade is not None and grade <= formal.grade:
        return formal
    source = "provisional, from obs" + (f" at {when}" if when else "") + " (hypotension = on vasopressors)"
    return GradeView("CRS", grade, True, source, reasons, obs.taken_at, rule_set)


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
    return GradeView("ICANS", grade, True, source, reasons, obs.taken_at, RULE_SET)


def override_reason(grade: int, reason: str | None) -> str:
    """The reason line of a clinician's override, the same on the badge, in the preview and on the chart."""
    return f"override to grade {grade}: {reason}"


def stored_reasons(row: CRSAssessment | NeuroAssessment) -> list[str]:
    """The reasons of a stored grade, the clinician's override (when there is one) first."""
    override = [override_reason(row.override_grade, row.override_reason)] if row.override_grade is not None else []
    return [*override, *row.reasons]


def _formal(syndrome: str, row: CRSAssessment | NeuroAssessment | None) -> GradeView:
    if row is None:
        return GradeView(syndrome, None, False, "no assessment recorded", ())
    return GradeView(
        syndrome,
        row.grade,
        False,
        f"{row.rule_set} assessment",
        tuple(stored_reasons(row)),
        row.assessed_at,
        row.rule_set,
        overridden=row.override_grade is not None,
    )
