"""A corticosteroid course: doses given, the total by drug, the next dose by the guideline's regimen, and the step
of Table 5's example taper.

Guideline, Table 2: "Dexamethasone 10mg IV 6 hourly"; "High dose methylprednisolone 1 g/day IV". Table 5:
"Dexamethasone 10 mg IV every 6 hours or methylprednisolone 1 mg/kg IV every 12 hours"; "General: Once sustained
clinical improvement is observed steroids can be tapered; for example, methylprednisolone IV 1 g/day for 3 days,
followed by rapid taper at 250 mg every 12 hours for 2 days, 125 mg every 12 hours for 2 days, and 60 mg every 12
hours for 2 days."

The next dose is the guideline's interval after the last dose of the same drug: guidance, never an order (the
prescription decides). Drugs whose interval the guideline does not give say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

TAPER: tuple[tuple[float, timedelta, str], ...] = (
    (1000.0, timedelta(hours=24), "methylprednisolone 1 g/day for 3 days"),
    (250.0, timedelta(hours=12), "rapid taper: 250 mg every 12 hours for 2 days"),
    (125.0, timedelta(hours=12), "125 mg every 12 hours for 2 days"),
    (60.0, timedelta(hours=12), "60 mg every 12 hours for 2 days"),
)
"""Table 5 "General": the example taper of methylprednisolone, (dose mg, interval, words)."""
DEXAMETHASONE_INTERVAL = timedelta(hours=6)
METHYLPREDNISOLONE_INTERVAL = timedelta(hours=12)
SOURCE = "Guideline ACLIN.P.088 Tables 2 and 5 (General: steroid taper)"


@dataclass(frozen=True)
class SteroidDose:
    at: datetime
    drug: str
    dose: float
    unit: str


@dataclass(frozen=True)
class SteroidCourse:
    doses: tuple[SteroidDose, ...]
    cumulative: tuple[str, ...]
    """Total given per drug and unit, e.g. "methylprednisolone 3000 mg"."""
    next_due: datetime | None
    next_due_reason: str
    taper_step: str

    @property
    def given(self) -> bool:
        return bool(self.doses)

    @property
    def lines(self) -> tuple[str, ...]:
        if not self.doses:
            return ("no corticosteroid recorded",)
        last = self.doses[-1]
        return (
            f"{len(self.doses)} dose(s); last {last.drug} {last.dose:g} {last.unit} at {_stamp(last.at)}",
            "cumulative: " + "; ".join(self.cumulative),
            f"next due: {self.next_due_reason}",
            f"taper step: {self.taper_step}",
        )


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _in_mg(dose: SteroidDose) -> float | None:
    return {"mg": dose.dose, "g": dose.dose * 1000.0, "microgram": dose.dose / 1000.0}.get(dose.unit)


def _interval(dose: SteroidDose) -> tuple[timedelta | None, str]:
    mg = _in_mg(dose)
    if dose.drug == "dexamethasone":
        return DEXAMETHASONE_INTERVAL, "dexamethasone every 6 hours (Tables 2 and 5)"
    if dose.drug == "methylprednisolone" and mg is not None:
        if mg >= 1000.0:
            return timedelta(hours=24), "methylprednisolone 1 g/day (Tables 2 and 5)"
        return METHYLPREDNISOLONE_INTERVAL, "methylprednisolone every 12 hours (Table 5)"
    return None, f"the guideline gives no interval for {dose.drug}: as prescribed"


def taper_step(doses: Iterable[SteroidDose]) -> str:
    """Where the last methylprednisolone dose sits on Table 5's example taper."""
    methyl = [dose for dose in doses if dose.drug == "methylprednisolone" and _in_mg(dose) is not None]
    if not methyl:
        return "no methylprednisolone recorded (Table 5's example taper is of methylprednisolone)"
    mg = _in_mg(methyl[-1])
    assert mg is not None
    for dose_mg, _, words in TAPER:
        if abs(mg - dose_mg) < 0.5:
            run = []
            for dose in reversed(methyl):
                if _in_mg(dose) != mg:
                    break
                run.append(dose.at.astimezone(UTC).date())
            days = len(set(run))
            return f"{words} (last dose {mg:g} mg; day {days} at this dose)"
    return f"last methylprednisolone {mg:g} mg is not a step of Table 5's example taper"


def steroid_course(doses: Iterable[SteroidDose], now: datetime) -> SteroidCourse:
    """The course from every corticosteroid dose given at or before ``now``."""
    given = tuple(sorted((dose for dose in doses if dose.at <= now), key=lambda d: d.at))
    totals: dict[tuple[str, str], float] = {}
    for dose in given:
        mg = _in_mg(dose)
        key = (dose.drug, "mg" if mg is not None else dose.unit)
        totals[key] = totals.get(key, 0.0) + (mg if mg is not None else dose.dose)
    cumulative = tuple(f"{drug} {round(total, 3):g} {unit}" for (drug, unit), total in totals.items())
    if not given:
        return SteroidCourse((), (), None, "no corticosteroid recorded", taper_step(given))
    last = given[-1]
    interval, why = _interval(last)
    if interval is None:
        return SteroidCourse(given, cumulative, None, why, taper_step(given))
    due = last.at + interval
    return SteroidCourse(given, cumulative, due, f"{_stamp(due)} ({why}, after {_stamp(last.at)})", taper_step(given))
