"""A FHIR R4 Bundle (transaction, batch or collection) of Patient, Observation and MedicationAdministration
resources mapped to what cartwatch stores. Each resource is validated with the R4B models of fhir.resources;
what cannot be mapped is reported with the entry and the element, never dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from data.catalogue import ANALYTES, UnknownUnit, convert
from data.imports.codes import (
    BLOOD_PRESSURE_PANEL,
    CODED_OBS,
    DOSE_UNITS,
    EXTENSION,
    GRADE_CODES,
    LOINC,
    OWN_CODES,
    OWN_DRUGS,
    RECORD_SYSTEM,
    ROUTES,
    UCUM,
    Target,
    loinc_target,
)
from data.imports.core import Issue, PatientRef, Piece
from data.units import UnitError, convert_unit, to_ucum
from toxicity import DRUGS

BUNDLE_TYPES = ("transaction", "batch", "collection")
STORED_OBSERVATION = {"final": False, "amended": True, "corrected": True}  # status -> is a correction
STORED_ADMINISTRATION = ("completed", "in-progress")
_PATIENT_ID = re.compile(r"^Patient/(\d+)$")


class BundleError(ValueError):
    """The request is not a Bundle cartwatch takes (nothing is stored); `issues` say why."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("; ".join(f"{i.location}: {i.message}" for i in issues))


@dataclass
class Entry:
    """One entry of the bundle: the pieces it maps to, or why it maps to nothing."""

    index: int
    resource_type: str
    pieces: list[Piece] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    patient: PatientRef | None = None  # a Patient entry

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}]"

    @property
    def rejected(self) -> bool:
        return any(i.severity == "error" for i in self.issues)


@dataclass(frozen=True)
class FhirOptions:
    hospital_number_system: str | None = None  # None: any identifier system is taken as the hospital number
    local_codes: dict[str, Target] = field(default_factory=dict)


@dataclass
class ParsedBundle:
    type: str
    entries: list[Entry]

    def pieces(self) -> list[Piece]:
        return [p for e in self.entries for p in e.pieces]


def _models() -> dict[str, Any]:
    # Imported on first use: the R4B models take about a second to import.
    from fhir.resources.R4B.medicationadministration import MedicationAdministration
    from fhir.resources.R4B.observation import Observation
    from fhir.resources.R4B.patient import Patient

    return {"Patient": Patient, "Observation": Observation, "MedicationAdministration": MedicationAdministration}


def parse_bundle(doc: Any, options: FhirOptions) -> ParsedBundle:
    if not isinstance(doc, dict) or doc.get("resourceType") != "Bundle":
        raise BundleError([Issue("error", "structure", "Bundle", "the body must be a FHIR Bundle resource")])
    kind = doc.get("type")
    if kind not in BUNDLE_TYPES:
        message = f"Bundle.type '{kind}' is not taken: send one of {', '.join(BUNDLE_TYPES)}"
        raise BundleError([Issue("error", "not-supported", "Bundle.type", message)])
    raw_entries = doc.get("entry", [])
    if not isinstance(raw_entries, list):
        raise BundleError([Issue("error", "structure", "Bundle.entry", "Bundle.entry must be a list")])
    models = _models()
    entries: list[Entry] = []
    patients: dict[str, PatientRef] = {}
    resources: list[tuple[Entry, Any, dict[str, Any]]] = []
    for index, raw in enumerate(raw_entries):
        entry, resource = _validated(index, raw, models)
        entries.append(entry)
        if resource is None:
            continue
        resources.append((entry, resource, raw))
        if entry.resource_type == "Patient":
            entry.patient = _patient_ref(entry, resource, options)
            if entry.patient is not None:
                for name in _names(raw, resource):
                    patients[name] = entry.patient
    mapper = _Mapper(options, patients)
    for entry, resource, raw in resources:
        if entry.resource_type == "Observation":
            mapper.observation(entry, resource, raw)
        elif entry.resource_type == "MedicationAdministration":
            mapper.administration(entry, resource, raw)
    return ParsedBundle(kind, entries)


def _validated(index: int, raw: Any, models: dict[str, Any]) -> tuple[Entry, Any]:
    path = f"Bundle.entry[{index}]"
    resource = raw.get("resource") if isinstance(raw, dict) else None
    if not isinstance(resource, dict):
        entry = Entry(index, "unknown")
        entry.issues.append(Issue("error", "structure", path, "the entry has no resource"))
        return entry, None
    kind = str(resource.get("resourceType"))
    entry = Entry(index, kind)
    model = models.get(kind)
    if model is None:
        exported = _exported_record(resource)
        if exported is not None:  # a finding, intervention, review or monitoring exception cartwatch exported
            message = f"{kind} {exported} is cartwatch's own export: such records are entered here, not imported"
            entry.issues.append(Issue("information", "informational", f"{path}.resource", message))
            return entry, None
        message = f"{kind} is not imported: cartwatch takes Patient, Observation and MedicationAdministration"
        entry.issues.append(Issue("warning", "not-supported", f"{path}.resource", message))
        return entry, None
    try:
        return entry, model.model_validate(resource)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            where = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
            message = str(error["msg"]).removeprefix("Value error, ")
            entry.issues.append(Issue("error", "structure", f"{path}.resource.{where}".rstrip("."), message))
        return entry, None


def _exported_record(resource: dict[str, Any]) -> str | None:
    """The record ("organ-findings/3") a resource cartwatch exported names, read before any model is chosen."""
    identifiers = resource.get("identifier")
    for identifier in identifiers if isinstance(identifiers, list) else []:
        if isinstance(identifier, dict) and identifier.get("system") == RECORD_SYSTEM and identifier.get("value"):
            return str(identifier["value"])[:80]
    return None


def _names(raw: dict[str, Any], resource: Any) -> list[str]:
    """The references by which other entries may point at this Patient entry."""
    names = []
    if raw.get("fullUrl"):
        names.append(str(raw["fullUrl"]))
        found = re.search(r"(Patient/[^/]+)$", str(raw["fullUrl"]))
        if found:
            names.append(found.group(1))
    if resource.id:
        names.append(f"Patient/{resource.id}")
    return names


def _extension(resource: Any, name: str) -> Any:
    for extension in resource.extension or []:
        if extension.url == f"{EXTENSION}/{name}":
            for attribute in ("valueString", "valueDateTime", "valueDecimal", "valueCode", "valueQuantity"):
                value = getattr(extension, attribute, None)
                if value is not None:
                    return value.value if attribute == "valueQuantity" else value
    return None


def _hospital_number(identifiers: Any, options: FhirOptions) -> tuple[str | None, str | None]:
    """(hospital number, problem) from a list of identifiers."""
    found = [i for i in identifiers or [] if i.value]
    if options.hospital_number_system is not None:
        for identifier in found:
            if identifier.system == options.hospital_number_system:
                return identifier.value, None
        systems = ", ".join(sorted({str(i.system) for i in found})) or "none"
        return None, f"no identifier of the hospital number system {options.hospital_number_system} (got {systems})"
    if found:
        return found[0].value, None
    return None, "no identifier with a value"


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _patient_ref(entry: Entry, patient: Any, options: FhirOptions) -> PatientRef | None:
    where = f"{entry.path}.resource"
    number, problem = _hospital_number(patient.identifier, options)
    if number is None:
        entry.issues.append(Issue("error", "required", f"{where}.identifier", f"the patient has {problem}"))
        return None
    ward, bed = _extension(patient, "ward"), _extension(patient, "bed")
    registration = None
    if ward is not None and bed is not None:
        name = patient.name[0] if patient.name else None
        text = name.text if name is not None and name.text else None
        if text is None and name is not None:
            text = " ".join([*(name.given or []), name.family or ""]).strip() or None
        registration = {
            "hospital_number": number,
            "name": text,
            "date_of_birth": _iso(patient.birthDate),
            "sex": patient.gender,
            "ward": ward,
            "bed": bed,
            "product": _extension(patient, "product"),
            "indication": _extension(patient, "indication"),
            "admitted_at": _iso(_extension(patient, "admitted-at")),
            "infused_at": _iso(_extension(patient, "infused-at")),
            "weight_kg": _number(_extension(patient, "weight-kg")),
            "height_cm": _number(_extension(patient, "height-cm")),
        }
        registration = {k: v for k, v in registration.items() if v is not None}
    return PatientRef(f"hospital number {number}", hospital_number=number, registration=registration, location=where)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, Decimal | int | float) else None


def _exported(resource: Any) -> tuple[str, int] | None:
    """(kind, id) of a record when the resource is one cartwatch exported ("observations/12/temperature_c")."""
    for identifier in resource.identifier or []:
        if identifier.system == RECORD_SYSTEM and identifier.value:
            parts = str(identifier.value).split("/")
            if len(parts) >= 2 and parts[1].isdigit():
                return parts[0], int(parts[1])
    return None


def _key(raw: dict[str, Any], resource: Any) -> str:
    """The sender's identity of a resource: an identifier, else the entry's fullUrl, else its content."""
    for identifier in resource.identifier or []:
        if identifier.value:
            return f"{identifier.system or ''}|{identifier.value}"
    if raw.get("fullUrl"):
        return str(raw["fullUrl"])
    digest = hashlib.sha256(json.dumps(raw.get("resource"), sort_keys=True).encode()).hexdigest()
    return f"{raw['resource'].get('resourceType')}/content/{digest}"


class _Mapper:
    def __init__(self, options: FhirOptions, patients: dict[str, PatientRef]) -> None:
        self.options = options
        self.patients = patients

    def subject(self, entry: Entry, resource: Any) -> PatientRef | None:
        where = f"{entry.path}.resource.subject"
        subject = resource.subject
        if subject is None:
            entry.issues.append(Issue("error", "required", where, "the resource has no subject"))
            return None
        if subject.reference:
            if subject.reference in self.patients:
                return self.patients[subject.reference]
            matched = _PATIENT_ID.match(subject.reference)
            if matched:
                return PatientRef(subject.reference, patient_id=int(matched.group(1)), location=where)
            message = f"'{subject.reference}' is neither Patient/<cartwatch id> nor a Patient entry of this bundle"
            entry.issues.append(Issue("error", "not-found", f"{where}.reference", message))
            return None
        if subject.identifier is not None:
            number, problem = _hospital_number([subject.identifier], self.options)
            if number is None:
                entry.issues.append(Issue("error", "not-found", f"{where}.identifier", f"the subject has {problem}"))
                return None
            return PatientRef(f"hospital number {number}", hospital_number=number, location=where)
        entry.issues.append(Issue("error", "required", where, "the subject has neither a reference nor an identifier"))
        return None

    def when(self, entry: Entry, resource: Any, what: str) -> datetime | None:
        where = f"{entry.path}.resource.effective[x]"
        value = getattr(resource, "effectiveDateTime", None) or getattr(resource, "effectiveInstant", None)
        period = getattr(resource, "effectivePeriod", None)
        if value is None and period is not None:
            value = period.start
        if value is None:
            entry.issues.append(Issue("error", "required", where, f"{what} needs effectiveDateTime"))
            return None
        if not isinstance(value, datetime):
            message = f"{what} needs a date and time with a time zone, not '{_iso(value)}'"
            entry.issues.append(Issue("error", "value", where, message))
            return None
        if value.tzinfo is None:
            entry.issues.append(Issue("error", "value", where, f"{what} time {value.isoformat()} has no time zone"))
            return None
        return value

    # --- Observation ----------------------------------------------------------------------------------------

    def target(self, codeable: Any) -> tuple[Target | None, str | None]:
        """(what a code is stored as, cartwatch's own code) for the first coding cartwatch knows."""
        for coding in (codeable.coding if codeable is not None else None) or []:
            if coding.system == LOINC and coding.code is not None:
                found = loinc_target(coding.code)
                if found is not None:
                    return found, None
            elif coding.system == OWN_CODES and (coding.code in CODED_OBS or coding.code in GRADE_CODES):
                return None, coding.code
            elif coding.code is not None and coding.code in self.options.local_codes:
                return self.options.local_codes[coding.code], None
        return None, None

    def observation(self, entry: Entry, obs: Any, raw: dict[str, Any]) -> None:
        where = f"{entry.path}.resource"
        status = str(obs.status)
        exported = _exported(obs)
        if exported is not None and exported[0] == "neuro-events":  # cartwatch's own neurological event, sent back
            message = (
                f"Observation neuro-events/{exported[1]} is cartwatch's own export: "
                "such records are entered here, not imported"
            )
            entry.issues.append(Issue("information", "informational", where, message))
            return
        target, own = self.target(obs.code)
        panel = any(c.system == LOINC and c.code == BLOOD_PRESSURE_PANEL for c in obs.code.coding or [])
        if own in GRADE_CODES:
            message = "CRS and ICANS grades are computed by cartwatch from assessments, not imported"
            entry.issues.append(Issue("warning", "not-supported", f"{where}.code", message))
            return
        if target is None and own is None and not panel:
            codes = ", ".join(f"{c.system}|{c.code}" for c in obs.code.coding or []) or "no coding"
            message = f"code {codes} is not one cartwatch stores (vital signs and daily bloods by LOINC)"
            entry.issues.append(Issue("warning", "not-supported", f"{where}.code", message))
            return
        if status not in STORED_OBSERVATION and status != "entered-in-error":
            message = f"status '{status}' is not stored: only final, amended and corrected results are"
            entry.issues.append(Issue("warning", "business-rule", f"{where}.status", message))
            return
        patient = self.subject(entry, obs)
        when = self.when(entry, obs, "a vital sign" if target is None or target.vital else "a laboratory result")
        values: dict[str, Any] = {}
        locations: dict[str, str] = {}
        if target is not None and target.analyte is not None:
            kind, time_field = "labs", "collected_at"
            self.lab(entry, obs, target, values, locations)
        else:
            kind, time_field = "observations", "taken_at"
            if own is not None:
                self.coded(entry, obs, own, values, locations)
            else:
                if target is not None and target.vital is not None and obs.valueQuantity is not None:
                    self.vital(entry, target, obs.valueQuantity, f"{where}.valueQuantity", values, locations)
                for index, component in enumerate(obs.component or []):
                    found, _ = self.target(component.code)
                    path = f"{where}.component[{index}]"
                    if found is None or found.vital is None:
                        message = "component code is not a vital sign cartwatch stores"
                        entry.issues.append(Issue("warning", "not-supported", f"{path}.code", message))
                    elif component.valueQuantity is not None:
                        self.vital(entry, found, component.valueQuantity, f"{path}.valueQuantity", values, locations)
                if not values and not entry.rejected:
                    message = "the observation has no valueQuantity cartwatch can store"
                    entry.issues.append(Issue("error", "required", f"{where}.value[x]", message))
        if patient is None or when is None or entry.rejected:
            return
        values[time_field] = when.isoformat()
        locations[time_field] = f"{where}.effective[x]"
        entry.pieces.append(
            Piece(
                ref=entry.path,
                patient=patient,
                kind=kind,
                values=values,
                time_field=time_field,
                key=_key(raw, obs),
                correction=STORED_OBSERVATION.get(status, False),
                entered_in_error=status == "entered-in-error",
                group=when.isoformat() if kind == "observations" else None,
                locations=locations,
                exported=_exported(obs),
            )
        )

    def vital(
        self, entry: Entry, target: Target, quantity: Any, where: str, values: dict[str, Any], locations: dict[str, str]
    ) -> None:
        vital = target.vital
        assert vital is not None
        unit = _unit(quantity)
        if quantity.value is None or unit is None:
            message = f"{vital.field} needs a value and a UCUM unit (such as {vital.unit})"
            entry.issues.append(Issue("error", "required", where, message))
            return
        try:
            value = convert_unit(float(quantity.value), unit, vital.unit)
        except UnitError as exc:
            entry.issues.append(Issue("error", "value", f"{where}.unit", f"{vital.field}: {exc}"))
            return
        values[vital.field] = round(value) if vital.whole else round(value, 2)
        locations[vital.field] = where

    def coded(self, entry: Entry, obs: Any, own: str, values: dict[str, Any], locations: dict[str, str]) -> None:
        name = CODED_OBS[own]
        where = f"{entry.path}.resource.valueCodeableConcept"
        codeable = obs.valueCodeableConcept
        code = next((c.code for c in (codeable.coding or []) if c.code), None) if codeable else None
        if code is None:
            entry.issues.append(Issue("error", "required", where, f"{own} needs a coded value"))
            return
        values[name] = [code] if name == "vasopressors" else code
        locations[name] = where

    def lab(self, entry: Entry, obs: Any, target: Target, values: dict[str, Any], locations: dict[str, str]) -> None:
        where = f"{entry.path}.resource"
        assert target.analyte is not None
        analyte = ANALYTES[target.analyte]
        quantity = obs.valueQuantity
        unit = _unit(quantity) if quantity is not None else None
        if quantity is None or quantity.value is None or unit is None:
            message = f"{analyte.name} needs valueQuantity with a value and a UCUM unit (such as {analyte.unit})"
            entry.issues.append(Issue("error", "required", f"{where}.valueQuantity", message))
            return
        value = float(quantity.value)
        molar_mass = analyte.molar_mass_for(target.code)
        if molar_mass != analyte.molar_mass:  # urea nitrogen: converted here, as LabIn converts urea itself
            try:
                value, unit = convert(analyte, value, unit, code=target.code), analyte.unit
            except UnknownUnit as exc:
                entry.issues.append(Issue("error", "value", f"{where}.valueQuantity.unit", str(exc)))
                return
        values |= {"analyte": analyte.name, "value": value, "unit": to_ucum(unit)}
        locations |= {name: f"{where}.valueQuantity" for name in ("analyte", "value", "unit")}
        if obs.issued is not None:
            values["reported_at"] = obs.issued.isoformat()
            locations["reported_at"] = f"{where}.issued"
        for index, reference in enumerate((obs.referenceRange or [])[:1]):
            for end in ("low", "high"):
                bound = getattr(reference, end)
                if bound is None or bound.value is None:
                    continue
                path = f"{where}.referenceRange[{index}].{end}"
                try:
                    converted = convert_unit(float(bound.value), _unit(bound) or unit, to_ucum(unit), molar_mass)
                except UnitError as exc:
                    entry.issues.append(Issue("error", "value", path, f"reference range: {exc}"))
                    continue
                values[f"reference_{end}"] = converted
                locations[f"reference_{end}"] = path

    # --- MedicationAdministration -----------------------------------------------------------------------------

    def administration(self, entry: Entry, given: Any, raw: dict[str, Any]) -> None:
        where = f"{entry.path}.resource"
        status = str(given.status)
        if status not in STORED_ADMINISTRATION and status != "entered-in-error":
            message = f"status '{status}' is not stored: only completed and in-progress administrations are"
            entry.issues.append(Issue("warning", "business-rule", f"{where}.status", message))
            return
        patient = self.subject(entry, given)
        when = self.when(entry, given, "an administration")
        drug = _drug(given.medicationCodeableConcept)
        if drug is None:
            message = "medicationCodeableConcept names no drug cartwatch knows: " + ", ".join(sorted(DRUGS))
            entry.issues.append(Issue("error", "value", f"{where}.medicationCodeableConcept", message))
        dosage = given.dosage
        dose = dosage.dose if dosage is not None else None
        dose_unit = DOSE_UNITS.get(str(_unit(dose) or "").lower()) if dose is not None else None
        if dose is None or dose.value is None or dose_unit is None:
            message = "dosage.dose needs a value and a unit of mg, g, ug or mL"
            entry.issues.append(Issue("error", "required", f"{where}.dosage.dose", message))
        route = _route(dosage.route if dosage is not None else None)
        if route is None:
            message = "dosage.route needs an SNOMED CT route (IV, oral, SC, IM, intrathecal, nasogastric) or its text"
            entry.issues.append(Issue("error", "required", f"{where}.dosage.route", message))
        if patient is None or when is None or entry.rejected:
            return
        assert dose is not None and drug is not None
        values = {"given_at": when.isoformat(), "drug": drug, "dose": float(dose.value), "unit": dose_unit}
        values["route"] = route
        entry.pieces.append(
            Piece(
                ref=entry.path,
                patient=patient,
                kind="medications",
                values=values,
                time_field="given_at",
                key=_key(raw, given),
                entered_in_error=status == "entered-in-error",
                exported=_exported(given),
                locations={"dose": f"{where}.dosage.dose", "drug": f"{where}.medicationCodeableConcept"},
            )
        )


def _unit(quantity: Any) -> str | None:
    if quantity is None:
        return None
    if quantity.system == UCUM and quantity.code:
        return str(quantity.code)
    return str(quantity.unit) if quantity.unit else (str(quantity.code) if quantity.code else None)


def _drug(codeable: Any) -> str | None:
    if codeable is None:
        return None
    names = [c.code for c in codeable.coding or [] if c.system == OWN_DRUGS]
    names += [c.display for c in codeable.coding or []] + [codeable.text]
    for name in names:
        if name and name.strip().lower() in DRUGS:
            return str(name).strip().lower()
    return None


def _route(codeable: Any) -> str | None:
    if codeable is None:
        return None
    for candidate in [*(c.code for c in codeable.coding or []), *(c.display for c in codeable.coding or [])]:
        if candidate and candidate.strip().lower() in ROUTES:
            return ROUTES[candidate.strip().lower()]
    if codeable.text and codeable.text.strip().lower() in ROUTES:
        return str(ROUTES[codeable.text.strip().lower()])
    return None
