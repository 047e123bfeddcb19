"""Neutropenia and neutropenic fever.

Guideline, routine interventions: "Blood count support including transfusions and GCSF if neutrophils < 0.5";
"Patients with suspected infection should follow standard neutropenic sepsis guidelines [NP10_004/005/006]";
Table 2, grade 1: "If fever treat for neutropenic infections protocol".

Neutrophils are in 10^9/L. A fever (>= 38.0 °C, as for CRS) is neutropenic when the latest neutrophil count in the
24 hours before it is below 0.5; with no count in those 24 hours, the latest count on file decides (and the
reason asks for a repeat count); with no count on file at all the fever is treated as neutropenic until one is
known (a CAR-T patient after lymphodepletion usually is), never as normal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from toxicity.bands import FEVER_THRESHOLD_C
from toxicity.drugs import ANTIMICROBIAL_CLASSES, PROPHYLAXIS, drug_class, normalise_drug
from toxicity.escalation import RECIPIENTS, Escalation, Severity
from toxicity.validation import require_aware, require_number, show

NEUTROPENIA_THRESHOLD = 0.5
"""10^9/L; below it is neutropenia (the guideline's "neutrophils < 0.5"; 0.5 itself is not)."""
COUNT_WINDOW = timedelta(hours=24)
EPISODE = timedelta(hours=24)
"""A fever within 24 h of a paged neutropenic fever belongs to the same episode and does not page again."""
NEUTROPHILS_MAX = 200.0


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def neutropenic(value: float) -> bool:
    return require_number("neutrophils", value, 0.0, NEUTROPHILS_MAX, "10^9/L") < NEUTROPENIA_THRESHOLD


def neutropenia_escalations(previous: float | None, new: float) -> tuple[Escalation, ...]:
    """ "neutropenia" (warning) when the count first falls below 0.5 x 10^9/L (from none, or from 0.5 or more)."""
    if neutropenic(new) and (previous is None or not neutropenic(previous)):
        message = (
            f"Neutrophils {show(float(new))} x10^9/L < {show(NEUTROPENIA_THRESHOLD)}: blood count support "
            "(transfusion and GCSF) per the guideline"
        )
        return (Escalation("neutropenia", Severity.WARNING, None, message, RECIPIENTS[Severity.WARNING]),)
    return ()


@dataclass(frozen=True)
class NeutropenicFever:
    applies: bool
    reason: str
    count: float | None = None
    count_at: datetime | None = None


def count_before(counts: Sequence[tuple[datetime, float]], when: datetime) -> tuple[datetime, float] | None:
    """The latest count at or before ``when`` and within 24 h of it."""
    found = [(at, value) for at, value in counts if when - COUNT_WINDOW <= at <= when]
    return max(found, default=None)


def neutropenic_fever(
    fever_at: datetime, temperature_c: float, counts: Sequence[tuple[datetime, float]]
) -> NeutropenicFever:
    """Whether a temperature is a neutropenic fever, and why."""
    when = require_aware("fever_at", fever_at)
    temperature = require_number("temperature_c", temperature_c, 25.0, 45.0, "°C")
    if temperature < FEVER_THRESHOLD_C:
        return NeutropenicFever(False, f"no fever: {show(temperature)} °C < {show(FEVER_THRESHOLD_C)} °C")
    latest = count_before(counts, when)
    fever = f"fever {show(temperature)} °C at {_stamp(when)}"
    stale = ""
    if latest is None:
        on_file = [(at, value) for at, value in counts if at <= when]
        if not on_file:
            return NeutropenicFever(
                True, f"{fever} with no neutrophil count on file: treated as neutropenic until one is"
            )
        latest = max(on_file)
        stale = " (no count in the 24 h before the fever: repeat the FBC)"
    at, value = latest
    if neutropenic(value):
        reason = (
            f"{fever} with neutrophils {show(value)} x10^9/L < {show(NEUTROPENIA_THRESHOLD)} at {_stamp(at)}{stale}"
        )
        return NeutropenicFever(True, reason, value, at)
    reason = f"{fever}; neutrophils {show(value)} x10^9/L at {_stamp(at)}: not neutropenic{stale}"
    return NeutropenicFever(False, reason, value, at)


@dataclass(frozen=True)
class FeverEpisode:
    """A neutropenic fever that pages, and the first treatment antibiotic given at or after it."""

    at: datetime
    temperature_c: float
    reason: str
    first_antibiotic: tuple[datetime, str] | None

    @property
    def minutes_to_antibiotic(self) -> int | None:
        if self.first_antibiotic is None:
            return None
        return int((self.first_antibiotic[0] - self.at).total_seconds() // 60)


def treatment_antibiotic(drug: str) -> bool:
    """An antimicrobial given as treatment (not one of the pathway's prophylaxis drugs)."""
    name = normalise_drug(drug)
    return drug_class(name) in ANTIMICROBIAL_CLASSES and name not in PROPHYLAXIS


def neutropenic_fever_episodes(
    fevers: Iterable[tuple[datetime, float]],
    counts: Sequence[tuple[datetime, float]],
    doses: Iterable[tuple[datetime, str]],
) -> list[FeverEpisode]:
    """Each neutropenic fever that starts an episode (none paged in the 24 h before it), in time order, with the
    first treatment antibiotic given at or after it."""
    treatments = sorted((at, normalise_drug(drug)) for at, drug in doses if treatment_antibiotic(drug))
    episodes: list[FeverEpisode] = []
    for at, temperature in sorted(fevers):
        if episodes and at - episodes[-1].at < EPISODE:
            continue
        found = neutropenic_fever(at, temperature, counts)
        if not found.applies:
            continue
        first = next(((when, drug) for when, drug in treatments if when >= at), None)
        episodes.append(FeverEpisode(at, temperature, found.reason, first))
    return episodes


def neutropenic_fever_escalation(episode: FeverEpisode) -> Escalation:
    """ "neutropenic_fever" (urgent): a doctor now, and the neutropenic sepsis pathway."""
    message = (
        f"Neutropenic fever {show(episode.temperature_c)} °C: medical review now, neutropenic sepsis pathway "
        "(antibiotics within the hour)"
    )
    return Escalation("neutropenic_fever", Severity.URGENT, None, message, RECIPIENTS[Severity.URGENT])
