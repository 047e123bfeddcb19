"""The request models: one set, used by the REST API and by the dashboard's forms."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, JsonValue, model_validator
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from data.catalogue import ANALYTES, convert, from_canonical
from data.validation import Allowed, OneOf, PlannedTimestamp, Range, StrictModel, Timestamp
from toxicity import (
    CONSCIOUSNESS_LEVELS,
    DRUGS,
    EXCEPTION_ITEMS,
    EXCEPTION_REASONS,
    ICP_FINDINGS,
    NEURO_EVENT_NAMES,
    OXYGEN_DEVICES,
    SEIZURE_TYPES,
    VASOPRESSOR_AGENTS,
    InvalidAssessment,
    normalise_vasopressor,
)
from toxicity.drugs import VASOPRESSOR_SYNONYMS
from toxicity.interventions import INTERVENTION_ITEMS


def _fahrenheit_hint(value: float) -> str | None:
    return "looks like Fahrenheit" if 86 <= value <= 113 else None


Temperature = Annotated[float, Range(30.0, 45.0, "°C", hint=_fahrenheit_hint)]
HeartRate = Annotated[int, Range(20, 250, "/min")]
RespiratoryRate = Annotated[int, Range(4, 80, "/min")]
Systolic = Annotated[int, Range(40, 300, "mmHg")]
Diastolic = Annotated[int, Range(20, 200, "mmHg")]
SpO2 = Annotated[int, Range(50, 100, "%")]
O2Flow = Annotated[float, Range(0.0, 80.0, "L/min")]
FiO2 = Annotated[float, Range(0.21, 1.0)]
Weight = Annotated[float, Range(2.0, 300.0, "kg")]
Height = Annotated[float, Range(30.0, 250.0, "cm")]
CTCAEGrade = Annotated[int, Range(0, 4)]
OxygenDevice = Annotated[str, OneOf(OXYGEN_DEVICES, "oxygen device")]
Consciousness = Annotated[str, OneOf(CONSCIOUSNESS_LEVELS, "level of consciousness")]
Seizure = Annotated[str, OneOf(SEIZURE_TYPES, "seizure type")]
Text = Annotated[str, Field(strict=True, min_length=1, max_length=200), Allowed("1-200 characters")]
Reason = Annotated[str, Field(strict=True, min_length=3, max_length=2000), Allowed("a reason of 3-2000 characters")]
VASOPRESSOR_NAMES = tuple(sorted(VASOPRESSOR_AGENTS))


def _known_vasopressors(values: list[str]) -> list[str]:
    try:
        return [normalise_vasopressor(v) for v in values]
    except InvalidAssessment as exc:
        raise PydanticCustomError("unknown_vasopressor", "{msg}", {"msg": str(exc)}) from None


Vasopressors = Annotated[
    list[str],
    AfterValidator(_known_vasopressors),
    Allowed("a list of: " + ", ".join(VASOPRESSOR_NAMES)),
    Field(json_schema_extra={"items": {"enum": [*VASOPRESSOR_AGENTS, *VASOPRESSOR_SYNONYMS]}}),
]


def _known_icp(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in ICP_FINDINGS]
    if unknown:
        raise PydanticCustomError("unknown_icp", "unknown raised-ICP finding {names}", {"names": ", ".join(unknown)})
    return sorted(set(values))


IcpFindings = Annotated[
    list[str],
    AfterValidator(_known_icp),
    Allowed("a list of: " + ", ".join(ICP_FINDINGS)),
    Field(json_schema_extra={"items": {"enum": list(ICP_FINDINGS)}}),
]


class PatientIn(StrictModel):
    hospital_number: Annotated[str, Field(strict=True, pattern=r"^[A-Za-z0-9]{4,32}$"), Allowed("4-32 letters/digits")]
    name: Text
    date_of_birth: Annotated[date, Allowed("a date, YYYY-MM-DD")]
    sex: Annotated[Literal["female", "male", "other", "unknown"], Allowed("one of female, male, other, unknown")]
    weight_kg: Weight
    height_cm: Height | None = None
    product: Text
    indication: Text | None = None
    ward: Text
    bed: Annotated[str, Field(strict=True, min_length=1, max_length=20), Allowed("1-20 characters")]
    developmental_delay: bool = False
    trial: Text | None = None  # on a clinical trial: its protocol's grading applies
    admitted_at: Timestamp
    infused_at: PlannedTimestamp | None = None  # may be planned, so in the future


class InfusionConfirmation(StrictModel):
    """A doctor's confirmation of the infusion time while routine interventions are open, with why."""

    reason: Reason


PATCHABLE = ("bed", "weight_kg", "infused_at", "discharged_at", "trial")
NOT_CLEARABLE = ("bed", "weight_kg", "infused_at")  # a patch may change these, never set them to null


def _patch_schema(schema: JsonDict) -> None:
    """As the OpenAPI document states the patch: at least one field that changes something, and null only for the
    fields that may be cleared (discharged_at: readmitted; trial: no longer on one)."""
    schema["anyOf"] = [{"required": [name]} for name in PATCHABLE]
    properties = schema["properties"]
    assert isinstance(properties, dict)
    for name in NOT_CLEARABLE:
        field = properties[name]
        assert isinstance(field, dict) and isinstance(field["anyOf"], list)
        field["anyOf"] = [branch for branch in field["anyOf"] if branch != {"type": "null"}]
        field.pop("default", None)


class PatientPatch(StrictModel):
    bed: Annotated[str, Field(strict=True, min_length=1, max_length=20), Allowed("1-20 characters")] | None = None
    weight_kg: Weight | None = None
    infused_at: PlannedTimestamp | None = None
    discharged_at: Timestamp | None = None
    trial: Text | None = None  # null: no longer on a trial
    # Recording the infusion time while a routine intervention is open needs a doctor's confirmation with a reason.
    confirm_open_interventions: InfusionConfirmation | None = None

    model_config = ConfigDict(json_schema_extra=_patch_schema)

    @model_validator(mode="after")
    def _something_to_change(self) -> PatientPatch:
        if not self.model_fields_set - {"confirm_open_interventions"}:
            raise PydanticCustomError("empty_patch", "nothing to change: send " + ", ".join(PATCHABLE), {})
        return self


VITAL_SIGNS = (
    "temperature_c",
    "heart_rate",
    "respiratory_rate",
    "systolic_bp",
    "diastolic_bp",
    "spo2",
    "consciousness",
)
NASAL_CANNULAS = ("nasal_cannula", "low_flow_nasal_cannula", "high_flow_nasal_cannula")


def oxygen_flow_error(device: str | None, flow: float | None, device_field: str) -> PydanticCustomError | None:
    """The same oxygen rules as grading: room air takes no flow, a nasal cannula needs a flow above 0, and a flow
    needs its device."""
    if flow is None:
        return None
    if device is None:
        return PydanticCustomError(
            "flow_without_device",
            "oxygen_flow_l_min given without {device_field}: record the device the oxygen is given by",
            {"device_field": device_field, "field": device_field, "allowed": "one of " + ", ".join(OXYGEN_DEVICES)},
        )
    if device == "room_air" and flow > 0:
        return PydanticCustomError(
            "room_air_flow",
            "room air takes no flow: {flow} L/min recorded with room_air",
            {"flow": flow, "field": "oxygen_flow_l_min", "allowed": "empty for room air"},
        )
    if device in NASAL_CANNULAS and flow <= 0:
        return PydanticCustomError(
            "cannula_flow",
            "a nasal cannula needs a flow above 0 L/min",
            {"field": "oxygen_flow_l_min", "allowed": "above 0, up to 80 L/min"},
        )
    return None


def _when(field: str, condition: JsonDict, then: JsonDict) -> JsonValue:
    """JSON Schema's if/then over one present, non-null field of a body."""
    return {"if": {"required": [field], "properties": {field: condition}}, "then": then}


# `oxygen_flow_error` as the OpenAPI document states it (an obs set's device is `oxygen_device`).
OXYGEN_RULES: list[JsonValue] = [
    _when(
        "oxygen_flow_l_min",
        {"type": "number"},
        {"required": ["oxygen_device"], "properties": {"oxygen_device": {"type": "string"}}},
    ),
    _when("oxygen_device", {"const": "room_air"}, {"properties": {"oxygen_flow_l_min": {"maximum": 0}}}),
    _when(
        "oxygen_device", {"enum": list(NASAL_CANNULAS)}, {"properties": {"oxygen_flow_l_min": {"exclusiveMinimum": 0}}}
    ),
]


class ObservationIn(StrictModel):
    """A set of obs: at least one vital sign. The oxygen device is optional (None: not recorded, never assumed
    to be room air)."""

    taken_at: Timestamp
    temperature_c: Temperature | None = None
    heart_rate: HeartRate | None = None
    respiratory_rate: RespiratoryRate | None = None
    systolic_bp: Systolic | None = None
    diastolic_bp: Diastolic | None = None
    spo2: SpO2 | None = None
    oxygen_device: OxygenDevice | None = None
    oxygen_flow_l_min: O2Flow | None = None
    fio2: FiO2 | None = None
    vasopressors: Vasopressors = Field(default_factory=list)
    consciousness: Consciousness | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [{"required": [name], "properties": {name: {"not": {"type": "null"}}}} for name in VITAL_SIGNS],
            "allOf": OXYGEN_RULES,
        }
    )

    @model_validator(mode="after")
    def _a_vital_sign_and_consistent_oxygen(self) -> ObservationIn:
        if all(getattr(self, name) is None for name in VITAL_SIGNS):
            raise PydanticCustomError(
                "no_vital_sign",
                "an obs set needs at least one vital sign",
                {"field": "vital signs", "allowed": "at least one of " + ", ".join(VITAL_SIGNS)},
            )
        error = oxygen_flow_error(self.oxygen_device, self.oxygen_flow_l_min, "oxygen_device")
        if error is not None:
            raise error
        return self

    @model_validator(mode="after")
    def _diastolic_not_above_systolic(self) -> ObservationIn:
        if self.systolic_bp is not None and self.diastolic_bp is not None and self.diastolic_bp > self.systolic_bp:
            raise PydanticCustomError(
                "diastolic_above_systolic",
                "diastolic_bp {d} is above systolic_bp {s}",
                {
                    "d": self.diastolic_bp,
                    "s": self.systolic_bp,
                    "field": "diastolic_bp",
                    "allowed": f"not above systolic_bp ({self.systolic_bp} mmHg)",
                },
            )
        return self


class CRSOtherCause(StrictModel):
    fever: bool = False
    hypotension: bool = False
    hypoxia: bool = False


class OrganToxicities(StrictModel):
    """CTCAE grades recorded with a CRS assessment: they never change the CRS grade but feed the HLH screen."""

    bilirubin: CTCAEGrade = 0
    ast: CTCAEGrade = 0
    alt: CTCAEGrade = 0
    oliguria: CTCAEGrade = 0
    creatinine: CTCAEGrade = 0
    pulmonary_edema: CTCAEGrade = 0
    hemophagocytosis: bool = False


class Override(StrictModel):
    grade: CTCAEGrade
    reason: Reason


def _not_attributed(domain: str) -> JsonDict:
    """A CRS domain not attributed to another cause (its own rules then apply to the grade)."""
    return {"not": {"required": [domain], "properties": {domain: {"const": True}}}}


# The grading rules of `toxicity.crs` a CRS assessment must meet, as the OpenAPI document states them: no
# vasopressor without hypotension, room air takes no flow (ever), a nasal cannula's flow is above 0 and a plain
# nasal_cannula needs one (its flow tells low- from high-flow); hypotension or hypoxia attributed to another cause
# is exempt from its own rule.
CRS_RULES: list[JsonValue] = [
    {
        "if": {
            "required": ["vasopressors"],
            "properties": {
                "vasopressors": {"type": "array", "minItems": 1},
                "attributable_to_other_cause": _not_attributed("hypotension"),
            },
        },
        "then": {"properties": {"hypotension": {"const": True}}},
    },
    {
        "if": {"properties": {"oxygen": {"const": "room_air"}}},
        "then": {"properties": {"oxygen_flow_l_min": {"maximum": 0}}},
    },
    {
        "if": {
            "properties": {
                "oxygen": {"enum": list(NASAL_CANNULAS)},
                "attributable_to_other_cause": _not_attributed("hypoxia"),
            }
        },
        "then": {"properties": {"oxygen_flow_l_min": {"exclusiveMinimum": 0}}},
    },
    {
        "if": {
            "properties": {
                "oxygen": {"const": "nasal_cannula"},
                "attributable_to_other_cause": _not_attributed("hypoxia"),
            }
        },
        "then": {"required": ["oxygen_flow_l_min"], "properties": {"oxygen_flow_l_min": {"type": "number"}}},
    },
]


class CRSIn(StrictModel):
    """Hypotension and the oxygen device must be stated ("room_air" is a finding, not a default)."""

    assessed_at: Timestamp
    temperature_c: Temperature | None
    hypotension: bool
    vasopressors: Vasopressors = Field(default_factory=list)
    oxygen: OxygenDevice
    oxygen_flow_l_min: O2Flow | None = None
    attributable_to_other_cause: CRSOtherCause = Field(default_factory=CRSOtherCause)
    organ_toxicities: OrganToxicities = Field(default_factory=OrganToxicities)
    override: Override | None = None

    model_config = ConfigDict(json_schema_extra={"allOf": CRS_RULES})


class ICEIn(StrictModel):
    orientation_year: Annotated[int, Range(0, 1)]
    orientation_month: Annotated[int, Range(0, 1)]
    orientation_city: Annotated[int, Range(0, 1)]
    orientation_hospital: Annotated[int, Range(0, 1)]
    follows_commands: Annotated[int, Range(0, 1)]
    naming: Annotated[int, Range(0, 3)]
    writing: Annotated[int, Range(0, 1)]
    attention: Annotated[int, Range(0, 1)]


class NeuroOtherCause(StrictModel):
    consciousness: bool = False
    seizure: bool = False
    motor: bool = False
    icp: bool = False


_ABSENT: JsonDict = {"type": "null"}
NEURO_SCORES: list[JsonValue] = [
    {
        "required": ["ice"],
        "properties": {
            "ice": {"type": "object"},
            "capd_score": _ABSENT,
            "unable_to_perform_assessment": {"const": False},
        },
    },
    {
        "required": ["capd_score"],
        "properties": {
            "capd_score": {"type": "integer"},
            "ice": _ABSENT,
            "unable_to_perform_assessment": {"const": False},
        },
    },
    {
        "required": ["unable_to_perform_assessment"],
        "properties": {"unable_to_perform_assessment": {"const": True}, "ice": _ABSENT, "capd_score": _ABSENT},
    },
]


class NeuroIn(StrictModel):
    """Consciousness, seizure, motor weakness and raised-ICP findings must be stated: "alert", "none", false and
    [] are findings, not defaults."""

    assessed_at: Timestamp
    ice: ICEIn | None = None
    capd_score: Annotated[int, Range(0, 32)] | None = None
    unable_to_perform_assessment: bool = False
    consciousness: Consciousness
    seizure: Seizure
    deep_focal_motor_weakness: bool
    icp_findings: IcpFindings
    attributable_to_other_cause: NeuroOtherCause = Field(default_factory=NeuroOtherCause)
    override: Override | None = None

    # As the OpenAPI document states it: ICE parts, a CAPD score, or unable to perform, exactly one (which score
    # applies depends on the patient's age and development, checked against the stored patient).
    model_config = ConfigDict(json_schema_extra={"oneOf": NEURO_SCORES})


def _lab_units() -> list[JsonValue]:
    """For the OpenAPI document: each analyte with each unit the form offers and the plausible range in that unit
    (kept a hair inside, so a value at the edge converts inside it). The server takes any UCUM unit that
    converts; the document names the usual ones."""
    cases: list[JsonValue] = []
    for name, analyte in ANALYTES.items():
        for unit in analyte.accepted_units():
            ends = sorted(from_canonical(analyte, bound, unit) for bound in analyte.plausible)
            value: JsonDict = {
                "type": "number",
                "minimum": ends[0] + 1e-9 * abs(ends[0]),
                "maximum": ends[1] - 1e-9 * abs(ends[1]),
            }
            cases.append({"properties": {"analyte": {"const": name}, "unit": {"const": unit}, "value": value}})
    return cases


class LabIn(StrictModel):
    collected_at: Timestamp
    reported_at: Timestamp | None = None
    analyte: Annotated[str, OneOf(tuple(ANALYTES), "analyte")]
    value: Annotated[float, Field(strict=True), Allowed("a number")]
    unit: Annotated[str, Field(strict=True, min_length=1, max_length=20), Allowed("the analyte's units")]
    # The laboratory's reference range, in `unit`, when it gives one (either end may be open).
    reference_low: Annotated[float, Field(strict=True), Allowed("a number in unit")] | None = None
    reference_high: Annotated[float, Field(strict=True), Allowed("a number in unit")] | None = None

    model_config = ConfigDict(json_schema_extra=lambda schema: schema.update({"oneOf": _lab_units()}))

    @model_validator(mode="after")
    def _unit_converts_and_value_plausible(self) -> LabIn:
        analyte = ANALYTES[self.analyte]
        try:
            canonical = convert(analyte, self.value, self.unit)
        except ValueError as exc:
            raise PydanticCustomError("unit", "{msg}", {"msg": str(exc), "field": "unit"}) from None
        low, high = analyte.plausible
        if not low <= canonical <= high:
            raise PydanticCustomError(
                "implausible",
                "{analyte} {value} {unit} is outside {allowed}",
                {
                    "analyte": self.analyte,
                    "value": self.value,
                    "unit": self.unit,
                    "allowed": f"{low:g}-{high:g} {analyte.unit}",
                    "field": "value",
                },
            )
        low_ref, high_ref = self.reference_low, self.reference_high
        if low_ref is not None and high_ref is not None and low_ref > high_ref:
            raise PydanticCustomError(
                "reference_range",
                "reference_low {low} is above reference_high {high}",
                {"low": low_ref, "high": high_ref, "field": "reference_low", "allowed": "not above reference_high"},
            )
        if self.reported_at is not None and self.reported_at < self.collected_at:
            raise PydanticCustomError(
                "reported_before_collected",
                "reported_at is before collected_at",
                {"field": "reported_at", "allowed": f"not before collected_at ({self.collected_at.isoformat()})"},
            )
        return self

    @property
    def canonical_value(self) -> float:
        return convert(ANALYTES[self.analyte], self.value, self.unit)


MEDICATION_UNITS = ("mg", "g", "microgram", "mL")
ROUTES = ("IV", "PO", "SC", "IM", "IT", "NG")


class MedicationIn(StrictModel):
    given_at: Timestamp
    drug: Annotated[str, OneOf(tuple(DRUGS), "drug")]
    dose: Annotated[float, Range(0.001, 100_000)]
    unit: Annotated[str, OneOf(tuple(MEDICATION_UNITS), "dose unit")]
    route: Annotated[str, OneOf(tuple(ROUTES), "route")]


class NeuroEventIn(StrictModel):
    """A neurological event seen between assessments (a seizure, deep focal motor weakness, a raised-ICP finding)."""

    occurred_at: Timestamp
    event: Annotated[str, OneOf(NEURO_EVENT_NAMES, "neurological event")]
    note: Annotated[str, Field(strict=True, max_length=2000), Allowed("up to 2000 characters")] | None = None


MAX_EXCEPTION_HOURS = 72
ExceptionItems = Annotated[
    list[Annotated[str, OneOf(EXCEPTION_ITEMS, "monitoring item")]],
    Field(min_length=1, json_schema_extra={"uniqueItems": True}),
    Allowed("a non-empty list of: " + ", ".join(EXCEPTION_ITEMS)),
]


class MonitoringExceptionIn(StrictModel):
    """A documented exception to the schedule, with an end: while it lasts the items are not overdue."""

    starts_at: Timestamp
    ends_at: PlannedTimestamp
    items: ExceptionItems
    reason: Annotated[str, OneOf(tuple(EXCEPTION_REASONS), "exception reason")]
    note: Reason

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> MonitoringExceptionIn:
        hours = (self.ends_at - self.starts_at).total_seconds() / 3600
        if not 0 < hours <= MAX_EXCEPTION_HOURS:
            raise PydanticCustomError(
                "exception_length",
                "ends_at must be after starts_at and at most {limit} h later (record another to extend it)",
                {
                    "limit": MAX_EXCEPTION_HOURS,
                    "field": "ends_at",
                    "allowed": f"after starts_at, at most {MAX_EXCEPTION_HOURS} h",
                },
            )
        if len(set(self.items)) != len(self.items):
            raise PydanticCustomError(
                "duplicate_items", "items names an item twice", {"field": "items", "allowed": "each item once"}
            )
        return self


ORGAN_FINDINGS = ("pulmonary_oedema", "oliguria", "haemophagocytosis")
GRADED_FINDINGS = ("pulmonary_oedema", "oliguria")


class OrganFindingIn(StrictModel):
    """A finding for the HLH/MAS screen: pulmonary oedema or oliguria with its CTCAE v4.03 grade (1-4), or
    haemophagocytosis on histopathology (no grade: recording it says it was found)."""

    occurred_at: Timestamp
    finding: Annotated[str, OneOf(ORGAN_FINDINGS, "organ finding")]
    ctcae_grade: Annotated[int, Range(1, 4)] | None = None
    note: Annotated[str, Field(strict=True, max_length=2000), Allowed("up to 2000 characters")] | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"finding": {"enum": list(GRADED_FINDINGS)}}},
            "then": {"required": ["ctcae_grade"], "properties": {"ctcae_grade": {"type": "integer"}}},
            "else": {"properties": {"ctcae_grade": {"type": "null"}}},
        }
    )

    @model_validator(mode="after")
    def _grade_when_graded(self) -> OrganFindingIn:
        if self.finding in GRADED_FINDINGS and self.ctcae_grade is None:
            raise PydanticCustomError(
                "grade_needed",
                "{finding} needs its CTCAE v4.03 grade",
                {"finding": self.finding, "field": "ctcae_grade", "allowed": "1-4"},
            )
        if self.finding not in GRADED_FINDINGS and self.ctcae_grade is not None:
            raise PydanticCustomError(
                "no_grade",
                "haemophagocytosis on histopathology is recorded as found, without a grade",
                {"field": "ctcae_grade", "allowed": "none for haemophagocytosis"},
            )
        return self


class RoutineInterventionIn(StrictModel):
    """One of the guideline's routine interventions done, and when."""

    done_at: Timestamp
    item: Annotated[str, OneOf(INTERVENTION_ITEMS, "routine intervention")]
    note: Annotated[str, Field(strict=True, max_length=2000), Allowed("up to 2000 characters")] | None = None


class ClinicalReviewIn(StrictModel):
    """The daily clinical assessment and examination: when, and what was found."""

    reviewed_at: Timestamp
    note: Reason


class AmendIn(StrictModel):
    """An amendment: the fields that change (validated as the record's own kind) and why."""

    reason: Reason
    changes: dict[str, object] = Field(default_factory=dict)
    entered_in_error: bool = False

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["changes"],
                    "properties": {"changes": {"minProperties": 1}, "entered_in_error": {"const": False}},
                },
                {
                    "required": ["entered_in_error"],
                    "properties": {"changes": {"maxProperties": 0}, "entered_in_error": {"const": True}},
                },
            ]
        }
    )

    @model_validator(mode="after")
    def _changes_or_error(self) -> AmendIn:
        if self.entered_in_error == bool(self.changes):
            raise PydanticCustomError(
                "amend",
                "send either changes (an amendment) or entered_in_error: true, not both or neither",
                {},
            )
        return self


RECORD_SCHEMAS: dict[str, type[StrictModel]] = {
    "observations": ObservationIn,
    "crs-assessments": CRSIn,
    "neuro-assessments": NeuroIn,
    "labs": LabIn,
    "medications": MedicationIn,
    "neuro-events": NeuroEventIn,
    "monitoring-exceptions": MonitoringExceptionIn,
    "organ-findings": OrganFindingIn,
    "routine-interventions": RoutineInterventionIn,
    "clinical-reviews": ClinicalReviewIn,
}
