"""Append-only clinical records: an amendment or an 'entered in error' is a new row pointing at the old one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from data.models.base import Base, JSONType


class ClinicalRecord:
    """Columns every clinical row has: whose, when, who wrote it, from where, and what it corrects."""

    id: Mapped[int] = mapped_column(primary_key=True)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(16))
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    entered_in_error: Mapped[bool] = mapped_column(default=False)
    # Entered after the event from another record (paper obs after downtime, a back-entry file), not at the time.
    late_entry: Mapped[bool] = mapped_column(default=False, server_default=false())

    # The clinical time of the record (taken_at, assessed_at, collected_at, given_at) is named per table and
    # exposed uniformly as `clinical_time_column`.
    clinical_time_column: str = "recorded_at"

    @declared_attr
    def patient_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("patients.id"), index=True)

    @declared_attr
    def amends_id(cls) -> Mapped[int | None]:
        # Indexed by `amendment_index` below: only the rows that amend another, so "not amended" stays an index
        # probe whatever the planner's statistics say.
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"))  # type: ignore[attr-defined]

    @property
    def clinical_time(self) -> datetime:
        value: datetime = getattr(self, self.clinical_time_column)
        return value


class Observation(ClinicalRecord, Base):
    __tablename__ = "observations"
    clinical_time_column = "taken_at"

    taken_at: Mapped[datetime]
    temperature_c: Mapped[float | None] = mapped_column(Float)
    heart_rate: Mapped[int | None] = mapped_column(Integer)
    respiratory_rate: Mapped[int | None] = mapped_column(Integer)
    systolic_bp: Mapped[int | None] = mapped_column(Integer)
    diastolic_bp: Mapped[int | None] = mapped_column(Integer)
    spo2: Mapped[int | None] = mapped_column(Integer)
    oxygen_device: Mapped[str | None] = mapped_column(String(40))  # None: not recorded (never assumed room air)
    oxygen_flow_l_min: Mapped[float | None] = mapped_column(Float)
    fio2: Mapped[float | None] = mapped_column(Float)
    vasopressors: Mapped[list[str]] = mapped_column(JSONType, default=list)
    consciousness: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_observations_patient_taken", "patient_id", "taken_at"),)


class CRSAssessment(ClinicalRecord, Base):
    __tablename__ = "crs_assessments"
    clinical_time_column = "assessed_at"

    assessed_at: Mapped[datetime]
    temperature_c: Mapped[float | None] = mapped_column(Float)
    hypotension: Mapped[bool]
    vasopressors: Mapped[list[str]] = mapped_column(JSONType, default=list)
    oxygen: Mapped[str] = mapped_column(String(40))
    oxygen_flow_l_min: Mapped[float | None] = mapped_column(Float)
    hypotension_other_cause: Mapped[bool] = mapped_column(default=False)
    hypoxia_other_cause: Mapped[bool] = mapped_column(default=False)
    fever_other_cause: Mapped[bool] = mapped_column(default=False)
    organ_toxicities: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    after_tocilizumab_or_steroids: Mapped[bool] = mapped_column(default=False)
    computed_grade: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JSONType)
    rule_set: Mapped[str] = mapped_column(String(40))
    override_grade: Mapped[int | None] = mapped_column(Integer)
    override_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_crs_assessments_patient_assessed", "patient_id", "assessed_at"),)

    @property
    def grade(self) -> int:
        """The grade in force: a clinician's override, else the computed one."""
        return self.override_grade if self.override_grade is not None else self.computed_grade


class NeuroAssessment(ClinicalRecord, Base):
    __tablename__ = "neuro_assessments"
    clinical_time_column = "assessed_at"

    assessed_at: Mapped[datetime]
    tool: Mapped[str] = mapped_column(String(8))  # "ICE" or "CAPD"
    ice_parts: Mapped[dict[str, int] | None] = mapped_column(JSONType)
    ice_score: Mapped[int | None] = mapped_column(Integer)
    capd_score: Mapped[int | None] = mapped_column(Integer)
    unable_to_perform_assessment: Mapped[bool] = mapped_column(default=False)
    consciousness: Mapped[str] = mapped_column(String(40))
    seizure: Mapped[str] = mapped_column(String(60))
    deep_focal_motor_weakness: Mapped[bool] = mapped_column(default=False)
    icp_findings: Mapped[list[str]] = mapped_column(JSONType, default=list)
    other_cause_domains: Mapped[list[str]] = mapped_column(JSONType, default=list)
    computed_grade: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JSONType)
    rule_set: Mapped[str] = mapped_column(String(40))
    override_grade: Mapped[int | None] = mapped_column(Integer)
    override_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_neuro_assessments_patient_assessed", "patient_id", "assessed_at"),)

    @property
    def grade(self) -> int:
        return self.override_grade if self.override_grade is not None else self.computed_grade


class LabResult(ClinicalRecord, Base):
    __tablename__ = "lab_results"
    clinical_time_column = "collected_at"

    collected_at: Mapped[datetime]
    reported_at: Mapped[datetime | None]
    analyte: Mapped[str] = mapped_column(String(40))
    loinc_code: Mapped[str] = mapped_column(String(16))
    panel: Mapped[str] = mapped_column(String(20))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    original_value: Mapped[float] = mapped_column(Float)
    original_unit: Mapped[str] = mapped_column(String(20))
    # The laboratory's reference range when it sent one (FHIR referenceRange, HL7 OBX-7), in `unit`.
    reference_low: Mapped[float | None] = mapped_column(Float)
    reference_high: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        Index("ix_lab_results_patient_collected", "patient_id", "collected_at"),
        Index("ix_lab_results_patient_panel_collected", "patient_id", "panel", "collected_at"),
    )


class MedicationAdministration(ClinicalRecord, Base):
    __tablename__ = "medication_administrations"
    clinical_time_column = "given_at"

    given_at: Mapped[datetime]
    drug: Mapped[str] = mapped_column(String(40))
    drug_class: Mapped[str] = mapped_column(String(20))
    dose: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(12))
    route: Mapped[str] = mapped_column(String(12))

    __table_args__ = (Index("ix_medication_administrations_patient_given", "patient_id", "given_at"),)


class NeuroEvent(ClinicalRecord, Base):
    """A neurological event seen between assessments: a seizure, deep focal motor weakness or a raised-ICP
    finding (the values of `toxicity.NEURO_EVENTS`). It pages at once and makes a neuro assessment due now."""

    __tablename__ = "neuro_events"
    clinical_time_column = "occurred_at"

    occurred_at: Mapped[datetime]
    event: Mapped[str] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_neuro_events_patient_occurred", "patient_id", "occurred_at"),)


class MonitoringException(ClinicalRecord, Base):
    """A documented exception to the schedule: the patient off the ward, an assessment refused, or monitoring
    paused by a doctor, from ``starts_at`` to ``ends_at``. While it lasts the listed items are not overdue; when
    it ends their clock runs again."""

    __tablename__ = "monitoring_exceptions"
    clinical_time_column = "starts_at"

    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    items: Mapped[list[str]] = mapped_column(JSONType)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_monitoring_exceptions_patient_starts", "patient_id", "starts_at"),)


class OrganFinding(ClinicalRecord, Base):
    """A clinician's finding for the HLH/MAS screen (pulmonary oedema or oliguria with its CTCAE v4.03 grade,
    haemophagocytosis on histopathology), with when it was found. It stays in force until amended."""

    __tablename__ = "organ_findings"
    clinical_time_column = "occurred_at"

    occurred_at: Mapped[datetime]
    finding: Mapped[str] = mapped_column(String(40))
    ctcae_grade: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_organ_findings_patient_occurred", "patient_id", "occurred_at"),)


class RoutineIntervention(ClinicalRecord, Base):
    """One of the guideline's routine interventions done (central access, prophylaxis, TLS prevention, infection
    controlled before infusion): who recorded it and when it was done."""

    __tablename__ = "routine_interventions"
    clinical_time_column = "done_at"

    done_at: Mapped[datetime]
    item: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_routine_interventions_patient_done", "patient_id", "done_at"),)


class ClinicalReview(ClinicalRecord, Base):
    """The daily clinical assessment and examination, by whom and when, with what was found."""

    __tablename__ = "clinical_reviews"
    clinical_time_column = "reviewed_at"

    reviewed_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_clinical_reviews_patient_reviewed", "patient_id", "reviewed_at"),)


# Typed as Any: the mixin has no constructor of its own, the mapped classes do.
CLINICAL_MODELS: dict[str, Any] = {
    "observations": Observation,
    "crs-assessments": CRSAssessment,
    "neuro-assessments": NeuroAssessment,
    "labs": LabResult,
    "medications": MedicationAdministration,
    "neuro-events": NeuroEvent,
    "monitoring-exceptions": MonitoringException,
    "organ-findings": OrganFinding,
    "routine-interventions": RoutineIntervention,
    "clinical-reviews": ClinicalReview,
}


def amendment_index(model: type[ClinicalRecord]) -> Index:
    """A partial index of the rows that amend another (`amends_id IS NOT NULL`), for "is this row amended?".

    Every read of current rows asks it (`data.queries.current_filter`, NOT EXISTS over amendments). A full index
    on a column that is NULL in nearly every row looked useless to the planner once statistics were gathered
    (SQLite's ANALYZE: one value for all rows), which then scanned the table for each row read: minutes for a
    ward board on a few million rows. This index holds only the amendments, so its statistics say what it is.
    """
    table = model.__table__  # type: ignore[attr-defined]
    where = table.c.amends_id.isnot(None)
    return Index(f"ix_{table.name}_amends_id", table.c.amends_id, sqlite_where=where, postgresql_where=where)


for _model in (
    Observation,
    CRSAssessment,
    NeuroAssessment,
    LabResult,
    MedicationAdministration,
    NeuroEvent,
    MonitoringException,
    OrganFinding,
    RoutineIntervention,
    ClinicalReview,
):
    amendment_index(_model)
