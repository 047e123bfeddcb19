"""Findings the nurse has not answered, in the ward's words.

The request models (`data.schemas`) say "is required" for a finding that was not stated; the form shows, next to
the field, what is missing and how to answer it ("Hypotension not answered: choose yes or no."). A missing answer
is never taken as "no": nothing is saved until every finding is stated.
"""

from __future__ import annotations

from typing import Any

from dashboard.views.errors import line
from dashboard.views.forms import ICE_NONE_AND_ITEM, NO_ICE_ITEM, NO_ICP_FINDING, Field, form_fields
from data.validation import FieldError, InvalidInput

MISSING = "is required"
NO_VITAL_SIGN = (
    "No vital sign entered: record at least one of temperature, heart rate, respiratory rate, blood pressure, "
    "SpO₂ or consciousness."
)
# The grading's "ice_score: missing ..." / "capd_score: missing ..." (a score is needed to grade), by tool.
SCORES = {
    "ice_score": (
        ("ICE",),
        (
            "ice",
            "ICE not answered: tick each item the patient got right, or None right (ICE 0/10); "
            "if the patient cannot be assessed, tick Unable to perform.",
        ),
    ),
    "capd_score": (
        ("CAPD",),
        ("capd_score", "CAPD total not entered (0-32); if the child cannot be assessed, tick Unable to perform."),
    ),
}
ICP_NONE_AND_FINDING = "Raised ICP findings: none of these is ticked together with a finding; untick one."


def _fields(kind: str, tool: str) -> dict[str, Field]:
    return {f.name: f for f in form_fields(kind, tool)}


def in_words(kind: str, tool: str, item: FieldError) -> FieldError | None:
    """The error in the ward's words when it is a finding left unanswered (or an obs set with no vital sign);
    None when the schema's own message already says it."""
    found = _fields(kind, tool).get(item.field)
    if found is not None and found.unanswered and item.message == MISSING:
        return FieldError(item.field, None, "", found.unanswered)
    if kind == "observations" and item.field == "vital signs":
        return FieldError("", None, "", NO_VITAL_SIGN)  # no field of its own: said above the Save button
    if item.field in SCORES and tool in SCORES[item.field][0]:
        field, message = SCORES[item.field][1]
        return FieldError(field, None, "", message)
    return None


def clinical(kind: str, tool: str, error: InvalidInput) -> InvalidInput:
    """`error` with each unanswered finding said in the ward's words."""
    return InvalidInput([in_words(kind, tool, item) or item for item in error.errors])


def lines(kind: str, tool: str, error: InvalidInput) -> list[str]:
    """One line per error for a preview: an unanswered finding in words, anything else as "field: message"."""
    out = []
    for item in error.errors:
        said = in_words(kind, tool, item)
        out.append(said.message if said is not None else line(item))
    return out


def form_problems(kind: str, values: dict[str, Any]) -> dict[str, str]:
    """What the form refuses before the request is checked: "none" ticked together with a raised-ICP finding."""
    if kind != "neuro-assessments":
        return {}
    problems = {}
    ticked = values.get("icp_findings") or []
    if NO_ICP_FINDING in ticked and len(ticked) > 1:
        problems["icp_findings"] = ICP_NONE_AND_FINDING
    ice = values.get("ice") or []
    if NO_ICE_ITEM in ice and len(ice) > 1:
        problems["ice"] = ICE_NONE_AND_ITEM
    return problems
