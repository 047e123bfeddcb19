"""Whether fever is still required to grade CRS, from the patient's history.

ASTCT 2019 (guideline Table 1, footnote †): "In patients who have CRS then receive tocilizumab or steroids,
fever is no longer required to grade subsequent CRS severity."

It holds at ``at`` when a CRS grade >= 1 was recorded at t1 <= ``at`` and tocilizumab or a corticosteroid
was given at t2 with t1 <= t2 <= ``at``. Siltuximab counts with tocilizumab: ASTCT's wording is
"anticytokine therapy such as tocilizumab or steroids", and IL-6 blockade masks fever the same way whichever
antibody is used. Anakinra does not count (the guideline and CLINICAL-NOTES.md name tocilizumab and
corticosteroids only; anakinra is given after them anyway). Antipyretics do not count. Once it holds it does
not lapse: callers who track separate CRS episodes pass one episode's history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from toxicity.drugs import drug_class, normalise_drug
from toxicity.errors import InvalidAssessment
from toxicity.validation import require_aware, require_int, require_items

FEVER_MASKING_CLASSES: frozenset[str] = frozenset({"anti_il6", "corticosteroid"})


@dataclass(frozen=True)
class FeverMasking:
    """The answer with its reason: ``applies`` is what ``after_tocilizumab_or_steroids`` should be."""

    applies: bool
    reason: str
    crs_at: datetime | None = None
    crs_grade: int | None = None
    treatment_at: datetime | None = None
    drug: str | None = None


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def explain_fever_masking(
    at: datetime,
    crs_grades: Iterable[tuple[datetime, int]],
    treatments: Iterable[tuple[datetime, str]],
) -> FeverMasking:
    """Like ``fever_no_longer_required`` but with the CRS grade and the dose that made it so."""
    at = require_aware("at", at)
    grades: list[tuple[datetime, int]] = []
    for grade_pair in require_items("crs_grades", crs_grades, "(datetime, grade) pairs"):
        graded_at, grade = _pair("crs_grades", grade_pair)
        grades.append((require_aware("crs_grades", graded_at), require_int("crs_grades", grade, 0, 4)))
    doses: list[tuple[datetime, str]] = []
    for dose_pair in require_items("treatments", treatments, "(datetime, drug) pairs"):
        given_at, drug = _pair("treatments", dose_pair)
        if not isinstance(drug, str):
            raise InvalidAssessment(f"treatments: {drug!r} is not a drug name")
        given_at = require_aware("treatments", given_at)
        if drug_class(drug) in FEVER_MASKING_CLASSES:
            doses.append((given_at, normalise_drug(drug)))

    crs = sorted((when, grade) for when, grade in grades if grade >= 1 and when <= at)
    if not crs:
        return FeverMasking(False, "fever required: no CRS grade >= 1 recorded before this assessment")
    first_crs_at, first_grade = crs[0]
    after = sorted((when, drug) for when, drug in doses if first_crs_at <= when <= at)
    if not after:
        return FeverMasking(
            False,
            f"fever required: CRS grade {first_grade} at {_stamp(first_crs_at)} but no tocilizumab or "
            "corticosteroid given since",
            crs_at=first_crs_at,
            crs_grade=first_grade,
        )
    dose_at, drug = after[0]
    return FeverMasking(
        True,
        f"fever not required: CRS grade {first_grade} at {_stamp(first_crs_at)}, then {drug} at "
        f"{_stamp(dose_at)} (ASTCT 2019: after tocilizumab or steroids)",
        crs_at=first_crs_at,
        crs_grade=first_grade,
        treatment_at=dose_at,
        drug=drug,
    )


def _pair(field: str, pair: object) -> tuple[object, object]:
    if not isinstance(pair, tuple) or len(pair) != 2:
        raise InvalidAssessment(f"{field}: expected (datetime, value) pairs, got {pair!r}")
    return pair[0], pair[1]


def fever_no_longer_required(
    at: datetime,
    crs_grades: Iterable[tuple[datetime, int]],
    treatments: Iterable[tuple[datetime, str]],
) -> bool:
    """True iff a CRS grade >= 1 at t1 <= ``at`` was followed by tocilizumab or a corticosteroid at t2,
    t1 <= t2 <= ``at``."""
    return explain_fever_masking(at, crs_grades, treatments).applies
