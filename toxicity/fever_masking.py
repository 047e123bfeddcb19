"""Whether fever is still required to grade CRS, from the patient's whole record.

ASTCT 2019 (guideline Table 1, footnote †): "In patients who have CRS then receive tocilizumab or steroids,
fever is no longer required to grade subsequent CRS severity."

"Have CRS" is read from everything recorded, not from formal assessments alone: CRS is evident at t1 when a CRS
grade >= 1 was recorded at t1 (an assessment) or a temperature >= 38.0 °C was recorded at t1 (obs or an
assessment: fever is CRS grade 1 by itself). Fever is no longer required at ``at`` when tocilizumab or a
corticosteroid was given at t2 with t1 <= t2 <= ``at``. Siltuximab counts with tocilizumab: ASTCT's wording is
"anticytokine therapy such as tocilizumab or steroids", and IL-6 blockade masks fever the same way whichever
antibody is used. Anakinra does not count (the guideline and CLINICAL-NOTES.md name tocilizumab and
corticosteroids only; anakinra is given after them anyway). Antipyretics do not count. Once it holds it does
not lapse: callers who track separate CRS episodes pass one episode's history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from toxicity.bands import FEVER_BANDS, FEVER_THRESHOLD_C, find_band
from toxicity.drugs import drug_class, normalise_drug
from toxicity.errors import InvalidAssessment
from toxicity.validation import require_aware, require_int, require_items, show

FEVER_MASKING_CLASSES: frozenset[str] = frozenset({"anti_il6", "corticosteroid"})


@dataclass(frozen=True)
class FeverMasking:
    """The answer with its reason: ``applies`` is what ``after_tocilizumab_or_steroids`` should be.

    ``crs_at`` and ``evidence`` say when and by what CRS was first evident; ``treatment_at`` and ``drug`` the dose
    after it."""

    applies: bool
    reason: str
    crs_at: datetime | None = None
    crs_grade: int | None = None
    treatment_at: datetime | None = None
    drug: str | None = None
    evidence: str | None = None


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def explain_fever_masking(
    at: datetime,
    crs_grades: Iterable[tuple[datetime, int]],
    treatments: Iterable[tuple[datetime, str]],
    fevers: Iterable[tuple[datetime, float]] = (),
) -> FeverMasking:
    """Whether fever is no longer required at ``at``, with the record of CRS and the dose that made it so.

    ``crs_grades`` are (assessed at, grade in force) of CRS assessments; ``treatments`` (given at, drug);
    ``fevers`` (taken at, temperature °C) of any recorded temperature (obs or assessments): those >= 38.0 °C
    show CRS. Records after ``at`` are ignored."""
    at = require_aware("at", at)
    evidence: list[tuple[datetime, int, str]] = []
    for grade_pair in require_items("crs_grades", crs_grades, "(datetime, grade) pairs"):
        graded_at, grade = _pair("crs_grades", grade_pair)
        when = require_aware("crs_grades", graded_at)
        checked = require_int("crs_grades", grade, 0, 4)
        if checked >= 1 and when <= at:
            evidence.append((when, checked, f"CRS grade {checked} assessed at {_stamp(when)}"))
    for fever_pair in require_items("fevers", fevers, "(datetime, temperature °C) pairs"):
        taken_at, temperature = _pair("fevers", fever_pair)
        when = require_aware("fevers", taken_at)
        if not isinstance(temperature, (int, float)) or isinstance(temperature, bool):
            raise InvalidAssessment(f"fevers: {temperature!r} is not a temperature in °C")
        if find_band(FEVER_BANDS, temperature, "fevers", "°C").outcome and when <= at:
            evidence.append((when, 1, f"fever {show(float(temperature))} °C recorded at {_stamp(when)}"))
    doses: list[tuple[datetime, str]] = []
    for dose_pair in require_items("treatments", treatments, "(datetime, drug) pairs"):
        given_at, drug = _pair("treatments", dose_pair)
        if not isinstance(drug, str):
            raise InvalidAssessment(f"treatments: {drug!r} is not a drug name")
        given_at = require_aware("treatments", given_at)
        if drug_class(drug) in FEVER_MASKING_CLASSES and given_at <= at:
            doses.append((given_at, normalise_drug(drug)))
    doses.sort()

    if not evidence:
        if doses:
            dose_at, drug = doses[0]
            return FeverMasking(
                False,
                f"fever still needed: {drug} at {_stamp(dose_at)} was not preceded by any record of CRS "
                f"(a temperature >= {show(FEVER_THRESHOLD_C)} °C or a CRS grade >= 1)",
                treatment_at=dose_at,
                drug=drug,
            )
        return FeverMasking(False, "fever needed: no tocilizumab or corticosteroid has been given")
    first_at, first_grade, described = min(evidence, key=lambda item: (item[0], -item[1]))
    after = [(when, drug) for when, drug in doses if first_at <= when]
    if not after:
        return FeverMasking(
            False,
            f"fever needed: CRS first evident from {described}, but no tocilizumab or corticosteroid given since",
            crs_at=first_at,
            crs_grade=first_grade,
            evidence=described,
        )
    dose_at, drug = after[0]
    return FeverMasking(
        True,
        f"fever not required: {drug} at {_stamp(dose_at)} after {described} (ASTCT 2019: CRS, then tocilizumab "
        "or steroids)",
        crs_at=first_at,
        crs_grade=first_grade,
        treatment_at=dose_at,
        drug=drug,
        evidence=described,
    )


def _pair(field: str, pair: object) -> tuple[object, object]:
    if not isinstance(pair, tuple) or len(pair) != 2:
        raise InvalidAssessment(f"{field}: expected (datetime, value) pairs, got {pair!r}")
    return pair[0], pair[1]


def fever_no_longer_required(
    at: datetime,
    crs_grades: Iterable[tuple[datetime, int]],
    treatments: Iterable[tuple[datetime, str]],
    fevers: Iterable[tuple[datetime, float]] = (),
) -> bool:
    """True iff CRS was evident at t1 <= ``at`` (a CRS grade >= 1, or a temperature >= 38.0 °C) and
    tocilizumab or a corticosteroid followed at t2, t1 <= t2 <= ``at``."""
    return explain_fever_masking(at, crs_grades, treatments, fevers).applies
