"""What the sweep, the board, the patient page and the status API decide from: the ward at one instant, read with
a fixed number of statements.

Twenty-two statements whatever the number of patients (a test counts them): patients, last obs, CRS and neuro
assessments, the obs, neurological events and monitoring exceptions of the escalation look-back window, last
collection per blood panel, the fever-masking history (three), ferritin and neutrophil results, tocilizumab
doses, antimicrobials of the window, organ findings, the routine interventions and prophylaxis doses (two), the
last clinical review, corticosteroid doses, unresolved alerts, the dedupe keys already used (with which of them
the sweep closed by itself), and the newest heartbeat. Only the columns the decisions need are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, load_only

from alerts.decisions import AUTOMATIC_REASONS
from data.audit import SYSTEM
from data.models import (
    Alert,
    ClinicalReview,
    CRSAssessment,
    LabResult,
    MedicationAdministration,
    MonitoringException,
    NeuroAssessment,
    NeuroEvent,
    Observation,
    OrganFinding,
    Patient,
    SchedulerHeartbeat,
)
from data.queries import (
    ChecklistInputs,
    FeverMaskingHistory,
    checklist_inputs,
    current_filter,
    fever_masking_history,
    last_collected_by_patient,
)
from toxicity import ObsFindings
from toxicity.steroids import SteroidDose

TOCILIZUMAB = "tocilizumab"
FERRITIN = "ferritin"
NEUTROPHILS = "neutrophils"
ORGAN_ANALYTES = ("bilirubin", "ast", "alt", "creatinine")
"""Graded by CTCAE v4.03 from their values for the HLH/MAS screen."""
ANTIMICROBIALS = ("antibacterial", "antiviral", "antifungal")


@dataclass(frozen=True)
class GradedRecord:
    """A formal assessment: ``grade`` is the grade in force (a clinician's override, else the computed grade)."""

    record_id: int
    at: datetime
    grade: int
    organ_toxicities: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    computed_grade: int | None = None
    reasons: tuple[str, ...] = ()
    rule_set: str = ""
    override_reason: str | None = None
    # Neuro assessments only: the findings that are events (a seizure, new weakness, new raised-ICP findings).
    seizure: str = "none"
    motor_weakness: bool = False
    icp_findings: frozenset[str] = frozenset()

    @property
    def overridden(self) -> bool:
        """A clinician overrode the computed grade (to any grade, the same one included)."""
        return self.override_reason is not None


@dataclass(frozen=True)
class ObsRecord:
    record_id: int
    at: datetime
    findings: ObsFindings


@dataclass(frozen=True)
class EventRecord:
    record_id: int
    at: datetime
    event: str


@dataclass(frozen=True)
class ExceptionRecord:
    record_id: int
    starts_at: datetime
    ends_at: datetime
    items: frozenset[str]
    reason: str


@dataclass(frozen=True)
class LabValue:
    record_id: int
    at: datetime
    value: float
    upper_limit: float | None = None
    """The result's own upper limit of normal, when its source gave one."""


@dataclass(frozen=True)
class Dose:
    record_id: int
    at: datetime


@dataclass(frozen=True)
class FindingRecord:
    """A clinician's organ finding for the HLH/MAS screen (in force until amended)."""

    record_id: int
    at: datetime
    finding: str
    ctcae_grade: int | None


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
    obs: tuple[ObsRecord, ...] = ()
    """Obs of the escalation look-back window (and the last obs), in time order: graded provisionally."""
    neutrophils: tuple[LabValue, ...] = ()
    antimicrobials: tuple[tuple[datetime, str], ...] = ()
    organ_labs: Mapping[str, tuple[LabValue, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """Bilirubin, AST, ALT and creatinine results in time order, by analyte (the HLH screen grades them)."""
    sex: str | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    events: tuple[EventRecord, ...] = ()
    masking: FeverMaskingHistory = field(default_factory=FeverMaskingHistory)
    exceptions: tuple[ExceptionRecord, ...] = ()
    findings: tuple[FindingRecord, ...] = ()
    """Pulmonary oedema, oliguria and haemophagocytosis recorded as findings, in time order."""
    checklist: ChecklistInputs = field(default_factory=ChecklistInputs)
    last_review: datetime | None = None
    steroids: tuple[SteroidDose, ...] = ()
    """Every corticosteroid dose, in time order (the steroid course)."""

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
    grade: int | None = None


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


def _alerts(
    session: Session, active: Select[Any], patient_ids: Sequence[int] | None
) -> tuple[tuple[OpenAlert, ...], set[str], dict[str, tuple[int, str]]]:
    """Unresolved alerts, the dedupe keys already used, and which of them the sweep closed by itself."""
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
            Alert.grade,
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
            grade=row.grade,
        )
        for row in session.execute(alert_query)
    )
    known: set[str] = set()
    reopenable: dict[str, tuple[int, str]] = {}
    for key, alert_id, status, resolved_by, closed_because in session.execute(
        select(Alert.dedupe_key, Alert.id, Alert.status, Alert.resolved_by, Alert.resolution_reason).where(
            Alert.patient_id.in_(active)
        )
    ):
        known.add(key)
        if status == "resolved" and resolved_by == SYSTEM.username and closed_because in AUTOMATIC_REASONS:
            reopenable[key] = (alert_id, closed_because)
    return open_alerts, known, reopenable


def load_snapshot(
    session: Session,
    now: datetime,
    patient_ids: Sequence[int] | None = None,
    *,
    window: timedelta = timedelta(hours=24),
    ward: str | None = None,
    with_alerts: bool = True,
) -> WardSnapshot:
    """The ward (or only ``patient_ids``, or one ``ward``) at ``now``; the caller's transaction gives one consistent
    view. ``window`` is how far back obs and neurological events are read (the escalation look-back). Without
    ``with_alerts`` (a display deciding grades and due items only) the alerts, dedupe keys and heartbeat are not
    read."""
    active = active_ids(now, patient_ids)
    if ward is not None:
        active = active.where(Patient.ward == ward)
    since = now - window
    # Only what monitoring needs (never the name or hospital number), as entities for `Patient.monitoring_start`.
    patients = session.scalars(
        select(Patient)
        .options(
            load_only(
                Patient.ward,
                Patient.bed,
                Patient.admitted_at,
                Patient.infused_at,
                Patient.discharged_at,
                Patient.sex,
                Patient.weight_kg,
                Patient.height_cm,
            )
        )
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
    for pid, rid, at, grade, organs, computed, reasons, rule_set, why in session.execute(
        select(
            CRSAssessment.patient_id,
            CRSAssessment.id,
            CRSAssessment.assessed_at,
            crs_grade,
            CRSAssessment.organ_toxicities,
            CRSAssessment.computed_grade,
            CRSAssessment.reasons,
            CRSAssessment.rule_set,
            CRSAssessment.override_reason,
        )
        .where(CRSAssessment.patient_id.in_(active), current_filter(CRSAssessment))
        .order_by(CRSAssessment.patient_id, CRSAssessment.assessed_at, CRSAssessment.id)
    ):
        crs[pid].append(
            GradedRecord(
                rid,
                _required(at),
                int(grade),
                MappingProxyType(dict(organs or {})),
                computed_grade=int(computed),
                reasons=tuple(reasons or ()),
                rule_set=rule_set,
                override_reason=why,
            )
        )
    neuro_grade = func.coalesce(NeuroAssessment.override_grade, NeuroAssessment.computed_grade)
    neuro: dict[int, list[GradedRecord]] = defaultdict(list)
    for row in session.execute(
        select(
            NeuroAssessment.patient_id,
            NeuroAssessment.id,
            NeuroAssessment.assessed_at,
            neuro_grade.label("grade"),
            NeuroAssessment.computed_grade,
            NeuroAssessment.reasons,
            NeuroAssessment.rule_set,
            NeuroAssessment.override_reason,
            NeuroAssessment.seizure,
            NeuroAssessment.deep_focal_motor_weakness,
            NeuroAssessment.icp_findings,
            NeuroAssessment.other_cause_domains,
        )
        .where(NeuroAssessment.patient_id.in_(active), current_filter(NeuroAssessment))
        .order_by(NeuroAssessment.patient_id, NeuroAssessment.assessed_at, NeuroAssessment.id)
    ):
        neuro[row.patient_id].append(
            GradedRecord(
                row.id,
                _required(row.assessed_at),
                int(row.grade),
                computed_grade=int(row.computed_grade),
                reasons=tuple(row.reasons or ()),
                rule_set=row.rule_set,
                override_reason=row.override_reason,
                seizure=row.seizure,
                motor_weakness=bool(row.deep_focal_motor_weakness),
                icp_findings=frozenset(row.icp_findings or ()),
            )
        )
    obs_rows: dict[int, list[ObsRecord]] = defaultdict(list)
    for obs in session.execute(
        select(
            Observation.patient_id,
            Observation.id,
            Observation.taken_at,
            Observation.temperature_c,
            Observation.systolic_bp,
            Observation.vasopressors,
            Observation.oxygen_device,
            Observation.oxygen_flow_l_min,
            Observation.consciousness,
        )
        .where(Observation.patient_id.in_(active), Observation.taken_at >= since, current_filter(Observation))
        .order_by(Observation.patient_id, Observation.taken_at, Observation.id)
    ):
        findings = ObsFindings(
            temperature_c=obs.temperature_c,
            systolic_bp=obs.systolic_bp,
            vasopressors=tuple(obs.vasopressors or ()),
            oxygen_device=obs.oxygen_device,
            oxygen_flow_l_min=obs.oxygen_flow_l_min,
            consciousness=obs.consciousness,
        )
        obs_rows[obs.patient_id].append(ObsRecord(obs.id, _required(obs.taken_at), findings))
    events: dict[int, list[EventRecord]] = defaultdict(list)
    for pid, rid, at, event in session.execute(
        select(NeuroEvent.patient_id, NeuroEvent.id, NeuroEvent.occurred_at, NeuroEvent.event)
        .where(NeuroEvent.patient_id.in_(active), NeuroEvent.occurred_at >= since, current_filter(NeuroEvent))
        .order_by(NeuroEvent.patient_id, NeuroEvent.occurred_at, NeuroEvent.id)
    ):
        events[pid].append(EventRecord(rid, _required(at), event))
    exceptions: dict[int, list[ExceptionRecord]] = defaultdict(list)
    for pid, rid, starts, ends, items, reason in session.execute(
        select(
            MonitoringException.patient_id,
            MonitoringException.id,
            MonitoringException.starts_at,
            MonitoringException.ends_at,
            MonitoringException.items,
            MonitoringException.reason,
        )
        .where(
            MonitoringException.patient_id.in_(active),
            MonitoringException.ends_at >= since,
            current_filter(MonitoringException),
        )
        .order_by(MonitoringException.patient_id, MonitoringException.starts_at, MonitoringException.id)
    ):
        exceptions[pid].append(ExceptionRecord(rid, _required(starts), _required(ends), frozenset(items), reason))
    bloods = last_collected_by_patient(session, [patient.id for patient in patients])
    masking = fever_masking_history(session, [patient.id for patient in patients], until=now)
    ferritin: dict[int, list[LabValue]] = defaultdict(list)
    neutrophils: dict[int, list[LabValue]] = defaultdict(list)
    organ_labs: dict[int, dict[str, list[LabValue]]] = defaultdict(lambda: defaultdict(list))
    for pid, rid, at, value, analyte, upper in session.execute(
        select(
            LabResult.patient_id,
            LabResult.id,
            LabResult.collected_at,
            LabResult.value,
            LabResult.analyte,
            LabResult.reference_high,
        )
        .where(
            LabResult.patient_id.in_(active),
            LabResult.analyte.in_((FERRITIN, NEUTROPHILS, *ORGAN_ANALYTES)),
            current_filter(LabResult),
        )
        .order_by(LabResult.patient_id, LabResult.collected_at, LabResult.id)
    ):
        lab = LabValue(rid, _required(at), float(value), None if upper is None else float(upper))
        if analyte == FERRITIN:
            ferritin[pid].append(lab)
        elif analyte == NEUTROPHILS:
            neutrophils[pid].append(lab)
        else:
            organ_labs[pid][analyte].append(lab)
    antimicrobials: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for pid, at, drug in session.execute(
        select(MedicationAdministration.patient_id, MedicationAdministration.given_at, MedicationAdministration.drug)
        .where(
            MedicationAdministration.patient_id.in_(active),
            MedicationAdministration.drug_class.in_(ANTIMICROBIALS),
            MedicationAdministration.given_at >= since,
            current_filter(MedicationAdministration),
        )
        .order_by(MedicationAdministration.patient_id, MedicationAdministration.given_at)
    ):
        antimicrobials[pid].append((_required(at), drug))
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
    ids = [patient.id for patient in patients]
    organ_findings: dict[int, list[FindingRecord]] = defaultdict(list)
    for pid, rid, at, name, grade in session.execute(
        select(
            OrganFinding.patient_id,
            OrganFinding.id,
            OrganFinding.occurred_at,
            OrganFinding.finding,
            OrganFinding.ctcae_grade,
        )
        .where(OrganFinding.patient_id.in_(active), current_filter(OrganFinding))
        .order_by(OrganFinding.patient_id, OrganFinding.occurred_at, OrganFinding.id)
    ):
        organ_findings[pid].append(FindingRecord(rid, _required(at), name, grade))
    checklists = checklist_inputs(session, ids)
    last_review = {
        pid: _required(when)
        for pid, when in session.execute(
            select(ClinicalReview.patient_id, func.max(ClinicalReview.reviewed_at))
            .where(ClinicalReview.patient_id.in_(active), current_filter(ClinicalReview))
            .group_by(ClinicalReview.patient_id)
        )
    }
    steroids: dict[int, list[SteroidDose]] = defaultdict(list)
    for pid, at, drug, amount, unit in session.execute(
        select(
            MedicationAdministration.patient_id,
            MedicationAdministration.given_at,
            MedicationAdministration.drug,
            MedicationAdministration.dose,
            MedicationAdministration.unit,
        )
        .where(
            MedicationAdministration.patient_id.in_(active),
            MedicationAdministration.drug_class == "corticosteroid",
            current_filter(MedicationAdministration),
        )
        .order_by(MedicationAdministration.patient_id, MedicationAdministration.given_at, MedicationAdministration.id)
    ):
        steroids[pid].append(SteroidDose(_required(at), drug, float(amount), unit))

    open_alerts: tuple[OpenAlert, ...] = ()
    known: set[str] = set()
    reopenable: dict[str, tuple[int, str]] = {}
    last_heartbeat: datetime | None = None
    if with_alerts:
        open_alerts, known, reopenable = _alerts(session, active, patient_ids)
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
            obs=tuple(obs_rows.get(patient.id, ())),
            neutrophils=tuple(neutrophils.get(patient.id, ())),
            organ_labs=MappingProxyType({name: tuple(rows) for name, rows in organ_labs.get(patient.id, {}).items()}),
            sex=patient.sex,
            weight_kg=patient.weight_kg,
            height_cm=patient.height_cm,
            antimicrobials=tuple(antimicrobials.get(patient.id, ())),
            events=tuple(events.get(patient.id, ())),
            masking=masking.get(patient.id, FeverMaskingHistory()),
            exceptions=tuple(exceptions.get(patient.id, ())),
            findings=tuple(organ_findings.get(patient.id, ())),
            checklist=checklists.get(patient.id, ChecklistInputs()),
            last_review=last_review.get(patient.id),
            steroids=tuple(steroids.get(patient.id, ())),
        )
        for patient in patients
    ]
    snapshots.sort(key=lambda p: (p.ward, p.bed, p.id))
    return WardSnapshot(
        now, tuple(snapshots), open_alerts, frozenset(known), last_heartbeat, MappingProxyType(reopenable)
    )
