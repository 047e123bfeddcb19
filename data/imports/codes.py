"""The codes feeds send and what cartwatch stores them as: LOINC for vital signs and laboratory analytes, a
configurable table of a laboratory's local codes, and cartwatch's own code systems for what LOINC lacks."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from data.catalogue import ANALYTE_BY_LOINC, ANALYTES
from toxicity import EXCEPTION_ITEM_LABELS

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

# cartwatch's own systems (the .example domain is reserved: these name, they do not resolve).
CARTWATCH = "https://cartwatch.example/fhir"
OWN_CODES = f"{CARTWATCH}/CodeSystem/cartwatch"  # consciousness, oxygen-device, vasopressor, grades, clinical-review
OWN_DRUGS = f"{CARTWATCH}/CodeSystem/drug"
OWN_VALUES = f"{CARTWATCH}/CodeSystem/value"  # the value of a coded observation (a device, a level)
RECORD_SYSTEM = f"{CARTWATCH}/record"  # identifiers of exported records: "observations/12/temperature_c"
DEFAULT_HOSPITAL_NUMBER_SYSTEM = f"{CARTWATCH}/NamingSystem/hospital-number"
EXTENSION = f"{CARTWATCH}/StructureDefinition"
PATIENT_EXTENSIONS = ("ward", "bed", "product", "indication", "admitted-at", "infused-at", "weight-kg", "height-cm")


@dataclass(frozen=True)
class Vital:
    """A vital sign: the obs field it fills, its UCUM unit, and whether it is a whole number."""

    field: str
    unit: str
    whole: bool


VITALS: dict[str, Vital] = {
    "8310-5": Vital("temperature_c", "Cel", whole=False),
    "8867-4": Vital("heart_rate", "/min", whole=True),
    "9279-1": Vital("respiratory_rate", "/min", whole=True),
    "8480-6": Vital("systolic_bp", "mm[Hg]", whole=True),
    "8462-4": Vital("diastolic_bp", "mm[Hg]", whole=True),
    "59408-5": Vital("spo2", "%", whole=True),
    "2708-6": Vital("spo2", "%", whole=True),
    "3151-8": Vital("oxygen_flow_l_min", "L/min", whole=False),
    "3150-0": Vital("fio2", "1", whole=False),
}
BLOOD_PRESSURE_PANEL = "85354-9"
VITAL_LOINC: dict[str, str] = {"temperature_c": "8310-5", "heart_rate": "8867-4", "respiratory_rate": "9279-1"}
VITAL_LOINC |= {"systolic_bp": "8480-6", "diastolic_bp": "8462-4", "spo2": "59408-5"}
VITAL_LOINC |= {"oxygen_flow_l_min": "3151-8", "fio2": "3150-0"}
VITAL_DISPLAY = {
    "8310-5": "Body temperature",
    "8867-4": "Heart rate",
    "9279-1": "Respiratory rate",
    "8480-6": "Systolic blood pressure",
    "8462-4": "Diastolic blood pressure",
    "59408-5": "Oxygen saturation in Arterial blood by Pulse oximetry",
    "3151-8": "Inhaled oxygen flow rate",
    "3150-0": "Inhaled oxygen concentration",
    BLOOD_PRESSURE_PANEL: "Blood pressure panel with all children optional",
}

# cartwatch's own observation codes, for obs fields with no LOINC code the feeds use.
CODED_OBS = {"consciousness": "consciousness", "oxygen-device": "oxygen_device", "vasopressor": "vasopressors"}
GRADE_CODES = {"crs-grade": "CRS grade (ASTCT 2019)", "icans-grade": "ICANS grade (ASTCT 2019)"}

# Organ findings (HLH/MAS screen) as Condition, their CTCAE grade as Condition.severity in NCI Thesaurus codes
# (the CTCAE grade concepts HL7's terminology uses for adverse event grades), routine interventions as Procedure,
# the daily clinical review as ClinicalImpression.
NCI_THESAURUS = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
CTCAE_GRADES = {
    1: ("C41338", "Grade 1 Mild Adverse Event"),
    2: ("C41339", "Grade 2 Moderate Adverse Event"),
    3: ("C41340", "Grade 3 Severe Adverse Event"),
    4: ("C41337", "Grade 4 Life Threatening or Disabling Adverse Event"),
}
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
OWN_FINDINGS = f"{CARTWATCH}/CodeSystem/organ-finding"
FINDING_DISPLAY = {
    "pulmonary_oedema": "Pulmonary oedema",
    "oliguria": "Oliguria",
    "haemophagocytosis": "Haemophagocytosis on histopathology",
}
OWN_INTERVENTIONS = f"{CARTWATCH}/CodeSystem/routine-intervention"
REVIEW_CODE = ("clinical-review", "Daily clinical assessment and examination")

# Neurological events as exam Observations (a finding seen at one moment), the event in cartwatch's code system
# (the vocabulary of toxicity.NEURO_EVENTS) and the ICANS grade its domain alone gives as a component.
OWN_NEURO_EVENTS = f"{CARTWATCH}/CodeSystem/neuro-event"
NEURO_EVENT_KINDS = {
    "seizure": "Seizure",
    "status_epilepticus": "Status epilepticus",
    "motor_weakness": "New deep focal motor weakness",
    "raised_icp": "New raised-ICP finding",
}
ICANS_DOMAIN_GRADE = ("icans-domain-grade", "ICANS grade of this domain alone (ASTCT 2019)")

# Monitoring exceptions as Flags (a warning to whoever reads the record, for the period it holds), the reason in
# cartwatch's code system, each item not due as an extension.
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
OWN_EXCEPTION_REASONS = f"{CARTWATCH}/CodeSystem/monitoring-exception-reason"
OWN_MONITORING_ITEMS = f"{CARTWATCH}/CodeSystem/monitoring-item"
MONITORING_ITEM_DISPLAY = EXCEPTION_ITEM_LABELS

# Routes of administration: SNOMED CT and HL7 v2 table 0162 codes.
ROUTES = {
    "47625008": "IV",
    "26643006": "PO",
    "34206005": "SC",
    "78421000": "IM",
    "72607000": "IT",
    "127492001": "NG",
    "iv": "IV",
    "po": "PO",
    "sc": "SC",
    "im": "IM",
    "it": "IT",
    "ng": "NG",
    "oral": "PO",
    "intravenous": "IV",
    "subcutaneous": "SC",
    "intramuscular": "IM",
    "intrathecal": "IT",
    "nasogastric": "NG",
}
ROUTE_SNOMED = {v: k for k, v in ROUTES.items() if k.isdigit()}
DOSE_UNITS = {"mg": "mg", "g": "g", "ug": "microgram", "mcg": "microgram", "microgram": "microgram", "ml": "mL"}


@dataclass(frozen=True)
class Target:
    """What a code is stored as: a vital sign (obs field) or a laboratory analyte."""

    vital: Vital | None = None
    analyte: str | None = None
    code: str | None = None  # the LOINC code it came under (urea nitrogen converts differently from urea)


def loinc_target(code: str) -> Target | None:
    if code in VITALS:
        return Target(vital=VITALS[code], code=code)
    analyte = ANALYTE_BY_LOINC.get(code)
    return Target(analyte=analyte.name, code=code) if analyte is not None else None


class CodeTableError(ValueError):
    pass


def load_local_codes(path: str | None) -> dict[str, Target]:
    """A laboratory's own codes: a CSV file with columns `code` and `loinc` (the LOINC code it means).

    Read by the entry points (the HL7 listener, the FHIR endpoint) from CARTWATCH_LOCAL_CODES."""
    if not path:
        return {}
    table: dict[str, Target] = {}
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"code", "loinc"} <= set(reader.fieldnames):
            raise CodeTableError(f"{path}: needs the columns code and loinc")
        for line, row in enumerate(reader, start=2):
            target = loinc_target((row["loinc"] or "").strip())
            if target is None:
                raise CodeTableError(f"{path} line {line}: loinc '{row['loinc']}' is not a code cartwatch stores")
            table[(row["code"] or "").strip()] = target
    return table


def known_codes() -> list[str]:
    return sorted({*VITALS, BLOOD_PRESSURE_PANEL, *(c for a in ANALYTES.values() for c in a.all_codes())})
