"""The recording forms as data: which fields each has, how their values become a request body, and how the
validation errors of `data.schemas` (the same models the API uses) come back to the fields they name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, get_args

from pydantic import BaseModel

from dashboard.views.errors import describe
from dashboard.views.timefmt import parse_local, to_local_input
from data.catalogue import ANALYTES
from data.models import Observation
from data.schemas import MEDICATION_UNITS, RECORD_SCHEMAS, ROUTES, VASOPRESSOR_NAMES
from data.validation import FieldError, InvalidInput, Range
from toxicity import CONSCIOUSNESS_LEVELS, DRUGS, ICP_FINDINGS, OXYGEN_DEVICES, SEIZURE_TYPES
from toxicity.ice import ICE_PART_MAXIMA

KINDS = ("observations", "crs-assessments", "neuro-assessments", "labs", "medications")
TITLES = {
    "observations": "Obs",
    "crs-assessments": "CRS assessment",
    "neuro-assessments": "Neuro assessment",
    "labs": "Lab result",
    "medications": "Medication given",
}
TIME_FIELDS = {
    "observations": "taken_at",
    "crs-assessments": "assessed_at",
    "neuro-assessments": "assessed_at",
    "labs": "collected_at",
    "medications": "given_at",
}


@dataclass(frozen=True)
class Field:
    """One input. `name` is the body path ("temperature_c", "ice.naming"); `kind` picks the component:
    time, number, select, multi (a list), flags (checked names -> {name: true}), bool, text."""

    name: str
    label: str
    kind: str
    options: tuple[str, ...] = ()
    default: Any = None
    width: int = 3


def _words(value: str) -> str:
    return value.replace("_", " ")


def _time(name: str) -> Field:
    return Field(name, "Time (ward clock)", "time", width=4)


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
    Field("oxygen_device", "Oxygen", "select", OXYGEN_DEVICES, default="room_air"),
    Field("oxygen_flow_l_min", "O₂ flow", "number"),
    Field("fio2", "FiO₂", "number"),
    Field("consciousness", "Consciousness", "select", CONSCIOUSNESS_LEVELS),
    Field("vasopressors", "Vasopressors", "multi", VASOPRESSOR_NAMES, default=[], width=12),
)
CRS_FIELDS = (
    _time("assessed_at"),
    Field("temperature_c", "Temperature", "number"),
    Field("hypotension", "Hypotension", "bool", default=False),
    Field("oxygen", "Oxygen", "select", OXYGEN_DEVICES, default="room_air"),
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
ICE_FIELDS = tuple(Field(f"ice.{part}", _words(part).capitalize(), "number", width=3) for part in ICE_PART_MAXIMA)
NEURO_COMMON = (
    Field("unable_to_perform_assessment", "Unable to perform (unarousable)", "bool", default=False, width=4),
    Field("consciousness", "Consciousness", "select", CONSCIOUSNESS_LEVELS, default="alert", width=4),
    Field("seizure", "Seizure", "select", SEIZURE_TYPES, default="none", width=4),
    Field("deep_focal_motor_weakness", "Deep focal motor weakness", "bool", default=False, width=4),
    Field("icp_findings", "Raised ICP findings", "multi", ICP_FINDINGS, default=[], width=12),
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


def form_fields(kind: str, tool: str = "ICE") -> tuple[Field, ...]:
    """The fields of a form; the neuro form takes the ICE parts, or the CAPD total for children."""
    if kind == "neuro-assessments":
        tool_fields = ICE_FIELDS if tool == "ICE" else (CAPD_FIELD,)
        return (_time("assessed_at"), *tool_fields, *NEURO_COMMON)
    return {
        "observations": OBSERVATION_FIELDS,
        "crs-assessments": CRS_FIELDS,
        "labs": LAB_FIELDS,
        "medications": MEDICATION_FIELDS,
    }[kind]


def initial_values(kind: str, tool: str, now: datetime, tz: str, obs: Observation | None = None) -> dict[str, Any]:
    """What the form shows when it opens: now, the defaults, and for CRS the latest obs."""
    values = {f.name: f.default for f in form_fields(kind, tool)}
    values[TIME_FIELDS[kind]] = to_local_input(now, tz)
    if kind == "crs-assessments" and obs is not None:
        values.update(crs_prefill(obs))
    return values


def crs_prefill(obs: Observation) -> dict[str, Any]:
    """The CRS form from the latest obs: temperature, oxygen and flow, vasopressors (and so hypotension)."""
    return {
        "temperature_c": obs.temperature_c,
        "oxygen": obs.oxygen_device,
        "oxygen_flow_l_min": obs.oxygen_flow_l_min,
        "vasopressors": list(obs.vasopressors or []),
        "hypotension": bool(obs.vasopressors),
    }


def schema_range(kind: str, name: str) -> Range | None:
    """The range `data.schemas` accepts for a number field ("ice.naming" looks inside the ICE model), so a
    form's hint and unit are the validator's own and cannot drift from it."""
    model: Any = RECORD_SCHEMAS[kind]
    *groups, leaf = name.split(".")
    for group in groups:
        model = next(arg for arg in _flatten(model.model_fields[group].annotation) if _is_model(arg))
    info = model.model_fields.get(leaf)
    if info is None:
        return None
    candidates = [*info.metadata, *(m for arg in _flatten(info.annotation) for m in getattr(arg, "__metadata__", ()))]
    return next((m for m in candidates if isinstance(m, Range)), None)


def _flatten(annotation: Any) -> list[Any]:
    """An annotation and everything inside it (`Annotated[float, Range] | None` -> the Annotated, float, None)."""
    found = [annotation]
    for arg in get_args(annotation):
        found.extend(_flatten(arg))
    return found


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _convert(field: Field, value: Any) -> Any:
    if field.kind == "flags":
        return {name: True for name in value or []}
    if field.kind == "multi":
        return list(value or [])
    if field.kind == "bool":
        return bool(value)
    if field.kind == "text":
        return value.strip()
    if field.kind == "select" and field.name.startswith(("override.grade", "organ_toxicities.")):
        return int(value)
    return value


def form_values(components: list[dict[str, Any]]) -> dict[str, Any]:
    """The fields' values by name, from the matched inputs of a form (`ctx.states_list` / `ctx.inputs_list`)."""
    return {component["id"]["name"]: component.get("value") for component in components}


def body_from_values(kind: str, values: dict[str, Any], tz: str, now: datetime, tool: str = "ICE") -> dict[str, Any]:
    """A request body for `data.schemas` from the form's values. Empty inputs are left out (so the schema says
    "is required" or uses its default); a group (ICE parts, override) is sent only when one of its inputs is
    filled, so a half-filled ICE is an error, not a silent zero."""
    body: dict[str, Any] = {}
    for field in form_fields(kind, tool):
        value = values.get(field.name)
        if field.kind == "time":
            when = parse_local(value, tz) or now
            body[field.name] = when.isoformat()
            continue
        if _empty(value):
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
            general.append(f"{item.field}: {text}")
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


def unit_options(analyte: str | None) -> list[str]:
    """The units a lab value may be entered in, the stored (canonical) unit first."""
    if analyte is None or analyte not in ANALYTES:
        return []
    found = ANALYTES[analyte]
    return [found.unit, *[u for u in found.accepted_units() if u != found.unit]]
