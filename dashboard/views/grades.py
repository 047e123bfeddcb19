"""The CRS and ICANS grade a bed shows, as `alerts.status` decides it (the sweep, the pager and the status API
read the same decision): the last formal assessment, or a provisional grade from obs or a neurological event
recorded since that is worse. There is never a default grade: with no assessment and nothing gradeable the grade
is None and the badge says "not graded".

A formal grade is the stored one: the clinician's override when there is one, else the computed grade, with the
rule set the assessment was graded under (STYLE: every result names its rule set).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alerts.status import override_line
from toxicity import CurrentGrade

SOURCE_WORDS = {
    "crs-assessments": "assessment",
    "neuro-assessments": "assessment",
    "observations": "obs",
    "neuro-events": "neurological event",
}


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


def grade_view(current: CurrentGrade, when: str = "") -> GradeView:
    """The badge for a decided grade. `when` is the source record's time as the ward's clock shows it."""
    source = current.source
    if source is None:
        return GradeView(current.syndrome, None, False, "no assessment recorded", ())
    at = f" at {when}" if when else ""
    if current.provisional:
        words = SOURCE_WORDS.get(source.source_type, source.source_type)
        formal = "no formal grade" if current.grade is None else f"formal grade {current.grade}"
        text = f"provisional, from {words}{at} ({formal}; formal assessment due now)"
        return GradeView(current.syndrome, current.effective, True, text, source.reasons, source.at, source.rule_set)
    overridden = bool(source.reasons) and source.reasons[0].startswith("override to grade")
    return GradeView(
        current.syndrome,
        current.grade,
        False,
        f"{source.rule_set} assessment{at}",
        source.reasons,
        source.at,
        source.rule_set,
        overridden=overridden,
    )


def override_reason(grade: int, reason: str | None) -> str:
    """The reason line of a clinician's override, the same on the badge, in the preview and on the chart."""
    return override_line(grade, reason)
