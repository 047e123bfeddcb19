"""Vasopressor agents and the drugs the guideline names, with the class each belongs to.

Names are matched case-insensitively after trimming spaces; US names are accepted as synonyms
(norepinephrine -> noradrenaline, epinephrine -> adrenaline). An unknown name is an error, never ignored:
a vasopressor the rules do not know would otherwise silently lower a CRS grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from toxicity.errors import InvalidAssessment

VASOPRESSIN = "vasopressin"

VASOPRESSOR_AGENTS: tuple[str, ...] = (
    "noradrenaline",
    "adrenaline",
    "phenylephrine",
    "dopamine",
    "metaraminol",
    VASOPRESSIN,
)

VASOPRESSOR_SYNONYMS: Mapping[str, str] = MappingProxyType(
    {"norepinephrine": "noradrenaline", "epinephrine": "adrenaline"}
)

DRUG_CLASSES: tuple[str, ...] = (
    "anti_il6",
    "corticosteroid",
    "anti_il1",
    "antiepileptic",
    "antibacterial",
    "antiviral",
    "antifungal",
    "other",
)

DRUGS: Mapping[str, str] = MappingProxyType(
    {
        # Table 3 and Tables 2/5: anti-IL-6 therapy.
        "tocilizumab": "anti_il6",
        "siltuximab": "anti_il6",
        # Tables 2, 5 and 7: corticosteroids (prednisone appears in Table 5 "General" for tapering).
        "dexamethasone": "corticosteroid",
        "methylprednisolone": "corticosteroid",
        "hydrocortisone": "corticosteroid",
        "prednisolone": "corticosteroid",
        "prednisone": "corticosteroid",
        # Tables 2, 3 and 5: anakinra for CRS or ICANS refractory to tocilizumab and steroids.
        "anakinra": "anti_il1",
        # Tables 5 and 6: seizure treatment (lorazepam is also Table 5's drug for agitation).
        "levetiracetam": "antiepileptic",
        "lorazepam": "antiepileptic",
        "phenobarbital": "antiepileptic",
        # Table 7 (raised ICP), the HLH section and Table 5 (agitation; grade 4 "worsening").
        "acetazolamide": "other",
        "mannitol": "other",
        "etoposide": "other",
        "cytarabine": "other",
        "haloperidol": "other",
        "cyclophosphamide": "other",
        # Routine interventions ("Infection prophylaxis including Aciclovir and Septrin") and the neutropenic
        # sepsis pathway ("Patients with suspected infection should follow standard neutropenic sepsis
        # guidelines"): antimicrobials, so the time from fever to the first antibiotic can be measured.
        "aciclovir": "antiviral",
        "valaciclovir": "antiviral",
        "co-trimoxazole": "antibacterial",
        "piperacillin-tazobactam": "antibacterial",
        "meropenem": "antibacterial",
        "ceftazidime": "antibacterial",
        "cefepime": "antibacterial",
        "gentamicin": "antibacterial",
        "amikacin": "antibacterial",
        "vancomycin": "antibacterial",
        "teicoplanin": "antibacterial",
        "ciprofloxacin": "antibacterial",
        "levofloxacin": "antibacterial",
        "fluconazole": "antifungal",
        "posaconazole": "antifungal",
        "voriconazole": "antifungal",
        "liposomal amphotericin": "antifungal",
        "caspofungin": "antifungal",
    }
)
PROPHYLAXIS: frozenset[str] = frozenset({"aciclovir", "valaciclovir", "co-trimoxazole", "fluconazole", "posaconazole"})
"""Given as prophylaxis on the CAR-T pathway: a dose of one of these is not the first treatment of a fever."""
ANTIMICROBIAL_CLASSES: frozenset[str] = frozenset({"antibacterial", "antiviral", "antifungal"})


def _clean(field: str, name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidAssessment(f"{field}: {name!r} is not a drug name")
    return name.strip().lower()


def normalise_vasopressor(name: str) -> str:
    """The canonical agent name: ``" Norepinephrine "`` -> ``"noradrenaline"``."""
    cleaned = _clean("vasopressor", name)
    canonical = VASOPRESSOR_SYNONYMS.get(cleaned, cleaned)
    if canonical not in VASOPRESSOR_AGENTS:
        known = ", ".join((*VASOPRESSOR_AGENTS, *VASOPRESSOR_SYNONYMS))
        raise InvalidAssessment(f"vasopressor: {name!r} is not a known agent; allowed: {known}")
    return canonical


def count_vasopressors(names: Iterable[str]) -> tuple[int, bool]:
    """(number of distinct agents excluding vasopressin, whether vasopressin is running).

    ASTCT 2019 grade 4 is "multiple vasopressors (excluding vasopressin)", so vasopressin is reported
    separately. An agent named twice (e.g. "noradrenaline" and "norepinephrine") counts once.
    """
    if isinstance(names, str):
        raise InvalidAssessment(f"vasopressors: expected a list of agent names, got the text {names!r}")
    if isinstance(names, (bytes, dict)) or not isinstance(names, Iterable):
        raise InvalidAssessment(f"vasopressors: expected a list of agent names, got {type(names).__name__}")
    agents = {normalise_vasopressor(name) for name in names}
    return len(agents - {VASOPRESSIN}), VASOPRESSIN in agents


def normalise_drug(name: str) -> str:
    """The drug's name as ``DRUGS`` spells it; unknown drugs are rejected."""
    cleaned = _clean("drug", name)
    if cleaned not in DRUGS:
        raise InvalidAssessment(f"drug: {name!r} is not a known drug; allowed: {', '.join(DRUGS)}")
    return cleaned


def drug_class(name: str) -> str:
    """One of ``DRUG_CLASSES`` for a known drug, e.g. ``drug_class("Dexamethasone") == "corticosteroid"``."""
    return DRUGS[normalise_drug(name)]
