from dashboard.views.previews import crs_preview, neuro_preview, partial_ice
from tests.unit.dashboard.factories import NOW

FULL = {
    "orientation_year": 1,
    "orientation_month": 1,
    "orientation_city": 1,
    "orientation_hospital": 1,
    "follows_commands": 1,
    "naming": 3,
    "writing": 1,
    "attention": 1,
}
AT = NOW.isoformat()


def test_crs_preview_grades_as_the_write_path_would() -> None:
    body = {"assessed_at": AT, "temperature_c": 38.5, "hypotension": True, "vasopressors": ["noradrenaline"]}
    shown = crs_preview(body, fever_masked=False, now=NOW)
    assert (shown.grade, shown.headline) == (3, "CRS grade 3 if saved now")
    assert any("vasopressor" in reason for reason in shown.reasons)


def test_crs_preview_honours_fever_masking() -> None:
    body = {"assessed_at": AT, "temperature_c": 37.0, "hypotension": False, "oxygen": "facemask"}
    assert crs_preview(body, fever_masked=True, now=NOW).grade == 3
    assert crs_preview(body, fever_masked=False, now=NOW).grade == 0


def test_crs_preview_removes_a_domain_due_to_another_cause() -> None:
    body = {
        "assessed_at": AT,
        "temperature_c": 38.5,
        "hypotension": True,
        "vasopressors": ["noradrenaline"],
        "attributable_to_other_cause": {"hypotension": True},
    }
    assert crs_preview(body, fever_masked=False, now=NOW).grade == 1


def test_crs_preview_without_a_temperature_is_not_gradable_and_says_why() -> None:
    shown = crs_preview({"assessed_at": AT, "hypotension": False}, fever_masked=False, now=NOW)
    assert shown.grade is None and shown.problems
    assert shown.headline == "CRS grade: not yet gradable"


def test_neuro_preview_shows_the_ice_score_and_grade() -> None:
    body = {"assessed_at": AT, "ice": {**FULL, "naming": 0, "writing": 0}}
    shown = neuro_preview(body, 55.0, False, "ICE", NOW)
    assert shown.headline == "ICE 6/10 · ICANS grade 2 if saved now"


def test_neuro_preview_for_a_child_uses_capd() -> None:
    shown = neuro_preview({"assessed_at": AT, "capd_score": 9}, 8.0, False, "CAPD", NOW)
    assert (shown.score, shown.grade) == ("CAPD 9", 3)


def test_an_override_is_what_would_be_stored() -> None:
    body = {"assessed_at": AT, "ice": FULL, "override": {"grade": 1, "reason": "new tremor, clinical concern"}}
    shown = neuro_preview(body, 55.0, False, "ICE", NOW)
    assert shown.grade == 1 and "override to grade 1" in shown.reasons[-1]


def test_a_partly_filled_ice_shows_the_running_total() -> None:
    assert partial_ice({"ice": {"naming": 3, "writing": 1}}) == "ICE 4/10 so far, 6 parts to go"
    shown = neuro_preview({"assessed_at": AT, "ice": {"naming": 3}}, 55.0, False, "ICE", NOW)
    assert shown.grade is None and shown.score.startswith("ICE 3/10 so far")
