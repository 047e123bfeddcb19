"""One patient's page: header, current grades, the chart, and the guideline's management for them (never an order).

`load_patient` reads that patient's rows only, in a fixed number of statements; the page and its refresh
callback build every output from the one `PatientView`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from sqlalchemy.orm import Session

from alerts.config import status_rules
from alerts.status import PatientStatus, TocilizumabStatus
from dashboard import ids
from dashboard.services import status_of_patient
from dashboard.views.bay import badge_class, trial_text
from dashboard.views.forms import KINDS
from dashboard.views.grades import GradeView, grade_view
from dashboard.views.prefill import PREFILLABLE, initial_values, prefilled
from dashboard.views.records_table import column_defs, row_data
from dashboard.views.timefmt import clock, day_label, stamp
from dashboard.views.timeline import Frames, frames_from_rows
from dashboard.views.trajectory import drawn_from, trajectory_figure
from data import queries
from data.models import (
    ClinicalReview,
    MonitoringException,
    NeuroEvent,
    Observation,
    OrganFinding,
    Patient,
    RoutineIntervention,
)
from data.records import neuro_tool
from data.settings import Settings
from toxicity import Guidance, explain_fever_masking
from toxicity.bands import CAPD_AGE_LIMIT_YEARS
from toxicity.guidance_tables import TOCILIZUMAB_RESCUE
from toxicity.interventions import infusion_warning


@dataclass(frozen=True)
class PatientView:
    patient: Patient
    frames: Frames
    crs: GradeView
    icans: GradeView
    tool: str
    origin: datetime
    origin_label: str
    fever_masked: bool
    latest_obs: Observation | None
    tocilizumab: TocilizumabStatus | None  # `alerts.status.tocilizumab_now`: indication, dose line, doses given
    version: int
    records: dict[str, list[Any]]
    not_shown: tuple[str, ...] = ()  # stored rows whose time cannot be drawn, named so they can be amended
    guidance: tuple[Guidance, ...] = ()  # the guideline sections that apply now (`alerts.status.guidance`)
    fever_masking_reason: str = ""
    status: PatientStatus | None = None  # everything `alerts.status` decided (None: discharged, not monitored)


def load_patient(session: Session, patient_id: int, now: datetime, settings: Settings) -> PatientView | None:
    """Everything the page shows for one patient, from that patient's rows only. The grades, the fever masking
    and the guidance are `alerts.status`'s decisions (the board, the pager and the status API read the same)."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        return None
    tz = settings.ward_timezone
    rules = status_rules(settings)
    version = queries.patient_change_marker(session, patient_id)
    timeline = queries.patient_timeline(session, patient_id)
    # Not series of the chart: read for the records tables only.
    timeline["neuro_events"] = list(session.scalars(queries.current_records(NeuroEvent, patient_id)))
    timeline["monitoring_exceptions"] = list(session.scalars(queries.current_records(MonitoringException, patient_id)))
    for model in (OrganFinding, RoutineIntervention, ClinicalReview):
        timeline[model.__tablename__] = list(session.scalars(queries.current_records(model, patient_id)))
    timeline, not_shown = drawable_rows(timeline, now)
    frames = frames_from_rows(timeline)
    latest_obs = timeline["observations"][-1] if timeline["observations"] else None
    origin, label = (patient.infused_at, "infusion") if patient.infused_at else (patient.admitted_at, "admission")
    crs = GradeView("CRS", None, False, "discharged: not monitored", ())
    icans = GradeView("ICANS", None, False, "discharged: not monitored", ())
    found: tuple[Guidance, ...] = ()
    masking = explain_fever_masking(now, [], [])
    status: PatientStatus | None = None
    decided = status_of_patient(session, patient_id, now, rules)
    if decided is not None:
        status, found, masking = decided.status, decided.guidance, decided.masking
        crs_at, icans_at = status.crs.source, status.icans.source
        crs = grade_view(status.crs, clock(crs_at.at, tz) if crs_at else "")
        icans = grade_view(status.icans, clock(icans_at.at, tz) if icans_at else "")
    return PatientView(
        patient=patient,
        frames=frames,
        crs=crs,
        icans=icans,
        tool=neuro_tool(patient, now),
        origin=origin,
        origin_label=label,
        fever_masked=masking.applies,
        latest_obs=latest_obs,
        tocilizumab=None if status is None else status.tocilizumab,
        version=version,
        records={kind: timeline[kind.replace("-", "_")] for kind in KINDS},
        guidance=found,
        fever_masking_reason=masking.reason,
        status=status,
        not_shown=not_shown,
    )


# Older than any patient alive, or later than tomorrow: a time that cannot be a reading of this admission. Such a
# row (stored before times were checked against the admission) is left out of the chart and the tables, and named.
DRAWABLE_FROM = datetime(1900, 1, 1, tzinfo=UTC)
DRAWABLE_AHEAD = timedelta(days=1)


def drawable_rows(timeline: dict[str, list[Any]], now: datetime) -> tuple[dict[str, list[Any]], tuple[str, ...]]:
    """The rows whose clinical time can be drawn, and a line for each one that cannot."""
    kept: dict[str, list[Any]] = {}
    left_out: list[str] = []
    for series, rows in timeline.items():
        kept[series] = []
        for row in rows:
            when = row.clinical_time
            if DRAWABLE_FROM <= when <= now + DRAWABLE_AHEAD:
                kept[series].append(row)
            else:
                name = series.replace("_", " ")
                left_out.append(f"{name} record {row.id}: {row.clinical_time_column} {when.isoformat()}")
    return kept, tuple(left_out)


def not_shown_notice(view: PatientView) -> list[Any]:
    if not view.not_shown:
        return []
    return [
        dbc.Alert(
            [
                html.Strong("Not shown: records with an impossible time. "),
                html.Span("Correct each as an amendment (or mark it entered in error): "),
                html.Span("; ".join(view.not_shown)),
            ],
            color="warning",
            id=ids.PATIENT_NOT_SHOWN,
            class_name="py-1 my-2",
        )
    ]


def patient_unchanged(session: Session, patient_id: int, known_version: int | None) -> bool:
    """The page's refresh tick: one statement, and the page is redrawn only when this patient changed (a write
    elsewhere on the ward leaves the page, and any unsaved edit in its records grid, alone)."""
    return queries.patient_change_marker(session, patient_id) == known_version


def peak_ferritin(frames: Frames) -> float | None:
    values = frames.labs.loc[frames.labs["analyte"] == "ferritin", "value"]
    return None if values.empty else float(values.max())


def guidance_items(view: PatientView) -> list[Guidance]:
    """The guideline's management that applies now, as `alerts.status.guidance` decided it for this patient."""
    return list(view.guidance)


def tocilizumab_lines(found: TocilizumabStatus | None, tz: str) -> list[str]:
    """The indication, the dose for this weight (only with an indication) and the doses given against the limits,
    in words, as `alerts.status.tocilizumab_now` decided them."""
    if found is None:
        return ["no tocilizumab dose shown: not monitored (discharged)"]
    lines = [f"Tocilizumab {found.indication.text}"]
    summary = found.summary
    if summary is None:
        return [*lines, f"no tocilizumab dose shown: {found.problem}; check the weight"]
    lines.append(found.dose_line[0] if found.dose_line else "no dose shown: no indication now")
    hours = f"{summary.min_interval.total_seconds() / 3600:g}"
    lines.append(
        f"{summary.doses_given} of {summary.max_doses} doses given; {summary.doses_last_24h} in the last 24 h "
        f"(max {summary.max_in_24h}); at least {hours} h apart (guideline: repeat if no response within 6 to 12 h)"
    )
    if summary.last_dose_at is not None:
        lines.append(f"last dose {stamp(summary.last_dose_at, tz)}")
    if summary.doses_given >= summary.max_doses:
        lines.append(
            f"the ward's named-patient supply of {summary.max_doses} doses is used (the product label's maximum); "
            f"guideline: {TOCILIZUMAB_RESCUE}"
        )
    elif summary.next_dose_not_before is not None:
        lines.append(f"next dose not before {stamp(summary.next_dose_not_before, tz)}")
    if summary.limit_reached:
        lines.append("limit reached")
    return lines


def _list_card(title: str, lines: list[str], card_id: str) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(title), dbc.CardBody(html.Ul([html.Li(line) for line in lines]))], id=card_id, class_name="mb-2"
    )


def interventions_lines(status: PatientStatus | None) -> list[str]:
    """The routine interventions checklist, each item open or done with who and when, and what recording the
    infusion time needs while one is open."""
    if status is None:
        return ["not monitored (discharged)"]
    warning = infusion_warning(status.interventions)
    return [item.text for item in status.interventions] + ([warning] if warning else [])


def steroid_lines(status: PatientStatus | None) -> list[str]:
    """The steroid course: doses given, cumulative, next due by the guideline's regimen, taper step."""
    if status is None or status.steroids is None:
        return ["not monitored (discharged)"]
    return list(status.steroids.lines)


def neutropenia_lines(status: PatientStatus | None) -> list[str]:
    """The latest neutrophil count, a neutropenic fever and the time from it to the first antibiotic."""
    if status is None:
        return ["not monitored (discharged)"]
    return list(status.neutropenia.reasons)


def _guidance_card(item: Guidance) -> dbc.Card:
    title = f"{item.syndrome.upper()} grade {item.grade}" if item.grade is not None else item.condition
    body: list[Any] = [html.Ul([html.Li(text) for text in item.items])]
    if item.dosing:
        body.append(html.P([html.Strong("Dose for this weight: "), *item.dosing]))
    body.append(html.Small(f"{item.source}. {item.note}", className="guidance-note"))
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], class_name="mb-2")


def guidance_panel(view: PatientView, tz: str) -> list[Any]:
    cards: list[Any] = [_guidance_card(item) for item in guidance_items(view)]
    missing = [g.syndrome for g in (view.crs, view.icans) if g.grade is None]
    if missing:
        cards.insert(0, dbc.Alert(f"No {' or '.join(missing)} grade yet: record an assessment.", color="secondary"))
    toci = _list_card("Tocilizumab", tocilizumab_lines(view.tocilizumab, tz), ids.PATIENT_TOCILIZUMAB)
    status = view.status
    extra = [
        _list_card("Routine interventions", interventions_lines(status), ids.PATIENT_INTERVENTIONS),
        _list_card("Neutropenia and infection", neutropenia_lines(status), ids.PATIENT_NEUTROPENIA),
    ]
    if status is not None and status.steroids is not None and status.steroids.given:
        extra.insert(0, _list_card("Steroid course", steroid_lines(status), ids.PATIENT_STEROIDS))
    return [toci, *extra, *cards]


def grade_badge(view: GradeView, badge_id: str) -> html.Span:
    return html.Span(view.badge_text, id=badge_id, className=badge_class(view), title=view.explanation)


def header(view: PatientView, now: datetime, tz: str) -> list[Any]:
    p = view.patient
    age = int(p.age_years_at(now))
    return [
        html.H1(f"Bed {p.bed} · {p.name}", className="h3 mb-1"),
        html.Div(
            [
                html.Span(f"{p.product} · {day_label(p.infused_at, now, tz)} · {age} y · {p.weight_kg:g} kg · "),
                html.Span(f"neuro assessment by {view.tool}"),
            ],
            className="text-secondary mb-2",
        ),
        html.Div(
            [
                grade_badge(view.crs, ids.PATIENT_CRS_BADGE),
                html.Span(view.crs.note, className="grade-note"),
                grade_badge(view.icans, ids.PATIENT_ICANS_BADGE),
                html.Span(view.icans.note, className="grade-note"),
                html.Span(
                    "fever not required (after tocilizumab/steroids)" if view.fever_masked else "",
                    className="grade-note",
                    title=view.fever_masking_reason,
                ),
            ],
            className="bay-grades",
        ),
        *([html.Div(trial_text(p.trial), className="bay-trial")] if p.trial else []),
        *not_shown_notice(view),
    ]


def figure(view: PatientView, now: datetime, tz: str, chart_view: str | None = None) -> dict[str, Any]:
    """The trajectory in `chart_view` ("24h", "72h" or "all", `trajectory_axes.VIEWS`)."""
    return trajectory_figure(view.frames, view.origin, now, tz, view.tool, view.origin_label, chart_view)


def chart_drawn_from(view: PatientView, chart_view: str | None = None) -> str:
    """What the chart in `chart_view` is drawn from (`trajectory.drawn_from`)."""
    return drawn_from(view.frames, view.origin, view.tool, view.origin_label, chart_view)


def initial_form_values(view: PatientView, now: datetime, tz: str) -> dict[str, dict[str, Any]]:
    """What each recording form opens with (the CRS form pre-filled with what the latest obs recorded)."""
    return {kind: initial_values(kind, view.tool, now, tz, view.latest_obs) for kind in KINDS}


def prefilled_values(view: PatientView, now: datetime, tz: str) -> dict[str, dict[str, dict[str, Any]]]:
    """By form, the values pre-filled from an earlier record with where each came from."""
    return {kind: prefilled(kind, view.latest_obs, now, tz) for kind in PREFILLABLE}


def form_notes(view: PatientView, now: datetime, tz: str) -> dict[str, str]:
    """A line above a form where it needs one: where the CRS pre-fill came from, CAPD for a child, what a
    neurological event and a monitoring exception do."""
    notes = {
        "crs-assessments": "Answer every finding: hypotension and oxygen are never assumed.",
        "neuro-assessments": "Answer every finding: consciousness, seizure, motor weakness and raised ICP.",
        "neuro-events": (
            "A seizure, new deep focal motor weakness or a raised-ICP finding seen between assessments: "
            "it pages the team at once and makes a neuro assessment due now."
        ),
        "organ-findings": (
            "Pulmonary oedema, oliguria (CTCAE v4.03 grade) or haemophagocytosis on histopathology, with when it "
            "was found: it counts for the HLH/MAS screen until amended, and only when found after the peak ferritin "
            "above 10,000 ng/mL."
        ),
        "routine-interventions": (
            "The guideline's routine interventions before infusion. Aciclovir and co-trimoxazole also count when "
            "recorded as a medication given."
        ),
        "clinical-reviews": "The daily clinical assessment and examination: due every 24 h like the other checks.",
        "monitoring-exceptions": (
            "While it lasts, the ticked items are not overdue and their open overdue alerts close; "
            "when it ends they are due again."
        ),
    }
    if view.latest_obs is not None and prefilled("crs-assessments", view.latest_obs, now, tz):
        notes["crs-assessments"] = (
            'Values marked "from obs at …" were recorded in the newest obs (they follow newer obs as they are '
            "saved): check each. Hypotension is never pre-filled: answer it."
        )
    if view.tool == "CAPD":
        notes["neuro-assessments"] = (
            f"Assessed with CAPD (under {CAPD_AGE_LIMIT_YEARS:g} or developmental delay): enter the CAPD total and "
            "answer every finding."
        )
    return notes


def page_outputs(
    view: PatientView, kind: str, now: datetime, tz: str, editable: bool = True, chart_view: str | None = None
) -> tuple[Any, ...]:
    """The refresh callback's outputs: version, header, figure, guidance, and the `kind` records' grid."""
    return (
        view.version,
        header(view, now, tz),
        figure(view, now, tz, chart_view),
        guidance_panel(view, tz),
        column_defs(kind, editable),
        row_data(kind, view.records[kind], tz),
    )
