"""CAR-T-cell-related HLH/MAS screen: the guideline's Table 6 (after Neelapu 2018).

"A patient might have HLH/MAS if he/she had a peak serum ferritin level of >10,000 ng/ml during the
cytokine-release syndrome phase of CAR-T-cell therapy (typically the first 5 days after cell infusion) and
subsequently developed any two of the following: Grade >=3 increase in serum bilirubin, aspartate
aminotransferase, or alanine aminotransferase levels; Grade >=3 oliguria or increase in serum creatinine
levels; Grade >=3 pulmonary oedema; Presence of haemophagocytosis in bone marrow or organs ..."
"""

from __future__ import annotations

from dataclasses import dataclass

from toxicity.bands import FERRITIN_BANDS, HLH_FERRITIN_THRESHOLD_NG_ML, find_band
from toxicity.enums import HLH_RULE_SET
from toxicity.errors import InvalidAssessment
from toxicity.validation import require_bool, require_int, show

ORGAN_GRADE_THRESHOLD = 3
"""Each organ criterion is "Grade >= 3" (CTCAE)."""
CTCAE_MAX_GRADE = 4
"""Grade 5 (death) is not modelled (CLINICAL-NOTES.md)."""
CRITERIA_NEEDED = 2


@dataclass(frozen=True)
class HLHFindings:
    peak_ferritin_ng_ml: float
    ferritin_peak_during_crs_phase: bool
    bilirubin_increase_grade: int = 0
    ast_increase_grade: int = 0
    alt_increase_grade: int = 0
    oliguria_grade: int = 0
    creatinine_increase_grade: int = 0
    pulmonary_edema_grade: int = 0
    hemophagocytosis_on_histopathology: bool = False


@dataclass(frozen=True)
class HLHResult:
    """``criteria_met`` counts the four organ/histology criteria (0-4) whatever the ferritin."""

    positive: bool
    criteria_met: int
    reasons: tuple[str, ...]
    ferritin_criterion_met: bool = False
    rule_set: str = HLH_RULE_SET
    criteria_not_assessable: int = 0

    @property
    def assessable(self) -> bool:
        """False when the screen is not positive yet but the criteria that cannot be assessed could make it so."""
        if self.positive or not self.ferritin_criterion_met:
            return True
        return self.criteria_met + self.criteria_not_assessable < CRITERIA_NEEDED


@dataclass(frozen=True)
class HLHCriterion:
    """One of the four criteria: ``met`` None when it cannot be assessed (a value or ULN missing)."""

    label: str
    met: bool | None
    reason: str


def hlh_screen_criteria(peak_ferritin_ng_ml: float, during_crs_phase: bool, criteria: list[HLHCriterion]) -> HLHResult:
    """The screen from criteria decided elsewhere (from lab values by CTCAE v4.03, and clinician findings):
    positive with the ferritin criterion and >= 2 criteria met; a criterion that cannot be assessed is counted as
    neither, and the result says so."""
    band = find_band(FERRITIN_BANDS, peak_ferritin_ng_ml, "peak_ferritin_ng_ml", "ng/mL")
    during = require_bool("during_crs_phase", during_crs_phase)
    ferritin = show(float(peak_ferritin_ng_ml))
    threshold = show(HLH_FERRITIN_THRESHOLD_NG_ML)
    reasons = [
        f"ferritin: peak {ferritin} ng/mL > {threshold} ng/mL"
        if band.outcome
        else f"ferritin: peak {ferritin} ng/mL is not > {threshold} ng/mL"
    ]
    if not during:
        reasons.append("ferritin: the peak was not during the CRS phase")
    ferritin_met = band.outcome and during
    reasons += [criterion.reason for criterion in criteria]
    met = sum(1 for criterion in criteria if criterion.met)
    unknown = sum(1 for criterion in criteria if criterion.met is None)
    positive = ferritin_met and met >= CRITERIA_NEEDED
    if positive:
        reasons.append(f"positive: ferritin criterion and {met} of 4 criteria (>= {CRITERIA_NEEDED} needed)")
    elif not ferritin_met:
        reasons.append(f"negative: ferritin criterion not met ({met} of 4 other criteria)")
    elif met + unknown >= CRITERIA_NEEDED:
        reasons.append(
            f"not assessable: ferritin criterion met, {met} of 4 criteria met and {unknown} not assessable "
            f"(>= {CRITERIA_NEEDED} needed)"
        )
    else:
        reasons.append(f"negative: ferritin criterion met but only {met} of 4 criteria (>= {CRITERIA_NEEDED} needed)")
    return HLHResult(positive, met, tuple(reasons), ferritin_met, criteria_not_assessable=unknown)


def _organ_criterion(findings: HLHFindings, label: str, names: tuple[str, ...]) -> tuple[bool, str]:
    grades = {name: require_int(name, getattr(findings, name), 0, CTCAE_MAX_GRADE) for name in names}
    worst_name = max(names, key=lambda name: grades[name])
    worst = grades[worst_name]
    met = worst >= ORGAN_GRADE_THRESHOLD
    shown = ", ".join(f"{name} {grades[name]}" for name in names)
    verdict = "met" if met else "not met"
    return met, f"{label}: {verdict} (CTCAE grade >= {ORGAN_GRADE_THRESHOLD} needed; {shown})"


def hlh_screen(findings: HLHFindings) -> HLHResult:
    """Positive iff ferritin > 10,000 ng/mL during the CRS phase and at least 2 of the 4 criteria hold."""
    if not isinstance(findings, HLHFindings):
        raise InvalidAssessment(f"findings: expected HLHFindings, got {type(findings).__name__}")
    band = find_band(FERRITIN_BANDS, findings.peak_ferritin_ng_ml, "peak_ferritin_ng_ml", "ng/mL")
    during_crs = require_bool("ferritin_peak_during_crs_phase", findings.ferritin_peak_during_crs_phase)
    ferritin = show(float(findings.peak_ferritin_ng_ml))
    threshold = show(HLH_FERRITIN_THRESHOLD_NG_ML)
    reasons: list[str] = []
    if band.outcome:
        reasons.append(f"ferritin: peak {ferritin} ng/mL > {threshold} ng/mL")
    else:
        reasons.append(f"ferritin: peak {ferritin} ng/mL is not > {threshold} ng/mL")
    if not during_crs:
        reasons.append("ferritin: the peak was not during the CRS phase")
    ferritin_met = band.outcome and during_crs

    criteria = [
        _organ_criterion(
            findings,
            "liver (bilirubin, AST or ALT)",
            ("bilirubin_increase_grade", "ast_increase_grade", "alt_increase_grade"),
        ),
        _organ_criterion(findings, "kidney (oliguria or creatinine)", ("oliguria_grade", "creatinine_increase_grade")),
        _organ_criterion(findings, "lung (pulmonary oedema)", ("pulmonary_edema_grade",)),
    ]
    hemophagocytosis = require_bool("hemophagocytosis_on_histopathology", findings.hemophagocytosis_on_histopathology)
    criteria.append(
        (hemophagocytosis, f"haemophagocytosis on histopathology: {'met' if hemophagocytosis else 'not met'}")
    )
    reasons += [reason for _, reason in criteria]
    met = sum(1 for ok, _ in criteria if ok)
    positive = ferritin_met and met >= CRITERIA_NEEDED
    if positive:
        reasons.append(f"positive: ferritin criterion and {met} of 4 criteria (>= {CRITERIA_NEEDED} needed)")
    elif ferritin_met:
        reasons.append(f"negative: ferritin criterion met but only {met} of 4 criteria (>= {CRITERIA_NEEDED} needed)")
    else:
        reasons.append(f"negative: ferritin criterion not met ({met} of 4 other criteria)")
    return HLHResult(
        positive=positive,
        criteria_met=met,
        reasons=tuple(reasons),
        ferritin_criterion_met=ferritin_met,
    )
