"""Management guidance for the current grade: the guideline's words, never an order.

``guidance_for("crs" | "icans", grade)`` gives Table 2 or Table 5 for grades 1-4; grade 0 gives the
guideline's routine monitoring (so a display always has something true to show rather than an error).
``extra_guidance(topic)`` gives the condition-specific tables: status epilepticus (Table 6), raised ICP
(Table 7), HLH/MAS, Table 5's "General" rows and Table 3 (drugs). With a weight, the computed tocilizumab
dose is attached as ``dosing``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from toxicity import guidance_tables as tables
from toxicity.enums import SYNDROMES
from toxicity.errors import InvalidAssessment
from toxicity.second_line import anakinra_text
from toxicity.tocilizumab import (
    Indication,
    TocilizumabSummary,
    indicated_dose,
    tocilizumab_indication,
    tocilizumab_summary,
)
from toxicity.validation import require_choice, require_int

NOTE = "Guidance from the guideline, not an order."


@dataclass(frozen=True)
class Guidance:
    """``syndrome`` is "crs", "icans" or an extra topic; ``grade`` is None for extra topics."""

    syndrome: str
    grade: int | None
    source: str
    items: tuple[str, ...]
    note: str = NOTE
    condition: str = ""
    dosing: tuple[str, ...] = ()


EXTRA_TOPICS: Mapping[str, tuple[str, str, tuple[str, ...]]] = MappingProxyType(
    {
        "crs_drugs": (tables.CRS_DRUGS_SOURCE, "", tables.CRS_DRUGS),
        "icans_general": (tables.ICANS_GENERAL_SOURCE, "", tables.ICANS_GENERAL),
        "nonconvulsive_status_epilepticus": (
            tables.STATUS_EPILEPTICUS_SOURCE,
            "Non-convulsive status epilepticus",
            tables.NONCONVULSIVE_STATUS_EPILEPTICUS,
        ),
        "convulsive_status_epilepticus": (
            tables.STATUS_EPILEPTICUS_SOURCE,
            "Convulsive status epilepticus",
            tables.CONVULSIVE_STATUS_EPILEPTICUS,
        ),
        "papilloedema_low_pressure": (
            tables.RAISED_ICP_SOURCE,
            tables.PAPILLOEDEMA_LOW_PRESSURE_CONDITION,
            tables.PAPILLOEDEMA_LOW_PRESSURE,
        ),
        "raised_icp_severe": (tables.RAISED_ICP_SOURCE, tables.RAISED_ICP_SEVERE_CONDITION, tables.RAISED_ICP_SEVERE),
        "hlh": (tables.HLH_SOURCE, "CAR-T-cell-related HLH/MAS", tables.HLH_MANAGEMENT),
        "anakinra": (
            tables.CRS_DRUGS_SOURCE,
            "Grade 3 or 4 CRS refractory to tocilizumab and steroids",
            tables.ANAKINRA,
        ),
        "neutropenia": (tables.ROUTINE_MONITORING_SOURCE, "Neutrophils < 0.5 x10^9/L", tables.NEUTROPENIA),
        "neutropenic_fever": (tables.NEUTROPENIC_FEVER_SOURCE, "Neutropenic fever", tables.NEUTROPENIC_FEVER),
    }
)
"""Topic -> (source, condition, items)."""

_TOCILIZUMAB_TOPICS = frozenset({"crs_drugs", "hlh"})


def _anakinra_dosing(weight_kg: float | None) -> tuple[str, ...]:
    return () if weight_kg is None else (anakinra_text(weight_kg),)


def guidance_for(
    syndrome: str, grade: int, weight_kg: float | None = None, concurrent_crs: int | None = None
) -> Guidance:
    """Table 2 (CRS) or Table 5 (ICANS) for grade 1-4; grade 0 gives routine monitoring.

    With ``weight_kg`` (2-300 kg) the tocilizumab dose for the patient is attached only with its indication
    (`toxicity.tocilizumab.tocilizumab_indication`): CRS grade 2 or more; CRS grade 1 as "consider" for persistent
    refractory fever; ICANS only with concurrent CRS (``concurrent_crs`` >= 1).
    """
    name = require_choice("syndrome", syndrome, SYNDROMES)
    level = require_int("grade", grade, 0, 4)
    if level == 0:
        label = "No CRS" if name == "crs" else "No ICANS"
        items = (f"{label}: continue monitoring per protocol", *tables.ROUTINE_MONITORING)
        return Guidance(name, 0, tables.ROUTINE_MONITORING_SOURCE, items)
    if name == "crs":
        dosing = indicated_dose(tocilizumab_indication(level, None), weight_kg)
        return Guidance(name, level, tables.CRS_SOURCE, tables.CRS_MANAGEMENT[level], dosing=dosing)
    concurrent = require_int("concurrent_crs", concurrent_crs or 0, 0, 4)
    dosing = indicated_dose(tocilizumab_indication(concurrent, level), weight_kg) if concurrent >= 1 else ()
    return Guidance(name, level, tables.ICANS_SOURCE, tables.ICANS_MANAGEMENT[level], dosing=dosing)


def extra_guidance(topic: str, weight_kg: float | None = None, indication: Indication | None = None) -> Guidance:
    """One of ``EXTRA_TOPICS``: Table 6's two rows, Table 7's two conditions, HLH, ICANS General, Table 3. The
    tocilizumab dose is attached to Table 3 and HLH only with an ``indication`` that shows it."""
    if not isinstance(topic, str) or topic not in EXTRA_TOPICS:
        raise InvalidAssessment(f"topic: {topic!r} is not allowed; allowed: {', '.join(EXTRA_TOPICS)}")
    source, condition, items = EXTRA_TOPICS[topic]
    dosing: tuple[str, ...] = ()
    if topic in _TOCILIZUMAB_TOPICS and indication is not None:
        dosing = indicated_dose(indication, weight_kg)
    if topic == "anakinra":
        dosing = _anakinra_dosing(weight_kg)
    return Guidance(topic, None, source, items, condition=condition, dosing=dosing)


__all__ = [
    "EXTRA_TOPICS",
    "NOTE",
    "Guidance",
    "TocilizumabSummary",
    "extra_guidance",
    "guidance_for",
    "tocilizumab_summary",
]
