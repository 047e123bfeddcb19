"""Tocilizumab: when it is indicated, the dose for a weight, and the doses given against the limits.

Guideline Table 3: "Tocilizumab - indication: Grade 2 CRS or persistent fever - 8 mg/kg infused over 1 hour,
Total single dose not to exceed 800 mg. Repeat dose if no response within 6 to 12 hours". Table 2 grade 1:
"Consider tocilizumab for persistent (lasting >3 days) and refractory fever". Table 5: "Tocilizumab 8 mg/kg IV if
associated with concurrent CRS". Under 30 kg, 12 mg/kg (product label; the guideline has no paediatric rule).

The shortest interval between doses is the guideline's 6 h by default ("repeat dose if no response within 6 to
12 hours"); a ward may set a stricter one (the product labels say 8 h) in configuration. The labels' 3 doses in
24 h and 4 in total still apply, and the ward keeps a named-patient supply of four doses.

The 24 h window is half-open, ``(t - 24 h, t]``: with doses every 8 h (0, 8, 16, 24 h) no window holds more
than three, so the label's "3 in 24 h" and its 8 h interval agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from toxicity.bands import Band, find_band
from toxicity.errors import InvalidAssessment
from toxicity.validation import require_aware, show

MAX_DOSE_MG = 800.0
MAX_DOSES = 4
MAX_IN_24H = 3
GUIDELINE_MIN_INTERVAL = timedelta(hours=6)
"""Guideline Table 3: "Repeat dose if no response within 6 to 12 hours": a repeat from 6 h is allowed."""
MIN_INTERVAL_RANGE = (timedelta(hours=6), timedelta(hours=12))
"""A ward may set its minimum anywhere in the guideline's 6-12 h (the product labels' 8 h, say)."""
WINDOW_24H = timedelta(hours=24)
PAEDIATRIC_WEIGHT_LIMIT_KG = 30.0

TOCILIZUMAB_WEIGHT_BANDS: tuple[Band[float], ...] = (
    Band(
        2.0,
        PAEDIATRIC_WEIGHT_LIMIT_KG,
        True,
        False,
        12.0,
        "12 mg/kg under 30 kg: product label (the guideline's 8 mg/kg has no paediatric rule)",
    ),
    Band(PAEDIATRIC_WEIGHT_LIMIT_KG, 300.0, True, True, 8.0, "8 mg/kg: guideline Table 3"),
)
"""mg/kg by weight; the outer bounds (2-300 kg) are the plausible weights accepted."""


def mg_per_kg(weight_kg: float) -> float:
    return find_band(TOCILIZUMAB_WEIGHT_BANDS, weight_kg, "weight_kg", "kg").outcome


def tocilizumab_dose_mg(weight_kg: float) -> float:
    """8 mg/kg (12 mg/kg under 30 kg), "not to exceed 800 mg": 100 kg -> 800, 30 kg -> 240, 29.9 kg -> 358.8.

    Rounded to 6 decimals only to drop binary floating-point noise (29.9 x 12 = 358.79999999999995).
    """
    rate = mg_per_kg(weight_kg)  # validates the weight first
    dose = min(float(weight_kg) * rate, MAX_DOSE_MG)
    return round(dose, 6)


def dose_rule(weight_kg: float) -> str:
    """The rule the dose comes from, with its source: the same words on the card and on the dose line."""
    return find_band(TOCILIZUMAB_WEIGHT_BANDS, weight_kg, "weight_kg", "kg").label


def dose_text(weight_kg: float) -> str:
    """E.g. "tocilizumab 560.0 mg for 70.0 kg (8 mg/kg: guideline Table 3; max 800 mg per dose), IV over 1 hour"."""
    rate = mg_per_kg(weight_kg)
    dose = tocilizumab_dose_mg(weight_kg)
    capped = " - capped at 800 mg" if dose == MAX_DOSE_MG and weight_kg * rate > MAX_DOSE_MG else ""
    return (
        f"tocilizumab {show(dose)} mg for {show(float(weight_kg))} kg ({dose_rule(weight_kg)}; max "
        f"{show(MAX_DOSE_MG)} mg per dose{capped}), IV over 1 hour"
    )


@dataclass(frozen=True)
class Indication:
    """Whether the guideline indicates tocilizumab now: "indicated", "consider" or "not indicated", and why.
    The dose is shown only with an indication ("indicated" or "consider")."""

    status: str
    text: str

    @property
    def shows_dose(self) -> bool:
        return self.status in ("indicated", "consider")


def tocilizumab_indication(crs_grade: int | None, icans_grade: int | None) -> Indication:
    """Table 3 "Grade 2 CRS or persistent fever"; Table 2 grade 1 "Consider tocilizumab for persistent (lasting >3
    days) and refractory fever"; Table 5 "if associated with concurrent CRS" (ICANS alone: steroids, not
    tocilizumab)."""
    crs = crs_grade or 0
    icans = icans_grade or 0
    neuro = f"; ICANS grade {icans} with concurrent CRS: tocilizumab if associated with concurrent CRS (Table 5)"
    with_icans = neuro if icans >= 1 else ""
    if crs >= 2:
        return Indication(
            "indicated", f"indicated: CRS grade {crs} (Table 3: Grade 2 CRS or persistent fever){with_icans}"
        )
    if crs == 1:
        return Indication(
            "consider",
            "consider only for persistent (lasting > 3 days) and refractory fever: CRS grade 1 (Table 2)" + with_icans,
        )
    if icans >= 1:
        return Indication(
            "not indicated",
            f"not indicated: ICANS grade {icans} without concurrent CRS (Table 5 gives tocilizumab only if associated "
            "with concurrent CRS; dexamethasone or methylprednisolone for neurotoxicity without concurrent CRS)",
        )
    return Indication("not indicated", "not indicated: no CRS or ICANS now")


def indicated_dose(indication: Indication, weight_kg: float | None) -> tuple[str, ...]:
    """The dose line, with its indication, when there is one; nothing otherwise."""
    if not indication.shows_dose or weight_kg is None:
        return ()
    return (f"{dose_text(weight_kg)} - {indication.text}",)


def checked_doses(dose_times: Sequence[datetime], field: str = "dose_times") -> list[datetime]:
    """The dose times in time order, each timezone-aware."""
    if isinstance(dose_times, (str, bytes)) or not isinstance(dose_times, Sequence):
        raise InvalidAssessment(f"{field}: expected a sequence of timezone-aware datetimes")
    return sorted(require_aware(field, when) for when in dose_times)


def doses_in_24h(doses: Sequence[datetime], at: datetime) -> int:
    """Doses in ``(at - 24 h, at]``."""
    return sum(1 for when in doses if at - WINDOW_24H < when <= at)


@dataclass(frozen=True)
class TocilizumabSummary:
    dose_mg: float
    mg_per_kg: float
    doses_given: int
    doses_last_24h: int
    last_dose_at: datetime | None
    next_dose_not_before: datetime | None
    limit_reached: bool
    can_give_now: bool
    reasons: tuple[str, ...]
    max_doses: int = MAX_DOSES
    max_in_24h: int = MAX_IN_24H
    min_interval: timedelta = GUIDELINE_MIN_INTERVAL

    @property
    def text(self) -> str:
        return "; ".join(self.reasons)


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def check_min_interval(min_interval: timedelta) -> timedelta:
    low, high = MIN_INTERVAL_RANGE
    if not isinstance(min_interval, timedelta) or not low <= min_interval <= high:
        raise InvalidAssessment(f"min_interval: {min_interval!r} must be 6-12 h (guideline Table 3)")
    return min_interval


def _hours(interval: timedelta) -> str:
    return f"{interval.total_seconds() / 3600:g}"


def tocilizumab_summary(
    weight_kg: float, dose_times: Sequence[datetime], now: datetime, min_interval: timedelta = GUIDELINE_MIN_INTERVAL
) -> TocilizumabSummary:
    """The dose for the weight and the doses given (all at or before ``now``) against the limits.

    ``next_dose_not_before`` is the later of ``min_interval`` (6 h by default) after the last dose and the moment
    the 24 h window would hold fewer than three doses; it is None once four doses have been given.
    ``limit_reached`` is True when four doses have been given or three fall in the last 24 h.
    """
    dose = tocilizumab_dose_mg(weight_kg)
    rate = mg_per_kg(weight_kg)
    now = require_aware("now", now)
    doses = checked_doses(dose_times)
    future = [when for when in doses if when > now]
    if future:
        raise InvalidAssessment(f"dose_times: {future[0].isoformat()} is after now ({now.isoformat()})")
    given = len(doses)
    last_24h = doses_in_24h(doses, now)
    last = doses[-1] if doses else None
    reasons = [
        dose_text(weight_kg),
        f"{given} of {MAX_DOSES} doses given",
        f"{last_24h} in the last 24 h (max {MAX_IN_24H})",
    ]

    next_at: datetime | None = None
    if given >= MAX_DOSES:
        reasons.append(f"no further dose: {MAX_DOSES} doses given (the maximum)")
    elif last is not None:
        next_at = last + check_min_interval(min_interval)
        why = f"{_hours(min_interval)} h after the last dose"
        if given >= MAX_IN_24H and doses[-MAX_IN_24H] + WINDOW_24H > next_at:
            next_at = doses[-MAX_IN_24H] + WINDOW_24H
            why = f"24 h after the dose {MAX_IN_24H} doses back (max {MAX_IN_24H} in 24 h)"
        reasons.append(f"next dose not before {_utc(next_at)} ({why})")
    limit_reached = given >= MAX_DOSES or last_24h >= MAX_IN_24H
    can_give_now = given < MAX_DOSES and (next_at is None or now >= next_at)
    return TocilizumabSummary(
        dose_mg=dose,
        mg_per_kg=rate,
        doses_given=given,
        doses_last_24h=last_24h,
        last_dose_at=last,
        next_dose_not_before=next_at.astimezone(UTC) if next_at else None,
        limit_reached=limit_reached,
        can_give_now=can_give_now,
        reasons=tuple(reasons),
        min_interval=min_interval,
    )
