from datetime import timedelta

from dashboard.views.form_layout import form
from dashboard.views.prefill import crs_prefill, initial_values, mark, marks, prefilled, refill, source_text
from tests.unit.dashboard.factories import NOW, TZ, obs, walk


def test_the_crs_form_takes_only_what_the_obs_recorded() -> None:
    latest = obs(
        temperature_c=38.6, vasopressors=["noradrenaline"], oxygen_device="nasal_cannula", oxygen_flow_l_min=4.0
    )
    assert crs_prefill(latest) == {
        "temperature_c": 38.6,
        "oxygen": "nasal_cannula",
        "oxygen_flow_l_min": 4.0,
        "vasopressors": ["noradrenaline"],
    }
    # An obs that recorded no oxygen device and no temperature pre-fills neither: nothing is assumed.
    assert crs_prefill(obs(temperature_c=None, oxygen_device=None, vasopressors=[], spo2=95)) == {}


def test_hypotension_is_never_pre_filled_even_on_vasopressors() -> None:
    values = initial_values("crs-assessments", "ICE", NOW, TZ, obs(vasopressors=["noradrenaline"]))
    assert values["hypotension"] is None and values["vasopressors"] == ["noradrenaline"]


def test_findings_that_must_be_stated_open_unanswered() -> None:
    crs = initial_values("crs-assessments", "ICE", NOW, TZ)
    assert crs["assessed_at"] is None  # empty: the moment of saving, not of opening the page
    assert (crs["hypotension"], crs["oxygen"], crs["temperature_c"]) == (None, None, None)
    neuro = initial_values("neuro-assessments", "ICE", NOW, TZ)
    for name in ("consciousness", "seizure", "deep_focal_motor_weakness", "icp_findings"):
        assert neuro[name] is None, name
    assert initial_values("observations", "ICE", NOW, TZ)["oxygen_device"] is None
    exception = initial_values("monitoring-exceptions", "ICE", NOW, TZ)
    assert exception["starts_at"] is None and exception["ends_at"] is None


def test_the_source_names_the_obs_and_its_time_with_the_day_when_not_today() -> None:
    assert source_text(obs(NOW - timedelta(minutes=55)), NOW, TZ) == "obs at 11:05"
    assert source_text(obs(NOW - timedelta(hours=14)), NOW, TZ) == "obs at Mon 23 Nov 22:00"


def test_each_pre_filled_value_is_marked_until_the_nurse_changes_it() -> None:
    filled = prefilled("crs-assessments", obs(NOW - timedelta(hours=1), temperature_c=38.6), NOW, TZ)
    assert filled == {
        "temperature_c": {"value": 38.6, "source": "obs at 11:00"},
        "oxygen": {"value": "room_air", "source": "obs at 11:00"},
    }
    assert mark("temperature_c", 38.6, filled) == "from obs at 11:00"
    assert mark("temperature_c", 39.1, filled) == "changed: the obs at 11:00 had 38.6"
    assert mark("oxygen", "facemask", filled) == "changed: the obs at 11:00 had room air"
    assert mark("hypotension", "no", filled) == ""
    names = ["temperature_c", "hypotension", "oxygen"]
    assert marks(names, {"temperature_c": 38.6, "oxygen": "room_air"}, filled) == [
        "from obs at 11:00",
        "",
        "from obs at 11:00",
    ]


def test_ticked_vasopressors_in_another_order_are_still_the_obs_values() -> None:
    filled = {"vasopressors": {"value": ["noradrenaline", "vasopressin"], "source": "obs at 11:00"}}
    assert mark("vasopressors", ["vasopressin", "noradrenaline"], filled) == "from obs at 11:00"
    assert mark("vasopressors", ["vasopressin"], filled) == ("changed: the obs at 11:00 had noradrenaline, vasopressin")


def _markers(component: object) -> dict[str, object]:
    return {
        p.id["name"]: p.children
        for p in walk(component)
        if isinstance(getattr(p, "id", None), dict) and p.id["type"] == "patient-prefill"
    }


def test_only_forms_that_pre_fill_carry_markers_and_they_show_the_source() -> None:
    filled = {"temperature_c": {"value": 38.6, "source": "obs at 11:00"}}
    values = {**initial_values("crs-assessments", "ICE", NOW, TZ), "temperature_c": 38.6}
    shown = {
        name: text for name, text in _markers(form("crs-assessments", "ICE", values, filled=filled)).items() if text
    }
    assert shown == {"temperature_c": "from obs at 11:00"}
    neuro = form("neuro-assessments", "ICE", initial_values("neuro-assessments", "ICE", NOW, TZ))
    assert _markers(neuro) == {}


def test_newer_obs_move_the_prefill_on_but_never_over_what_the_nurse_answered() -> None:
    old = {
        "temperature_c": {"value": 37.2, "source": "obs at 10:00"},
        "oxygen": {"value": "room_air", "source": "obs at 10:00"},
    }
    newest = {"temperature_c": {"value": 38.9, "source": "obs at 12:00"}}
    names = ["temperature_c", "oxygen", "hypotension"]
    untouched = {"temperature_c": 37.2, "oxygen": "room_air", "hypotension": "no"}
    values, sources = refill(names, untouched, old, newest)
    # The temperature follows the newest obs; that obs recorded no device, so the device is no longer pre-filled.
    assert values == [38.9, None, "no"] and sources == newest
    answered = {**untouched, "temperature_c": 37.6}
    values, sources = refill(names, answered, old, newest)
    assert values[0] == 37.6 and sources["temperature_c"] == old["temperature_c"]
    cleared = dict.fromkeys(names)  # the form after a save: pre-filled again from the newest obs
    assert refill(names, cleared, old, newest)[0] == [38.9, None, None]
