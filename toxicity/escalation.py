"""Which escalations a change causes, with severity. Pure decisions: the alerts package delivers them.

Messages name the syndrome, grades and values only, never the patient: pages are insecure (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from toxicity.bands import FERRITIN_BANDS, HLH_FERRITIN_THRESHOLD_NG_ML, find_band
from toxicity.enums import RULE_SET
from toxicity.errors import InvalidAssessment
from toxicity.tocilizumab import (
    GUIDELINE_MIN_INTERVAL,
    MAX_DOSES,
    MAX_IN_24H,
    check_min_interval,
    checked_doses,
    doses_in_24h,
)
from toxicity.validation import require_aware, require_bool, require_int, require_items, require_optional_int, show


class Severity(StrEnum):
    """Ordered by clinical urgency (not alphabetically): info < warning < urgent < critical."""

    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return SEVERITY_ORDER.index(self)

    def __lt__(self, other: str) -> bool:
        return self.rank < severity_rank(other)

    def __le__(self, other: str) -> bool:
        return self.rank <= severity_rank(other)

    def __gt__(self, other: str) -> bool:
        return self.rank > severity_rank(other)

    def __ge__(self, other: str) -> bool:
        return self.rank >= severity_rank(other)


SEVERITY_ORDER: tuple[Severity, ...] = (Severity.INFO, Severity.WARNING, Severity.URGENT, Severity.CRITICAL)


def severity_rank(severity: object) -> int:
    """0 for info up to 3 for critical; accepts the plain strings too."""
    if isinstance(severity, str) and severity in SEVERITY_ORDER:
        return SEVERITY_ORDER.index(Severity(severity))
    allowed = ", ".join(SEVERITY_ORDER)
    raise InvalidAssessment(f"severity: {severity!r} is not allowed; allowed: {allowed}")


def max_severity(severities: Iterable[str]) -> Severity | None:
    """The most severe of ``severities`` (None when there are none)."""
    items = require_items("severities", severities, "severities")
    ranked = [SEVERITY_ORDER[severity_rank(severity)] for severity in items]
    return max(ranked, key=severity_rank, default=None)


def severity_for_grade(grade: int) -> Severity:
    """Grade 1 -> warning, 2 -> urgent, >= 3 -> critical (grade 0 -> info: nothing to escalate)."""
    grade = require_int("grade", grade, 0, 4)
    if grade >= 3:
        return Severity.CRITICAL
    return (Severity.INFO, Severity.WARNING, Severity.URGENT)[grade]


RECIPIENTS: dict[Severity, tuple[str, ...]] = {
    Severity.INFO: (),
    Severity.WARNING: ("nurse_in_charge",),
    Severity.URGENT: ("nurse_in_charge", "registrar"),
    Severity.CRITICAL: ("nurse_in_charge", "registrar", "consultant"),
}
"""Hints only: the alerts package's escalation chains decide who is paged."""


@dataclass(frozen=True)
class Escalation:
    kind: str
    severity: Severity
    grade: int | None
    message: str
    recipients_hint: tuple[str, ...] = ()


def _grade_escalations(syndrome: str, previous: int | None, new: int) -> tuple[Escalation, ...]:
    key = syndrome.lower()
    before = require_optional_int(f"previous_{key}_grade", previous, 0, 4)
    after = require_int(f"new_{key}_grade", new, 0, 4)
    severity = severity_for_grade(after)
    if (before is None or before == 0) and after >= 1:
        message = f"{syndrome} onset: grade {after} ({RULE_SET})"
        return (Escalation(f"{key}_onset", severity, after, message, RECIPIENTS[severity]),)
    if before is not None and before >= 1 and after > before:
        message = f"{syndrome} rose from grade {before} to grade {after} ({RULE_SET})"
        return (Escalation(f"{key}_rise", severity, after, message, RECIPIENTS[severity]),)
    return ()


def crs_escalations(previous: int | None, new: int) -> tuple[Escalation, ...]:
    """ "crs_onset" when the grade goes from none/0 to >= 1; "crs_rise" on any rise from >= 1."""
    return _grade_escalations("CRS", previous, new)


def icans_escalations(previous: int | None, new: int) -> tuple[Escalation, ...]:
    """ "icans_onset" when the grade goes from none/0 to >= 1; "icans_rise" on any rise from >= 1."""
    return _grade_escalations("ICANS", previous, new)


def hlh_escalations(previous_positive: bool, now_positive: bool) -> tuple[Escalation, ...]:
    """ "hlh_positive" (critical) when the HLH/MAS screen turns positive."""
    before = require_bool("previous_positive", previous_positive)
    after = require_bool("now_positive", now_positive)
    if after and not before:
        message = "HLH/MAS screen positive: ferritin > 10,000 ng/mL in the CRS phase and >= 2 of 4 criteria"
        return (Escalation("hlh_positive", Severity.CRITICAL, None, message, RECIPIENTS[Severity.CRITICAL]),)
    return ()


def ferritin_escalations(previous_ng_ml: float | None, new_ng_ml: float) -> tuple[Escalation, ...]:
    """ "ferritin_over_10000" (urgent) when ferritin first crosses above 10,000 ng/mL (10,000 itself does not)."""
    before = None
    if previous_ng_ml is not None:
        before = find_band(FERRITIN_BANDS, previous_ng_ml, "previous_ng_ml", "ng/mL").outcome
    after = find_band(FERRITIN_BANDS, new_ng_ml, "new_ng_ml", "ng/mL").outcome
    if after and not before:
        message = (
            f"Ferritin {show(float(new_ng_ml))} ng/mL > {show(HLH_FERRITIN_THRESHOLD_NG_ML)} ng/mL "
            "(HLH/MAS screen threshold)"
        )
        return (Escalation("ferritin_over_10000", Severity.URGENT, None, message, RECIPIENTS[Severity.URGENT]),)
    return ()


TOCILIZUMAB_RECIPIENTS = ("pharmacy", "consultant")


def tocilizumab_escalations(
    dose_times: Sequence[datetime], new_dose_at: datetime, min_interval: timedelta = GUIDELINE_MIN_INTERVAL
) -> tuple[Escalation, ...]:
    """Escalations for a newly recorded dose; ``dose_times`` holds every dose, the new one included.

    Only doses at or before the new one count (a back-dated entry is judged as of its own time):
    - "tocilizumab_fourth_dose": it is dose 4 or later (product label maximum 4; the ward supply is four);
    - "tocilizumab_third_in_24h": >= 3 doses in ``(new_dose_at - 24 h, new_dose_at]`` (label maximum 3);
    - "tocilizumab_repeat_too_soon": under ``min_interval`` after the previous dose (the guideline's "repeat dose
      if no response within 6 to 12 hours": 6 h by default; a ward may set the product labels' 8 h). A repeat from
      the minimum on pages nobody.
    All urgent, to pharmacy and the consultant; several can fire for one dose.
    """
    new_at = require_aware("new_dose_at", new_dose_at)
    doses = checked_doses(dose_times)
    if new_at not in doses:
        raise InvalidAssessment(f"dose_times: must include new_dose_at ({new_at.isoformat()})")
    so_far = [when for when in doses if when <= new_at]
    earlier = list(so_far)
    earlier.remove(new_at)
    found: list[Escalation] = []
    if len(so_far) >= MAX_DOSES:
        found.append(_toci("tocilizumab_fourth_dose", f"Tocilizumab dose {len(so_far)} (maximum {MAX_DOSES} doses)"))
    in_24h = doses_in_24h(so_far, new_at)
    if in_24h >= MAX_IN_24H:
        found.append(_toci("tocilizumab_third_in_24h", f"Tocilizumab: {in_24h} doses in 24 h (maximum {MAX_IN_24H})"))
    shortest = check_min_interval(min_interval)
    if earlier and new_at - earlier[-1] < shortest:
        gap_min = int((new_at - earlier[-1]).total_seconds() // 60)
        minimum = f"{shortest.total_seconds() / 3600:g} h"
        found.append(
            _toci(
                "tocilizumab_repeat_too_soon",
                f"Tocilizumab dose {gap_min // 60} h {gap_min % 60:02d} min after the previous one (minimum {minimum})",
            )
        )
    return tuple(found)


def _toci(kind: str, message: str) -> Escalation:
    return Escalation(kind, Severity.URGENT, None, message, TOCILIZUMAB_RECIPIENTS)
