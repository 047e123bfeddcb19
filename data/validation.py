"""Validation building blocks shared by the API and the dashboard's forms.

Every rejection names the field, the value it got and what is allowed; nothing is clamped or guessed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar, cast, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

FUTURE_TOLERANCE = timedelta(minutes=5)
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class FieldError:
    field: str
    value: Any
    allowed: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field[:ECHO_LIMIT],
            "value": echo(self.value),
            "allowed": self.allowed,
            "message": _shorten(self.message, 4 * ECHO_LIMIT),
        }


ECHO_LIMIT = 100
"""A rejected value is echoed back to at most this many characters (a client sending a megabyte gets a prefix)."""


def _shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def echo(value: Any) -> Any:
    """A rejected value as it may be sent back: small values as they are, anything long as a short prefix."""
    if isinstance(value, bool | int | float | type(None)):
        return value if not isinstance(value, int) or abs(value) < 10**18 else _shorten(str(value), 20)
    if isinstance(value, str):
        return _shorten(value)
    if isinstance(value, list | dict):
        text = json.dumps(value, default=str)
        return value if len(text) <= ECHO_LIMIT else _shorten(text)
    return _shorten(str(value))


class InvalidInput(ValueError):
    """Raised with every bad field at once; the API answers it with 422."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    def as_dict(self) -> dict[str, Any]:
        return {"detail": "validation failed", "errors": [e.as_dict() for e in self.errors]}


class Describes:
    """Metadata on a field that can say what the field allows."""

    @property
    def text(self) -> str:
        raise NotImplementedError


def invalid(field: str, value: Any, allowed: str, message: str) -> InvalidInput:
    """An InvalidInput for one field."""
    return InvalidInput([FieldError(field, value, allowed, message)])


@dataclass(frozen=True)
class Allowed(Describes):
    """Plain metadata so that any error about a field can say what is allowed."""

    allowed: str

    @property
    def text(self) -> str:
        return self.allowed


def _whole(value: Any) -> Any:
    """JSON (and so JSON Schema's "integer") does not tell 91 from 91.0: a whole float is that integer. A
    fraction, a string or a boolean is still refused by the strict integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class Range(Describes):
    """A strict number in [low, high]; `hint(value)` may add advice such as 'looks like Fahrenheit'."""

    low: float
    high: float
    unit: str = ""
    hint: Callable[[float], str | None] | None = None

    @property
    def text(self) -> str:
        return f"{self.low:g}-{self.high:g}{' ' + self.unit if self.unit else ''}"

    def _check(self, value: float) -> float:
        if not self.low <= value <= self.high:
            extra = self.hint(value) if self.hint else None
            raise PydanticCustomError(
                "out_of_range",
                "{value} is outside {allowed}{extra}",
                {"value": value, "allowed": self.text, "extra": f" ({extra})" if extra else ""},
            )
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = cast(CoreSchema, {**handler(source), "strict": True})
        checked = core_schema.no_info_after_validator_function(self._check, schema)
        return core_schema.no_info_before_validator_function(_whole, checked) if source is int else checked

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """The OpenAPI document states the range the server enforces."""
        found = handler(schema)
        found.update(minimum=self.low, maximum=self.high)
        return found


@dataclass(frozen=True)
class OneOf(Describes):
    """A string from a fixed list (an enumeration of CLINICAL-NOTES, a drug, an analyte)."""

    choices: tuple[str, ...]
    what: str = "value"

    @property
    def text(self) -> str:
        return "one of " + ", ".join(self.choices)

    def _check(self, value: str) -> str:
        if value not in self.choices:
            raise PydanticCustomError("unknown_choice", "unknown {what} '{value}'", {"what": self.what, "value": value})
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = cast(CoreSchema, {**handler(source), "strict": True})
        return core_schema.no_info_after_validator_function(self._check, schema)

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        found = handler(schema)
        found["enum"] = list(self.choices)
        return found


def _not_in_future(value: datetime, info: ValidationInfo) -> datetime:
    now = (info.context or {}).get("now")
    if now is not None and value > now + FUTURE_TOLERANCE:
        raise PydanticCustomError(
            "future_time",
            "{value} is more than 5 minutes in the future (now {now})",
            {"value": value.isoformat(), "now": now.isoformat()},
        )
    return value


EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
"""No clinical time of this system is older (CAR-T products were first licensed in 2017): an older one is a typo
or a placeholder such as 0001-01-01, and is refused rather than stored."""
PRE_ADMISSION_ALLOWANCE = timedelta(days=7)
"""Default of how long before admission a clinical time may lie (results taken before the patient came in)."""


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("naive_time", "timestamp has no time zone", {})
    if value < EARLIEST_TIME:
        raise PydanticCustomError(
            "ancient_time", "{value} is before {earliest}", {"value": value.isoformat(), "earliest": "2000-01-01"}
        )
    return value


TIMESTAMP_ALLOWED = "ISO 8601 with a time zone, from 2000-01-01 to not more than 5 minutes in the future"
PlannedTimestamp = Annotated[datetime, AfterValidator(_aware), Allowed("ISO 8601 with a time zone, from 2000-01-01")]
Timestamp = Annotated[datetime, AfterValidator(_aware), AfterValidator(_not_in_future), Allowed(TIMESTAMP_ALLOWED)]


# Text never holds a NUL character: PostgreSQL cannot store one, and no clinical text needs it.
NO_NUL = r"^[^\x00]*$"


class StrictModel(BaseModel):
    """Unknown fields are rejected: a misspelt field must not vanish silently. Text with a NUL character is refused
    by name on every database (the same rule as `NO_NUL` in the OpenAPI document)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul_character", "text may not contain a NUL (\\x00) character", {})
        return value


class TextJsonSchema(GenerateJsonSchema):
    """The request models' JSON Schema with `StrictModel`'s text rule: a string without a pattern gets `NO_NUL`."""

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        json_schema = super().str_schema(schema)
        json_schema.setdefault("pattern", NO_NUL)
        return json_schema


def _walk(annotation: Any) -> Iterable[Any]:
    """The annotation and everything nested in it (Optional, Annotated, list[...])."""
    yield annotation
    yield from getattr(annotation, "__metadata__", ())
    for arg in get_args(annotation):
        yield from _walk(arg)


def _allowed_for(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    current: Any = model
    allowed = ""
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            continue  # list indexes and the like: keep what the enclosing field allows
        info = current.model_fields[part]
        nested = list(_walk(info.annotation)) + list(info.metadata)
        allowed = next((m.text for m in nested if isinstance(m, Describes)), "")
        current = next((t for t in nested if isinstance(t, type) and issubclass(t, BaseModel)), None)
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
        ctx = err.get("ctx") or {}
        cross_field = not loc
        if cross_field and "field" in ctx:  # a rule across fields names the field it blames
            loc = (str(ctx["field"]),)
        field = ".".join(str(p) for p in loc) or "body"
        allowed = str(ctx["allowed"]) if cross_field and "allowed" in ctx else _allowed_for(model, loc)
        if not allowed and err["type"] == "extra_forbidden":
            allowed = "fields: " + ", ".join(model.model_fields)
        message = _TYPE_MESSAGES.get(err["type"], err["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        value = err.get("input")
        if cross_field and isinstance(value, dict) and field in value:
            value = value[field]  # the blamed field's value, not the whole body the rule read
        found.append(FieldError(field, value, allowed, message))
    return found


def parse(model: type[M], data: Any, now: datetime) -> M:
    """Validate `data` against `model`, raising InvalidInput that lists every bad field."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("body", data, "a JSON object", "the request body must be a JSON object")])
    try:
        return model.model_validate(data, context={"now": now})
    except ValidationError as exc:
        raise InvalidInput(errors_from(exc, model)) from None
