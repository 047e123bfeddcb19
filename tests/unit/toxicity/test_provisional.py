"""Provisional grades from obs and neurological events, and the one rule for the grade a patient has now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from toxicity import (
    Graded,
    ObsFindings,
    assessment_events,
    current_grade,
    escalating,
    neuro_event,
    provisional_crs,
    provisional_from_event,
    provisional_icans,
)

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def obs(**changes: object) -> ObsFindings:
    base: dict[str, object] = {
        "temperature_c": 37.0,
        "systolic_bp": 120,
        "vasopressors": (),
        "oxygen_device": "room_air",
        "oxygen_flow_l_min": None,
        "consciousness": "alert",
    }
    return ObsFindings(**{**base, **changes})  # type: ignore[arg-type]


def test_fever_on_noradrenaline_and_a_non_rebreather_is_crs_3_from_obs() -> None:
    found = provisional_crs(
        obs(temperature_c=39.6, vasopressors=("noradrenaline",), oxygen_device="non_rebreather"), False
    )
    assert found.grade == 3
    assert found.reasons[-1].startswith("grade 3 set by")


@pytest.mark.parametrize(("systolic", "grade"), [(89, 2), (90, 1), (91, 1)], ids=["89-below", "90-edge", "91-above"])
def test_a_systolic_below_the_threshold_without_vasopressors_is_fluid_only_hypotension(
    systolic: int, grade: int
) -> None:
    found = provisional_crs(obs(temperature_c=38.4, systolic_bp=systolic), False, systolic_threshold=90)
    assert found.grade == grade
    if grade == 2:
        assert any("systolic 89 mmHg < 90 mmHg without vasopressors" in reason for reason in found.reasons)


def test_obs_without_a_temperature_cannot_show_crs_before_masking_and_say_so() -> None:
    found = provisional_crs(obs(temperature_c=None, vasopressors=("noradrenaline",)), False)
    assert found.grade is None
    assert found.reasons[0].startswith("not assessable from obs: no temperature recorded")


def test_after_tocilizumab_obs_without_fever_grade_from_hypotension_and_quote_the_history() -> None:
    why = "fever not required: tocilizumab at 2026-05-04 09:00 UTC after fever 39.4 °C recorded at ..."
    found = provisional_crs(obs(temperature_c=36.9, vasopressors=("noradrenaline",)), True, why)
    assert found.grade == 3
    assert why in found.reasons


def test_an_unrecorded_oxygen_device_is_named_and_never_graded_as_room_air() -> None:
    found = provisional_crs(obs(temperature_c=38.5, oxygen_device=None), False)
    assert found.grade == 1
    assert "hypoxia not graded from these obs: oxygen device not recorded" in found.reasons
    assert not any(reason.startswith("hypoxia: none") for reason in found.reasons)


def test_impossible_obs_are_not_assessable_with_the_rule_that_refused_them() -> None:
    found = provisional_crs(obs(temperature_c=38.5, oxygen_device="nasal_cannula", oxygen_flow_l_min=0.0), False)
    assert found.grade is None and "needs a flow above 0" in found.reasons[0]


@pytest.mark.parametrize(
    ("consciousness", "grade"),
    [
        ("alert", 0),
        ("awakens_spontaneously", 1),
        ("awakens_to_voice", 2),
        ("awakens_to_tactile", 3),
        ("unarousable", 4),
    ],
)
def test_consciousness_in_obs_gives_its_icans_domain_grade(consciousness: str, grade: int) -> None:
    assert provisional_icans(consciousness).grade == grade


def test_obs_without_consciousness_say_nothing_of_icans() -> None:
    assert provisional_icans(None).grade is None


def test_a_neurological_event_gives_its_table_4_domain_grade() -> None:
    assert provisional_from_event(neuro_event("clinical_seizure_resolved_rapidly")).grade == 3
    assert provisional_from_event(neuro_event("diffuse_cerebral_edema")).grade == 4
    assert neuro_event("prolonged_over_5_min").kind == "status_epilepticus"


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def formal(hours: float, grade: int) -> Graded:
    return Graded(h(hours), grade, True, "crs-assessments", int(hours * 10))


def provisional(hours: float, grade: int | None) -> Graded:
    return Graded(h(hours), grade, False, "observations", 1000 + int(hours * 10))


def test_no_record_gives_no_grade() -> None:
    now = current_grade("CRS", [])
    assert (now.grade, now.provisional_grade, now.effective, now.source) == (None, None, None, None)


def test_a_worse_provisional_grade_stands_until_the_next_formal_assessment() -> None:
    history = [formal(0, 1), provisional(2, 3), provisional(3, 0)]
    now = current_grade("CRS", history)
    assert (now.grade, now.provisional_grade, now.effective) == (1, 3, 3)
    assert now.requested_at == h(2)
    after = current_grade("CRS", [*history, formal(4, 2)])
    assert (after.grade, after.provisional_grade, after.requested_at) == (2, None, None)


def test_crs_1_from_obs_shows_but_does_not_ask_for_an_assessment_now() -> None:
    now = current_grade("CRS", [formal(0, 0), provisional(1, 1)])
    assert (now.provisional_grade, now.requested_at) == (1, None)
    assert not escalating("CRS", 1, 0) and escalating("CRS", 2, 1) and escalating("ICANS", 1, 0)


def test_a_provisional_grade_no_worse_than_the_formal_one_is_not_shown() -> None:
    now = current_grade("CRS", [formal(0, 3), provisional(1, 3)])
    assert (now.provisional_grade, now.effective, now.source) == (None, 3, formal(0, 3))


def test_at_the_same_instant_the_formal_assessment_comes_first() -> None:
    now = current_grade("CRS", [provisional(1, 2), formal(1, 0)])
    assert (now.grade, now.provisional_grade) == (0, 2)


def test_events_in_an_assessment_seizures_always_and_weakness_and_icp_when_new() -> None:
    first = assessment_events("clinical_seizure_resolved_rapidly", True, frozenset({"papilledema"}), None, None)
    assert [rule.kind for rule in first] == ["seizure", "motor_weakness", "raised_icp"]
    again = assessment_events(
        "clinical_seizure_resolved_rapidly",
        True,
        frozenset({"papilledema", "diffuse_cerebral_edema"}),
        True,
        frozenset({"papilledema"}),
    )
    assert [(rule.kind, rule.event) for rule in again] == [
        ("seizure", "clinical_seizure_resolved_rapidly"),
        ("raised_icp", "diffuse_cerebral_edema"),
    ]
    assert assessment_events("none", False, frozenset(), True, frozenset({"papilledema"})) == ()
