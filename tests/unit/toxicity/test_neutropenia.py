"""Neutropenia (< 0.5 x10^9/L) and neutropenic fever, at the band edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from toxicity.neutropenia import (
    neutropenia_escalations,
    neutropenic,
    neutropenic_fever,
    neutropenic_fever_episodes,
    treatment_antibiotic,
)

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.mark.parametrize(("value", "low"), [(0.49, True), (0.5, False), (0.51, False)], ids=["0.49", "0.5", "0.51"])
def test_neutropenia_is_below_0_5(value: float, low: bool) -> None:
    assert neutropenic(value) is low


def test_neutropenia_pages_once_when_the_count_falls_below_0_5() -> None:
    assert [e.kind for e in neutropenia_escalations(None, 0.3)] == ["neutropenia"]
    assert neutropenia_escalations(0.4, 0.2) == ()
    assert neutropenia_escalations(0.5, 0.5) == ()
    assert "GCSF" in neutropenia_escalations(1.2, 0.4)[0].message


@pytest.mark.parametrize(("temperature", "applies"), [(37.9, False), (38.0, True)], ids=["37.9", "38.0"])
def test_a_fever_is_38_or_more(temperature: float, applies: bool) -> None:
    assert neutropenic_fever(h(1), temperature, [(h(0), 0.2)]).applies is applies


def test_a_fever_with_no_count_on_file_is_treated_as_neutropenic_and_says_so() -> None:
    found = neutropenic_fever(h(30), 38.5, [])
    assert found.applies and "treated as neutropenic until one is" in found.reason


@pytest.mark.parametrize(("older", "applies"), [(0.2, True), (3.0, False)])
def test_with_no_count_in_24_hours_the_latest_on_file_decides_and_a_repeat_is_asked_for(
    older: float, applies: bool
) -> None:
    found = neutropenic_fever(h(30), 38.5, [(h(0), older)])
    assert found.applies is applies and "repeat the FBC" in found.reason


def test_a_fever_with_a_normal_recent_count_is_not_neutropenic() -> None:
    found = neutropenic_fever(h(10), 38.5, [(h(0), 0.2), (h(8), 1.5)])
    assert not found.applies and "not neutropenic" in found.reason


def test_one_episode_pages_once_and_measures_the_time_to_the_first_treatment_antibiotic() -> None:
    fevers = [(h(1), 38.4), (h(2), 39.0), (h(30), 38.6)]
    doses = [(h(0.5), "aciclovir"), (h(1.75), "piperacillin-tazobactam"), (h(3), "meropenem")]
    episodes = neutropenic_fever_episodes(fevers, [(h(0), 0.1), (h(26), 0.1)], doses)
    assert [e.at for e in episodes] == [h(1), h(30)]
    assert episodes[0].first_antibiotic == (h(1.75), "piperacillin-tazobactam")
    assert episodes[0].minutes_to_antibiotic == 45
    assert episodes[1].first_antibiotic is None


def test_prophylaxis_is_not_the_first_treatment() -> None:
    assert not treatment_antibiotic("co-trimoxazole") and not treatment_antibiotic("aciclovir")
    assert treatment_antibiotic("meropenem") and treatment_antibiotic("liposomal amphotericin")
