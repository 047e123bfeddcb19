"""What the validator accepts, shown on the form before anything is sent: a number field's range and unit (taken
from `data.schemas` itself, so the hint cannot drift from the check) and a lab value's units."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel

from data.catalogue import ANALYTES
from data.schemas import RECORD_SCHEMAS
from data.validation import Range


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


def unit_options(analyte: str | None) -> list[str]:
    """The units a lab value may be entered in, the stored (canonical) unit first."""
    if analyte is None or analyte not in ANALYTES:
        return []
    found = ANALYTES[analyte]
    return [found.unit, *[u for u in found.accepted_units() if u != found.unit]]
