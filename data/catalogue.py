"""Laboratory analytes the ward records: LOINC code, canonical UCUM unit, accepted units, daily panel.

Daily bloods (guideline, Clinical Approach): FBC, Coag, U+E, LFT, Bone, CRP and Ferritin.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Analyte:
    name: str
    loinc: str
    unit: str  # canonical UCUM unit, the one stored
    panel: str
    # accepted unit (as typed, case-insensitive) -> factor to the canonical unit
    conversions: dict[str, float] = field(default_factory=dict)
    plausible: tuple[float, float] = (0.0, 1e9)

    def accepted_units(self) -> list[str]:
        return sorted({self.unit, *self.conversions})


ANALYTES: dict[str, Analyte] = {
    a.name: a
    for a in (
        # Ferritin ng/mL = µg/L (CLINICAL-NOTES).
        Analyte("ferritin", "2276-4", "ng/mL", "ferritin", {"ng/mL": 1.0, "µg/L": 1.0, "ug/L": 1.0}, (0, 500_000)),
        # CRP mg/dL is converted ×10 to mg/L.
        Analyte("crp", "1988-5", "mg/L", "crp", {"mg/L": 1.0, "mg/dL": 10.0}, (0, 1_000)),
        Analyte("haemoglobin", "718-7", "g/L", "fbc", {"g/L": 1.0, "g/dL": 10.0}, (10, 250)),
        Analyte("white_cells", "6690-2", "10*9/L", "fbc", {"10*9/L": 1.0, "10^9/L": 1.0}, (0, 500)),
        Analyte("neutrophils", "751-8", "10*9/L", "fbc", {"10*9/L": 1.0, "10^9/L": 1.0}, (0, 200)),
        Analyte("lymphocytes", "731-0", "10*9/L", "fbc", {"10*9/L": 1.0, "10^9/L": 1.0}, (0, 500)),
        Analyte("platelets", "777-3", "10*9/L", "fbc", {"10*9/L": 1.0, "10^9/L": 1.0}, (0, 2_000)),
        Analyte("pt", "5902-2", "s", "coagulation", {"s": 1.0}, (5, 200)),
        Analyte("aptt", "14979-9", "s", "coagulation", {"s": 1.0}, (10, 300)),
        Analyte("fibrinogen", "3255-7", "g/L", "coagulation", {"g/L": 1.0, "mg/dL": 0.01}, (0, 15)),
        Analyte("sodium", "2951-2", "mmol/L", "ue", {"mmol/L": 1.0}, (90, 200)),
        Analyte("potassium", "2823-3", "mmol/L", "ue", {"mmol/L": 1.0}, (1, 12)),
        Analyte("urea", "22664-7", "mmol/L", "ue", {"mmol/L": 1.0}, (0, 150)),
        Analyte("creatinine", "2160-0", "umol/L", "ue", {"umol/L": 1.0, "µmol/L": 1.0, "mg/dL": 88.42}, (5, 3_000)),
        Analyte("bilirubin", "1975-2", "umol/L", "lft", {"umol/L": 1.0, "µmol/L": 1.0, "mg/dL": 17.1}, (0, 1_500)),
        Analyte("alt", "1742-6", "U/L", "lft", {"U/L": 1.0, "IU/L": 1.0}, (0, 20_000)),
        Analyte("ast", "1920-8", "U/L", "lft", {"U/L": 1.0, "IU/L": 1.0}, (0, 20_000)),
        Analyte("alp", "6768-6", "U/L", "lft", {"U/L": 1.0, "IU/L": 1.0}, (0, 10_000)),
        Analyte("albumin", "1751-7", "g/L", "lft", {"g/L": 1.0, "g/dL": 10.0}, (5, 70)),
        Analyte("calcium", "2000-8", "mmol/L", "bone", {"mmol/L": 1.0}, (0.5, 5)),
        Analyte("phosphate", "2777-1", "mmol/L", "bone", {"mmol/L": 1.0}, (0.1, 6)),
        Analyte("magnesium", "19123-9", "mmol/L", "bone", {"mmol/L": 1.0}, (0.1, 5)),
        Analyte("ldh", "2532-0", "U/L", "other", {"U/L": 1.0, "IU/L": 1.0}, (0, 50_000)),
    )
}

DAILY_PANELS: tuple[str, ...] = ("fbc", "coagulation", "ue", "lft", "bone", "crp", "ferritin")
PANEL_CORE: dict[str, tuple[str, ...]] = {
    "fbc": ("haemoglobin", "white_cells", "neutrophils", "platelets"),
    "coagulation": ("pt", "aptt", "fibrinogen"),
    "ue": ("sodium", "potassium", "urea", "creatinine"),
    "lft": ("bilirubin", "alt", "alp", "albumin"),
    "bone": ("calcium", "phosphate"),
    "crp": ("crp",),
    "ferritin": ("ferritin",),
}
"""A daily panel counts as done only when each of its core analytes is in (guideline: "Daily bloods including FBC,
Coag, U+E, LFT, Bone, CRP and Ferritin"); its done time is that of the core analyte that arrived last."""


class UnknownUnit(ValueError):
    pass


def convert(analyte: Analyte, value: float, unit: str) -> float:
    """The value in the analyte's canonical unit; a unit that cannot be converted is an error."""
    for accepted, factor in analyte.conversions.items():
        if accepted.lower() == unit.strip().lower():
            return value * factor
    raise UnknownUnit(
        f"unit '{unit}' cannot be converted for {analyte.name}: use {', '.join(analyte.accepted_units())}"
    )
