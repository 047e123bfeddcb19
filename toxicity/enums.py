"""Allowed values for the findings, as StrEnums and as plain tuples of strings.

The grading functions accept the plain strings; the enums exist for callers who want names to autocomplete.
The vasopressor and drug vocabularies live in ``toxicity.drugs`` and are re-exported here so that one import
gives every allowed-value list.
"""

from __future__ import annotations

from enum import StrEnum

from toxicity.drugs import (
    DRUG_CLASSES,
    DRUGS,
    VASOPRESSOR_AGENTS,
    VASOPRESSOR_SYNONYMS,
    count_vasopressors,
    drug_class,
    normalise_drug,
    normalise_vasopressor,
)

RULE_SET = "ASTCT 2019"
"""Lee et al., ASTCT Consensus Grading for CRS and Neurologic Toxicity, BBMT 25:625-638 (2019)."""

HLH_RULE_SET = "CAR-T HLH/MAS criteria (Neelapu 2018)"
"""The guideline's HLH table is Neelapu et al., Nat Rev Clin Oncol 15:47-62 (2018), not ASTCT."""


class OxygenDevice(StrEnum):
    ROOM_AIR = "room_air"
    BLOW_BY = "blow_by"
    NASAL_CANNULA = "nasal_cannula"
    LOW_FLOW_NASAL_CANNULA = "low_flow_nasal_cannula"
    HIGH_FLOW_NASAL_CANNULA = "high_flow_nasal_cannula"
    FACEMASK = "facemask"
    NON_REBREATHER = "non_rebreather"
    VENTURI = "venturi"
    CPAP = "cpap"
    BIPAP = "bipap"
    MECHANICAL_VENTILATION = "mechanical_ventilation"


class Consciousness(StrEnum):
    ALERT = "alert"
    AWAKENS_SPONTANEOUSLY = "awakens_spontaneously"
    AWAKENS_TO_VOICE = "awakens_to_voice"
    AWAKENS_TO_TACTILE = "awakens_to_tactile"
    UNAROUSABLE = "unarousable"


class SeizureType(StrEnum):
    NONE = "none"
    CLINICAL_SEIZURE_RESOLVED_RAPIDLY = "clinical_seizure_resolved_rapidly"
    NONCONVULSIVE_EEG_SEIZURE_RESOLVED_WITH_INTERVENTION = "nonconvulsive_eeg_seizure_resolved_with_intervention"
    PROLONGED_OVER_5_MIN = "prolonged_over_5_min"
    REPETITIVE_WITHOUT_RETURN_TO_BASELINE = "repetitive_without_return_to_baseline"


class ICPFinding(StrEnum):
    FOCAL_LOCAL_EDEMA = "focal_local_edema"
    DIFFUSE_CEREBRAL_EDEMA = "diffuse_cerebral_edema"
    DECEREBRATE_OR_DECORTICATE_POSTURING = "decerebrate_or_decorticate_posturing"
    CRANIAL_NERVE_VI_PALSY = "cranial_nerve_vi_palsy"
    PAPILLEDEMA = "papilledema"
    CUSHINGS_TRIAD = "cushings_triad"


OXYGEN_DEVICES: tuple[str, ...] = tuple(member.value for member in OxygenDevice)
CONSCIOUSNESS_LEVELS: tuple[str, ...] = tuple(member.value for member in Consciousness)
SEIZURE_TYPES: tuple[str, ...] = tuple(member.value for member in SeizureType)
ICP_FINDINGS: tuple[str, ...] = tuple(member.value for member in ICPFinding)

SYNDROMES: tuple[str, ...] = ("crs", "icans")

__all__ = [
    "CONSCIOUSNESS_LEVELS",
    "DRUGS",
    "DRUG_CLASSES",
    "HLH_RULE_SET",
    "ICP_FINDINGS",
    "OXYGEN_DEVICES",
    "RULE_SET",
    "SEIZURE_TYPES",
    "SYNDROMES",
    "VASOPRESSOR_AGENTS",
    "VASOPRESSOR_SYNONYMS",
    "Consciousness",
    "ICPFinding",
    "OxygenDevice",
    "SeizureType",
    "count_vasopressors",
    "drug_class",
    "normalise_drug",
    "normalise_vasopressor",
]
