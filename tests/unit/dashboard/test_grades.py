from datetime import timedelta

from dashboard.views.grades import crs_from_obs, crs_view, icans_view
from tests.unit.dashboard.factories import NOW, crs, neuro, obs

EARLIER = NOW - timedelta(hours=3)


def test_without_any_record_there_is_no_grade_and_no_default() -> None:
    view = crs_view(None, None, fever_masked=False)
    assert (view.grade, view.badge_text, view.note) == (None, "CRS –", "not graded")


def test_a_formal_assessment_newer_than_the_obs_decides() -> None:
    view = crs_view(crs(NOW, 2), obs(EARLIER, temperature_c=39.0), fever_masked=False)
    assert (view.grade, view.provisional) == (2, False)


def test_newer_obs_grading_higher_give_a_provisional_grade() -> None:
    view = crs_view(crs(EARLIER, 0), obs(NOW, temperature_c=38.4), fever_masked=False, when="12:00")
    assert (view.grade, view.provisional, view.note) == (1, True, "provisional")
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


def test_an_override_is_shown_with_its_reason() -> None:
    view = crs_view(crs(NOW, 1, override_grade=2, override_reason="clinical concern"), None, fever_masked=False)
    assert view.grade == 2
    assert "override to grade 2: clinical concern" in view.explanation


def test_icans_rises_provisionally_with_worse_consciousness_at_obs() -> None:
    view = icans_view(neuro(EARLIER, 1), obs(NOW, consciousness="awakens_to_voice"))
    assert (view.grade, view.provisional) == (2, True)


def test_icans_stays_formal_when_obs_show_an_alert_patient() -> None:
    view = icans_view(neuro(EARLIER, 2), obs(NOW, consciousness="alert"))
    assert (view.grade, view.provisional) == (2, False)


def test_icans_badge_text_carries_the_number() -> None:
    assert icans_view(neuro(NOW, 3), None).badge_text == "ICANS 3"
