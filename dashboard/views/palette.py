"""The grade palette: colour-blind-safe (Okabe-Ito hues, rising darkness) and always shown with the number.

Colour never carries the grade alone: badges print "CRS 2", charts label their bands.
"""

from __future__ import annotations

# grade -> (fill, text colour). Yellow, orange, vermillion and wine differ in lightness as well as hue, so
# they stay in order for deuteranopia, protanopia and tritanopia and in greyscale.
# Grade 0 is white with a thin border and grade 1 yellow with a heavy one: in greyscale the two fills are close,
# so the border (and the number) tells them apart, not the colour alone.
GRADE_COLOURS: dict[int, tuple[str, str]] = {
    0: ("#ffffff", "#212529"),
    1: ("#f0e442", "#212529"),
    2: ("#e69f00", "#212529"),
    3: ("#d55e00", "#ffffff"),
    4: ("#882255", "#ffffff"),
}
UNKNOWN_COLOURS = ("#ffffff", "#212529")

# Lighter versions of the same fills for chart backgrounds.
BAND_FILLS: dict[int, str] = {
    0: "rgba(233, 236, 239, 0.55)",
    1: "rgba(240, 228, 66, 0.30)",
    2: "rgba(230, 159, 0, 0.30)",
    3: "rgba(213, 94, 0, 0.30)",
    4: "rgba(136, 34, 85, 0.30)",
}

# Alert severities use another family (blues to black, each with its word) than the grades' yellow-to-wine, so an
# alert's colour is never read as a grade: IEC 60601-1-8's red/yellow alarm colours would collide with grades 1-3.
SEVERITY_COLOURS: dict[str, tuple[str, str]] = {
    "info": ("#e7f1ff", "#052c65"),
    "warning": ("#9ec5fe", "#052c65"),
    "urgent": ("#0b3d91", "#ffffff"),
    "critical": ("#000000", "#ffffff"),
}

SEVERITY_CLASSES: dict[str, str] = {
    "info": "severity-info",
    "warning": "severity-warning",
    "urgent": "severity-urgent",
    "critical": "severity-critical",
}

DRUG_CLASS_COLOURS: dict[str, str] = {
    "anti_il6": "#0072b2",
    "corticosteroid": "#009e73",
    "anti_il1": "#cc79a7",
}


def grade_class(grade: int | None) -> str:
    """The CSS class of a grade badge ("grade-2"; "grade-unknown" when there is no grade)."""
    return "grade-unknown" if grade is None else f"grade-{grade}"


def grade_fill(grade: int | None) -> str:
    return UNKNOWN_COLOURS[0] if grade is None else GRADE_COLOURS[grade][0]
