"""Laboratory analytes the ward records: LOINC codes, canonical UCUM unit, the units a form offers, daily panel.

Daily bloods (guideline, Clinical Approach): FBC, Coag, U+E, LFT, Bone, CRP and Ferritin.

Units convert through UCUM (`data.units`); an analyte measured as an amount of substance carries its molar
mass so that a mass concentration (mg/dL) converts to it. `codes` are the other LOINC codes laboratories send
for the same measurement (by another method or specimen, or as mass rather than substance concentration).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from data.units import UnitError, convert_unit

# Molar masses (g/mol) for mass <-> substance concentration.
CREATININE_G_MOL = 113.12
BILIRUBIN_G_MOL = 584.66
UREA_G_MOL = 60.06
UREA_NITROGEN_G_MOL = 28.014  # "urea nitrogen" (BUN) is reported as the mass of urea's two nitrogen atoms
CALCIUM_G_MOL = 40.078
PHOSPHORUS_G_MOL = 30.974  # serum phosphate is reported as phosphorus
MAGNESIUM_G_MOL = 24.305
SODIUM_G_MOL = 22.990
POTASSIUM_G_MOL = 39.098


@dataclass(frozen=True)
class Analyte:
    name: str
    loinc: str
    unit: str  # canonical UCUM unit, the one stored
    panel: str
    units: tuple[str, ...] = ()  # other units a form offers (any UCUM-convertible unit is accepted)
    plausible: tuple[float, float] = (0.0, 1e9)
    molar_mass: float | None = None
    codes: dict[str, float | None] = field(default_factory=dict)  # other LOINC code -> its own molar mass

    def accepted_units(self) -> list[str]:
        return sorted({self.unit, *self.units})

    def all_codes(self) -> tuple[str, ...]:
        return (self.loinc, *self.codes)

    def molar_mass_for(self, code: str | None) -> float | None:
        if code is not None and code in self.codes and self.codes[code] is not None:
            return self.codes[code]
        return self.molar_mass


ANALYTES: dict[str, Analyte] = {
    a.name: a
    for a in (
        # Ferritin ng/mL = µg/L (CLINICAL-NOTES).
        Analyte("ferritin", "2276-4", "ng/mL", "ferritin", ("ug/L",), (0, 500_000), codes={"20567-4": None}),
        Analyte("crp", "1988-5", "mg/L", "crp", ("mg/dL",), (0, 1_000), codes={"30522-7": None}),
        Analyte("haemoglobin", "718-7", "g/L", "fbc", ("g/dL",), (10, 250), codes={"20509-6": None, "30313-1": None}),
        Analyte(
            "white_cells", "6690-2", "10*9/L", "fbc", ("10*3/uL",), (0, 500), codes={"26464-8": None, "804-5": None}
        ),
        Analyte(
            "neutrophils", "751-8", "10*9/L", "fbc", ("10*3/uL",), (0, 200), codes={"26499-4": None, "753-4": None}
        ),
        Analyte("lymphocytes", "731-0", "10*9/L", "fbc", ("10*3/uL",), (0, 500), codes={"26474-7": None}),
        Analyte(
            "platelets", "777-3", "10*9/L", "fbc", ("10*3/uL",), (0, 2_000), codes={"26515-7": None, "778-1": None}
        ),
        Analyte("pt", "5902-2", "s", "coagulation", (), (5, 200), codes={"5964-2": None}),
        Analyte("aptt", "14979-9", "s", "coagulation", (), (10, 300), codes={"3173-2": None}),
        Analyte("fibrinogen", "3255-7", "g/L", "coagulation", ("mg/dL",), (0, 15)),
        Analyte(
            "sodium", "2951-2", "mmol/L", "ue", (), (90, 200), SODIUM_G_MOL, codes={"2947-0": None, "32717-1": None}
        ),
        Analyte("potassium", "2823-3", "mmol/L", "ue", (), (1, 12), POTASSIUM_G_MOL, codes={"6298-4": None}),
        Analyte(
            "urea",
            "22664-7",
            "mmol/L",
            "ue",
            ("mg/dL",),
            (0, 150),
            UREA_G_MOL,
            codes={"3091-6": None, "3094-0": UREA_NITROGEN_G_MOL, "14937-7": None},
        ),
        Analyte(
            "creatinine",
            "2160-0",
            "umol/L",
            "ue",
            ("mg/dL",),
            (5, 3_000),
            CREATININE_G_MOL,
            codes={"14682-9": None, "38483-4": None},
        ),
        Analyte(
            "bilirubin",
            "1975-2",
            "umol/L",
            "lft",
            ("mg/dL",),
            (0, 1_500),
            BILIRUBIN_G_MOL,
            codes={"14631-6": None, "42719-5": None},
        ),
        Analyte("alt", "1742-6", "U/L", "lft", (), (0, 20_000), codes={"1743-4": None, "76625-3": None}),
        Analyte("ast", "1920-8", "U/L", "lft", (), (0, 20_000), codes={"30239-8": None}),
        Analyte("alp", "6768-6", "U/L", "lft", (), (0, 10_000)),
        Analyte("albumin", "1751-7", "g/L", "lft", ("g/dL",), (5, 70), codes={"61151-7": None, "61152-5": None}),
        Analyte("calcium", "2000-8", "mmol/L", "bone", ("mg/dL",), (0.5, 5), CALCIUM_G_MOL, codes={"17861-6": None}),
        Analyte(
            "phosphate", "2777-1", "mmol/L", "bone", ("mg/dL",), (0.1, 6), PHOSPHORUS_G_MOL, codes={"14879-1": None}
        ),
        Analyte(
            "magnesium", "19123-9", "mmol/L", "bone", ("mg/dL",), (0.1, 5), MAGNESIUM_G_MOL, codes={"2601-3": None}
        ),
        Analyte("ldh", "2532-0", "U/L", "other", (), (0, 50_000), codes={"14804-9": None, "14805-6": None}),
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

ANALYTE_BY_LOINC: dict[str, Analyte] = {code: a for a in ANALYTES.values() for code in a.all_codes()}


class UnknownUnit(ValueError):
    pass


def convert(analyte: Analyte, value: float, unit: str, code: str | None = None) -> float:
    """The value in the analyte's canonical unit; a unit that cannot be converted is an error.

    `code` is the LOINC code the value came under, when it was not the analyte's own (urea nitrogen for urea)."""
    try:
        return convert_unit(value, unit, analyte.unit, analyte.molar_mass_for(code))
    except UnitError as exc:
        raise UnknownUnit(
            f"unit '{unit}' cannot be converted for {analyte.name}: {exc}; use a UCUM unit such as "
            f"{', '.join(analyte.accepted_units())}"
        ) from None


def from_canonical(analyte: Analyte, value: float, unit: str) -> float:
    """A value in the analyte's canonical unit expressed in `unit` (the inverse of `convert`)."""
    forward = convert(analyte, 1.0, unit) - convert(analyte, 0.0, unit)
    return (value - convert(analyte, 0.0, unit)) / forward
