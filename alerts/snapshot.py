"""What the sweep, the board, the patient page and the status API decide from: the ward at one instant, read with
a fixed number of statements.

Twenty-two statements whatever the number of patients (a test counts them): patients, last obs, CRS and neuro
assessments (neuro: those of the look-back window and the newest before it; a display's: the newest only), the obs,
neurological events and monitoring exceptions of the escalation look-back window, last collection per blood panel,
the fever-masking history (three), ferritin and neutrophil results, tocilizumab doses, antimicrobials of the window,
organ findings, the routine interventions and prophylaxis doses (two), the last clinical review, corticosteroid
doses, unresolved alerts, the dedupe keys already used (with which of them the sweep closed by itself), and the
newest heartbeat.
Only the columns the decisions need are read, as plain rows (`_current_rows`).
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import Row, Select, String, Text, func, or_, select, type_coerce
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, aliased, load_only

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
from data.models.base import UTCDateTime
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
    reasons: tuple[str, ...] | str = ()
    """The grading reasons, or (read from the database) the JSON text they are stored as: decoded by
    `stored_reasons` only for the assessments a decision shows or pages with, not for a whole history."""
    rule_set: str = ""
    override_reason: str | None = None
    # Neuro assessments only: the findings that are events (a seizure, new weakness, new raised-ICP findings).
    seizure: str = "none"
    motor_weakness: bool = False
    icp_findings: frozenset[str] = frozenset()

    def stored_reasons(self) -> tuple[str, ...]:
        if isinstance(self.reasons, str):
            return tuple(json.loads(self.reasons))
        return self.reasons

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
    """The neuro assessments in force, in time order: those of the escalation look-back window and the newest one
    before it, which is all the escalation rules (`alerts.rules`: each one compared with the one before) and
    `alerts.status` (the last formal one before the window's first provisional grade) read; a display's snapshot
    (``with_alerts=False``) holds only the newest."""
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


def _current_rows(
    session: Session,
    model: type[Any],
    active: Select[Any],
    *columns: Any,
    where: Sequence[Any] = (),
    order_by: Any = None,
    latest: bool = False,
    since: datetime | None = None,
) -> dict[int, list[Row[Any]]]:
    """The rows in force of ``model`` for the active patients (only ``columns``), in clinical time order (then id),
    by patient. With ``latest`` only each patient's newest row: an index seek per patient that stops at the first
    row in force, whatever the length of the history. With ``since`` the rows from then on and each patient's
    newest one before it (what a walk from ``since`` compares its first row with).

    Read through the session's connection: these are plain column rows, and the ORM's row handling cost more
    than the SQL on a 30-day history. The patients statement before them has flushed the session."""
    time_column = order_by if order_by is not None else getattr(model, model.clinical_time_column)
    query = select(model.patient_id, *(_as_stored(column) for column in columns)).where(current_filter(model), *where)
    if latest:
        owner, newest = _newest(cast(Hashable, model))
        query = query.where(model.id.in_(select(newest).where(owner.id.in_(active))))
    elif since is not None:
        column = getattr(model, model.clinical_time_column)
        inner, owner = aliased(model), aliased(Patient)
        before = (
            select(inner.id)
            .where(
                inner.patient_id == owner.id, current_filter(inner), getattr(inner, model.clinical_time_column) < since
            )
            .order_by(getattr(inner, model.clinical_time_column).desc(), inner.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = query.where(
            model.patient_id.in_(active),
            or_(column >= since, model.id.in_(select(before).where(owner.id.in_(active)))),
        )
    else:
        query = query.where(model.patient_id.in_(active))
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in session.connection().execute(query.order_by(model.patient_id, time_column, model.id)):
        grouped[row.patient_id].append(row)
    return grouped


def _as_stored(column: Any) -> Any:
    """A time column as the driver hands it back (SQLite: text, PostgreSQL: an aware datetime), for `_required` to
    read: the column type's own conversion (a regular expression per value on SQLite, then the time zone) was the
    largest single cost of reading a 30-day history."""
    if isinstance(getattr(column, "type", None), UTCDateTime):
        return type_coerce(column, String()).label(column.key)
    return column


@functools.cache
def _newest(model: Any) -> tuple[Any, Any]:
    """A patient (an alias), and the id of their newest row of ``model`` in force. Built once per model: an SQL
    expression is immutable, and building the aliases cost more than running the statement."""
    inner, owner = aliased(model), aliased(Patient)
    newest = (
        select(inner.id)
        .where(inner.patient_id == owner.id, current_filter(inner))
        .order_by(getattr(inner, model.clinical_time_column).desc(), inner.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return owner, newest


EMPTY_JSON = (None, "{}", "[]", "null")


def _mapping(text: str | None) -> Mapping[str, Any]:
    """A JSON object read as text (most assessments record no organ toxicity: nothing to decode)."""
    return MappingProxyType({} if text in EMPTY_JSON else dict(json.loads(text) or {}))


def _names(text: str | None) -> frozenset[str]:
    """A JSON list of names read as text (most neuro assessments record no raised-ICP finding)."""
    return frozenset() if text in EMPTY_JSON else frozenset(json.loads(text) or ())


def _crs(row: Row[Any]) -> GradedRecord:
    return GradedRecord(
        row.id,
        _required(row.assessed_at),
        int(row.grade),
        _mapping(row.organ_toxicities),
        computed_grade=int(row.computed_grade),
        reasons=row.reasons,
        rule_set=row.rule_set,
        override_reason=row.override_reason,
    )


def _neuro(row: Row[Any]) -> GradedRecord:
    return GradedRecord(
        row.id,
        _required(row.assessed_at),
        int(row.grade),
        computed_grade=int(row.computed_grade),
        reasons=row.reasons,
        rule_set=row.rule_set,
        override_reason=row.override_reason,
        seizure=row.seizure,
        motor_weakness=bool(row.deep_focal_motor_weakness),
        icp_findings=_names(row.icp_findings),
    )


def _obs(row: Row[Any]) -> ObsRecord:
    findings = ObsFindings(
        temperature_c=row.temperature_c,
        systolic_bp=row.systolic_bp,
        vasopressors=tuple(row.vasopressors or ()),
        oxygen_device=row.oxygen_device,
        oxygen_flow_l_min=row.oxygen_flow_l_min,
        consciousness=row.consciousness,
    )
    return ObsRecord(row.id, _required(row.taken_at), findings)


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
    read, and of the neuro assessments only the newest (all that `alerts.status` decides from; the escalation
    rules walk those of the window, from the newest before it)."""
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
    ids = [patient.id for patient in patients]

    last_obs = _current_rows(session, Observation, active, Observation.taken_at, latest=True)
    # The grading reasons stay JSON text: decoded only for the assessments a decision shows or pages with.
    crs = _current_rows(
        session,
        CRSAssessment,
        active,
        CRSAssessment.id,
        CRSAssessment.assessed_at,
        func.coalesce(CRSAssessment.override_grade, CRSAssessment.computed_grade).label("grade"),
        sql_cast(CRSAssessment.organ_toxicities, Text).label("organ_toxicities"),
        CRSAssessment.computed_grade,
        sql_cast(CRSAssessment.reasons, Text).label("reasons"),
        CRSAssessment.rule_set,
        CRSAssessment.override_reason,
    )
    neuro = _current_rows(
        session,
        NeuroAssessment,
        active,
        NeuroAssessment.id,
        NeuroAssessment.assessed_at,
        func.coalesce(NeuroAssessment.override_grade, NeuroAssessment.computed_grade).label("grade"),
        NeuroAssessment.computed_grade,
        sql_cast(NeuroAssessment.reasons, Text).label("reasons"),
        NeuroAssessment.rule_set,
        NeuroAssessment.override_reason,
        NeuroAssessment.seizure,
        NeuroAssessment.deep_focal_motor_weakness,
        sql_cast(NeuroAssessment.icp_findings, Text).label("icp_findings"),
        latest=not with_alerts,
        since=since,
    )
    obs = _current_rows(
        session,
        Observation,
        active,
        Observation.id,
        Observation.taken_at,
        Observation.temperature_c,
        Observation.systolic_bp,
        Observation.vasopressors,
        Observation.oxygen_device,
        Observation.oxygen_flow_l_min,
        Observation.consciousness,
        where=[Observation.taken_at >= since],
    )
    events = _current_rows(
        session,
        NeuroEvent,
        active,
        NeuroEvent.id,
        NeuroEvent.occurred_at,
        NeuroEvent.event,
        where=[NeuroEvent.occurred_at >= since],
    )
    exceptions = _current_rows(
        session,
        MonitoringException,
        active,
        MonitoringException.id,
        MonitoringException.starts_at,
        MonitoringException.ends_at,
        MonitoringException.items,
        MonitoringException.reason,
        where=[MonitoringException.ends_at >= since],
    )
    bloods = last_collected_by_patient(session, ids)
    masking = fever_masking_history(session, ids, until=now)
    labs = _current_rows(
        session,
        LabResult,
        active,
        LabResult.id,
        LabResult.collected_at,
        LabResult.value,
        LabResult.analyte,
        LabResult.reference_high,
        where=[LabResult.analyte.in_((FERRITIN, NEUTROPHILS, *ORGAN_ANALYTES))],
    )
    antimicrobials = _current_rows(
        session,
        MedicationAdministration,
        active,
        MedicationAdministration.given_at,
        MedicationAdministration.drug,
        where=[
            MedicationAdministration.drug_class.in_(ANTIMICROBIALS),
            MedicationAdministration.given_at >= since,
        ],
    )
    tocilizumab = _current_rows(
        session,
        MedicationAdministration,
        active,
        MedicationAdministration.id,
        MedicationAdministration.given_at,
        where=[func.lower(MedicationAdministration.drug) == TOCILIZUMAB],
    )
    findings = _current_rows(
        session,
        OrganFinding,
        active,
        OrganFinding.id,
        OrganFinding.occurred_at,
        OrganFinding.finding,
        OrganFinding.ctcae_grade,
    )
    checklists = checklist_inputs(session, ids)
    last_review = _current_rows(session, ClinicalReview, active, ClinicalReview.reviewed_at, latest=True)
    steroids = _current_rows(
        session,
        MedicationAdministration,
        active,
        MedicationAdministration.given_at,
        MedicationAdministration.drug,
        MedicationAdministration.dose,
        MedicationAdministration.unit,
        where=[MedicationAdministration.drug_class == "corticosteroid"],
    )

    open_alerts: tuple[OpenAlert, ...] = ()
    known: set[str] = set()
    reopenable: dict[str, tuple[int, str]] = {}
    last_heartbeat: datetime | None = None
    if with_alerts:
        open_alerts, known, reopenable = _alerts(session, active, patient_ids)
        last_heartbeat = aware(session.scalar(select(func.max(SchedulerHeartbeat.beat_at))))

    def newest(rows: dict[int, list[Row[Any]]], pid: int) -> datetime | None:
        found = rows.get(pid)
        return _required(tuple(found[-1])[1]) if found else None

    def lab_values(pid: int) -> dict[str, list[LabValue]]:
        by_analyte: dict[str, list[LabValue]] = defaultdict(list)
        for row in labs.get(pid, ()):
            upper = None if row.reference_high is None else float(row.reference_high)
            by_analyte[row.analyte].append(LabValue(row.id, _required(row.collected_at), float(row.value), upper))
        return by_analyte

    snapshots = []
    for patient in patients:
        pid = patient.id
        by_analyte = lab_values(pid)
        snapshots.append(
            PatientSnapshot(
                id=pid,
                ward=patient.ward,
                bed=patient.bed,
                monitoring_start=patient.monitoring_start,
                infused_at=patient.infused_at,
                discharged_at=patient.discharged_at,
                last_obs=newest(last_obs, pid),
                last_bloods=MappingProxyType(bloods.get(pid, {})),
                crs=tuple(_crs(row) for row in crs.get(pid, ())),
                neuro=tuple(_neuro(row) for row in neuro.get(pid, ())),
                ferritin=tuple(by_analyte.pop(FERRITIN, ())),
                tocilizumab=tuple(Dose(row.id, _required(row.given_at)) for row in tocilizumab.get(pid, ())),
                obs=tuple(_obs(row) for row in obs.get(pid, ())),
                neutrophils=tuple(by_analyte.pop(NEUTROPHILS, ())),
                organ_labs=MappingProxyType({name: tuple(rows) for name, rows in by_analyte.items()}),
                sex=patient.sex,
                weight_kg=patient.weight_kg,
                height_cm=patient.height_cm,
                antimicrobials=tuple((_required(row.given_at), row.drug) for row in antimicrobials.get(pid, ())),
                events=tuple(EventRecord(row.id, _required(row.occurred_at), row.event) for row in events.get(pid, ())),
                masking=masking.get(pid, FeverMaskingHistory()),
                exceptions=tuple(
                    ExceptionRecord(
                        row.id, _required(row.starts_at), _required(row.ends_at), frozenset(row.items), row.reason
                    )
                    for row in exceptions.get(pid, ())
                ),
                findings=tuple(
                    FindingRecord(row.id, _required(row.occurred_at), row.finding, row.ctcae_grade)
                    for row in findings.get(pid, ())
                ),
                checklist=checklists.get(pid, ChecklistInputs()),
                last_review=newest(last_review, pid),
                steroids=tuple(
                    SteroidDose(_required(row.given_at), row.drug, float(row.dose), row.unit)
                    for row in steroids.get(pid, ())
                ),
            )
        )
    snapshots.sort(key=lambda p: (p.ward, p.bed, p.id))
    return WardSnapshot(
        now, tuple(snapshots), open_alerts, frozenset(known), last_heartbeat, MappingProxyType(reopenable)
    )
