import itertools
import json
import math
from typing import Any

import pytest

from dashboard.views.timeline import hypotension_level, oxygen_level
from dashboard.views.trajectory import panel_domains, runs, trajectory_figure
from tests.unit.dashboard.factories import NOW, TZ
from tests.unit.dashboard.frames import ORIGIN, empty, frames
from toxicity import FEVER_THRESHOLD_C, HLH_FERRITIN_THRESHOLD_NG_ML, ICE_BANDS


def _figure(tool: str = "ICE") -> dict[str, Any]:
    return trajectory_figure(frames(tool), ORIGIN, NOW, TZ, tool)


def _trace(figure: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in figure["data"] if t["name"] == name)


def test_the_figure_is_a_plain_dict_with_no_template_and_plain_scatter() -> None:
    figure = _figure()
    json.dumps(figure)  # plain data all the way down
    assert figure["layout"]["template"] == "none"
    assert {t["type"] for t in figure["data"]} == {"scatter"}


def test_seven_stacked_panels_share_one_x_axis_without_overlap() -> None:
    figure = _figure()
    axes = [k for k in figure["layout"] if k.startswith("yaxis")]
    assert len(axes) == 7
    domains = sorted(panel_domains().values())
    assert all(low < high for low, high in domains)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(domains))
    assert all(t["xaxis"] == "x" for t in figure["data"])


def test_x_is_days_since_infusion_with_clock_time_on_hover() -> None:
    temperature = _trace(_figure(), "Temperature °C")
    assert temperature["x"] == [0.0, 0.5, 1.0, 1.5]
    assert temperature["customdata"][0] == "Sat 21 Nov 12:00"


def test_the_fever_band_starts_at_the_rule_threshold() -> None:
    shapes = _figure()["layout"]["shapes"]
    fever = [s for s in shapes if s.get("yref") == "y2" and s["type"] == "rect"]
    assert fever[0]["y0"] == FEVER_THRESHOLD_C


def test_ice_bands_come_from_the_rules_and_unable_is_marked_not_scored() -> None:
    figure = _figure()
    bands = [s for s in figure["layout"]["shapes"] if s.get("yref") == "y5"]
    assert [(b["y0"], b["y1"]) for b in bands] == [(b.low - 0.5, b.high + 0.5) for b in ICE_BANDS]
    assert _trace(figure, "ICE")["y"] == [6]
    unable = _trace(figure, "ICE: unable to perform")
    assert (unable["x"], unable["y"], unable["mode"]) == ([1.5], [0], "markers")
    assert "(grade 4)" in unable["hovertemplate"]


def test_children_get_the_capd_scale() -> None:
    figure = _figure("CAPD")
    assert figure["layout"]["yaxis5"]["range"] == [-0.5, 32.5]
    assert _trace(figure, "CAPD")["y"] == [9]


def test_ferritin_is_on_a_log_axis_with_the_hlh_line_in_view() -> None:
    figure = _figure()
    axis = figure["layout"]["yaxis6"]
    assert axis["type"] == "log"
    low, high = axis["range"]
    assert low < math.log10(HLH_FERRITIN_THRESHOLD_NG_ML) < high
    assert any(s.get("yref") == "y6" and s["y0"] == HLH_FERRITIN_THRESHOLD_NG_ML for s in figure["layout"]["shapes"])


def test_tocilizumab_and_steroids_are_marked_with_their_dose_but_other_drugs_are_not() -> None:
    figure = _figure()
    toci = _trace(figure, "tocilizumab")
    assert toci["customdata"][0][:2] == ["tocilizumab", "560 mg IV"]
    assert _trace(figure, "steroid")["x"] == [1.5]
    assert not any(t["name"] == "levetiracetam" for t in figure["data"])
    lines = [s for s in figure["layout"]["shapes"] if s.get("yref") == "paper"]
    assert len(lines) == 2


def test_the_grade_strip_bands_run_until_the_next_assessment_or_now() -> None:
    shapes = [s for s in _figure()["layout"]["shapes"] if s.get("yref") == "y" and s["type"] == "rect"]
    crs = [s for s in shapes if s["y0"] < 1]
    assert [(s["x0"], s["x1"]) for s in crs] == [(0.5, 1.0), (1.0, 3.0)]


def test_haemodynamics_and_oxygen_are_ordinal_steps() -> None:
    figure = _figure()
    assert _trace(figure, "Haemodynamics")["y"] == [0, 2]
    assert _trace(figure, "Haemodynamics")["line"]["shape"] == "hv"
    assert _trace(figure, "Oxygen")["y"] == [0, 1]
    assert figure["layout"]["yaxis4"]["ticktext"] == ["room air", "low-flow", "high-flow/mask", "pos. pressure"]


def test_oxygen_hover_says_the_device_flow_and_level_as_the_bay_card_does() -> None:
    hover = _trace(_figure(), "Oxygen")["customdata"]
    assert hover == ["room air<br>Sun 22 Nov 00:00", "nasal cannula 3 L/min (low-flow)<br>Sun 22 Nov 12:00"]


def test_grade_strip_hover_gives_the_grade_its_rule_set_and_an_override() -> None:
    strip = _trace(_figure(), "CRS grade")
    assert [row[0] for row in strip["customdata"]] == [1, 3]
    assert [row[3] for row in strip["customdata"]] == ["ASTCT 2019", "ASTCT 2019, override"]
    assert strip["customdata"][1][2].startswith("override to grade 3: clinical concern")
    assert "(%{customdata[3]})" in strip["hovertemplate"]
    assert strip["text"] == ["1", "3"]


def test_assessments_with_the_same_grade_make_one_band() -> None:
    assert runs([0.0, 0.5, 1.0], [0.5, 1.0, 2.0], [1, 1, 2]) == [(0.0, 1.0, 1), (1.0, 2.0, 2)]


def test_range_buttons_show_24_hours_72_hours_and_all() -> None:
    menu = _figure()["layout"]["updatemenus"][0]
    assert [b["label"] for b in menu["buttons"]] == ["24 h", "72 h", "all"]
    assert menu["buttons"][0]["args"][0]["xaxis.range"] == pytest.approx([2.0, 3.05])


def test_a_patient_with_no_records_still_gets_every_panel() -> None:
    figure = trajectory_figure(empty(), ORIGIN, NOW, TZ, "ICE")
    assert len([k for k in figure["layout"] if k.startswith("yaxis")]) == 7


@pytest.mark.parametrize(
    ("hypotension", "vasopressors", "level"),
    [
        (False, [], 0),
        (True, [], 1),
        (True, ["vasopressin"], 2),
        (True, ["noradrenaline", "vasopressin"], 2),
        (True, ["noradrenaline", "phenylephrine"], 3),
    ],
    ids=["none", "fluids", "vasopressin alone", "one plus vasopressin", "two"],
)
def test_hypotension_levels_follow_the_rules(hypotension: bool, vasopressors: list[str], level: int) -> None:
    assert hypotension_level(hypotension, vasopressors) == level


@pytest.mark.parametrize(
    ("device", "flow", "level"),
    [
        ("room_air", None, 0),
        ("nasal_cannula", 6.0, 1),
        ("nasal_cannula", 6.1, 2),
        ("facemask", 2.0, 2),
        ("cpap", None, 3),
        ("nasal_cannula", None, None),
    ],
    ids=["room air", "6.0 low", "6.1 high", "mask", "cpap", "cannula without flow"],
)
def test_oxygen_levels_follow_the_rules(device: str, flow: float | None, level: int | None) -> None:
    assert oxygen_level(device, flow) == level
