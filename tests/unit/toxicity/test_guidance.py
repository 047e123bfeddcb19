"""Management guidance: the guideline's words for every grade, the extra tables, and tocilizumab limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from toxicity import (
    EXTRA_TOPICS,
    InvalidAssessment,
    extra_guidance,
    guidance_for,
    tocilizumab_summary,
)
from toxicity.tocilizumab import dose_rule, tocilizumab_indication

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("syndrome", ["crs", "icans"])
@pytest.mark.parametrize("grade", [1, 2, 3, 4])
def test_every_grade_1_to_4_of_crs_and_icans_has_guidance(syndrome: str, grade: int) -> None:
    guidance = guidance_for(syndrome, grade)
    assert guidance.items
    assert all(item.strip() for item in guidance.items)
    assert guidance.grade == grade
    assert guidance.note == "Guidance from the guideline, not an order."
    expected = "Table 2: Management of CRS" if syndrome == "crs" else "Table 5"
    assert expected in guidance.source
    assert guidance.source.startswith("Guideline ACLIN.P.088")


@pytest.mark.parametrize("syndrome", ["crs", "icans"])
def test_grade_0_gives_routine_monitoring(syndrome: str) -> None:
    guidance = guidance_for(syndrome, 0)
    assert guidance.items[0].endswith("continue monitoring per protocol")
    assert "Twice daily CRS assessment and grading" in guidance.items


def test_the_guideline_wording_is_kept_with_obvious_typos_fixed() -> None:
    crs3 = guidance_for("crs", 3).items
    assert "Perform echo if persistent hypotension" in crs3
    assert "Administer Tocilizumab" in crs3
    assert "High dose methylprednisolone 1 g/day IV" in guidance_for("crs", 4).items
    assert any("presented in Table 7" in item for item in guidance_for("icans", 3).items)


@pytest.mark.parametrize("topic", list(EXTRA_TOPICS))
def test_every_extra_topic_has_guidance_with_its_source(topic: str) -> None:
    guidance = extra_guidance(topic)
    assert guidance.items
    assert guidance.grade is None
    assert guidance.source.startswith("Guideline ACLIN.P.088")


def test_status_epilepticus_and_raised_icp_have_both_rows() -> None:
    assert "Transfer to ICU." in extra_guidance("convulsive_status_epilepticus").items
    assert "Table 6" in extra_guidance("nonconvulsive_status_epilepticus").source
    assert extra_guidance("papilloedema_low_pressure").items[0].startswith("Acetazolamide 1000 mg IV")
    assert "Table 7" in extra_guidance("raised_icp_severe").source
    assert any("etoposide" in item for item in extra_guidance("hlh").items)


def test_the_tocilizumab_dose_is_attached_only_with_its_indication() -> None:
    assert guidance_for("crs", 2, weight_kg=70).dosing == (
        "tocilizumab 560.0 mg for 70.0 kg (8 mg/kg: guideline Table 3; max 800.0 mg per dose), IV over 1 hour - "
        "indicated: CRS grade 2 (Table 3: Grade 2 CRS or persistent fever)",
    )
    assert "capped at 800 mg" in guidance_for("crs", 3, weight_kg=120).dosing[0]
    grade_1 = guidance_for("crs", 1, weight_kg=70).dosing[0]
    assert "consider only for persistent (lasting > 3 days) and refractory fever" in grade_1
    assert guidance_for("crs", 0, weight_kg=70).dosing == ()


def test_icans_shows_the_dose_only_with_concurrent_crs() -> None:
    assert guidance_for("icans", 2, weight_kg=70).dosing == ()
    assert guidance_for("icans", 2, weight_kg=70, concurrent_crs=0).dosing == ()
    with_crs = guidance_for("icans", 2, weight_kg=70, concurrent_crs=2).dosing[0]
    assert "if associated with concurrent CRS (Table 5)" in with_crs


def test_a_childs_dose_rule_names_its_source_in_the_same_words_everywhere() -> None:
    line = guidance_for("crs", 2, weight_kg=20).dosing[0]
    rule = "12 mg/kg under 30 kg: product label (the guideline's 8 mg/kg has no paediatric rule)"
    assert line.startswith(f"tocilizumab 240.0 mg for 20.0 kg ({rule}; max 800.0 mg per dose)")
    assert dose_rule(20) == rule
    assert dose_rule(30) == "8 mg/kg: guideline Table 3"


@pytest.mark.parametrize(
    ("crs", "icans", "status"),
    [
        (None, None, "not indicated"),
        (0, 0, "not indicated"),
        (1, 0, "consider"),
        (2, 0, "indicated"),
        (4, 3, "indicated"),
        (0, 3, "not indicated"),
        (1, 2, "consider"),
    ],
    ids=repr,
)
def test_the_indication_follows_tables_2_3_and_5(crs: int | None, icans: int | None, status: str) -> None:
    found = tocilizumab_indication(crs, icans)
    assert found.status == status
    assert found.shows_dose is (status != "not indicated")
    if icans and not crs:
        assert "without concurrent CRS" in found.text


@pytest.mark.parametrize(
    ("syndrome", "grade", "field"),
    [
        ("hlh", 1, "syndrome"),
        ("crs", 5, "grade"),
        ("icans", -1, "grade"),
        ("crs", 2.0, "grade"),
        ("CRS", 1, "syndrome"),
    ],
    ids=repr,
)
def test_unknown_syndromes_and_grades_are_rejected(syndrome: str, grade: int, field: str) -> None:
    with pytest.raises(InvalidAssessment, match=field):
        guidance_for(syndrome, grade)


def test_an_unknown_topic_is_rejected_listing_the_topics() -> None:
    with pytest.raises(InvalidAssessment, match="topic: 'sepsis' is not allowed; allowed: crs_drugs"):
        extra_guidance("sepsis")


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def test_no_doses_given_means_a_dose_can_be_given_now() -> None:
    summary = tocilizumab_summary(70, [], T0)
    assert (summary.dose_mg, summary.doses_given, summary.doses_last_24h) == (560.0, 0, 0)
    assert summary.next_dose_not_before is None
    assert summary.can_give_now and not summary.limit_reached
    assert (summary.max_doses, summary.max_in_24h, summary.min_interval) == (4, 3, timedelta(hours=6))


def test_the_next_dose_is_not_before_6_hours_after_the_last_by_the_guideline() -> None:
    summary = tocilizumab_summary(70, [hours(0)], hours(2))
    assert summary.next_dose_not_before == hours(6)
    assert not summary.can_give_now
    assert tocilizumab_summary(70, [hours(0)], hours(6)).can_give_now


def test_a_ward_minimum_of_8_hours_moves_the_next_dose() -> None:
    summary = tocilizumab_summary(70, [hours(0)], hours(2), min_interval=timedelta(hours=8))
    assert summary.next_dose_not_before == hours(8)
    assert "8 h after the last dose" in summary.text


def test_three_doses_in_24_hours_reach_the_limit_until_the_first_leaves_the_window() -> None:
    doses = [hours(0), hours(8), hours(16)]
    summary = tocilizumab_summary(70, doses, hours(17))
    assert summary.doses_last_24h == 3
    assert summary.limit_reached
    assert summary.next_dose_not_before == hours(24)
    later = tocilizumab_summary(70, doses, hours(24))
    assert later.doses_last_24h == 2
    assert later.can_give_now and not later.limit_reached


def test_four_doses_are_the_maximum() -> None:
    summary = tocilizumab_summary(70, [hours(0), hours(10), hours(30), hours(50)], hours(100))
    assert summary.doses_given == 4
    assert summary.limit_reached and not summary.can_give_now
    assert summary.next_dose_not_before is None
    assert "no further dose: 4 doses given (the maximum)" in summary.reasons


def test_a_dose_in_the_future_is_rejected() -> None:
    with pytest.raises(InvalidAssessment, match="dose_times"):
        tocilizumab_summary(70, [hours(3)], hours(2))
