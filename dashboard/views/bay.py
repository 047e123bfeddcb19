"""Bed cards for the bay overview: rendered once, then updated leaf by leaf (pattern-matching ALL outputs).

`card_leaves` gives every updatable value of a card keyed by (field, property); `bed_card` builds the card
from the same values, so the first paint and every refresh agree. `timer_leaves` gives the values that move
with the clock alone (countdowns, the day, the card's overdue colour) from the timers store, without a query.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.views.board import DUE_KINDS, BedSnapshot, BoardSnapshot, bed_number_key, board_summary
from dashboard.views.grades import GradeView
from dashboard.views.palette import SEVERITY_CLASSES, grade_class
from dashboard.views.timefmt import clock, countdown, day_label, milestones_text
from dashboard.views.timeline import oxygen_words
from toxicity import HLH_FERRITIN_THRESHOLD_NG_ML, count_vasopressors
from toxicity.ice import ICE_MAX
from toxicity.tocilizumab import MAX_DOSES

Leaf = tuple[str, str]

# Leaves the refresh callback updates after a write (in this order), and those the clock moves.
LEAVES: tuple[Leaf, ...] = (
    ("bed", "children"),
    ("name", "children"),
    ("product", "children"),
    ("crs", "children"),
    ("crs", "className"),
    ("crs", "title"),
    ("crs-note", "children"),
    ("icans", "children"),
    ("icans", "className"),
    ("icans", "title"),
    ("icans-note", "children"),
    ("temp", "children"),
    ("haemo", "children"),
    ("oxygen", "children"),
    ("neuro", "children"),
    ("alerts", "children"),
    ("alerts", "className"),
    ("hlh", "children"),
    ("hlh", "className"),
    ("hlh", "title"),
    ("neutropenia", "children"),
    ("neutropenia", "className"),
    ("neutropenia", "title"),
    ("toci", "children"),
    ("trial", "children"),
    ("trial", "className"),
    ("checklist", "children"),
    ("checklist", "className"),
    ("checklist", "title"),
)
TIMER_LEAVES: tuple[Leaf, ...] = (
    ("day", "children"),
    ("milestones", "children"),
    ("card", "className"),
    *((f"due-{kind}", prop) for kind, _label in DUE_KINDS for prop in ("children", "className")),
)

BADGE = "grade-badge"
HIDDEN = "d-none"


def badge_class(view: GradeView) -> str:
    return f"{BADGE} {grade_class(view.grade)}" + (" provisional" if view.provisional else "")


def temperature_text(bed: BedSnapshot, tz: str) -> str:
    obs = bed.obs
    if obs is None or obs.temperature_c is None:
        return "no temperature recorded"
    return f"{obs.temperature_c:.1f} °C at {clock(obs.taken_at, tz)}"


def haemodynamics_text(bed: BedSnapshot) -> str:
    """Vasopressors in words, from the latest obs."""
    obs = bed.obs
    if obs is None:
        return "no obs recorded"
    if not obs.vasopressors:
        return "no vasopressors"
    agents, vasopressin = count_vasopressors(obs.vasopressors)
    names = ", ".join(obs.vasopressors)
    many = agents > 1
    return f"{'multiple vasopressors' if many else 'vasopressor'}: {names}" + (
        "" if agents or not vasopressin else " (counts as one)"
    )


def oxygen_text(bed: BedSnapshot) -> str:
    """Oxygen in words with the flow and the level it grades as: "nasal cannula 3 L/min (low-flow)"."""
    obs = bed.obs
    if obs is None:
        return "no obs recorded"
    return oxygen_words(obs.oxygen_device, obs.oxygen_flow_l_min)


def neuro_text(bed: BedSnapshot, tz: str) -> str:
    neuro = bed.neuro
    if neuro is None:
        return "no neuro assessment recorded"
    when = clock(neuro.assessed_at, tz)
    if neuro.unable_to_perform_assessment:
        return f"{neuro.tool}: unable to perform at {when}"
    if neuro.tool == "CAPD":
        return f"CAPD {neuro.capd_score} at {when}"
    return f"ICE {neuro.ice_score}/{ICE_MAX} at {when}"


def alerts_leaf(bed: BedSnapshot) -> tuple[str, str]:
    summary = bed.alerts
    if summary.count == 0 or summary.highest is None:
        return "", HIDDEN
    waiting = f", {summary.unacknowledged} not acknowledged" if summary.unacknowledged else ", all acknowledged"
    text = f"{summary.count} open alert{'s' if summary.count != 1 else ''}: {summary.highest}{waiting}"
    return text, f"bay-alerts {SEVERITY_CLASSES.get(summary.highest, '')}"


def hlh_leaf(bed: BedSnapshot) -> tuple[str, str, str]:
    flag = bed.hlh
    if flag is None:
        return "", HIDDEN, ""
    word = "HLH screen positive" if flag.positive else "HLH: check screen"
    text = f"{word} · ferritin {flag.peak_ferritin:,.0f} > {HLH_FERRITIN_THRESHOLD_NG_ML:,.0f} ng/mL"
    return text, "bay-hlh" + (" positive" if flag.positive else ""), "; ".join(flag.reasons)


TRIAL_NOTE = "trial protocol grading applies"


def trial_text(trial: str | None) -> str:
    """Guideline: patients on a clinical trial are graded by the trial's protocol, which this ward's rules do not
    replace."""
    return "" if not trial else f"Trial {trial}: {TRIAL_NOTE}"


def tocilizumab_text(bed: BedSnapshot) -> str:
    """Doses left of the ward's named-patient supply (guideline: four doses per CAR-T patient)."""
    left = max(0, MAX_DOSES - bed.tocilizumab_given)
    if left == 0:
        return f"none of {MAX_DOSES} left: rescue supply in Freeman Pharmacy Emergency Drug Fridge"
    return f"{left} of {MAX_DOSES} left"


def neutropenia_leaf(bed: BedSnapshot) -> tuple[str, str, str]:
    """ "Neutropenic fever" or "Neutrophils < 0.5: blood count support" as `alerts.status` decides; hidden otherwise."""
    found = bed.neutropenia
    if found is None or not (found.neutropenic or found.episode is not None):
        return "", HIDDEN, ""
    if found.episode is not None:
        text = "Neutropenic fever: neutropenic sepsis pathway"
    else:
        text = f"Neutrophils {found.count:g} < 0.5: blood count support (transfusion and GCSF)"
    return text, "bay-neutropenia", "; ".join(found.reasons)


def checklist_leaf(bed: BedSnapshot) -> tuple[str, str, str]:
    """The routine interventions still open (`alerts.status.interventions_now`); hidden when none is."""
    if not bed.interventions_open:
        return "", HIDDEN, ""
    count = len(bed.interventions_open)
    return f"Routine interventions: {count} open", "bay-checklist", "; ".join(bed.interventions_open)


def card_leaves(bed: BedSnapshot, tz: str) -> dict[Leaf, Any]:
    alerts_text, alerts_class = alerts_leaf(bed)
    hlh_text, hlh_class, hlh_title = hlh_leaf(bed)
    neutropenia_text, neutropenia_class, neutropenia_title = neutropenia_leaf(bed)
    checklist_text, checklist_class, checklist_title = checklist_leaf(bed)
    return {
        ("bed", "children"): f"Bed {bed.bed}",
        ("name", "children"): bed.name,
        ("product", "children"): bed.product,
        ("crs", "children"): bed.crs.badge_text,
        ("crs", "className"): badge_class(bed.crs),
        ("crs", "title"): bed.crs.explanation,
        ("crs-note", "children"): bed.crs.note,
        ("icans", "children"): bed.icans.badge_text,
        ("icans", "className"): badge_class(bed.icans),
        ("icans", "title"): bed.icans.explanation,
        ("icans-note", "children"): bed.icans.note,
        ("temp", "children"): temperature_text(bed, tz),
        ("haemo", "children"): haemodynamics_text(bed),
        ("oxygen", "children"): oxygen_text(bed),
        ("neuro", "children"): neuro_text(bed, tz),
        ("alerts", "children"): alerts_text,
        ("alerts", "className"): alerts_class,
        ("hlh", "children"): hlh_text,
        ("hlh", "className"): hlh_class,
        ("hlh", "title"): hlh_title,
        ("neutropenia", "children"): neutropenia_text,
        ("neutropenia", "className"): neutropenia_class,
        ("neutropenia", "title"): neutropenia_title,
        ("toci", "children"): tocilizumab_text(bed),
        ("trial", "children"): trial_text(bed.trial),
        ("trial", "className"): "bay-trial" if bed.trial else HIDDEN,
        ("checklist", "children"): checklist_text,
        ("checklist", "className"): checklist_class,
        ("checklist", "title"): checklist_title,
    }


# --- the clock-driven leaves ---------------------------------------------------------------------------------


def timers_store(board: BoardSnapshot, tz: str) -> dict[str, Any]:
    """What the countdowns need, per bed: due times (ISO UTC), the infusion time, the grace and the zone."""
    return {
        "tz": tz,
        "grace_seconds": int(board.grace.total_seconds()),
        "beds": {
            str(bed.patient_id): {
                "infused_at": bed.infused_at.isoformat() if bed.infused_at else None,
                "due": {kind: item.due_at.isoformat() for kind, item in bed.due.items()},
            }
            for bed in board.beds
        },
    }


def timer_leaves(store: dict[str, Any], patient_id: int, now: datetime) -> dict[Leaf, Any]:
    tz = store["tz"]
    grace = timedelta(seconds=store["grace_seconds"])
    bed = store["beds"].get(str(patient_id))
    if bed is None:
        return {leaf: "" for leaf in TIMER_LEAVES}
    infused = datetime.fromisoformat(bed["infused_at"]) if bed["infused_at"] else None
    leaves: dict[Leaf, Any] = {
        ("day", "children"): day_label(infused, now, tz),
        ("milestones", "children"): milestones_text(infused, now, tz),
    }
    any_overdue = False
    for kind, label in DUE_KINDS:
        due = bed["due"].get(kind)
        if due is None:
            leaves[(f"due-{kind}", "children")] = f"{label}: —"
            leaves[(f"due-{kind}", "className")] = "bay-due"
            continue
        shown = countdown(datetime.fromisoformat(due), now, grace)
        any_overdue = any_overdue or shown.overdue
        leaves[(f"due-{kind}", "children")] = f"{label}: {shown.text}"
        leaves[(f"due-{kind}", "className")] = f"bay-due {shown.state}"
    leaves[("card", "className")] = "bay-card overdue" if any_overdue else "bay-card"
    return leaves


# --- layout ---------------------------------------------------------------------------------------------------


def _leaf(tag: Any, pid: int, field: str, values: dict[Leaf, Any], **extra: Any) -> Any:
    props = {prop: value for (f, prop), value in values.items() if f == field}
    return tag(id=ids.bay_leaf(pid, field), **{**extra, **props})


def bed_card(bed: BedSnapshot, now: datetime, tz: str, timers: dict[str, Any]) -> html.Div:
    pid = bed.patient_id
    values = {**card_leaves(bed, tz), **timer_leaves(timers, pid, now)}
    due_rows = [_leaf(html.Li, pid, f"due-{kind}", values) for kind, _label in DUE_KINDS]
    return html.Div(
        id=ids.bay_leaf(pid, "card"),
        className=values[("card", "className")],
        children=dbc.Card(
            [
                dbc.CardHeader(
                    [
                        _leaf(html.Span, pid, "bed", values, className="bay-bed"),
                        _leaf(html.Span, pid, "day", values, className="bay-day"),
                    ],
                    class_name="d-flex justify-content-between align-items-baseline",
                ),
                dbc.CardBody(
                    [
                        dcc.Link(_leaf(html.Span, pid, "name", values), href=f"/patient/{pid}", className="bay-name"),
                        _leaf(html.Div, pid, "product", values, className="bay-product"),
                        html.Div(
                            [
                                _leaf(html.Span, pid, "crs", values),
                                _leaf(html.Span, pid, "crs-note", values, className="grade-note"),
                                _leaf(html.Span, pid, "icans", values),
                                _leaf(html.Span, pid, "icans-note", values, className="grade-note"),
                            ],
                            className="bay-grades",
                        ),
                        _leaf(html.Div, pid, "alerts", values),
                        _leaf(html.Div, pid, "hlh", values),
                        _leaf(html.Div, pid, "neutropenia", values),
                        _leaf(html.Div, pid, "trial", values),
                        _leaf(html.Div, pid, "checklist", values),
                        html.Dl(
                            [
                                html.Dt("Temp"),
                                _leaf(html.Dd, pid, "temp", values),
                                html.Dt("BP support"),
                                _leaf(html.Dd, pid, "haemo", values),
                                html.Dt("Oxygen"),
                                _leaf(html.Dd, pid, "oxygen", values),
                                html.Dt("ICE/CAPD"),
                                _leaf(html.Dd, pid, "neuro", values),
                                html.Dt("Tocilizumab"),
                                _leaf(html.Dd, pid, "toci", values),
                            ],
                            className="bay-values",
                        ),
                        html.Ul(due_rows, className="bay-due-list"),
                        _leaf(html.Div, pid, "milestones", values, className="bay-milestones"),
                    ]
                ),
            ]
        ),
    )


def bed_keys(board: BoardSnapshot) -> list[int | str]:
    """What the page's cards stand for, in order: patient ids, then the empty beds ("empty 8"). The cards are
    drawn again when this changes (a patient moving into an empty bed changes it even if the order holds)."""
    return [*(bed.patient_id for bed in board.beds), *(f"empty {label}" for label in board.empty_beds)]


def empty_bed_card(label: str) -> html.Div:
    """A configured bed with nobody in it (`board_beds`): admission starts from the Beds page."""
    return html.Div(
        dbc.Card(
            [
                dbc.CardHeader(html.Span(f"Bed {label}", className="bay-bed")),
                dbc.CardBody(
                    [html.Span("empty", className="bay-empty-word"), dcc.Link("Admit", href=f"/beds?bed={label}")]
                ),
            ]
        ),
        className="bay-empty",
    )


def bed_cards(board: BoardSnapshot, tz: str, timers: dict[str, Any]) -> list[html.Div]:
    """The occupied beds' cards in the board's order, each empty bed placed before the first bed numbered above it."""
    cards = [(bed.bed, bed_card(bed, board.now, tz, timers)) for bed in board.beds]
    for label in board.empty_beds:
        key = bed_number_key(label)
        at = next((i for i, (bed, _card) in enumerate(cards) if bed_number_key(bed) > key), len(cards))
        cards.insert(at, (label, empty_bed_card(label)))
    return [card for _bed, card in cards]


def summary_text(board: BoardSnapshot) -> str:
    """Beds and open critical/urgent alerts (they change on a write); overdue items move with the clock."""
    summary = board_summary(board)
    beds = f"{summary.occupied} patient{'s' if summary.occupied != 1 else ''}"
    if summary.empty:
        beds += f" · {summary.empty} empty bed{'s' if summary.empty != 1 else ''}"
    return f"{beds} · {summary.critical} critical · {summary.urgent} urgent open alerts"


def overdue_summary(store: dict[str, Any], now: datetime) -> str:
    """ "· 3 overdue items", from the timers store alone (the countdowns' rule: due + grace passed)."""
    grace = timedelta(seconds=store["grace_seconds"])
    late = sum(
        1 for bed in store["beds"].values() for due in bed["due"].values() if now > datetime.fromisoformat(due) + grace
    )
    return f" · {late} overdue item{'s' if late != 1 else ''}"


def updated_text(now: datetime, tz: str) -> str:
    return f"updated {clock(now, tz)}"
