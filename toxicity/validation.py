"""Input checks shared by the rules. Each names the field and the allowed range; nothing is clamped.

Booleans are rejected where numbers are expected (``True`` is an ``int`` in Python, never a score), and
text is rejected where numbers are expected (``"1"`` is not 1).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime

from toxicity.errors import InvalidAssessment


def show(value: object) -> str:
    """A number as the rules print it: floats keep their decimals (38.0 stays 38.0)."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _kind(value: object) -> str:
    if value is None:
        return "missing (None)"
    if isinstance(value, bool):
        return f"a boolean ({value!r})"
    if isinstance(value, str):
        return f"text ({value!r})"
    return f"{type(value).__name__} {value!r}"


def require_int(field: str, value: object, low: int, high: int) -> int:
    """An integer in ``low..high`` inclusive: 0.5, 1.0, None, "1" and True are all rejected."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAssessment(f"{field}: {_kind(value)} is not an integer; allowed {low}-{high}")
    if not low <= value <= high:
        raise InvalidAssessment(f"{field}: {value} is outside {low}-{high}")
    return value


def require_optional_int(field: str, value: object, low: int, high: int) -> int | None:
    return None if value is None else require_int(field, value, low, high)


def require_number(field: str, value: object, low: float, high: float, unit: str) -> float:
    """A finite real number in ``low..high`` inclusive (``high`` may be infinite: no upper limit)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidAssessment(f"{field}: {_kind(value)} is not a number; allowed {_range(low, high, unit)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf if value > 0 else -math.inf
    if not math.isfinite(number):
        raise InvalidAssessment(f"{field}: {value!r} is not a finite number; allowed {_range(low, high, unit)}")
    if not low <= number <= high:
        raise InvalidAssessment(f"{field}: {show(value)} is outside {_range(low, high, unit)}")
    return number


def _range(low: float, high: float, unit: str) -> str:
    suffix = f" {unit}" if unit else ""
    if math.isinf(high):
        return f">= {show(low)}{suffix}"
    return f"{show(low)}-{show(high)}{suffix}"


def require_bool(field: str, value: object) -> bool:
    """Exactly True or False: 0, 1, "yes" and None are rejected."""
    if not isinstance(value, bool):
        raise InvalidAssessment(f"{field}: {_kind(value)} is not a boolean; allowed True or False")
    return value


def require_choice(field: str, value: object, allowed: Iterable[str]) -> str:
    """One of the allowed strings (a StrEnum member counts as its string)."""
    options = tuple(allowed)
    if not isinstance(value, str) or value not in options:
        raise InvalidAssessment(f"{field}: {_kind(value)} is not allowed; allowed: {', '.join(options)}")
    return str(value)


def require_items(field: str, value: object, expected: str) -> list[object]:
    """The items of a list, tuple, set or other iterable; text, mappings and non-iterables are rejected.

    ``expected`` says what the items should be, e.g. "(datetime, grade) pairs"."""
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        raise InvalidAssessment(f"{field}: expected a list of {expected}, got {_kind(value)}")
    return list(value)


def require_date(field: str, value: object) -> date:
    """A calendar date (a datetime is rejected: it would carry a time the caller did not mean)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidAssessment(f"{field}: {_kind(value)} is not a date")
    return value


def require_aware(field: str, value: object) -> datetime:
    """A timezone-aware datetime; naive datetimes are ambiguous and rejected."""
    if not isinstance(value, datetime):
        raise InvalidAssessment(f"{field}: {_kind(value)} is not a datetime; a timezone-aware datetime is needed")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidAssessment(f"{field}: {value.isoformat()} is naive; a timezone-aware datetime is needed")
    return value


def require_optional_aware(field: str, value: object) -> datetime | None:
    return None if value is None else require_aware(field, value)
