import itertools
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.views.palette import GRADE_COLOURS
from dashboard.views.timeline import hypotension_level, oxygen_level
from dashboard.views.trajectory import panel_domains, runs, trajectory_figure
from dashboard.views.trajectory_axes import VIEWS, TimeAxis, ticks, view_named
from dashboard.views.trajectory_key import GLYPHS, key_entries
from dashboard.views.trajectory_panels import MARKER_LIMIT
from tests.unit.dashboard.factories import NOW, TZ
from tests.unit.dashboard.frames import ORIGIN, empty, frames
from toxicity import FEVER_THRESHOLD_C, HLH_FERRITIN_THRESHOLD_NG_ML, ICE_BANDS
from toxicity.neutropenia import NEUTROPENIA_THRESHOLD

# ORIGIN is Sat 21 Nov 12:00 in London (GMT): x = 0 is 00:00 that day, so the infusion is at x = 0.5 and NOW
# (Tue 24 Nov 12:00) at x = 3.5.


def _figure(tool: str = "ICE", view: str = "all", data: Any = None) -> dict[str, Any]:
    return trajectory_figure(data if data is not None else frames(tool), ORIGIN, NOW, TZ, tool, view_key=view)


def _trace(figure: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in figure["data"] if t["name"] == name)


def _shapes(figure: dict[str, Any], yref: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [s for s in figure["layout"]["shapes"] if s.get("yref") == yref and kind in (None, s["type"])]


def test_the_figure_is_a_plain_dict_with_no_template_and_plain_scatter() -> None:
    figure = _figure()
    json.dumps(figure)  # plain data all the way down
    assert figure["layout"]["template"] == "none"
    assert {t["type"] for t in figure["data"]} == {"scatter"}


def test_nine_stacked_panels_each_have_their_own_x_axis_matched_to_the_first() -> None:
    layout = _figure()["layout"]
    y_axes = sorted(k for k in layout if k.startswith("yaxis"))
    x_axes = sorted(k for k in layout if k.startswith("xaxis"))
    assert len(y_axes) == len(x_axes) == 9
    assert all(layout[x]["matches"] == "x" for x in x_axes if x != "xaxis")
    assert all(layout[x]["ticktext"] == layout["xaxis"]["ticktext"] for x in x_axes)
    domains = sorted(panel_domains().values())
    assert all(low < high for low, high in domains)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(domains))  # a gap under each panel for its labels


def test_x_is_days_on_the_ward_clock_since_midnight_of_day_0_with_clock_time_on_hover() -> None:
    temperature = _trace(_figure(), "Temperature °C")
    assert temperature["x"] == [0.5, 1.0, 1.5, 2.0]
    assert temperature["customdata"][0] == "Sat 21 Nov 12:00"


def test_the_whole_stay_is_labelled_in_days_since_infusion() -> None:
    axis = _figure()["layout"]["xaxis"]
    assert axis["range"] == [0.0, pytest.approx(3.54)]
    assert list(zip(axis["tickvals"], axis["ticktext"], strict=True)) == [(0, "D0"), (1, "D+1"), (2, "D+2"), (3, "D+3")]
    assert _figure()["layout"]["xaxis9"]["title"]["text"].startswith("days since infusion")


@pytest.mark.parametrize(
    ("view", "first", "labels"),
    [
        ("24h", 2.5, ["12:00", "15:00", "18:00", "21:00", "D+3 00:00", "03:00", "06:00", "09:00", "12:00"]),
        ("72h", 0.5, ["12:00", "18:00", "D+1 00:00", "06:00"]),
    ],
)
def test_the_24_and_72_hour_views_are_labelled_in_clock_times_with_the_day_at_midnight(
    view: str, first: float, labels: list[str]
) -> None:
    axis = _figure(view=view)["layout"]["xaxis"]
    assert axis["range"][0] == first
    assert axis["ticktext"][: len(labels)] == labels


def test_day_ticks_thin_out_over_a_long_stay_but_keep_day_0() -> None:
    axis = TimeAxis.starting(ORIGIN, TZ, "infusion")
    values, labels = ticks(axis, view_named("all"), -1.0, 30.2)
    assert len(values) <= 12
    assert {"D0", "D+14", "D+28"} <= set(labels) and "D+1" not in labels


def test_a_day_starts_at_local_midnight_across_the_clock_change() -> None:
    # The clocks went back at 02:00 on Sun 25 Oct 2026 in London: 00:00 on Mon 26 Oct is still a whole day number.
    axis = TimeAxis.starting(datetime(2026, 10, 24, 9, 0, tzinfo=UTC), TZ, "infusion")
    assert axis.x(datetime(2026, 10, 26, 0, 0, tzinfo=UTC)) == 2.0  # GMT again by then
    assert axis.x(datetime(2026, 10, 24, 23, 0, tzinfo=UTC)) == 1.0  # 00:00 BST on the 25th


def test_without_an_infusion_the_days_count_from_admission() -> None:
    figure = trajectory_figure(frames(), ORIGIN, NOW, TZ, "ICE", "admission")
    assert figure["layout"]["xaxis"]["ticktext"][:2] == ["A0", "A+1"]
    assert figure["layout"]["annotations"][0]["text"] == "admission Sat 21 Nov 12:00"


def test_a_labelled_line_marks_the_infusion_through_every_panel() -> None:
    figure = _figure()
    lines = [s for s in _shapes(figure, "paper", "line") if "dash" not in s["line"]]
    assert [(s["x0"], s["y0"], s["y1"]) for s in lines] == [(0.5, 0, 1)]
    assert figure["layout"]["annotations"][0]["text"] == "infusion Sat 21 Nov 12:00"


def test_a_planned_infusion_is_marked_as_planned_and_kept_in_view() -> None:
    planned = NOW + timedelta(days=2)
    figure = trajectory_figure(frames(), planned, NOW, TZ, "ICE")
    assert figure["layout"]["annotations"][0]["text"].startswith("infusion (planned) Thu 26 Nov")
    assert figure["layout"]["xaxis"]["range"][1] > 0.5  # the line at D0 12:00 is inside the chart


def test_the_infusion_line_is_left_out_of_a_view_that_does_not_reach_it() -> None:
    assert _figure(view="24h")["layout"]["annotations"] == []


def _dose_lines(figure: dict[str, Any]) -> dict[str, list[float]]:
    """By line pattern, where the dose lines cross the chart (one path a drug, a stroke a dose)."""
    return {
        s["line"]["dash"]: [float(part.split(",")[0]) for part in s["path"].split("M")[1:]]
        for s in _shapes(figure, "paper", "path")
    }


def test_the_key_says_what_each_mark_band_colour_and_line_means_and_matches_the_chart() -> None:
    figure = _figure()
    assert figure["layout"]["showlegend"] is False  # the key is HTML above the chart, not drawn in the figure
    entries = {e.name: e for e in key_entries("ICE")}
    names = list(entries)
    assert names[:3] == ["tocilizumab", "steroid", "anakinra"]
    assert [f"grade {g}" for g in range(5)] == [n for n in names if n.startswith("grade")]
    assert f"fever ≥ {FEVER_THRESHOLD_C:g} °C" in names
    assert "HLH screen: ferritin 10,000" in names and "infusion (day 0)" in names
    assert f"neutropenia: below {NEUTROPENIA_THRESHOLD:g}" in names
    assert entries["grade 3"].colour == GRADE_COLOURS[3][0]
    toci = _trace(figure, "tocilizumab")
    assert (entries["tocilizumab"].symbol, entries["tocilizumab"].colour) == (
        toci["marker"]["symbol"],
        toci["marker"]["color"],
    )
    assert entries["tocilizumab dose"].dash in _dose_lines(figure)
    unable = _trace(figure, "ICE: unable to perform")["marker"]
    assert (entries["ICE: unable to perform"].symbol, entries["ICE: unable to perform"].colour) == (
        unable["symbol"],
        unable["color"],
    )
    assert "CAPD: unable to perform" in [e.name for e in key_entries("CAPD")]


def test_tocilizumab_steroid_and_anakinra_differ_in_shape_and_line_pattern_not_only_colour() -> None:
    entries = {e.name: e for e in key_entries("ICE")}
    marks = [entries[name] for name in ("tocilizumab", "steroid", "anakinra")]
    assert len({m.symbol for m in marks}) == 3 and len({GLYPHS[m.symbol] for m in marks}) == 3
    assert len({m.colour for m in marks}) == 3
    assert len({entries[f"{name} dose"].dash for name in ("tocilizumab", "steroid", "anakinra")}) == 3
    figure = _figure()
    assert set(_dose_lines(figure)) == {"dot", "dash"}  # tocilizumab and dexamethasone were given; no anakinra
    assert not any(t["name"] == "anakinra" for t in figure["data"])  # nothing to draw; the key still shows it


def test_tocilizumab_and_steroids_are_marked_with_their_dose_but_other_drugs_are_not() -> None:
    figure = _figure()
    toci = _trace(figure, "tocilizumab")
    assert toci["customdata"][0][:2] == ["tocilizumab", "560 mg IV"]
    assert _trace(figure, "steroid")["x"] == [2.0]
    assert not any(t["name"] == "levetiracetam" for t in figure["data"])
    assert _dose_lines(figure)["dash"] == [2.0]  # the steroid's one dose, a line through every panel
    assert len(_dose_lines(figure)["dot"]) == len(toci["x"])


def test_text_from_records_reaches_the_chart_escaped() -> None:
    data = frames()
    data.meds.loc[0, "drug"] = "<b onmouseover=alert(1)>tocilizumab</b>"
    data.crs.at[0, "reasons"] = ["override: <a href='javascript:x'>see notes</a>"]
    figure = _figure(data=data)
    assert _trace(figure, "tocilizumab")["customdata"][0][0] == "&lt;b onmouseover=alert(1)&gt;tocilizumab&lt;/b&gt;"
    assert "<a" not in _trace(figure, "CRS grade")["customdata"][0][2]


def test_the_fever_band_starts_at_the_rule_threshold() -> None:
    fever = _shapes(_figure(), "y2", "rect")
    assert fever[0]["y0"] == FEVER_THRESHOLD_C


def test_ice_bands_come_from_the_rules_and_unable_is_marked_not_scored() -> None:
    figure = _figure()
    bands = _shapes(figure, "y5")
    assert [(b["y0"], b["y1"]) for b in bands] == [(b.low - 0.5, b.high + 0.5) for b in ICE_BANDS]
    assert _trace(figure, "ICE")["y"] == [6]
    unable = _trace(figure, "ICE: unable to perform")
    assert (unable["x"], unable["y"], unable["mode"]) == ([2.0], [0], "markers")
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
    assert any(s["y0"] == HLH_FERRITIN_THRESHOLD_NG_ML for s in _shapes(figure, "y6"))


def test_neutrophils_have_the_neutropenia_line_and_platelets_their_own_panel() -> None:
    figure = _figure()
    assert _trace(figure, "Neutrophils ×10⁹/L")["y"] == [0.3, 0.9]
    assert [s["y0"] for s in _shapes(figure, "y8")] == [NEUTROPENIA_THRESHOLD]
    low, high = figure["layout"]["yaxis8"]["range"]
    assert low <= NEUTROPENIA_THRESHOLD < high
    platelets = _trace(figure, "Platelets ×10⁹/L")
    assert (platelets["y"], platelets["yaxis"], platelets["xaxis"]) == ([42.0], "y9", "x9")


def test_the_grade_strip_bands_run_until_the_next_assessment_or_now() -> None:
    crs = [s for s in _shapes(_figure(), "y", "rect") if s["y0"] < 1]
    assert [(s["x0"], s["x1"]) for s in crs] == [(1.0, 1.5), (1.5, 3.5)]


def test_grade_strip_hover_gives_the_grade_its_rule_set_and_an_override() -> None:
    strip = _trace(_figure(), "CRS grade")
    assert [row[0] for row in strip["customdata"]] == [1, 3]
    assert [row[3] for row in strip["customdata"]] == ["ASTCT 2019", "ASTCT 2019, override"]
    assert strip["customdata"][1][2].startswith("override to grade 3: clinical concern")
    assert "(%{customdata[3]})" in strip["hovertemplate"]


def test_every_band_in_view_is_numbered_where_it_starts_or_where_the_view_starts() -> None:
    def numbers(view: str) -> list[tuple[float, str]]:
        labels = _trace(_figure(view=view), "grade numbers")
        return [(round(x, 2), text) for x, y, text in zip(labels["x"], labels["y"], labels["text"], strict=True)]

    # CRS 1 then 3 from D+1 12:00; ICANS 2 then 4 from D+2 00:00.
    assert numbers("all") == [(1.01, "1"), (1.51, "3"), (1.51, "2"), (2.01, "4")]
    # The 24 h view starts at D+2 12:00, inside the last bands: their numbers are kept, at its left edge.
    assert numbers("24h") == [(2.51, "3"), (2.51, "4")]


def test_a_view_holds_only_its_window_and_the_reading_before_it() -> None:
    temperature = _trace(_figure(view="24h"), "Temperature °C")
    assert temperature["x"] == [2.0]  # the last reading before D+2 12:00: the line enters from the edge
    assert _trace(_figure(view="all"), "Temperature °C")["x"] == [0.5, 1.0, 1.5, 2.0]


def test_a_long_series_is_drawn_as_a_line_without_a_marker_for_each_point() -> None:
    hours = [ORIGIN + timedelta(hours=4 * i) for i in range(MARKER_LIMIT + 1)]
    obs = pd.DataFrame({"taken_at": hours, "temperature_c": [37.0] * len(hours)})
    data = frames()
    long = type(data)(obs=obs, crs=data.crs, neuro=data.neuro, labs=data.labs, meds=data.meds)
    assert _trace(_figure(data=long), "Temperature °C")["mode"] == "lines"
    assert _trace(_figure(), "Temperature °C")["mode"] == "lines+markers"


def test_the_views_are_24_hours_72_hours_and_the_whole_stay() -> None:
    assert [(v.key, v.label) for v in VIEWS] == [("24h", "24 h"), ("72h", "72 h"), ("all", "all")]
    assert view_named("nonsense").key == "all"


def test_a_patient_with_no_records_still_gets_every_panel() -> None:
    figure = trajectory_figure(empty(), ORIGIN, NOW, TZ, "ICE")
    assert len([k for k in figure["layout"] if k.startswith("yaxis")]) == 9


def test_haemodynamics_and_oxygen_are_ordinal_steps() -> None:
    figure = _figure()
    assert _trace(figure, "Haemodynamics")["y"] == [0, 2]
    assert _trace(figure, "Haemodynamics")["line"]["shape"] == "hv"
    assert _trace(figure, "Oxygen")["y"] == [0, 1]
    assert figure["layout"]["yaxis4"]["ticktext"] == ["room air", "low-flow", "high-flow/mask", "pos. pressure"]


def test_oxygen_hover_says_the_device_flow_and_level_as_the_bay_card_does() -> None:
    hover = _trace(_figure(), "Oxygen")["customdata"]
    assert hover == ["room air<br>Sun 22 Nov 00:00", "nasal cannula 3 L/min (low-flow)<br>Sun 22 Nov 12:00"]


def test_assessments_with_the_same_grade_make_one_band() -> None:
    assert runs([0.0, 0.5, 1.0], [0.5, 1.0, 2.0], [1, 1, 2]) == [(0.0, 1.0, 1), (1.0, 2.0, 2)]


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


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"]),
    offsets=st.lists(st.integers(min_value=-40 * 86_400_000_000, max_value=400 * 86_400_000_000), max_size=40),
)
def test_points_converted_together_land_where_each_one_would(zone: str, offsets: list[int]) -> None:
    """A chart's points are placed on the ward's clock together; each lands where it would alone, across
    clock changes, whatever zone the stored time carries."""
    axis = TimeAxis.starting(datetime(2026, 3, 20, 5, tzinfo=UTC), zone, "infusion")
    times = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(microseconds=offset) for offset in offsets]
    times += [when.astimezone(ZoneInfo("Asia/Kolkata")) for when in times[:3]]
    assert axis.xs(times) == [axis.x(when) for when in times]
    assert axis.xs(pd.Series(times[:5], dtype=object)) == [axis.x(when) for when in times[:5]]
