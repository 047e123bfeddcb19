"""The FHIR datatypes every exported resource is built from: instants, Quantities in UCUM, CodeableConcepts in
LOINC or cartwatch's own code systems, the identifier naming the record a resource came from, who recorded it
and the notes beside it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from data.imports.codes import LOINC, OBSERVATION_CATEGORY, OWN_CODES, RECORD_SYSTEM, UCUM


def _at(value: datetime) -> str:
    return value.isoformat()


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code}]}]


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _loinc(code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": LOINC, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding], "text": display or code}


def _own(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": OWN_CODES, "code": code, "display": display}], "text": display}


def _record_id(kind: str, row_id: int, part: str | None = None) -> list[dict[str, Any]]:
    value = f"{kind}/{row_id}" + (f"/{part}" if part else "")
    return [{"system": RECORD_SYSTEM, "value": value}]


def _coded(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _by(row: Any) -> dict[str, str]:
    """Who recorded a row: cartwatch knows a user name, not a Practitioner resource."""
    return {"display": row.recorded_by}


def _notes(*texts: str | None) -> list[dict[str, str]]:
    return [{"text": text} for text in texts if text]
