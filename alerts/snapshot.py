"""What the sweep decides from: the ward at one instant, read with a fixed number of statements.

Ten statements whatever the number of patients (a test counts them): patients, last obs, CRS and neuro
assessments, last collection per blood panel, ferritin results, tocilizumab doses, unresolved alerts, the
dedupe keys already used (with which of them the sweep closed by itself), and the newest heartbeat. Only the
columns the decisions need are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, load_only

from alerts.decisions import AUTOMATIC_REASONS
from data.audit import SYSTEM
from data.models import (
    Alert,
    CRSAssessment,
    LabResult,
    MedicationAdministration,
    NeuroAssessment,
    Observation,
    Patient,
    SchedulerHeartbeat,
)
from data.queries import current_filter, last_collected_by_patient

TOCILIZUMAB = "tocilizumab"
FERRITIN = "ferritin"


@dataclass(frozen=True)
class GradedRecord:
    record_id: int
    at: datetime
    grade: int
    organ_toxicities: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class LabValue:
    record_id: int
    at: datetime
    value: float


@dataclass(frozen=True)
class Dose:
    record_id: int
    at: datetime


@dataclass(frozen=True)
class PatientSnapshot:
    id: int
    ward: str
    bed: str
    monitoring_start: datetime
    infused_at: datetime | None
    discharged_at: datetime | None
    last_obs: datetime | None = None
    last_bloods: Mapping[str, datetime] = field(default_factory=lambda: MappingProxyType({}))
    crs: tuple[GradedRecord, ...] = ()
    neuro: tuple[GradedRecord, ...] = ()
    ferritin: tuple[LabValue, ...] = ()
    tocilizumab: tuple[Dose, ...] = ()

    @property
    def last_crs(self) -> datetime | None:
        return max((row.at for row in self.crs), default=None)

    @property
    def last_neuro(self) -> datetime | None:
        return max((row.at for row in self.neuro), default=None)

    @property
    def crs_grade(self) -> int | None:
        return self.crs[-1].grade if self.crs else None

    @property
    def icans_grade(self) -> int | None:
        return self.neuro[-1].grade if self.neuro else None


@dataclass(frozen=True)
class OpenAlert:
    """An alert not yet resolved, with where its patient is now and when they were discharged (all None for
    system alerts). ``details`` holds what an overdue alert counted from (its "item" and "since")."""

    id: int
    patient_id: int | None
    kind: str
    severity: str
    status: str
    details: Mapping[str, Any]
    chain_step: int
    next_escalation_at: datetime | None
    snoozed_until: datetime | None
    patient_ward: str | None
    patient_bed: str | None
    patient_discharged_at: datetime | None


@dataclass(frozen=True)
class WardSnapshot:
    now: datetime
    patients: tuple[PatientSnapshot, ...]
    open_alerts: tuple[OpenAlert, ...]
    known_keys: frozenset[str]
    last_heartbeat: datetime | None
    reopenable: Mapping[str, tuple[int, str]] = field(default_factory=lambda: MappingProxyType({}))
    """Keys of alerts the sweep resolved by itself (see `alerts.decisions.AUTOMATIC_REASONS`): key -> (alert id,
    the reason it was closed with)."""


def aware(value: datetime | str | None) -> datetime | None:
    """Aggregates bypass the column type on SQLite, which hands back naive text: make every time aware UTC."""
    if value is None:
        return None
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _required(value: datetime | str | None) -> datetime:
    when = aware(value)
    if when is None:
        raise ValueError("a required time column was NULL")
    return when


def active_ids(now: datetime, patient_ids: Sequence[int] | None = None) -> Select[Any]:
    """Patients under monitoring at ``now`` (not discharged), as a subquery for the other statements."""
    query = select(Patient.id).where(or_(Patient.discharged_at.is_(None), Patient.discharged_at > now))
    if patient_ids is not None:
        query = query.where(Patient.id.in_(list(patient_ids)))
    return query


def load_snapshot(session: Session, now: datetime, patient_ids: Sequence[int] | None = None) -> WardSnapshot:
    """The ward (or only ``patient_ids``) at ``now``; the caller's transaction gives one consistent view."""
    active = active_ids(now, patient_ids)
    # Only what monitoring needs (never the name or hospital number), as entities for `Patient.monitoring_start`.
    patients = session.scalars(
        select(Patient)
        .options(load_only(Patient.ward, Patient.bed, Patient.admitted_at, Patient.infused_at, Patient.discharged_at))
        .where(Patient.id.in_(active))
    ).all()

    last_obs = {
        pid: _required(when)
        for pid, when in session.execute(
            select(Observation.patient_id, func.max(Observation.taken_at))
            .where(Observation.patient_id.in_(active), current_filter(Observation))
            .group_by(Observation.patient_id)
        )
    }
    crs_grade = func.coalesce(CRSAssessment.override_grade, CRSAssessment.computed_grade)
    crs: dict[int, list[GradedRecord]] = defaultdict(list)
    for pid, rid, at, grade, organs in session.execute(
        select(
            CRSAssessment.patient_id,
            CRSAssessment.id,
            CRSAssessment.assessed_at,
            crs_grade,
            CRSAssessment.organ_toxicities,
        )
        .where(CRSAssessment.patient_id.in_(active), current_filter(CRSAssessment))
        .order_by(CRSAssessment.patient_id, CRSAssessment.assessed_at, CRSAssessment.id)
    ):
        crs[pid].append(GradedRecord(rid, _required(at), int(grade), MappingProxyType(dict(organs or {}))))
    neuro_grade = func.coalesce(NeuroAssessment.override_grade, NeuroAssessment.computed_grade)
    neuro: dict[int, list[GradedRecord]] = defaultdict(list)
    for pid, rid, at, grade in session.execute(
        select(NeuroAssessment.patient_id, NeuroAssessment.id, NeuroAssessment.assessed_at, neuro_grade)
        .where(NeuroAssessment.patient_id.in_(active), current_filter(NeuroAssessment))
        .order_by(NeuroAssessment.patient_id, NeuroAssessment.assessed_at, NeuroAssessment.id)
    ):
        neuro[pid].append(GradedRecord(rid, _required(at), int(grade)))
    bloods = last_collected_by_patient(session, [patient.id for patient in patients])
    ferritin: dict[int, list[LabValue]] = defaultdict(list)
    for pid, rid, at, value in session.execute(
        select(LabResult.patient_id, LabResult.id, LabResult.collected_at, LabResult.value)
        .where(LabResult.patient_id.in_(active), LabResult.analyte == FERRITIN, current_filter(LabResult))
        .order_by(LabResult.patient_id, LabResult.collected_at, LabResult.id)
    ):
        ferritin[pid].append(LabValue(rid, _required(at), float(value)))
    doses: dict[int, list[Dose]] = defaultdict(list)
    for pid, rid, at in session.execute(
        select(MedicationAdministration.patient_id, MedicationAdministration.id, MedicationAdministration.given_at)
        .where(
            MedicationAdministration.patient_id.in_(active),
            func.lower(MedicationAdministration.drug) == TOCILIZUMAB,
            current_filter(MedicationAdministration),
        )
        .order_by(MedicationAdministration.patient_id, MedicationAdministration.given_at, MedicationAdministration.id)
    ):
        doses[pid].append(Dose(rid, _required(at)))

    alert_query = (
        select(
            Alert.id,
            Alert.patient_id,
            Alert.kind,
            Alert.severity,
            Alert.status,
            Alert.details,
            Alert.chain_step,
            Alert.next_escalation_at,
            Alert.snoozed_until,
            Patient.ward,
            Patient.bed,
            Patient.discharged_at,
        )
        .outerjoin(Patient, Patient.id == Alert.patient_id)
        .where(Alert.status != "resolved")
        .order_by(Alert.id)
    )
    if patient_ids is not None:
        alert_query = alert_query.where(Alert.patient_id.in_(list(patient_ids)))
    open_alerts = tuple(
        OpenAlert(
            id=row.id,
            patient_id=row.patient_id,
            kind=row.kind,
            severity=row.severity,
            status=row.status,
            details=MappingProxyType(dict(row.details or {})),
            chain_step=row.chain_step,
            next_escalation_at=aware(row.next_escalation_at),
            snoozed_until=aware(row.snoozed_until),
            patient_ward=row.ward,
            patient_bed=row.bed,
            patient_discharged_at=aware(row.discharged_at),
        )
        for row in session.execute(alert_query)
    )
    known: set[str] = set()
    reopenable: dict[str, tuple[int, str]] = {}
    for key, alert_id, status, resolved_by, reason in session.execute(
        select(Alert.dedupe_key, Alert.id, Alert.status, Alert.resolved_by, Alert.resolution_reason).where(
            Alert.patient_id.in_(active)
        )
    ):
        known.add(key)
        if status == "resolved" and resolved_by == SYSTEM.username and reason in AUTOMATIC_REASONS:
            reopenable[key] = (alert_id, reason)
    last_heartbeat = aware(session.scalar(select(func.max(SchedulerHeartbeat.beat_at))))

    snapshots = [
        PatientSnapshot(
            id=patient.id,
            ward=patient.ward,
            bed=patient.bed,
            monitoring_start=patient.monitoring_start,
            infused_at=patient.infused_at,
            discharged_at=patient.discharged_at,
            last_obs=last_obs.get(patient.id),
            last_bloods=MappingProxyType(bloods.get(patient.id, {})),
            crs=tuple(crs.get(patient.id, ())),
            neuro=tuple(neuro.get(patient.id, ())),
            ferritin=tuple(ferritin.get(patient.id, ())),
            tocilizumab=tuple(doses.get(patient.id, ())),
        )
        for patient in patients
    ]
    snapshots.sort(key=lambda p: (p.ward, p.bed, p.id))
    return WardSnapshot(
        now, tuple(snapshots), open_alerts, frozenset(known), last_heartbeat, MappingProxyType(reopenable)
    )
