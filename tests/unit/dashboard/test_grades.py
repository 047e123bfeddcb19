from datetime import timedelta

import pytest

from dashboard.views.grades import crs_from_obs, crs_view, fever_masked_at, first_crs_episode, icans_view
from tests.unit.dashboard.factories import NOW, crs, neuro, obs

EARLIER = NOW - timedelta(hours=3)


def test_without_any_record_there_is_no_grade_and_no_default() -> None:
    view = crs_view(None, None, fever_masked=False)
    assert (view.grade, view.badge_text, view.note) == (None, "CRS –", "not graded")


def test_a_formal_assessment_newer_than_the_obs_decides() -> None:
    view = crs_view(crs(NOW, 2), obs(EARLIER, temperature_c=39.0), fever_masked=False)
    assert (view.grade, view.provisional, view.note) == (2, False, "ASTCT 2019")


def test_a_formal_grade_carries_the_rule_set_it_was_stored_under() -> None:
    view = crs_view(crs(NOW, 2, rule_set="ASTCT 2019 (local amendment)"), None, fever_masked=False)
    assert view.note == "ASTCT 2019 (local amendment)"
    assert view.explanation.startswith("ASTCT 2019 (local amendment) assessment; ")


def test_newer_obs_grading_higher_give_a_provisional_grade() -> None:
    view = crs_view(crs(EARLIER, 0), obs(NOW, temperature_c=38.4), fever_masked=False, when="12:00")
    assert (view.grade, view.provisional, view.note) == (1, True, "provisional · ASTCT 2019")
    assert "from obs at 12:00" in view.source
    assert any("38.4" in reason for reason in view.reasons)


def test_newer_obs_grading_lower_leave_the_formal_grade() -> None:
    view = crs_view(crs(EARLIER, 2), obs(NOW, temperature_c=37.0), fever_masked=True)
    assert (view.grade, view.provisional) == (2, False)


def test_obs_alone_give_a_provisional_grade_when_no_assessment_exists() -> None:
    view = crs_view(None, obs(NOW, temperature_c=36.8), fever_masked=False)
    assert (view.grade, view.provisional) == (0, True)


def test_vasopressors_at_obs_count_as_hypotension() -> None:
    graded = crs_from_obs(obs(NOW, temperature_c=38.2, vasopressors=["noradrenaline"]), fever_masked=False)
    assert graded is not None and graded[0] == 3


def test_obs_that_cannot_be_graded_give_no_provisional_grade() -> None:
    assert crs_from_obs(obs(NOW, temperature_c=None), fever_masked=False) is None
    assert crs_view(None, obs(NOW, temperature_c=None), fever_masked=False).grade is None


def test_an_override_is_the_grade_shown_with_its_reason() -> None:
    view = crs_view(crs(NOW, 1, override_grade=2, override_reason="clinical concern"), None, fever_masked=False)
    assert (view.grade, view.badge_text, view.note) == (2, "CRS 2", "override · ASTCT 2019")
    assert view.explanation == "ASTCT 2019 assessment; override to grade 2: clinical concern; grade 1"


def test_an_override_down_to_0_is_still_the_grade_shown() -> None:
    view = icans_view(neuro(NOW, 3, override_grade=0, override_reason="sedated, not ICANS"), None)
    assert (view.grade, view.badge_text, view.overridden) == (0, "ICANS 0", True)


def test_newer_obs_above_an_overridden_grade_show_provisionally() -> None:
    overridden = crs(EARLIER, 2, override_grade=0, override_reason="fever from line infection")
    view = crs_view(overridden, obs(NOW, temperature_c=38.4), fever_masked=False)
    assert (view.grade, view.provisional, view.overridden) == (1, True, False)


def test_icans_rises_provisionally_with_worse_consciousness_at_obs() -> None:
    view = icans_view(neuro(EARLIER, 1), obs(NOW, consciousness="awakens_to_voice"))
    assert (view.grade, view.provisional, view.note) == (2, True, "provisional · ASTCT 2019")


def test_an_alert_patient_without_an_assessment_is_not_graded_from_obs() -> None:
    view = icans_view(None, obs(NOW, consciousness="alert"))
    assert (view.grade, view.note) == (None, "not graded")


def test_icans_stays_formal_when_obs_show_an_alert_patient() -> None:
    view = icans_view(neuro(EARLIER, 2), obs(NOW, consciousness="alert"))
    assert (view.grade, view.provisional) == (2, False)


def test_icans_badge_text_carries_the_number() -> None:
    assert icans_view(neuro(NOW, 3), None).badge_text == "ICANS 3"


@pytest.mark.parametrize(
    ("obs_hours", "masked"),
    [(-3, False), (-1, False), (1, True)],
    ids=["before any crs", "after crs, before the dose", "after crs and the dose"],
)
def test_fever_masking_is_read_at_the_obs_time(obs_hours: int, masked: bool) -> None:
    first_crs = NOW - timedelta(hours=2)
    doses = [(NOW, "tocilizumab")]
    assert fever_masked_at(NOW + timedelta(hours=obs_hours), first_crs, doses) is masked


def test_no_crs_means_no_masking_and_other_drugs_do_not_mask() -> None:
    assert not fever_masked_at(NOW, None, [(EARLIER, "dexamethasone")])
    assert not fever_masked_at(NOW, EARLIER - timedelta(hours=1), [(EARLIER, "anakinra")])
    assert fever_masked_at(NOW, EARLIER - timedelta(hours=1), [(EARLIER, "dexamethasone")])


def test_the_crs_episode_starts_at_the_first_stored_grade_of_1_or_more() -> None:
    rows = [crs(EARLIER, 0), crs(EARLIER + timedelta(hours=1), 0, override_grade=1, override_reason="x"), crs(NOW, 2)]
    assert first_crs_episode(rows) == EARLIER + timedelta(hours=1)
    assert first_crs_episode([crs(NOW, 2, override_grade=0, override_reason="x")]) is None
