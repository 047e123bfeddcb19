"""Unsaved model rows and snapshots for view tests (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dashboard.views.board import AlertSummary, BedSnapshot, HLHFlag
from dashboard.views.grades import GradeView
from data.models import CRSAssessment, NeuroAssessment, Observation
from toxicity import DueItem

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TZ = "Europe/London"


def obs(at: datetime = NOW, **fields: Any) -> Observation:
    values = {"temperature_c": 37.0, "oxygen_device": "room_air", "vasopressors": [], "consciousness": "alert"}
    return Observation(patient_id=1, taken_at=at, **{**values, **fields})


def crs(at: datetime = NOW, grade: int = 0, **fields: Any) -> CRSAssessment:
    values = {"reasons": [f"grade {grade}"], "rule_set": "ASTCT 2019", "override_grade": None, "organ_toxicities": {}}
    return CRSAssessment(patient_id=1, assessed_at=at, computed_grade=grade, **{**values, **fields})


def neuro(at: datetime = NOW, grade: int = 0, **fields: Any) -> NeuroAssessment:
    values = {
        "tool": "ICE",
        "ice_score": 10,
        "capd_score": None,
        "unable_to_perform_assessment": False,
        "reasons": [f"grade {grade}"],
        "rule_set": "ASTCT 2019",
        "override_grade": None,
    }
    return NeuroAssessment(patient_id=1, assessed_at=at, computed_grade=grade, **{**values, **fields})


def due(kind: str, in_minutes: int) -> DueItem:
    at = NOW + timedelta(minutes=in_minutes)
    late = max(0, -in_minutes)
    return DueItem(kind, at, late > 15, late if late > 15 else 0, max(0, in_minutes))


def bed(**fields: Any) -> BedSnapshot:
    values: dict[str, Any] = {
        "patient_id": 7,
        "ward": "Ward 33",
        "bed": "7",
        "name": "Demo Golf",
        "product": "axicabtagene ciloleucel",
        "infused_at": NOW - timedelta(days=3),
        "crs": GradeView("CRS", 1, False, "ASTCT 2019 assessment", ("fever: 38.4",), rule_set="ASTCT 2019"),
        "icans": GradeView("ICANS", 0, False, "ASTCT 2019 assessment", ("ICE: score 10",), rule_set="ASTCT 2019"),
        "obs": obs(),
        "neuro": neuro(),
        "due": {"obs": due("obs", 90), "crs": due("crs", -40), "neuro": due("neuro", 200), "bloods": due("bloods", 30)},
        "alerts": AlertSummary(0, 0, None, ()),
        "hlh": None,
    }
    values.update(fields)
    return BedSnapshot(**values)


def walk(component: Any) -> list[Any]:
    """The component and every component inside it (text children left out)."""
    found = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            found.extend(walk(child))
    return found


def hlh(positive: bool = False) -> HLHFlag:
    return HLHFlag(25_000.0, positive, ("ferritin: peak 25000 ng/mL > 10000 ng/mL",))
