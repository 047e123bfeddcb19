"""Validation building blocks shared by the API and the dashboard's forms.

Every rejection names the field, the value it got and what is allowed; nothing is clamped or guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError

FUTURE_TOLERANCE = timedelta(minutes=5)
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class FieldError:
    field: str
    value: Any
    allowed: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        if not isinstance(value, (str, int, float, bool, type(None), list, dict)):
            value = str(value)
        return {"field": self.field, "value": value, "allowed": self.allowed, "message": self.message}


class InvalidInput(ValueError):
    """Raised with every bad field at once; the API answers it with 422."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    def as_dict(self) -> dict[str, Any]:
        return {"detail": "validation failed", "errors": [e.as_dict() for e in self.errors]}


@dataclass(frozen=True)
class Allowed:
    """Metadata carried by a field so that any error about it can say what is allowed."""

    text: str


def _range_text(low: float, high: float, unit: str) -> str:
    return f"{low:g}-{high:g}{' ' + unit if unit else ''}"


def bounded(low: float, high: float, unit: str = "", *, integer: bool = False, hint: Any = None) -> Any:
    """A strict number in [low, high]; `hint(value)` may add advice such as 'looks like Fahrenheit'."""
    allowed = _range_text(low, high, unit)

    def check(value: float) -> float:
        if not low <= value <= high:
            extra = hint(value) if hint else None
            raise PydanticCustomError(
                "out_of_range",
                "{value} is outside {allowed}{extra}",
                {"value": value, "allowed": allowed, "extra": f" ({extra})" if extra else ""},
            )
        return value

    base: Any = int if integer else float
    return Annotated[base, Field(strict=True), AfterValidator(check), Allowed(allowed)]


def one_of(choices: Iterable[str], what: str = "value") -> Any:
    options = tuple(choices)
    allowed = "one of " + ", ".join(options)

    def check(value: str) -> str:
        if value not in options:
            raise PydanticCustomError("unknown_choice", "unknown {what} '{value}'", {"what": what, "value": value})
        return value

    return Annotated[str, Field(strict=True), AfterValidator(check), Allowed(allowed)]


def _not_in_future(value: datetime, info: ValidationInfo) -> datetime:
    now = (info.context or {}).get("now")
    if now is not None and value > now + FUTURE_TOLERANCE:
        raise PydanticCustomError(
            "future_time",
            "{value} is more than 5 minutes in the future (now {now})",
            {"value": value.isoformat(), "now": now.isoformat()},
        )
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("naive_time", "timestamp has no time zone", {})
    return value


TIMESTAMP_ALLOWED = "ISO 8601 with a time zone, not more than 5 minutes in the future"
PlannedTimestamp = Annotated[datetime, AfterValidator(_aware), Allowed("ISO 8601 with a time zone")]
Timestamp = Annotated[datetime, AfterValidator(_aware), AfterValidator(_not_in_future), Allowed(TIMESTAMP_ALLOWED)]


class StrictModel(BaseModel):
    """Unknown fields are rejected: a misspelt field must not vanish silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _allowed_for(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    current: Any = model
    allowed = ""
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            break
        info = current.model_fields[part]
        allowed = next((m.text for m in info.metadata if isinstance(m, Allowed)), "")
        annotation = info.annotation
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                current = candidate
                break
        else:
            current = None
    return allowed


_TYPE_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "datetime_from_date_parsing": "is not an ISO 8601 timestamp",
    "datetime_parsing": "is not an ISO 8601 timestamp",
    "datetime_type": "is not an ISO 8601 timestamp",
}


def errors_from(exc: ValidationError, model: type[BaseModel]) -> list[FieldError]:
    found = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        # pydantic adds the union member's type to the location; the user knows the field only.
        loc = tuple(p for p in loc if p not in ("float", "int", "str", "bool", "constrained-str"))
        field = ".".join(str(p) for p in loc) or "body"
        allowed = _allowed_for(model, loc)
        if not allowed and err["type"] == "extra_forbidden":
            allowed = "fields: " + ", ".join(model.model_fields)
        message = _TYPE_MESSAGES.get(err["type"], err["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        found.append(FieldError(field, err.get("input"), allowed, message))
    return found


def parse(model: type[M], data: Any, now: datetime) -> M:
    """Validate `data` against `model`, raising InvalidInput that lists every bad field."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("body", data, "a JSON object", "the request body must be a JSON object")])
    try:
        return model.model_validate(data, context={"now": now})
    except ValidationError as exc:
        raise InvalidInput(errors_from(exc, model)) from None
