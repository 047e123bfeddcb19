"""cartwatch's tables. Importing this module registers every table on `Base.metadata`."""

from data.models.admin import (
    ROLES,
    ApiToken,
    AuditEvent,
    IdempotentRequest,
    LoginAttempt,
    LoginSession,
    LoginThrottle,
    User,
    WardState,
)
from data.models.alerting import Alert, AlertDelivery, DeliveryAttempt, SchedulerHeartbeat, SchedulerLeadership
from data.models.base import Base, UTCDateTime
from data.models.clinical import (
    CLINICAL_MODELS,
    ClinicalRecord,
    ClinicalReview,
    CRSAssessment,
    LabResult,
    MedicationAdministration,
    MonitoringException,
    NeuroAssessment,
    NeuroEvent,
    Observation,
    OrganFinding,
    RoutineIntervention,
)
from data.models.imports import ImportKey
from data.models.patient import Patient
from data.models.plans import CarePlan

__all__ = [
    "CLINICAL_MODELS",
    "ROLES",
    "Alert",
    "AlertDelivery",
    "ApiToken",
    "AuditEvent",
    "Base",
    "CRSAssessment",
    "CarePlan",
    "ClinicalRecord",
    "ClinicalReview",
    "DeliveryAttempt",
    "IdempotentRequest",
    "ImportKey",
    "LabResult",
    "LoginAttempt",
    "LoginSession",
    "LoginThrottle",
    "MedicationAdministration",
    "MonitoringException",
    "NeuroAssessment",
    "NeuroEvent",
    "Observation",
    "OrganFinding",
    "Patient",
    "RoutineIntervention",
    "SchedulerHeartbeat",
    "SchedulerLeadership",
    "UTCDateTime",
    "User",
    "WardState",
]
