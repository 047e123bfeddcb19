"""Provisional grades from what the bedside shows between formal assessments: obs and neurological events.

A set of obs is graded through the same ASTCT functions as an assessment, from what it holds: fever from the
temperature; hypotension from vasopressors, or from a systolic pressure below the ward's threshold without them
("not requiring vasopressors", grade 2); hypoxia from the oxygen device and flow; ICANS from the level of
consciousness alone. A domain the obs do not record is named as not graded, so a provisional grade is a floor
("at least"), never a guess that reads as normal. The formal assessment, when recorded, supersedes it.

`current_grade` is the one rule for the grade a patient has now: the last formal grade, unless something graded
provisionally since then is worse, in which case the worst such provisional grade stands until the next formal
assessment (a deterioration seen at 14:00 is not forgotten because obs at 15:00 look better: only a formal
assessment clears it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from toxicity.bands import FEVER_THRESHOLD_C
from toxicity.crs import CRSFindings, grade_crs
from toxicity.drugs import count_vasopressors
from toxicity.enums import RULE_SET
from toxicity.errors import InvalidAssessment
from toxicity.icans import CONSCIOUSNESS_GRADES, CONSCIOUSNESS_WORDS
from toxicity.neuro_events import NeuroEventRule
from toxicity.validation import require_aware, require_choice, require_int, require_optional_int, show

DEFAULT_SYSTOLIC_THRESHOLD_MMHG = 90
"""Hypotension in obs without vasopressors: a systolic below this (ward setting; 90 mmHg by default)."""

CRS_PROVISIONAL_MIN_GRADE = 2
"""Obs page for CRS from grade 2 (hypotension or hypoxia with fever): grade 1 is fever alone, which the
twice-daily assessment and the fever pathway already handle."""
ICANS_PROVISIONAL_MIN_GRADE = 1
"""Any ICANS grade from consciousness pages: depressed consciousness needs a neuro assessment now."""


@dataclass(frozen=True)
class ObsFindings:
    """What one set of obs recorded; None is "not recorded"."""

    temperature_c: float | None
    systolic_bp: int | None
    vasopressors: tuple[str, ...]
    oxygen_device: str | None
    oxygen_flow_l_min: float | None
    consciousness: str | None


@dataclass(frozen=True)
class Provisional:
    """A provisional grade (None: not assessable from this record, ``reasons`` say what is missing)."""

    syndrome: str
    grade: int | None
    reasons: tuple[str, ...]
    rule_set: str = RULE_SET


def provisional_crs(
    obs: ObsFindings,
    fever_masked: bool,
    masking_reason: str = "",
    systolic_threshold: int = DEFAULT_SYSTOLIC_THRESHOLD_MMHG,
) -> Provisional:
    """The CRS grade these obs show, or None when they cannot show one (no temperature before masking)."""
    threshold = require_int("systolic_threshold", systolic_threshold, 50, 120)
    systolic = require_optional_int("systolic_bp", obs.systolic_bp, 40, 300)
    notes: list[str] = []
    try:
        agents, vasopressin = count_vasopressors(list(obs.vasopressors))
    except InvalidAssessment as exc:
        return Provisional("CRS", None, (f"not assessable from obs: {exc}",))
    on_pressors = bool(agents or vasopressin)
    low_systolic = systolic is not None and systolic < threshold
    if low_systolic and not on_pressors:
        notes.append(f"hypotension from obs: systolic {systolic} mmHg < {threshold} mmHg without vasopressors")
    elif not on_pressors and systolic is None:
        notes.append("hypotension not graded from these obs: no systolic pressure and no vasopressors recorded")
    oxygen = obs.oxygen_device
    flow = obs.oxygen_flow_l_min
    if oxygen is None:
        notes.append("hypoxia not graded from these obs: oxygen device not recorded")
    if obs.temperature_c is None and not fever_masked:
        reason = f"not assessable from obs: no temperature recorded (fever >= {show(FEVER_THRESHOLD_C)} °C decides)"
        return Provisional("CRS", None, (reason, *notes))
    try:
        grade = grade_crs(
            CRSFindings(
                temperature_c=obs.temperature_c,
                hypotension=on_pressors or low_systolic,
                vasopressors=agents,
                vasopressin=vasopressin,
                # Not recorded: graded without a hypoxia domain (noted above), so the grade is a floor.
                oxygen=oxygen if oxygen is not None else "room_air",
                oxygen_flow_l_min=flow if oxygen is not None else None,
                after_tocilizumab_or_steroids=fever_masked,
                fever_masking_reason=masking_reason,
            )
        )
    except InvalidAssessment as exc:
        return Provisional("CRS", None, (f"not assessable from obs: {exc}",))
    reasons = [r for r in grade.reasons if not (oxygen is None and r.startswith("hypoxia:"))]
    if not (on_pressors or low_systolic) and systolic is None:
        reasons = [r for r in reasons if not r.startswith("hypotension:")]
    return Provisional("CRS", grade.grade, (*reasons, *notes), grade.rule_set)


def provisional_icans(consciousness: str | None) -> Provisional:
    """The ICANS grade the level of consciousness alone gives (Table 4), or None when it was not recorded."""
    if consciousness is None:
        return Provisional("ICANS", None, ("not assessable from obs: level of consciousness not recorded",))
    level = require_choice("consciousness", consciousness, tuple(CONSCIOUSNESS_GRADES))
    grade = CONSCIOUSNESS_GRADES[level]
    reason = f"consciousness: {level} ({CONSCIOUSNESS_WORDS[level]}) -> grade {grade} (ICE not assessed in obs)"
    return Provisional("ICANS", grade, (reason,))


def provisional_from_event(rule: NeuroEventRule) -> Provisional:
    """The ICANS grade a neurological event alone gives (its Table 4 domain)."""
    return Provisional("ICANS", rule.grade, (f"{rule.event} ({rule.words}) -> grade {rule.grade}",))


@dataclass(frozen=True)
class Graded:
    """One graded record in a patient's history: formal (an assessment) or provisional (obs, an event)."""

    at: datetime
    grade: int | None
    formal: bool
    source_type: str
    source_id: int
    reasons: tuple[str, ...] = ()
    rule_set: str = RULE_SET


@dataclass(frozen=True)
class CurrentGrade:
    """The grade a patient has now and why: ``grade`` is the formal grade (None: never assessed);
    ``provisional_grade`` the worse provisional grade since it, if any; ``source`` the record that sets
    ``effective``; ``requested_at`` when a formal assessment became due now because of the provisional grade."""

    syndrome: str
    grade: int | None
    provisional_grade: int | None
    source: Graded | None
    requested_at: datetime | None

    @property
    def effective(self) -> int | None:
        return self.provisional_grade if self.provisional_grade is not None else self.grade

    @property
    def provisional(self) -> bool:
        return self.provisional_grade is not None

    @property
    def reasons(self) -> tuple[str, ...]:
        return () if self.source is None else self.source.reasons


def worse(grade: int | None, worst_so_far: int | None) -> bool:
    """Whether a provisional grade is worse than the last formal grade and everything provisional since it."""
    return grade is not None and grade > (worst_so_far if worst_so_far is not None else 0)


def escalating(syndrome: str, grade: int | None, worst_so_far: int | None) -> bool:
    """Whether a provisional grade is worse (see `worse`) and high enough to page: CRS >= 2, ICANS >= 1."""
    floor = CRS_PROVISIONAL_MIN_GRADE if syndrome == "CRS" else ICANS_PROVISIONAL_MIN_GRADE
    return worse(grade, worst_so_far) and grade is not None and grade >= floor


def walk(syndrome: str, history: Iterable[Graded]) -> Iterable[tuple[Graded, Graded | None, int | None]]:
    """Each record in time order (formal before provisional at the same instant) with the last formal record
    before it and the worst grade (formal or provisional) since that formal record."""
    formal: Graded | None = None
    worst: int | None = None
    for row in sorted(history, key=lambda r: (require_aware("at", r.at), not r.formal, r.source_id)):
        if row.formal:
            yield row, formal, worst
            formal, worst = row, row.grade
            continue
        yield row, formal, worst
        if worse(row.grade, worst):
            worst = row.grade


def current_grade(syndrome: str, history: Sequence[Graded]) -> CurrentGrade:
    """The grade now: the last formal grade, raised by the worst provisional grade recorded after it (see
    `worse`); a formal assessment is due now from the first provisional grade since it that pages (see
    `escalating`)."""
    formal: Graded | None = None
    provisional: Graded | None = None
    requested: datetime | None = None
    for row, _, worst in walk(syndrome, history):
        if row.formal:
            formal, provisional, requested = row, None, None
            continue
        if worse(row.grade, worst):
            provisional = row
        if escalating(syndrome, row.grade, worst):
            requested = requested or row.at
    return CurrentGrade(
        syndrome,
        None if formal is None else formal.grade,
        None if provisional is None else provisional.grade,
        provisional or formal,
        requested,
    )
