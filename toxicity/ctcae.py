"""CTCAE v4.03 grade >= 3 for the HLH/MAS screen's laboratory criteria, from the values and the upper limit of
normal (ULN).

Guideline, HLH/MAS criteria: "Grade >= 3 increase in serum bilirubin, aspartate aminotransferase, or alanine
aminotransferase levels; Grade >= 3 oliguria or increase in serum creatinine levels ... (Grading as per CTCAE
version 4.0)". CTCAE v4.03: blood bilirubin increased grade 3 is "> 3.0 - 10.0 x ULN" (grade 4 "> 10.0 x ULN");
AST and ALT increased grade 3 "> 5.0 - 20.0 x ULN"; creatinine increased grade 3 "> 3.0 x baseline; > 3.0 - 6.0 x
ULN". v4.03 has no baseline rule for bilirubin, AST or ALT. The comparison is exact (decimal), so 3.0 x ULN
itself is not grade 3. A missing value or ULN is "not assessable", never "not met".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from toxicity.validation import show

CTCAE_VERSION = "CTCAE v4.03"
ULN_MULTIPLES: dict[str, Decimal] = {
    "bilirubin": Decimal("3.0"),
    "ast": Decimal("5.0"),
    "alt": Decimal("5.0"),
    "creatinine": Decimal("3.0"),
}
BASELINE_MULTIPLE = Decimal("3.0")
"""Creatinine only: "> 3.0 x baseline"."""


@dataclass(frozen=True)
class LabGrade:
    """Whether one result is CTCAE grade >= 3 (None: not assessable), and why."""

    analyte: str
    grade_3_or_more: bool | None
    reason: str


def _dec(value: float) -> Decimal:
    return Decimal(str(value))


def grade_3_or_more(analyte: str, value: float | None, uln: float | None, baseline: float | None = None) -> LabGrade:
    """CTCAE v4.03 grade >= 3 for bilirubin, AST, ALT or creatinine (creatinine also by its baseline)."""
    if analyte not in ULN_MULTIPLES:
        raise ValueError(f"analyte: {analyte!r} is not graded here; allowed: {', '.join(ULN_MULTIPLES)}")
    if value is None:
        return LabGrade(analyte, None, f"{analyte}: not assessable (no value)")
    multiple = ULN_MULTIPLES[analyte]
    shown = show(float(value))
    checks: list[str] = []
    met = False
    assessable = False
    if uln is not None and uln > 0:
        assessable = True
        ratio = _dec(value) / _dec(uln)
        if _dec(value) > multiple * _dec(uln):
            met = True
        checks.append(f"{shown} is {ratio:.2f} x ULN {show(float(uln))} (grade >= 3 is > {multiple} x ULN)")
    else:
        checks.append("no upper limit of normal: the ULN rule is not assessable")
    if analyte == "creatinine":
        if baseline is not None and baseline > 0:
            assessable = True
            if _dec(value) > BASELINE_MULTIPLE * _dec(baseline):
                met = True
            checks.append(f"{_dec(value) / _dec(baseline):.2f} x baseline {show(float(baseline))} (> 3.0 x baseline)")
        else:
            checks.append("no baseline creatinine before infusion: only the ULN rule applies")
    if not assessable:
        return LabGrade(analyte, None, f"{analyte}: not assessable: " + "; ".join(checks))
    verdict = "grade >= 3" if met else "below grade 3"
    return LabGrade(analyte, met, f"{analyte} {verdict} ({CTCAE_VERSION}): " + "; ".join(checks))
