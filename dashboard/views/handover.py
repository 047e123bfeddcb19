"""The handover sheet's read model: per patient, what the next shift needs, on one A4 page.

Current grades, what is due and open alerts are the board's (`load_board`, over `alerts.status`); the course is a
summary of the stored formal assessments (first grade ≥ 1 and the highest, with their times), never a grade of
its own. A fixed number of statements whatever the number of beds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.views.board import BedSnapshot, load_board
from dashboard.views.timefmt import stamp
from data import queries
from data.models import Alert, CarePlan, CRSAssessment, LabResult, NeuroAssessment, Patient
from data.plans import latest_plans
from data.settings import Settings

TREND_ANALYTES = (("neutrophils", "Neutrophils", "×10⁹/L"), ("ferritin", "Ferritin", "ng/mL"), ("crp", "CRP", "mg/L"))
TREND_POINTS = 4
DOSE_CLASSES = ("anti_il6", "corticosteroid", "anti_il1")


@dataclass(frozen=True)
class Course:
    """A syndrome's course from the formal assessments: onset (first grade ≥ 1) and peak (highest, first reached)."""

    syndrome: str
    onset: str  # "grade 1 at Tue 24 Nov 14:05" or "none recorded"
    peak: str


@dataclass(frozen=True)
class Trend:
    label: str
    unit: str
    points: tuple[tuple[str, float], ...]  # (when, value), oldest first

    @property
    def text(self) -> str:
        if not self.points:
            return "no result"
        values = " → ".join(f"{value:g}" for _when, value in self.points)
        return f"{values} {self.unit} (last {self.points[-1][0]})"


@dataclass(frozen=True)
class HandoverPatient:
    bed: BedSnapshot
    patient: Patient
    courses: tuple[Course, ...]
    doses: tuple[str, ...]
    trends: tuple[Trend, ...]
    alerts: tuple[str, ...]
    plan: CarePlan | None


def course(syndrome: str, rows: Sequence[CRSAssessment | NeuroAssessment], tz: str) -> Course:
    graded = [(row.assessed_at, row.grade) for row in rows]
    onset = next(((at, grade) for at, grade in graded if grade >= 1), None)
    if onset is None:
        return Course(syndrome, "none recorded", "none recorded")
    peak_grade = max(grade for _at, grade in graded)
    peak_at = next(at for at, grade in graded if grade == peak_grade)
    return Course(syndrome, f"grade {onset[1]} at {stamp(onset[0], tz)}", f"grade {peak_grade} at {stamp(peak_at, tz)}")


def _by_patient(rows: Sequence[Any]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(row.patient_id, []).append(row)
    return found


def _current(session: Session, model: Any, ids: list[int], *where: Any) -> dict[int, list[Any]]:
    time_col = getattr(model, model.clinical_time_column)
    query = select(model).where(model.patient_id.in_(ids), queries.current_filter(model), *where)
    return _by_patient(session.scalars(query.order_by(time_col, model.id)).all())


def alert_line(alert: Alert, tz: str) -> str:
    state = "acknowledged" if alert.status == "acknowledged" else "not acknowledged"
    return f"{alert.severity}: {alert.kind.replace('_', ' ')} since {stamp(alert.raised_at, tz)} ({state})"


def load_handover(
    session: Session, now: datetime, settings: Settings, patient_id: int | None = None
) -> list[HandoverPatient]:
    """Every bed of the board (or the one patient), in bed order."""
    board = load_board(session, now, settings)
    beds = [bed for bed in board.beds if patient_id is None or bed.patient_id == patient_id]
    ids = [bed.patient_id for bed in beds]
    if not ids:
        return []
    tz = settings.ward_timezone
    patients = queries.patients_by_id(session, ids)
    crs = _current(session, CRSAssessment, ids)
    neuro = _current(session, NeuroAssessment, ids)
    analytes = [name for name, _label, _unit in TREND_ANALYTES]
    labs = _current(session, LabResult, ids, LabResult.analyte.in_(analytes))
    doses = queries.medications_of_classes(session, ids, DOSE_CLASSES)
    alerts = queries.unresolved_alerts(session, ids)
    plans = latest_plans(session, ids)
    sheet = []
    for bed in beds:
        pid = bed.patient_id
        trends = []
        for name, label, unit in TREND_ANALYTES:
            rows = [row for row in labs.get(pid, []) if row.analyte == name][-TREND_POINTS:]
            trends.append(Trend(label, unit, tuple((stamp(row.collected_at, tz), row.value) for row in rows)))
        sheet.append(
            HandoverPatient(
                bed=bed,
                patient=patients[pid],
                courses=(course("CRS", crs.get(pid, []), tz), course("ICANS", neuro.get(pid, []), tz)),
                doses=tuple(
                    f"{d.drug} {d.dose:g} {d.unit} {d.route} {stamp(d.given_at, tz)}" for d in doses.get(pid, [])
                ),
                trends=tuple(trends),
                alerts=tuple(alert_line(a, tz) for a in alerts.get(pid, [])),
                plan=plans.get(pid),
            )
        )
    return sheet
