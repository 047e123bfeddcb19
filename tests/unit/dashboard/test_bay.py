from datetime import timedelta

from dashboard.views.bay import (
    LEAVES,
    TIMER_LEAVES,
    bed_card,
    card_leaves,
    haemodynamics_text,
    neuro_text,
    ordered_values,
    oxygen_text,
    temperature_text,
    timer_leaves,
    timers_store,
)
from dashboard.views.board import AlertSummary, BoardSnapshot, Pulse
from dashboard.views.grades import GradeView
from tests.unit.dashboard.factories import NOW, TZ, bed, hlh, neuro, obs


def test_card_leaves_cover_every_refreshed_leaf() -> None:
    assert set(card_leaves(bed(), TZ)) == set(LEAVES)


def test_grade_badges_show_the_number_and_a_palette_class() -> None:
    leaves = card_leaves(bed(), TZ)
    assert leaves[("crs", "children")] == "CRS 1"
    assert leaves[("crs", "className")] == "grade-badge grade-1"
    assert leaves[("icans", "children")] == "ICANS 0"


def test_a_provisional_grade_is_marked_in_words_and_style() -> None:
    provisional = GradeView("CRS", 2, True, "provisional, from obs at 12:00", ("hypoxia",))
    leaves = card_leaves(bed(crs=provisional), TZ)
    assert leaves[("crs-note", "children")] == "provisional"
    assert leaves[("crs", "className")].endswith("provisional")
    assert "from obs at 12:00" in leaves[("crs", "title")]


def test_last_values_read_in_words() -> None:
    b = bed(obs=obs(NOW, temperature_c=38.45, vasopressors=["noradrenaline", "vasopressin"]))
    assert temperature_text(b, TZ) == "38.5 °C at 12:00"
    assert haemodynamics_text(b) == "vasopressor: noradrenaline, vasopressin"
    assert haemodynamics_text(bed(obs=obs(vasopressors=["noradrenaline", "phenylephrine"]))).startswith("multiple")
    assert haemodynamics_text(bed(obs=obs())) == "no vasopressors"


def test_oxygen_reads_with_device_flow_and_level() -> None:
    assert oxygen_text(bed(obs=obs())) == "room air"
    text = oxygen_text(bed(obs=obs(oxygen_device="low_flow_nasal_cannula", oxygen_flow_l_min=3.0)))
    assert text == "low flow nasal cannula 3 L/min (low-flow nasal cannula)"
    assert oxygen_text(bed(obs=None)) == "no obs recorded"


def test_neuro_text_names_the_tool() -> None:
    assert neuro_text(bed(neuro=neuro(ice_score=5)), TZ) == "ICE 5/10 at 12:00"
    child = neuro(tool="CAPD", ice_score=None, capd_score=6)
    assert neuro_text(bed(neuro=child), TZ) == "CAPD 6 at 12:00"
    assert neuro_text(bed(neuro=None), TZ) == "no neuro assessment recorded"


def test_alerts_show_count_and_highest_severity_or_nothing() -> None:
    assert card_leaves(bed(), TZ)[("alerts", "className")] == "d-none"
    leaves = card_leaves(bed(alerts=AlertSummary(2, 1, "critical", ("crs_grade",))), TZ)
    assert leaves[("alerts", "children")] == "2 open alerts: critical, 1 not acknowledged"
    assert "severity-critical" in leaves[("alerts", "className")]


def test_hlh_flag_shows_the_ferritin_against_the_threshold() -> None:
    assert card_leaves(bed(), TZ)[("hlh", "className")] == "d-none"
    leaves = card_leaves(bed(hlh=hlh()), TZ)
    assert leaves[("hlh", "children")] == "HLH: check screen · ferritin 25,000 > 10,000 ng/mL"
    assert card_leaves(bed(hlh=hlh(positive=True)), TZ)[("hlh", "className")] == "bay-hlh positive"


def _timers(b=None):  # type: ignore[no-untyped-def]
    board = BoardSnapshot(now=NOW, pulse=Pulse(1, NOW), beds=[b or bed()])
    return timers_store(board, TZ)


def test_timer_leaves_mark_the_overdue_item_and_the_card_red() -> None:
    leaves = timer_leaves(_timers(), 7, NOW)
    assert set(leaves) == set(TIMER_LEAVES)
    assert leaves[("due-crs", "children")] == "CRS: overdue · 40 min late"
    assert leaves[("due-crs", "className")] == "bay-due overdue"
    assert leaves[("due-obs", "children")] == "Obs: in 1 h 30 min"
    assert leaves[("card", "className")] == "bay-card overdue"
    assert leaves[("day", "children")] == "D+3"


def test_timer_leaves_move_with_the_clock_alone() -> None:
    later = timer_leaves(_timers(), 7, NOW + timedelta(minutes=10))
    assert later[("due-crs", "children")] == "CRS: overdue · 50 min late"
    assert later[("due-bloods", "children")] == "Bloods: in 20 min"


def test_a_card_with_nothing_overdue_is_not_red() -> None:
    calm = bed(due={"obs": bed().due["obs"]})
    leaves = timer_leaves(_timers(calm), 7, NOW)
    assert leaves[("card", "className")] == "bay-card"
    assert leaves[("due-neuro", "children")] == "Neuro: —"


def test_the_card_renders_the_same_values_as_the_leaves() -> None:
    card = bed_card(bed(), NOW, TZ, _timers())
    text = str(card.to_plotly_json())
    assert "CRS 1" in text and "Bed 7" in text and "overdue · 40 min late" in text


def test_ordered_values_follow_the_order_dash_lists_the_components() -> None:
    outputs = [{"id": {"patient": 2}}, {"id": {"patient": 1}}]
    values = {1: {("crs", "children"): "CRS 1"}, 2: {("crs", "children"): "CRS 2"}}
    assert ordered_values(outputs, values, ("crs", "children")) == ["CRS 2", "CRS 1"]
