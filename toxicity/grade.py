"""The result of grading: the grade, why, and under which rule set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from toxicity.enums import RULE_SET


@dataclass(frozen=True)
class Grade:
    """A grade 0-4 (0 = absent) with its reasons, e.g. ``("fever: temperature 38.4 °C >= 38.0 °C", ...)``.

    ``domain_grades`` lists each assessed domain with the grade it alone would give, in assessment order,
    so a display can show which domain set the grade.
    """

    grade: int
    reasons: tuple[str, ...]
    rule_set: str = RULE_SET
    domain_grades: tuple[tuple[str, int], ...] = ()

    @property
    def deciding_domains(self) -> tuple[str, ...]:
        """The domains whose grade equals the overall grade (empty for grade 0)."""
        if self.grade == 0:
            return ()
        return tuple(domain for domain, grade in self.domain_grades if grade == self.grade)


def joined(names: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
