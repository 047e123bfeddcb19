from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dashboard.views.previews import crs_preview, form_preview, neuro_preview, partial_ice
from data.audit import Actor
from data.models import Patient
from data.records import Forbidden, create_patient, record
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


def _never(_at: datetime) -> bool:
    return False


def _always(_at: datetime) -> bool:
    return True


def _patient(born: date = date(1971, 1, 1), delay: bool = False) -> Patient:
    return Patient(date_of_birth=born, developmental_delay=delay)


def test_crs_preview_grades_as_the_write_path_would_and_names_the_rule_set() -> None:
    body = {
        "oxygen": "room_air",
        "assessed_at": AT,
        "temperature_c": 38.5,
        "hypotension": True,
        "vasopressors": ["noradrenaline"],
    }
    shown = crs_preview(body, NOW, _never)
    assert (shown.grade, shown.headline) == (3, "CRS grade 3 (ASTCT 2019) if saved now")
    assert any("vasopressor" in reason for reason in shown.reasons)


def test_crs_preview_honours_fever_masking() -> None:
    body = {"assessed_at": AT, "temperature_c": 37.0, "hypotension": False, "oxygen": "facemask"}
    assert crs_preview(body, NOW, _always).grade == 3
    assert crs_preview(body, NOW, _never).grade == 0


def test_crs_preview_reads_the_masking_at_the_forms_own_time_not_now() -> None:
    earlier = NOW - timedelta(hours=3)
    asked: list[datetime] = []

    def masked_at(at: datetime) -> bool:
        asked.append(at)
        return at >= NOW - timedelta(hours=1)  # tocilizumab an hour ago

    body = {"assessed_at": earlier.isoformat(), "temperature_c": 37.0, "hypotension": False, "oxygen": "facemask"}
    assert crs_preview(body, NOW, masked_at).grade == 0
    assert asked == [earlier]


def test_crs_preview_removes_a_domain_due_to_another_cause() -> None:
    body = {
        "oxygen": "room_air",
        "assessed_at": AT,
        "temperature_c": 38.5,
        "hypotension": True,
        "vasopressors": ["noradrenaline"],
        "attributable_to_other_cause": {"hypotension": True},
    }
    assert crs_preview(body, NOW, _never).grade == 1


def test_crs_preview_without_a_temperature_is_not_gradable_and_says_why() -> None:
    shown = crs_preview({"oxygen": "room_air", "assessed_at": AT, "hypotension": False}, NOW, _never)
    assert shown.grade is None and shown.problems
    assert shown.headline == "CRS grade: not yet gradable"


def test_neuro_preview_shows_the_ice_score_and_grade() -> None:
    body = {
        "consciousness": "alert",
        "seizure": "none",
        "deep_focal_motor_weakness": False,
        "icp_findings": [],
        "assessed_at": AT,
        "ice": {**FULL, "naming": 0, "writing": 0},
    }
    shown = neuro_preview(body, _patient(), "ICE", NOW)
    assert shown.headline == "ICE 6/10 · ICANS grade 2 (ASTCT 2019) if saved now"


def test_neuro_preview_for_a_child_uses_capd() -> None:
    shown = neuro_preview(
        {
            "consciousness": "alert",
            "seizure": "none",
            "deep_focal_motor_weakness": False,
            "icp_findings": [],
            "assessed_at": AT,
            "capd_score": 9,
        },
        _patient(born=date(2018, 6, 1)),
        "CAPD",
        NOW,
    )
    assert (shown.score, shown.grade) == ("CAPD 9", 3)


def test_neuro_preview_takes_the_age_at_the_assessment_time() -> None:
    """A child who turned 12 after a back-dated assessment was still graded by CAPD then, as the write path does."""
    twelfth_birthday = (NOW - timedelta(days=1)).date()
    child = _patient(born=twelfth_birthday.replace(year=twelfth_birthday.year - 12))
    before = (NOW - timedelta(days=2)).isoformat()
    assert (
        neuro_preview(
            {
                "consciousness": "alert",
                "seizure": "none",
                "deep_focal_motor_weakness": False,
                "icp_findings": [],
                "assessed_at": before,
                "capd_score": 9,
            },
            child,
            "CAPD",
            NOW,
        ).grade
        == 3
    )
    shown_now = neuro_preview(
        {
            "consciousness": "alert",
            "seizure": "none",
            "deep_focal_motor_weakness": False,
            "icp_findings": [],
            "assessed_at": AT,
            "capd_score": 9,
        },
        child,
        "CAPD",
        NOW,
    )
    assert shown_now.grade is None and shown_now.problems


def test_an_override_is_what_would_be_stored() -> None:
    body = {
        "consciousness": "alert",
        "seizure": "none",
        "deep_focal_motor_weakness": False,
        "icp_findings": [],
        "assessed_at": AT,
        "ice": FULL,
        "override": {"grade": 1, "reason": "new tremor, clinical concern"},
    }
    shown = neuro_preview(body, _patient(), "ICE", NOW)
    assert shown.grade == 1 and shown.reasons[0] == "override to grade 1: new tremor, clinical concern"
    assert shown.headline == "ICE 10/10 · ICANS grade 1 (ASTCT 2019) if saved now"


def test_a_partly_filled_ice_shows_the_running_total() -> None:
    assert partial_ice({"ice": {"naming": 3, "writing": 1}}) == "ICE 4/10 so far, 6 parts to go"
    shown = neuro_preview(
        {
            "consciousness": "alert",
            "seizure": "none",
            "deep_focal_motor_weakness": False,
            "icp_findings": [],
            "assessed_at": AT,
            "ice": {"naming": 3},
        },
        _patient(),
        "ICE",
        NOW,
    )
    assert shown.grade is None and shown.score.startswith("ICE 3/10 so far")
    assert "ICE: writing: not entered (allowed: 0-1)" in shown.problems


def _stored_patient(sessions: sessionmaker[Session]) -> int:
    body = {
        "hospital_number": "PREV0001",
        "name": "Preview Test",
        "date_of_birth": "1970-01-01",
        "sex": "male",
        "weight_kg": 80.0,
        "product": "axicabtagene ciloleucel",
        "ward": "Ward 33",
        "bed": "2",
        "admitted_at": (NOW - timedelta(days=2)).isoformat(),
    }
    with sessions.begin() as session:
        return create_patient(session, body, Actor("test", source="import"), NOW).id


def test_a_form_preview_is_only_for_a_patient_the_actor_may_see(sessions: sessionmaker[Session]) -> None:
    pid = _stored_patient(sessions)
    body = {
        "consciousness": "alert",
        "seizure": "none",
        "deep_focal_motor_weakness": False,
        "icp_findings": [],
        "assessed_at": AT,
        "ice": FULL,
    }
    with sessions() as session:
        shown = form_preview(session, "neuro-assessments", body, pid, "ICE", Actor("n", "nurse", ward="Ward 33"), NOW)
        assert shown is not None and shown.grade == 0
        assert form_preview(session, "neuro-assessments", body, pid + 1, "ICE", Actor("d", "doctor"), NOW) is None
        with pytest.raises(Forbidden):
            form_preview(session, "neuro-assessments", body, pid, "ICE", Actor("n", "nurse", ward="Ward 9"), NOW)


def test_a_crs_form_preview_reads_the_patients_masking_at_the_forms_time(sessions: sessionmaker[Session]) -> None:
    pid = _stored_patient(sessions)
    actor = Actor("test", role="doctor", source="import")
    with sessions.begin() as session:
        crs = {
            "oxygen": "room_air",
            "assessed_at": (NOW - timedelta(hours=4)).isoformat(),
            "temperature_c": 38.6,
            "hypotension": False,
        }
        record(session, "crs-assessments", pid, crs, actor, NOW)
        dose = {"given_at": (NOW - timedelta(hours=2)).isoformat(), "drug": "dexamethasone", "dose": 10.0, "unit": "mg"}
        record(session, "medications", pid, {**dose, "route": "IV"}, actor, NOW)
    hypoxic = {"temperature_c": 37.0, "hypotension": False, "oxygen": "facemask"}
    with sessions() as session:
        before = {"assessed_at": (NOW - timedelta(hours=3)).isoformat(), **hypoxic}
        after = {"assessed_at": NOW.isoformat(), **hypoxic}
        shown_before = form_preview(session, "crs-assessments", before, pid, "ICE", actor, NOW)
        shown_after = form_preview(session, "crs-assessments", after, pid, "ICE", actor, NOW)
    assert shown_before is not None and shown_before.grade == 0  # no fever, and not yet after steroids
    assert shown_after is not None and shown_after.grade == 3
