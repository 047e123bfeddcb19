"""Findings the nurse must state: no default, no answer sent as "no", and a message in words when unanswered."""

from typing import Any

import pytest

from dashboard.views.answers import ICP_NONE_AND_FINDING, NO_VITAL_SIGN, clinical, form_problems, lines
from dashboard.views.form_layout import control
from dashboard.views.forms import KINDS, body_from_values, field_errors, form_fields
from data.schemas import RECORD_SCHEMAS
from data.validation import InvalidInput, parse
from tests.unit.dashboard.factories import NOW, TZ, walk

STATED = {
    "crs-assessments": {"temperature_c", "hypotension", "oxygen"},
    "neuro-assessments": {"consciousness", "seizure", "deep_focal_motor_weakness", "icp_findings"},
    "neuro-events": {"event"},
    "monitoring-exceptions": {"ends_at", "reason", "items", "note"},
    "organ-findings": {"finding"},
    "routine-interventions": {"item"},
    "clinical-reviews": {"note"},
}


def _errors(kind: str, values: dict[str, Any], tool: str = "ICE") -> tuple[dict[str, str], list[str]]:
    body = body_from_values(kind, values, TZ, NOW, tool)
    with pytest.raises(InvalidInput) as caught:
        parse(RECORD_SCHEMAS[kind], body, NOW)
    return field_errors(clinical(kind, tool, caught.value), [f.name for f in form_fields(kind, tool)])


def test_every_finding_that_must_be_stated_has_no_default_and_says_how_to_answer() -> None:
    for kind in KINDS:
        required = {f.name for f in form_fields(kind) if f.unanswered}
        assert required == STATED.get(kind, set()), kind
        for field in form_fields(kind):
            if field.unanswered:
                assert field.default is None and field.unanswered.endswith("."), field.name


@pytest.mark.parametrize("kind", ["crs-assessments", "neuro-assessments"])
def test_an_empty_form_names_every_unanswered_finding_in_words(kind: str) -> None:
    errors, _general = _errors(kind, {})
    for name in STATED[kind]:
        assert errors[name] == next(f.unanswered for f in form_fields(kind) if f.name == name)


def test_the_messages_say_what_is_missing_and_how_to_answer_it() -> None:
    errors, _general = _errors("crs-assessments", {"temperature_c": 38.0, "oxygen": "room_air"})
    assert errors == {"hypotension": "Hypotension not answered: choose yes or no."}
    answered = {"consciousness": "alert", "seizure": "none", "deep_focal_motor_weakness": "no"}
    errors, _general = _errors("neuro-assessments", {"capd_score": 0, **answered}, tool="CAPD")
    assert errors == {"icp_findings": "Raised ICP findings not answered: tick each finding seen, or none."}


def test_yes_and_no_are_answers_and_no_answer_is_left_out() -> None:
    answered = body_from_values("crs-assessments", {"hypotension": "no", "oxygen": "room_air"}, TZ, NOW)
    assert answered["hypotension"] is False and answered["oxygen"] == "room_air"
    assert body_from_values("crs-assessments", {"hypotension": "yes"}, TZ, NOW)["hypotension"] is True
    assert "hypotension" not in body_from_values("crs-assessments", {"hypotension": None, "oxygen": ""}, TZ, NOW)
    neuro = body_from_values("neuro-assessments", {"deep_focal_motor_weakness": "no"}, TZ, NOW)
    assert neuro["deep_focal_motor_weakness"] is False


def test_raised_icp_none_is_an_answer_and_nothing_ticked_is_not() -> None:
    assert body_from_values("neuro-assessments", {"icp_findings": ["none"]}, TZ, NOW)["icp_findings"] == []
    found = body_from_values("neuro-assessments", {"icp_findings": ["papilledema"]}, TZ, NOW)
    assert found["icp_findings"] == ["papilledema"]
    assert "icp_findings" not in body_from_values("neuro-assessments", {"icp_findings": []}, TZ, NOW)


def test_none_ticked_with_a_finding_is_refused_by_the_form() -> None:
    assert form_problems("neuro-assessments", {"icp_findings": ["none", "papilledema"]}) == {
        "icp_findings": ICP_NONE_AND_FINDING
    }
    assert form_problems("neuro-assessments", {"icp_findings": ["none"]}) == {}
    assert form_problems("crs-assessments", {"icp_findings": ["none", "papilledema"]}) == {}


def test_an_empty_vasopressor_list_is_the_answer_none_but_an_empty_exception_list_is_no_answer() -> None:
    assert body_from_values("crs-assessments", {"vasopressors": []}, TZ, NOW)["vasopressors"] == []
    assert "items" not in body_from_values("monitoring-exceptions", {"items": []}, TZ, NOW)


def test_an_exceptions_end_is_never_taken_as_now() -> None:
    body = body_from_values("monitoring-exceptions", {"ends_at": ""}, TZ, NOW)
    assert body["starts_at"] == NOW.isoformat() and "ends_at" not in body
    errors, _general = _errors("monitoring-exceptions", {"reason": "off_ward", "items": ["obs"], "note": "in CT"})
    assert errors == {"ends_at": "End not entered: enter when the exception ends (at most 72 h after it starts)."}
    later = body_from_values("monitoring-exceptions", {"ends_at": "2026-11-24T15:00"}, TZ, NOW)
    assert later["ends_at"] == "2026-11-24T15:00:00+00:00"


def test_an_obs_set_without_a_vital_sign_says_so() -> None:
    errors, general = _errors("observations", {"oxygen_device": "room_air"})
    assert errors == {} and general == [NO_VITAL_SIGN]


def test_other_errors_keep_the_schemas_words() -> None:
    errors, _general = _errors("crs-assessments", {"temperature_c": 98.6, "hypotension": "no", "oxygen": "room_air"})
    assert errors == {"temperature_c": "98.6 is outside 30-45 °C (looks like Fahrenheit)"}


def test_a_preview_lists_what_is_unanswered_in_words() -> None:
    body = body_from_values("crs-assessments", {"temperature_c": 37.0, "oxygen": "room_air"}, TZ, NOW)
    with pytest.raises(InvalidInput) as caught:
        parse(RECORD_SCHEMAS["crs-assessments"], body, NOW)
    assert lines("crs-assessments", "ICE", caught.value) == ["Hypotension not answered: choose yes or no."]


def _props(kind: str, name: str, value: Any = None, permissions: frozenset[str] = frozenset()) -> Any:
    field = next(f for f in form_fields(kind) if f.name == name)
    return walk(control(kind, field, value, permissions))[0]


def test_a_yes_no_finding_offers_both_answers_and_chooses_neither() -> None:
    radio = _props("crs-assessments", "hypotension")
    assert type(radio).__name__ == "RadioItems" and radio.value is None
    assert [o["value"] for o in radio.options] == ["yes", "no"]


def test_a_select_that_must_be_answered_shows_not_answered_until_chosen() -> None:
    select = _props("neuro-assessments", "seizure")
    assert select.placeholder == "— not answered —" and select.value == ""
    assert "" not in [o["value"] for o in select.options]  # not a choice once answered
    assert {"label": "no seizure", "value": "none"} in select.options
    assert {"label": "fully alert", "value": "alert"} in _props("neuro-assessments", "consciousness").options


def test_the_obs_oxygen_device_starts_not_recorded_and_can_be_taken_back() -> None:
    select = _props("observations", "oxygen_device")
    assert select.value == "" and select.options[0] == {"label": "— not recorded —", "value": ""}


def test_raised_icp_findings_offer_none_apart_from_the_findings_in_the_guidelines_words() -> None:
    boxes = _props("neuro-assessments", "icp_findings")
    assert boxes.value == [] and boxes.options[0] == {"label": "none of these", "value": "none"}
    assert {"label": "papilloedema", "value": "papilledema"} in boxes.options


def test_paused_by_a_doctor_is_offered_only_with_the_pause_permission() -> None:
    nurse = [o["value"] for o in _props("monitoring-exceptions", "reason").options]
    doctor = [
        o["value"] for o in _props("monitoring-exceptions", "reason", None, frozenset({"pause_monitoring"})).options
    ]
    assert nurse == ["off_ward", "refused"]
    assert doctor == ["off_ward", "refused", "paused_by_doctor"]


def test_neurological_events_are_offered_in_the_guidelines_words() -> None:
    labels = {o["value"]: o["label"] for o in _props("neuro-events", "event").options}
    assert labels["prolonged_over_5_min"] == "Status epilepticus: life-threatening prolonged seizure > 5 min"
    assert labels["deep_focal_motor_weakness"] == "Motor: deep focal motor weakness (hemiparesis or paraparesis)"
    assert labels["cushings_triad"] == "Raised ICP: Cushing's triad"
    assert "none" not in labels
