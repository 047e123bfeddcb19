"""Any value in any field either grades or raises InvalidAssessment naming the field: never a TypeError,
KeyError or AttributeError from deep inside the rules."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.toxicity.stated import crs_findings, neuro_findings
from toxicity import (
    CadencePolicy,
    HLHFindings,
    ICEParts,
    InvalidAssessment,
    MonitoringState,
    bloods_due_at,
    count_vasopressors,
    due_items,
    explain_fever_masking,
    first_bloods_day,
    grade_crs,
    grade_crs_attributed,
    grade_icans,
    grade_icans_attributed,
    hlh_screen,
    ice_score,
    max_severity,
    next_bloods_due,
    tocilizumab_dose_mg,
)

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)

ODD_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    3,
    4,
    11,
    33,
    0.5,
    1.0,
    6.1,
    38,
    38.0,
    10_000,
    10**400,
    float("nan"),
    float("inf"),
    -float("inf"),
    "",
    "1",
    "38.5",
    "room_air",
    "alert",
    "none",
    "papilledema",
    b"1",
    [],
    ["papilledema"],
    (),
    {},
    {"papilledema": True},
    set(),
    frozenset({"papilledema"}),
    frozenset({1}),
    Decimal("1"),
    object(),
]
odd = st.sampled_from(ODD_VALUES)

ON_OXYGEN = crs_findings(38.5, hypotension=True, vasopressors=1, oxygen="nasal_cannula", oxygen_flow_l_min=4.0)
BASES: list[tuple[Any, Any]] = [
    (ON_OXYGEN, grade_crs),
    (crs_findings(temperature_c=None, hypotension=False, after_tocilizumab_or_steroids=True), grade_crs),
    (neuro_findings(age_years=45, ice_score=8), grade_icans),
    (neuro_findings(age_years=7, capd_score=4), grade_icans),
    (neuro_findings(age_years=45, unable_to_perform_assessment=True, consciousness="unarousable"), grade_icans),
    (ICEParts(1, 1, 1, 1, 1, 3, 1, 1), ice_score),
    (HLHFindings(peak_ferritin_ng_ml=20_000.0, ferritin_peak_during_crs_phase=True), hlh_screen),
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(base=st.sampled_from(BASES), data=st.data(), value=odd)
def test_one_odd_value_grades_or_raises_invalid_assessment_naming_the_field(
    base: tuple[Any, Any], data: st.DataObject, value: object
) -> None:
    findings, rule = base
    field = data.draw(st.sampled_from([f.name for f in fields(findings)]))
    try:
        result = rule(replace(findings, **{field: value}))
    except InvalidAssessment as error:
        message = str(error)
        assert field in message, message
    else:
        grade = result if isinstance(result, int) else getattr(result, "grade", None)
        if grade is not None:
            assert 0 <= grade <= (10 if rule is ice_score else 4)


@settings(max_examples=200, deadline=None)
@given(value=odd, which=st.sampled_from(["crs", "icans"]))
def test_odd_other_cause_values_raise_invalid_assessment(value: object, which: str) -> None:
    try:
        if which == "crs":
            grade_crs_attributed(crs_findings(temperature_c=38.5, hypotension=True), value)  # type: ignore[arg-type]
        else:
            grade_icans_attributed(neuro_findings(age_years=45, ice_score=8), value)  # type: ignore[arg-type]
    except InvalidAssessment as error:
        assert "attributable_to_other_cause" in str(error)


@settings(max_examples=100, deadline=None)
@given(value=odd)
def test_an_odd_weight_raises_invalid_assessment_or_gives_a_dose(value: object) -> None:
    try:
        dose = tocilizumab_dose_mg(value)  # type: ignore[arg-type]
    except InvalidAssessment as error:
        assert "weight_kg" in str(error)
    else:
        assert 0 < dose <= 800


@pytest.mark.parametrize("history", [None, 1, "tocilizumab", object()], ids=["None", "int", "text", "object"])
def test_fever_masking_history_must_be_a_list_of_pairs(history: object) -> None:
    with pytest.raises(InvalidAssessment, match="crs_grades"):
        explain_fever_masking(NOW, history, [])  # type: ignore[arg-type]
    with pytest.raises(InvalidAssessment, match="treatments"):
        explain_fever_masking(NOW, [], history)  # type: ignore[arg-type]


@pytest.mark.parametrize("severities", [None, 3, object()], ids=["None", "int", "object"])
def test_max_severity_needs_a_collection(severities: object) -> None:
    with pytest.raises(InvalidAssessment, match="severities"):
        max_severity(severities)  # type: ignore[arg-type]


def test_max_severity_rejects_non_text_members() -> None:
    with pytest.raises(InvalidAssessment, match="severity"):
        max_severity([3])  # type: ignore[list-item]


@pytest.mark.parametrize("names", [None, 2, object()], ids=["None", "int", "object"])
def test_count_vasopressors_needs_a_collection(names: object) -> None:
    with pytest.raises(InvalidAssessment, match="vasopressors"):
        count_vasopressors(names)  # type: ignore[arg-type]


@pytest.mark.parametrize("last_bloods", [None, ["fbc"], "fbc"], ids=["None", "list", "text"])
def test_last_bloods_must_be_a_mapping(last_bloods: object) -> None:
    with pytest.raises(InvalidAssessment, match="last_bloods"):
        MonitoringState(monitoring_start=NOW, last_bloods=last_bloods)  # type: ignore[arg-type]


@pytest.mark.parametrize("tighter", [None, [("obs", 2, timedelta(hours=1))], 1], ids=["None", "list", "int"])
def test_tighter_must_be_a_tuple(tighter: object) -> None:
    with pytest.raises(InvalidAssessment, match="tighter"):
        CadencePolicy(tighter=tighter)  # type: ignore[arg-type]


def test_cadence_functions_check_the_policy_and_the_day() -> None:
    with pytest.raises(InvalidAssessment, match="policy"):
        next_bloods_due(None, NOW, NOW, None)  # type: ignore[arg-type]
    with pytest.raises(InvalidAssessment, match="policy"):
        first_bloods_day(NOW, "Europe/London")  # type: ignore[arg-type]
    with pytest.raises(InvalidAssessment, match="policy"):
        bloods_due_at(date(2026, 5, 4), None)  # type: ignore[arg-type]
    with pytest.raises(InvalidAssessment, match="day"):
        bloods_due_at("2026-05-04", CadencePolicy())  # type: ignore[arg-type]
    with pytest.raises(InvalidAssessment, match="day"):
        bloods_due_at(NOW, CadencePolicy())
    with pytest.raises(InvalidAssessment, match="policy"):
        due_items(MonitoringState(monitoring_start=NOW), NOW, "default")  # type: ignore[arg-type]
