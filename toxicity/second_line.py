"""Second-line drugs the guideline names, with the dose computed for the patient (guidance, never an order).

Table 3: "Anakinra - indication: Grade 3 OR 4 CRS refractory to tocilizumab and steroids - dose: 2mg/kg daily for
3-5 days." HLH section: "If the patient has no improvement within 48 h after commencement of steroids and
tocilizumab, additional therapy with etoposide 75–100 mg/m2 should be considered ... Etoposide can be repeated
after 4–7 days". The body surface area is the Mosteller formula, sqrt(height cm x weight kg / 3600).
"""

from __future__ import annotations

import math

from toxicity.validation import require_number

ANAKINRA_MG_PER_KG = 2.0
ETOPOSIDE_MG_PER_M2 = (75.0, 100.0)
BSA_FORMULA = "Mosteller"


def anakinra_text(weight_kg: float) -> str:
    weight = require_number("weight_kg", weight_kg, 2.0, 300.0, "kg")
    dose = round(weight * ANAKINRA_MG_PER_KG, 1)
    return (
        f"anakinra {dose:g} mg daily for 3-5 days for {weight:g} kg ({ANAKINRA_MG_PER_KG:g} mg/kg, guideline Table 3)"
    )


def body_surface_area_m2(height_cm: float, weight_kg: float) -> float:
    """Mosteller: sqrt(height x weight / 3600), in m2, to 2 decimals."""
    height = require_number("height_cm", height_cm, 30.0, 250.0, "cm")
    weight = require_number("weight_kg", weight_kg, 2.0, 300.0, "kg")
    return round(math.sqrt(height * weight / 3600.0), 2)


def etoposide_text(height_cm: float | None, weight_kg: float | None) -> str:
    low, high = ETOPOSIDE_MG_PER_M2
    if height_cm is None or weight_kg is None:
        missing = " and ".join(name for name, value in (("height", height_cm), ("weight", weight_kg)) if value is None)
        return f"etoposide {low:g}-{high:g} mg/m2: dose not computed, {missing} not recorded"
    bsa = body_surface_area_m2(height_cm, weight_kg)
    return (
        f"etoposide {round(low * bsa)}-{round(high * bsa)} mg ({low:g}-{high:g} mg/m2 x BSA {bsa:g} m2, "
        f"{BSA_FORMULA}, from {float(height_cm):g} cm and {float(weight_kg):g} kg); can be repeated after 4-7 days"
    )
