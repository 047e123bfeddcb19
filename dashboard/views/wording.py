"""Validation messages in the ward's words: field names as the forms label them, no validator phrases, times on
the ward clock.

The request models (`data.schemas`) speak to API clients ("reason: String should have at least 3 characters",
"2026-11-28T07:24:00.123456+00:00 is more than 5 minutes in the future"); a nurse reads "Reason: needs at least
3 characters" and "Sat 28 Nov 07:24 is more than 5 minutes in the future".
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache

from dashboard.views.timefmt import stamp

EXTRA_WORDS = {
    "reason": "Reason",
    "record_id": "Record",
    "changes": "Changes",
    "entered_in_error": "Entered in error",
    "minutes": "Snooze minutes",
    "ice_score": "ICE",
    "ice": "ICE",
    "vital signs": "Vital signs",
    "patient_id": "Patient",
    "original_value": "Value",
    "original_unit": "Unit",
}
PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"String should have at least (\d+) characters?", r"needs at least \1 characters"),
        (r"String should have at most (\d+) characters?", r"is longer than \1 characters"),
        (r"Input should be a valid (?:number|integer)[^;]*", "must be a number"),
        (r"Input should be a valid boolean[^;]*", "must be yes or no"),
        (r"Input should be a valid (?:string|list|dictionary)[^;]*", "was not filled in as the form asks"),
        (r"Input should be ", "must be "),
        (r"Value error, ", ""),
        (r"^is required$", "not entered"),
        (r"is not an ISO 8601 timestamp", "is not a date and time"),
        (r"ISO 8601 with a time zone, not more than 5 minutes in the future", "a date and time not in the future"),
        (r"ISO 8601 with a time zone", "a date and time"),
        (r"is not a known field", "cannot be changed here"),
    )
)
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+\b")


@cache
def _labels() -> dict[str, str]:
    from dashboard.views.forms import KINDS, form_fields  # forms words its errors with this module

    found: dict[str, str] = {}
    for kind in KINDS:
        for tool in ("ICE", "CAPD"):
            for field in form_fields(kind, tool):
                found.setdefault(field.name, field.label)
    return {**found, **EXTRA_WORDS}


def field_words(name: str) -> str:
    """ "temperature_c" -> "Temperature", "override.reason" -> "Override reason"; an unknown name in words."""
    labels = _labels()
    if name in labels:
        return labels[name]
    head = name.rpartition(".")[0]
    if head in labels:
        return f"{labels[head]}: {name.rpartition('.')[2].replace('_', ' ')}"
    return name.replace("_", " ").replace(".", " ").capitalize()


def _time_words(match: re.Match[str], tz: str) -> str:
    try:
        when = datetime.fromisoformat(match.group(0).replace("Z", "+00:00"))
    except ValueError:
        return match.group(0)
    return stamp(when, tz)


def plain(text: str, tz: str) -> str:
    """A validator's message (or allowed range) in the ward's words."""
    text = TIMESTAMP.sub(lambda m: _time_words(m, tz), text)
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    labels = _labels()
    return SNAKE.sub(lambda m: labels[m.group(0)] if m.group(0) in labels else m.group(0), text)
