"""cartwatch's clinical rules: pure functions over findings, standard library only, no I/O and no clock.

Grades follow ASTCT 2019 (Lee et al., BBMT 25:625-638) as read in CLINICAL-NOTES.md; the management text is
Guideline ACLIN.P.088. Every function validates its input and raises ``InvalidAssessment`` naming the field
and the allowed range rather than guessing; every grade carries its reasons and rule set.
"""

from toxicity.attribution import CRS_DOMAINS, NEURO_DOMAINS, grade_crs_attributed, grade_icans_attributed
from toxicity.bands import (
    CAPD_BANDS,
    FERRITIN_BANDS,
    FEVER_BANDS,
    FEVER_THRESHOLD_C,
    HLH_FERRITIN_THRESHOLD_NG_ML,
    HYPOTENSION_LEVELS,
    ICE_BANDS,
    LOW_FLOW_MAX_L_MIN,
    NASAL_CANNULA_FLOW_BANDS,
    OXYGEN_DEVICE_LEVELS,
    OXYGEN_LEVELS,
    Band,
    Level,
    ScoreBand,
)
from toxicity.cadence import (
    CadencePolicy,
    DueItem,
    MonitoringState,
    bloods_due_at,
    due_items,
    first_bloods_day,
    next_bloods_due,
)
from toxicity.crs import CRSFindings, grade_crs
from toxicity.drugs import (
    DRUG_CLASSES,
    DRUGS,
    VASOPRESSOR_AGENTS,
    count_vasopressors,
    drug_class,
    normalise_drug,
    normalise_vasopressor,
)
from toxicity.enums import (
    CONSCIOUSNESS_LEVELS,
    HLH_RULE_SET,
    ICP_FINDINGS,
    OXYGEN_DEVICES,
    RULE_SET,
    SEIZURE_TYPES,
    Consciousness,
    ICPFinding,
    OxygenDevice,
    SeizureType,
)
from toxicity.errors import InvalidAssessment
from toxicity.escalation import (
    Escalation,
    Severity,
    crs_escalations,
    ferritin_escalations,
    hlh_escalations,
    icans_escalations,
    max_severity,
    severity_for_grade,
    severity_rank,
    tocilizumab_escalations,
)
from toxicity.fever_masking import FeverMasking, explain_fever_masking, fever_no_longer_required
from toxicity.grade import Grade
from toxicity.guidance import EXTRA_TOPICS, Guidance, extra_guidance, guidance_for
from toxicity.hlh import HLHFindings, HLHResult, hlh_screen
from toxicity.icans import NeuroFindings, assessment_tool, grade_icans
from toxicity.ice import ICEParts, ice_score
from toxicity.tocilizumab import TocilizumabSummary, tocilizumab_dose_mg, tocilizumab_summary

__all__ = [
    "CAPD_BANDS",
    "CONSCIOUSNESS_LEVELS",
    "CRS_DOMAINS",
    "DRUGS",
    "DRUG_CLASSES",
    "EXTRA_TOPICS",
    "FERRITIN_BANDS",
    "FEVER_BANDS",
    "FEVER_THRESHOLD_C",
    "HLH_FERRITIN_THRESHOLD_NG_ML",
    "HLH_RULE_SET",
    "HYPOTENSION_LEVELS",
    "ICE_BANDS",
    "ICP_FINDINGS",
    "LOW_FLOW_MAX_L_MIN",
    "NASAL_CANNULA_FLOW_BANDS",
    "NEURO_DOMAINS",
    "OXYGEN_DEVICES",
    "OXYGEN_DEVICE_LEVELS",
    "OXYGEN_LEVELS",
    "RULE_SET",
    "SEIZURE_TYPES",
    "VASOPRESSOR_AGENTS",
    "Band",
    "CRSFindings",
    "CadencePolicy",
    "Consciousness",
    "DueItem",
    "Escalation",
    "FeverMasking",
    "Grade",
    "Guidance",
    "HLHFindings",
    "HLHResult",
    "ICEParts",
    "ICPFinding",
    "InvalidAssessment",
    "Level",
    "MonitoringState",
    "NeuroFindings",
    "OxygenDevice",
    "ScoreBand",
    "SeizureType",
    "Severity",
    "TocilizumabSummary",
    "assessment_tool",
    "bloods_due_at",
    "count_vasopressors",
    "crs_escalations",
    "drug_class",
    "due_items",
    "explain_fever_masking",
    "extra_guidance",
    "ferritin_escalations",
    "fever_no_longer_required",
    "first_bloods_day",
    "grade_crs",
    "grade_crs_attributed",
    "grade_icans",
    "grade_icans_attributed",
    "guidance_for",
    "hlh_escalations",
    "hlh_screen",
    "icans_escalations",
    "ice_score",
    "max_severity",
    "next_bloods_due",
    "normalise_drug",
    "normalise_vasopressor",
    "severity_for_grade",
    "severity_rank",
    "tocilizumab_dose_mg",
    "tocilizumab_escalations",
    "tocilizumab_summary",
]
