"""The recording forms as data: which fields each has, how their values become a request body, and how the
validation errors of `data.schemas` (the same models the API uses) come back to the fields they name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from dashboard.views.errors import describe, line
from dashboard.views.tampering import BadCallback, optional_text
from dashboard.views.timefmt import parse_local
from data.catalogue import ANALYTES
from data.schemas import MEDICATION_UNITS, ORGAN_FINDINGS, ROUTES, VASOPRESSOR_NAMES
from data.validation import FieldError, InvalidInput
from toxicity import (
    CONSCIOUSNESS_LEVELS,
    DRUGS,
    EXCEPTION_ITEM_LABELS,
    EXCEPTION_ITEMS,
    EXCEPTION_REASONS,
    ICP_FINDINGS,
    NEURO_EVENTS,
    OXYGEN_DEVICES,
    SEIZURE_TYPES,
)
from toxicity.icans import CONSCIOUSNESS_WORDS, SEIZURE_WORDS
from toxicity.ice import ICE_PART_MAXIMA
from toxicity.interventions import INTERVENTION_ITEMS, INTERVENTIONS
from toxicity.neuro_events import ICP_WORDS

KINDS = (
    "observations",
    "crs-assessments",
    "neuro-assessments",
    "neuro-events",
    "monitoring-exceptions",
    "labs",
    "medications",
    "organ-findings",
    "routine-interventions",
    "clinical-reviews",
)
TITLES = {
    "observations": "Obs",
    "crs-assessments": "CRS assessment",
    "neuro-assessments": "Neuro assessment",
    "neuro-events": "Neurological event",
    "monitoring-exceptions": "Monitoring exception",
    "labs": "Lab result",
    "medications": "Medication given",
    "organ-findings": "HLH finding",
    "routine-interventions": "Routine intervention",
    "clinical-reviews": "Daily clinical review",
}
TIME_FIELDS = {
    "observations": "taken_at",
    "crs-assessments": "assessed_at",
    "neuro-assessments": "assessed_at",
    "neuro-events": "occurred_at",
    "monitoring-exceptions": "starts_at",
    "labs": "collected_at",
    "medications": "given_at",
    "organ-findings": "occurred_at",
    "routine-interventions": "done_at",
    "clinical-reviews": "reviewed_at",
}
NO_ICP_FINDING = "none"
"""The raised-ICP answer "none of these", distinct from no answer at all (nothing ticked)."""
PAUSED_BY_DOCTOR = "paused_by_doctor"


@dataclass(frozen=True)
class Field:
    """One input. `name` is the body path ("temperature_c", "ice.naming"); `kind` picks the component:
    time, number, select, multi (a list), flags (checked names -> {name: true}), bool (a checkbox: unticked is
    false), yesno (two radio buttons, neither chosen at first), findings (a list with a "none" choice of its own),
    ice (the ICE items ticked, sent as each part's count), text.

    `unanswered` is the message shown by the field when the nurse has not answered it; a field with one has no
    default, and an empty answer (nothing chosen, nothing ticked) is never sent as "no". `labels` are the words
    shown for the options (the guideline's words where it has them); `blank` is what the empty choice of a select
    says."""

    name: str
    label: str
    kind: str
    options: tuple[str, ...] = ()
    default: Any = None
    width: int = 3
    unanswered: str = ""
    labels: Mapping[str, str] = dataclass_field(default_factory=dict)
    blank: str = "—"

    def option_label(self, value: str) -> str:
        return self.labels.get(value, _words(value))


def _words(value: str) -> str:
    return value.replace("_", " ")


def _time(name: str, label: str = "Time (ward clock)", unanswered: str = "") -> Field:
    return Field(name, label, "time", width=4, unanswered=unanswered)


def _required(name: str, label: str, kind: str, message: str, **extra: Any) -> Field:
    """A finding the nurse must state: it starts empty and saving without it names it."""
    blank = extra.pop("blank", "— not answered —")
    return Field(name, label, kind, unanswered=message, blank=blank, **extra)


OVERRIDE = (
    Field("override.grade", "Override grade", "select", ("0", "1", "2", "3", "4")),
    Field("override.reason", "Override reason", "text", width=6),
)
ORGANS = tuple(
    Field(f"organ_toxicities.{name}", f"{label} (CTCAE)", "select", ("0", "1", "2", "3", "4"), width=2)
    for name, label in (
        ("bilirubin", "Bilirubin"),
        ("ast", "AST"),
        ("alt", "ALT"),
        ("oliguria", "Oliguria"),
        ("creatinine", "Creatinine"),
        ("pulmonary_edema", "Pulm. oedema"),
    )
)

OBSERVATION_FIELDS = (
    _time("taken_at"),
    Field("temperature_c", "Temperature", "number"),
    Field("heart_rate", "Heart rate", "number"),
    Field("respiratory_rate", "Resp. rate", "number"),
    Field("systolic_bp", "Systolic BP", "number"),
    Field("diastolic_bp", "Diastolic BP", "number"),
    Field("spo2", "SpO₂", "number"),
    Field("oxygen_device", "Oxygen", "select", OXYGEN_DEVICES, blank="— not recorded —"),
    Field("oxygen_flow_l_min", "O₂ flow", "number"),
    Field("fio2", "FiO₂", "number"),
    Field("consciousness", "Consciousness", "select", CONSCIOUSNESS_LEVELS, labels=CONSCIOUSNESS_WORDS),
    Field("vasopressors", "Vasopressors", "multi", VASOPRESSOR_NAMES, default=[], width=12),
)
CRS_FIELDS = (
    _time("assessed_at"),
    _required(
        "temperature_c", "Temperature", "number", "Temperature not entered: enter the temperature at this assessment."
    ),
    _required("hypotension", "Hypotension", "yesno", "Hypotension not answered: choose yes or no."),
    _required(
        "oxygen",
        "Oxygen",
        "select",
        "Oxygen not answered: choose the oxygen device, or room air.",
        options=OXYGEN_DEVICES,
    ),
    Field("oxygen_flow_l_min", "O₂ flow", "number"),
    Field("vasopressors", "Vasopressors", "multi", VASOPRESSOR_NAMES, default=[], width=12),
    Field(
        "attributable_to_other_cause",
        "Due to another cause",
        "flags",
        ("fever", "hypotension", "hypoxia"),
        default=[],
        width=12,
    ),
    *ORGANS,
    Field("organ_toxicities.hemophagocytosis", "Haemophagocytosis", "bool", default=False),
    *OVERRIDE,
)
NO_ICE_ITEM = "none"
"""The ICE answer "no item right" (ICE 0/10), distinct from no answer at all (nothing ticked)."""
ICE_ITEMS = MappingProxyType(
    {
        "orientation_year": "Orientation: year",
        "orientation_month": "Orientation: month",
        "orientation_city": "Orientation: city",
        "orientation_hospital": "Orientation: hospital",
        "naming_1": "Names object 1",
        "naming_2": "Names object 2",
        "naming_3": "Names object 3",
        "follows_commands": "Follows simple commands",
        "writing": "Writes a standard sentence",
        "attention": "Counts back from 100 by 10",
        NO_ICE_ITEM: "None right (ICE 0/10)",
    }
)
# Not a finding every assessment must state (unable to perform, or domains that already decide the grade, need no
# ICE): when grading needs it, `answers.SCORES` says so under the boxes. Nothing ticked is never sent as 0/10.
ICE_FIELDS = (
    Field(
        "ice",
        "ICE: tick each item the patient got right",
        "ice",
        options=tuple(ICE_ITEMS),
        labels=ICE_ITEMS,
        width=12,
    ),
)


def ice_parts(ticked: list[str]) -> dict[str, int]:
    """The ICE parts for `data.schemas` from the ticked items (ASTCT 2019: orientation 4, naming 3, commands 1,
    writing 1, attention 1): each part is the number of its items ticked; "none right" scores every part 0."""
    items = [item for item in ticked if item != NO_ICE_ITEM]
    return {part: sum(1 for item in items if part in (item, item.rsplit("_", 1)[0])) for part in ICE_PART_MAXIMA}


def ice_total(ticked: list[str] | None) -> str:
    """The live total under the ICE boxes: "ICE 7/10", or what is wrong with the ticks."""
    ticked = list(ticked or [])
    if not ticked:
        return f"ICE not scored yet (0 of {sum(ICE_PART_MAXIMA.values())} items ticked)"
    if NO_ICE_ITEM in ticked and len(ticked) > 1:
        return ICE_NONE_AND_ITEM
    return f"ICE {sum(ice_parts(ticked).values())}/{sum(ICE_PART_MAXIMA.values())}"


ICE_NONE_AND_ITEM = "ICE: None right is ticked together with an item; untick one."
NEURO_COMMON = (
    Field("unable_to_perform_assessment", "Unable to perform (unarousable)", "bool", default=False, width=4),
    _required(
        "consciousness",
        "Level of consciousness",
        "select",
        "Level of consciousness not answered: choose one (fully alert is an answer).",
        options=CONSCIOUSNESS_LEVELS,
        labels=CONSCIOUSNESS_WORDS,
        width=4,
    ),
    _required(
        "seizure",
        "Seizure",
        "select",
        "Seizure not answered: choose no seizure, or the kind of seizure.",
        options=SEIZURE_TYPES,
        labels=SEIZURE_WORDS,
        width=4,
    ),
    _required(
        "deep_focal_motor_weakness",
        "Deep focal motor weakness (hemiparesis or paraparesis)",
        "yesno",
        "Deep focal motor weakness not answered: choose yes or no.",
        width=4,
    ),
    _required(
        "icp_findings",
        "Raised ICP findings",
        "findings",
        "Raised ICP findings not answered: tick each finding seen, or none.",
        options=(NO_ICP_FINDING, *ICP_FINDINGS),
        labels={NO_ICP_FINDING: "none of these", **ICP_WORDS},
        width=12,
    ),
    Field(
        "attributable_to_other_cause",
        "Due to another cause",
        "flags",
        ("consciousness", "seizure", "motor", "icp"),
        default=[],
        width=12,
    ),
    *OVERRIDE,
)
CAPD_FIELD = Field("capd_score", "CAPD total", "number", width=4)
LAB_FIELDS = (
    _time("collected_at"),
    Field("analyte", "Analyte", "select", tuple(ANALYTES)),
    Field("value", "Value", "number"),
    Field("unit", "Unit", "select", ()),
)
MEDICATION_FIELDS = (
    _time("given_at"),
    Field("drug", "Drug", "select", tuple(DRUGS)),
    Field("dose", "Dose", "number"),
    Field("unit", "Unit", "select", MEDICATION_UNITS, default="mg", width=2),
    Field("route", "Route", "select", ROUTES, default="IV", width=2),
)


EVENT_GROUPS = MappingProxyType(
    {
        "seizure": "Seizure",
        "status_epilepticus": "Status epilepticus",
        "motor_weakness": "Motor",
        "raised_icp": "Raised ICP",
    }
)
EVENT_LABELS = MappingProxyType(
    {name: f"{EVENT_GROUPS[rule.kind]}: {rule.words}" for name, rule in NEURO_EVENTS.items()}
)
NEURO_EVENT_FIELDS = (
    _time("occurred_at", "Time seen (ward clock)"),
    _required(
        "event",
        "What was seen",
        "select",
        "Event not chosen: choose what was seen.",
        options=tuple(NEURO_EVENTS),
        labels=EVENT_LABELS,
        blank="— choose —",
        width=8,
    ),
    Field("note", "Note (optional)", "text", width=12),
)
EXCEPTION_FIELDS = (
    _time("starts_at", "Starts (ward clock)"),
    _time(
        "ends_at",
        "Ends (ward clock, at most 72 h later)",
        "End not entered: enter when the exception ends (at most 72 h after it starts).",
    ),
    _required(
        "reason",
        "Reason",
        "select",
        "Reason not chosen: choose why the monitoring is not done.",
        options=tuple(EXCEPTION_REASONS),
        labels=EXCEPTION_REASONS,
        blank="— choose —",
        width=4,
    ),
    _required(
        "items",
        "Not done while it lasts",
        "multi",
        "Nothing ticked: tick what is not done while the exception lasts.",
        options=EXCEPTION_ITEMS,
        labels=EXCEPTION_ITEM_LABELS,
        width=12,
    ),
    _required(
        "note",
        "Note",
        "text",
        "Note not entered: say why and who decided (3-2000 characters).",
        width=12,
    ),
)


FINDING_LABELS = MappingProxyType(
    {
        "pulmonary_oedema": "Pulmonary oedema (CTCAE v4.03; grade 3: severe dyspnoea or dyspnoea at rest, oxygen)",
        "oliguria": "Oliguria (CTCAE v4.03 urine output decreased; grade 3: < 80 mL in 8 h)",
        "haemophagocytosis": "Haemophagocytosis in bone marrow or organs on histopathology",
    }
)
ORGAN_FINDING_FIELDS = (
    _time("occurred_at", "Found at (ward clock)"),
    _required(
        "finding",
        "Finding",
        "select",
        "Finding not chosen: choose what was found.",
        options=ORGAN_FINDINGS,
        labels=FINDING_LABELS,
        blank="— choose —",
        width=8,
    ),
    Field("ctcae_grade", "CTCAE v4.03 grade (not for haemophagocytosis)", "select", ("1", "2", "3", "4"), width=4),
    Field("note", "Note (optional)", "text", width=12),
)
INTERVENTION_FIELDS = (
    _time("done_at", "Done at (ward clock)"),
    _required(
        "item",
        "Routine intervention",
        "select",
        "Intervention not chosen: choose which one was done.",
        options=INTERVENTION_ITEMS,
        labels=INTERVENTIONS,
        blank="— choose —",
        width=8,
    ),
    Field("note", "Note (optional)", "text", width=12),
)
REVIEW_FIELDS = (
    _time("reviewed_at", "Reviewed at (ward clock)"),
    _required(
        "note",
        "Assessment and examination",
        "text",
        "Findings not entered: say what the assessment and examination found (3-2000 characters).",
        width=12,
    ),
)


def offered_options(field: Field, permissions: frozenset[str]) -> tuple[str, ...]:
    """The options a user is offered: "paused by a doctor" only to those who may pause monitoring (the server
    refuses it to anyone else whatever the page sent)."""
    if field.name == "reason" and "pause_monitoring" not in permissions:
        return tuple(o for o in field.options if o != PAUSED_BY_DOCTOR)
    return field.options


def form_fields(kind: str, tool: str = "ICE") -> tuple[Field, ...]:
    """The fields of a form; the neuro form takes the ICE parts, or the CAPD total for children."""
    if kind == "neuro-assessments":
        tool_fields = ICE_FIELDS if tool == "ICE" else (CAPD_FIELD,)
        return (_time("assessed_at"), *tool_fields, *NEURO_COMMON)
    return {
        "observations": OBSERVATION_FIELDS,
        "crs-assessments": CRS_FIELDS,
        "neuro-events": NEURO_EVENT_FIELDS,
        "monitoring-exceptions": EXCEPTION_FIELDS,
        "labs": LAB_FIELDS,
        "medications": MEDICATION_FIELDS,
        "organ-findings": ORGAN_FINDING_FIELDS,
        "routine-interventions": INTERVENTION_FIELDS,
        "clinical-reviews": REVIEW_FIELDS,
    }[kind]


def _empty(field: Field, value: Any) -> bool:
    """Nothing entered. For a finding that must be stated an empty list is no answer too (for a list such as the
    vasopressors an empty list is the answer "none")."""
    if isinstance(value, list):
        return not value and (bool(field.unanswered) or field.kind in ("findings", "ice"))
    return value is None or (isinstance(value, str) and not value.strip())


YES_NO = {"yes": True, "no": False}


def _ticked(field: Field, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadCallback(f"{field.label} is not a list of ticked boxes")
    return value


def _convert(field: Field, value: Any) -> Any:
    if field.kind == "flags":
        return {name: True for name in _ticked(field, value)}
    if field.kind == "multi":
        return list(_ticked(field, value))
    if field.kind == "findings":
        return [v for v in _ticked(field, value) if v != NO_ICP_FINDING]
    if field.kind == "ice":
        return ice_parts(_ticked(field, value))
    if field.kind == "yesno":
        return YES_NO.get(value, value)
    if field.kind == "bool":
        return bool(value)
    if field.kind == "text":
        return optional_text(value, field.label.lower()).strip()
    if field.kind == "select" and field.name.startswith(("override.grade", "organ_toxicities.", "ctcae_grade")):
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).isdigit():
            raise BadCallback(f"the {field.label.lower()} is not a number")
        return int(value)
    return value


def _when(field: Field, value: Any, tz: str) -> datetime | None:
    """A time input's value as UTC; a value that is not a date and time is refused (the input never sends one)."""
    if value is not None and not isinstance(value, str):
        raise BadCallback(f"the {field.label.lower()} is not a date and time")
    try:
        return parse_local(value, tz)
    except ValueError:
        raise BadCallback(f"the {field.label.lower()} is not a date and time") from None


def form_values(components: list[dict[str, Any]]) -> dict[str, Any]:
    """The fields' values by name, from the matched inputs of a form (`ctx.states_list` / `ctx.inputs_list`)."""
    found: dict[str, Any] = {}
    for component in components:
        cid = component.get("id") if isinstance(component, dict) else None
        name = cid.get("name") if isinstance(cid, dict) else None
        if not isinstance(name, str):
            raise BadCallback("the form's fields are not the ones this page has")
        found[name] = component.get("value")
    return found


def body_from_values(kind: str, values: dict[str, Any], tz: str, now: datetime, tool: str = "ICE") -> dict[str, Any]:
    """A request body for `data.schemas` from the form's values. Empty inputs are left out (so the schema says
    "is required" or uses its default); a group (ICE parts, override) is sent only when one of its inputs is
    filled, so a half-filled ICE is an error, not a silent zero. The record's own time is now when left empty;
    another time (an exception's end) is left out."""
    body: dict[str, Any] = {}
    for field in form_fields(kind, tool):
        value = values.get(field.name)
        if field.kind == "time":
            when = _when(field, value, tz) or (now if field.name == TIME_FIELDS[kind] else None)
            if when is not None:
                body[field.name] = when.isoformat()
            continue
        if _empty(field, value):
            continue
        target = body
        *groups, leaf = field.name.split(".")
        for group in groups:
            target = target.setdefault(group, {})
        target[leaf] = _convert(field, value)
    return body


def field_errors(error: InvalidInput, names: list[str]) -> tuple[dict[str, str], list[str]]:
    """Messages by field name for the inputs the errors name; the rest (e.g. a rule across fields) as text."""
    by_field: dict[str, str] = {}
    general: list[str] = []
    for item in error.errors:
        name = _field_for(item, names)
        text = describe(item)
        if name is None:
            general.append(line(item))
        else:
            by_field[name] = f"{by_field[name]}; {text}" if name in by_field else text
    return by_field, general


def _field_for(item: FieldError, names: list[str]) -> str | None:
    path = item.field
    while path:
        if path in names:
            return path
        path = path.rpartition(".")[0]
    return None
