"""Read functions. Each takes a Session and reads only what its caller needs (never a whole table)."""

from __future__ import annotations

import functools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from data.catalogue import PANEL_CORE
from data.models import (
    Alert,
    AlertDelivery,
    AuditEvent,
    ClinicalRecord,
    CRSAssessment,
    LabResult,
    MedicationAdministration,
    NeuroAssessment,
    Observation,
    Patient,
    RoutineIntervention,
    SchedulerHeartbeat,
    WardState,
)
from toxicity import FEVER_THRESHOLD_C
from toxicity.fever_masking import FEVER_MASKING_CLASSES
from toxicity.interventions import PROPHYLAXIS_DRUGS, ChecklistItem, Done, checklist

R = TypeVar("R", bound=ClinicalRecord)
FEVER_C = FEVER_THRESHOLD_C
UNDELIVERED_KIND = "delivery_dead"  # the system alert raised when a page could not be delivered (alerts.system)


def current_filter(model: type[R]) -> Any:
    """Rows in force: not corrected by a newer row, and not themselves an 'entered in error' marker.

    Built once per mapped class (an alias of the model cost about a millisecond to build, and a board read asks
    for twenty of these); an alias of a model (a subquery's) gets its own."""
    if isinstance(model, type):
        return _current_filter_of(cast(Hashable, model))
    return _current_filter(model)


def _current_filter(model: Any) -> Any:
    newer = aliased(model)
    return and_(
        ~exists().where(newer.amends_id == model.id),
        model.entered_in_error.is_(False),
    )


@functools.cache
def _current_filter_of(model: Hashable) -> Any:
    """An SQL expression is immutable: the same one serves every statement."""
    return _current_filter(model)


def current_records(model: type[R], patient_id: int) -> Select[Any]:
    time_col = getattr(model, model.clinical_time_column)
    return select(model).where(model.patient_id == patient_id, current_filter(model)).order_by(time_col, model.id)


def active_patients(session: Session, now: datetime, ward: str | None = None) -> Sequence[Patient]:
    query = select(Patient).where((Patient.discharged_at.is_(None)) | (Patient.discharged_at > now))
    if ward is not None:
        query = query.where(Patient.ward == ward)
    return session.scalars(query.order_by(Patient.ward, Patient.bed)).all()


def latest_per_patient(session: Session, model: type[R], patient_ids: Sequence[int]) -> dict[int, R]:
    """The newest current row per patient in one statement.

    For each patient an index seek on (patient_id, time) descending that stops at the first row in force, so the
    cost does not grow with the patient's history (see bench/latest_values.py).
    """
    if not patient_ids:
        return {}
    inner = aliased(model)
    inner_time = getattr(inner, model.clinical_time_column)
    newest_id = (
        select(inner.id)
        .where(inner.patient_id == Patient.id, current_filter(inner))
        .order_by(inner_time.desc(), inner.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    ids = select(newest_id).where(Patient.id.in_(patient_ids))
    rows = session.scalars(select(model).where(model.id.in_(ids))).all()
    return {row.patient_id: row for row in rows}


def patient_timeline(session: Session, patient_id: int) -> dict[str, list[Any]]:
    """Every current series for one patient since admission, for charts (only this patient's rows)."""
    return {
        "observations": list(session.scalars(current_records(Observation, patient_id))),
        "crs_assessments": list(session.scalars(current_records(CRSAssessment, patient_id))),
        "neuro_assessments": list(session.scalars(current_records(NeuroAssessment, patient_id))),
        "labs": list(session.scalars(current_records(LabResult, patient_id))),
        "medications": list(session.scalars(current_records(MedicationAdministration, patient_id))),
    }


# --- read models for the ward board (each one statement, whatever the number of beds) -----------------------


def ward_pulse(session: Session, ward: str | None = None) -> tuple[int, datetime | None, int]:
    """The ward change counter (summed over wards when `ward` is None), the newest scheduler heartbeat, and how
    many "page could not be delivered" alerts nobody has acknowledged yet.

    One cheap statement: the board runs it on every refresh and does nothing more when none of them changed.
    """
    version = select(func.coalesce(func.sum(WardState.version), 0))
    if ward is not None:
        version = version.where(WardState.ward == ward)
    beat = select(func.max(SchedulerHeartbeat.beat_at)).scalar_subquery()
    undelivered = select(func.count()).where(Alert.status == "open", Alert.kind == UNDELIVERED_KIND).scalar_subquery()
    row = session.execute(select(version.scalar_subquery(), beat, undelivered)).one()
    last_beat = row[1]
    if isinstance(last_beat, str):  # SQLite returns max() of a datetime column as text
        last_beat = datetime.fromisoformat(last_beat)
    if last_beat is not None and last_beat.tzinfo is None:
        last_beat = last_beat.replace(tzinfo=UTC)
    return int(row[0]), last_beat, int(row[2])


def peak_lab_per_patient(session: Session, patient_ids: Sequence[int], analyte: str) -> dict[int, LabResult]:
    """The current result with the highest value of `analyte` per patient (the earliest one on a tie)."""
    if not patient_ids:
        return {}
    inner = aliased(LabResult)
    peak = (
        select(func.max(inner.value))
        .where(inner.patient_id == LabResult.patient_id, inner.analyte == analyte, current_filter(inner))
        .scalar_subquery()
    )
    rows = session.scalars(
        select(LabResult)
        .where(
            LabResult.patient_id.in_(patient_ids),
            LabResult.analyte == analyte,
            LabResult.value == peak,
            current_filter(LabResult),
        )
        .order_by(LabResult.collected_at.desc(), LabResult.id.desc())
    ).all()
    return {row.patient_id: row for row in rows}


def first_crs_episode(session: Session, patient_ids: Sequence[int]) -> dict[int, datetime]:
    """When each patient's first CRS assessment with a grade >= 1 (override or computed) was made."""
    if not patient_ids:
        return {}
    grade = func.coalesce(CRSAssessment.override_grade, CRSAssessment.computed_grade)
    rows = session.execute(
        select(CRSAssessment.patient_id, func.min(CRSAssessment.assessed_at))
        .where(CRSAssessment.patient_id.in_(patient_ids), grade >= 1, current_filter(CRSAssessment))
        .group_by(CRSAssessment.patient_id)
    ).all()
    return {pid: _aware(when) for pid, when in rows}


def medications_of_classes(
    session: Session, patient_ids: Sequence[int], classes: Sequence[str]
) -> dict[int, list[MedicationAdministration]]:
    """Current administrations of the given drug classes per patient, in time order (one statement)."""
    if not patient_ids:
        return {}
    rows = session.scalars(
        select(MedicationAdministration)
        .where(
            MedicationAdministration.patient_id.in_(patient_ids),
            MedicationAdministration.drug_class.in_(list(classes)),
            current_filter(MedicationAdministration),
        )
        .order_by(MedicationAdministration.given_at, MedicationAdministration.id)
    ).all()
    found: dict[int, list[MedicationAdministration]] = {}
    for row in rows:
        found.setdefault(row.patient_id, []).append(row)
    return found


@dataclass(frozen=True)
class FeverMaskingHistory:
    """What fever masking is decided from (see `toxicity.fever_masking`), for one patient: every CRS grade >= 1
    in force, every temperature >= 38 °C (obs and CRS assessments), every tocilizumab or corticosteroid dose."""

    crs_grades: list[tuple[datetime, int]] = field(default_factory=list)
    fevers: list[tuple[datetime, float]] = field(default_factory=list)
    treatments: list[tuple[datetime, str]] = field(default_factory=list)


def fever_masking_history(
    session: Session, patient_ids: Sequence[int], until: datetime | None = None
) -> dict[int, FeverMaskingHistory]:
    """The fever-masking history per patient in three statements, whatever the number of patients: the write path
    (grading an assessment), the alert sweep and the board all decide masking from exactly this."""
    if not patient_ids:
        return {}
    ids = list(patient_ids)
    found: dict[int, FeverMaskingHistory] = {}

    def entry(pid: int) -> FeverMaskingHistory:
        return found.setdefault(pid, FeverMaskingHistory())

    grade = func.coalesce(CRSAssessment.override_grade, CRSAssessment.computed_grade)
    crs = select(CRSAssessment.patient_id, CRSAssessment.assessed_at, grade, CRSAssessment.temperature_c).where(
        CRSAssessment.patient_id.in_(ids),
        current_filter(CRSAssessment),
        (grade >= 1) | ((CRSAssessment.temperature_c >= FEVER_C) & CRSAssessment.fever_other_cause.is_(False)),
    )
    obs = select(Observation.patient_id, Observation.taken_at, Observation.temperature_c).where(
        Observation.patient_id.in_(ids), Observation.temperature_c >= FEVER_C, current_filter(Observation)
    )
    doses = select(
        MedicationAdministration.patient_id, MedicationAdministration.given_at, MedicationAdministration.drug
    ).where(
        MedicationAdministration.patient_id.in_(ids),
        MedicationAdministration.drug_class.in_(sorted(FEVER_MASKING_CLASSES)),
        current_filter(MedicationAdministration),
    )
    if until is not None:
        crs = crs.where(CRSAssessment.assessed_at <= until)
        obs = obs.where(Observation.taken_at <= until)
        doses = doses.where(MedicationAdministration.given_at <= until)
    for pid, at, crs_grade, temperature in session.execute(crs):
        when = _aware(at)
        if crs_grade >= 1:
            entry(pid).crs_grades.append((when, int(crs_grade)))
        if temperature is not None and temperature >= FEVER_C:
            entry(pid).fevers.append((when, float(temperature)))
    for pid, at, temperature in session.execute(obs):
        if temperature is not None:
            entry(pid).fevers.append((_aware(at), float(temperature)))
    for pid, at, drug in session.execute(doses):
        entry(pid).treatments.append((_aware(at), drug))
    return found


def unresolved_alerts(session: Session, patient_ids: Sequence[int]) -> dict[int, list[Alert]]:
    """Alerts not yet resolved (open or acknowledged) per patient, newest first (one statement)."""
    if not patient_ids:
        return {}
    rows = session.scalars(
        select(Alert)
        .where(Alert.patient_id.in_(patient_ids), Alert.status != "resolved")
        .order_by(Alert.raised_at.desc(), Alert.id.desc())
    ).all()
    found: dict[int, list[Alert]] = {}
    for row in rows:
        if row.patient_id is not None:
            found.setdefault(row.patient_id, []).append(row)
    return found


def _aware(value: datetime | str) -> datetime:
    # Aggregates bypass the column type on SQLite, which hands back naive text or datetimes.
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def deliveries_for_alerts(session: Session, alert_ids: Sequence[int]) -> dict[int, list[AlertDelivery]]:
    """Each alert's pages (outbox rows) in order, for the alerts table's 'who has been paged' (one statement)."""
    if not alert_ids:
        return {}
    rows = session.scalars(
        select(AlertDelivery)
        .where(AlertDelivery.alert_id.in_(list(alert_ids)))
        .order_by(AlertDelivery.step, AlertDelivery.created_at, AlertDelivery.id)
    ).all()
    found: dict[int, list[AlertDelivery]] = {}
    for row in rows:
        found.setdefault(row.alert_id, []).append(row)
    return found


def patients_by_id(session: Session, patient_ids: Sequence[int]) -> dict[int, Patient]:
    if not patient_ids:
        return {}
    return {p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_(list(set(patient_ids)))))}


def last_collected_by_patient(session: Session, patient_ids: Sequence[int]) -> dict[int, dict[str, datetime]]:
    """When each daily panel was last complete, per patient and then per panel, as aware UTC times: one grouped
    query, for what is due (the alert sweep and the ward board both need exactly this). A panel is complete when
    each of its core analytes (`data.catalogue.PANEL_CORE`) is in; it was last complete when the least recent of
    their latest results was collected (a panel with a core analyte never recorded is not done)."""
    if not patient_ids:
        return {}
    rows = session.execute(
        select(LabResult.patient_id, LabResult.analyte, func.max(LabResult.collected_at))
        .where(LabResult.patient_id.in_(list(patient_ids)), current_filter(LabResult))
        .group_by(LabResult.patient_id, LabResult.analyte)
    ).all()
    latest: dict[int, dict[str, datetime]] = {}
    for pid, analyte, when in rows:
        latest.setdefault(pid, {})[analyte] = _aware(when)
    found: dict[int, dict[str, datetime]] = {}
    for pid, analytes in latest.items():
        for panel, core in PANEL_CORE.items():
            if all(name in analytes for name in core):
                found.setdefault(pid, {})[panel] = min(analytes[name] for name in core)
    return found


def patient_change_marker(session: Session, patient_id: int) -> int:
    """A number that grows whenever anything about this patient is written (every write leaves an audit event
    naming the patient): a patient page compares it to skip redrawing, one indexed statement."""
    return (
        session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)).where(AuditEvent.patient_id == patient_id))
        or 0
    )


# --- routine interventions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistInputs:
    """What the routine-interventions checklist is decided from: the items recorded done, and the doses of the
    prophylaxis drugs (given at, drug, recorded by)."""

    entries: tuple[Done, ...] = ()
    doses: tuple[tuple[datetime, str, str], ...] = ()


def checklist_inputs(session: Session, patient_ids: Sequence[int]) -> dict[int, ChecklistInputs]:
    """Per patient, in two statements: the routine interventions recorded and the prophylaxis drug doses."""
    if not patient_ids:
        return {}
    entries: dict[int, list[Done]] = {pid: [] for pid in patient_ids}
    doses: dict[int, list[tuple[datetime, str, str]]] = {pid: [] for pid in patient_ids}
    for pid, item, at, by in session.execute(
        select(
            RoutineIntervention.patient_id,
            RoutineIntervention.item,
            RoutineIntervention.done_at,
            RoutineIntervention.recorded_by,
        )
        .where(RoutineIntervention.patient_id.in_(list(patient_ids)), current_filter(RoutineIntervention))
        .order_by(RoutineIntervention.done_at, RoutineIntervention.id)
    ):
        entries[pid].append(Done(item, _utc(at), by, "recorded"))
    for pid, drug, at, by in session.execute(
        select(
            MedicationAdministration.patient_id,
            MedicationAdministration.drug,
            MedicationAdministration.given_at,
            MedicationAdministration.recorded_by,
        )
        .where(
            MedicationAdministration.patient_id.in_(list(patient_ids)),
            MedicationAdministration.drug.in_(list(PROPHYLAXIS_DRUGS)),
            current_filter(MedicationAdministration),
        )
        .order_by(MedicationAdministration.given_at, MedicationAdministration.id)
    ):
        doses[pid].append((_utc(at), drug, by))
    return {pid: ChecklistInputs(tuple(entries[pid]), tuple(doses[pid])) for pid in patient_ids}


def patient_checklist(session: Session, patient_id: int) -> tuple[ChecklistItem, ...]:
    found = checklist_inputs(session, [patient_id])[patient_id]
    return checklist(found.entries, found.doses)


def _utc(value: datetime | str) -> datetime:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
