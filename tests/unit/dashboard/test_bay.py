from datetime import timedelta
from typing import Any

from dashboard import ids
from dashboard.views.bay import (
    LEAVES,
    TIMER_LEAVES,
    bed_card,
    card_leaves,
    haemodynamics_text,
    neuro_text,
    oxygen_text,
    temperature_text,
    timer_leaves,
    timers_store,
)
from dashboard.views.board import AlertSummary, BoardSnapshot, Pulse
from dashboard.views.grades import GradeView
from tests.unit.dashboard.factories import NOW, TZ, bed, hlh, neuro, obs, walk


def _leaf_components(card: Any) -> dict[str, Any]:
    """The card's updatable components by field; a field drawn twice would be a bug the refresh could not fix."""
    leaves = [c for c in walk(card) if isinstance(getattr(c, "id", None), dict) and c.id["type"] == ids.BAY_LEAF]
    fields = [c.id["field"] for c in leaves]
    assert len(fields) == len(set(fields)), fields
    return {c.id["field"]: c for c in leaves}


def test_card_leaves_cover_every_refreshed_leaf() -> None:
    assert set(card_leaves(bed(), TZ)) == set(LEAVES)


def test_grade_badges_show_the_number_a_palette_class_and_the_rule_set() -> None:
    leaves = card_leaves(bed(), TZ)
    assert leaves[("crs", "children")] == "CRS 1"
    assert leaves[("crs", "className")] == "grade-badge grade-1"
    assert leaves[("crs-note", "children")] == "ASTCT 2019"
    assert leaves[("crs", "title")] == "ASTCT 2019 assessment; fever: 38.4"
    assert leaves[("icans", "children")] == "ICANS 0"


def test_a_provisional_grade_is_marked_in_words_and_style() -> None:
    provisional = GradeView("CRS", 2, True, "provisional, from obs at 12:00", ("hypoxia",), rule_set="ASTCT 2019")
    leaves = card_leaves(bed(crs=provisional), TZ)
    assert leaves[("crs-note", "children")] == "provisional · ASTCT 2019"
    assert leaves[("crs", "className")] == "grade-badge grade-2 provisional"
    assert leaves[("crs", "title")] == "provisional, from obs at 12:00; hypoxia"


def test_an_overridden_grade_says_so_beside_the_badge() -> None:
    view = GradeView("ICANS", 3, False, "ASTCT 2019 assessment", ("override to grade 3: x",), None, "ASTCT 2019", True)
    leaves = card_leaves(bed(icans=view), TZ)
    assert (leaves[("icans", "children")], leaves[("icans-note", "children")]) == ("ICANS 3", "override · ASTCT 2019")


def test_no_grade_is_not_graded_without_a_colour() -> None:
    leaves = card_leaves(bed(crs=GradeView("CRS", None, False, "no assessment recorded", ())), TZ)
    assert (leaves[("crs", "children")], leaves[("crs-note", "children")]) == ("CRS –", "not graded")
    assert leaves[("crs", "className")] == "grade-badge grade-unknown"


def test_last_values_read_in_words() -> None:
    b = bed(obs=obs(NOW, temperature_c=38.45, vasopressors=["noradrenaline", "vasopressin"]))
    assert temperature_text(b, TZ) == "38.5 °C at 12:00"
    assert haemodynamics_text(b) == "vasopressor: noradrenaline, vasopressin"
    assert haemodynamics_text(bed(obs=obs(vasopressors=["noradrenaline", "phenylephrine"]))).startswith("multiple")
    assert haemodynamics_text(bed(obs=obs())) == "no vasopressors"
    assert temperature_text(bed(obs=obs(temperature_c=None)), TZ) == "no temperature recorded"


def test_oxygen_reads_with_device_flow_and_the_level_that_grades_it() -> None:
    assert oxygen_text(bed(obs=obs())) == "room air"
    text = oxygen_text(bed(obs=obs(oxygen_device="low_flow_nasal_cannula", oxygen_flow_l_min=3.0)))
    assert text == "low flow nasal cannula 3 L/min (low-flow)"
    assert oxygen_text(bed(obs=obs(oxygen_device="facemask", oxygen_flow_l_min=10.0))) == (
        "facemask 10 L/min (high-flow/mask)"
    )
    assert oxygen_text(bed(obs=None)) == "no obs recorded"


def test_a_plain_nasal_cannula_is_graded_by_its_flow() -> None:
    low = oxygen_text(bed(obs=obs(oxygen_device="nasal_cannula", oxygen_flow_l_min=6.0)))
    high = oxygen_text(bed(obs=obs(oxygen_device="nasal_cannula", oxygen_flow_l_min=6.5)))
    unknown = oxygen_text(bed(obs=obs(oxygen_device="nasal_cannula", oxygen_flow_l_min=None)))
    assert (low, high, unknown) == (
        "nasal cannula 6 L/min (low-flow)",
        "nasal cannula 6.5 L/min (high-flow/mask)",
        "nasal cannula (flow not recorded)",
    )


def test_neuro_text_names_the_tool() -> None:
    assert neuro_text(bed(neuro=neuro(ice_score=5)), TZ) == "ICE 5/10 at 12:00"
    child = neuro(tool="CAPD", ice_score=None, capd_score=6)
    assert neuro_text(bed(neuro=child), TZ) == "CAPD 6 at 12:00"
    assert neuro_text(bed(neuro=neuro(unable_to_perform_assessment=True)), TZ) == "ICE: unable to perform at 12:00"
    assert neuro_text(bed(neuro=None), TZ) == "no neuro assessment recorded"


def test_alerts_show_count_and_highest_severity_or_nothing() -> None:
    assert card_leaves(bed(), TZ)[("alerts", "className")] == "d-none"
    leaves = card_leaves(bed(alerts=AlertSummary(2, 1, "critical", ("crs_grade",))), TZ)
    assert leaves[("alerts", "children")] == "2 open alerts: critical, 1 not acknowledged"
    assert leaves[("alerts", "className")] == "bay-alerts severity-critical"


def test_hlh_flag_shows_the_ferritin_against_the_threshold() -> None:
    assert card_leaves(bed(), TZ)[("hlh", "className")] == "d-none"
    leaves = card_leaves(bed(hlh=hlh()), TZ)
    assert leaves[("hlh", "children")] == "HLH: check screen · ferritin 25,000 > 10,000 ng/mL"
    assert leaves[("hlh", "className")] == "bay-hlh"
    assert leaves[("hlh", "title")] == "ferritin: peak 25000 ng/mL > 10000 ng/mL"
    positive = card_leaves(bed(hlh=hlh(positive=True)), TZ)
    assert positive[("hlh", "className")] == "bay-hlh positive"
    assert positive[("hlh", "children")].startswith("HLH screen positive")


def _timers(b=None):  # type: ignore[no-untyped-def]
    board = BoardSnapshot(now=NOW, pulse=Pulse(1, NOW), beds=[b or bed()])
    return timers_store(board, TZ)


def test_timer_leaves_mark_the_overdue_item_and_the_card_red() -> None:
    leaves = timer_leaves(_timers(), 7, NOW)
    assert set(leaves) == set(TIMER_LEAVES)
    assert leaves[("due-crs", "children")] == "CRS: overdue · 40 min late"
    assert leaves[("due-crs", "className")] == "bay-due overdue"
    assert leaves[("due-obs", "children")] == "Obs: in 1 h 30 min"
    assert leaves[("due-obs", "className")] == "bay-due due"
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


def test_the_card_draws_every_leaf_once_with_the_values_the_refresh_sends() -> None:
    timers = _timers()
    card = bed_card(bed(hlh=hlh()), NOW, TZ, timers)
    drawn = _leaf_components(card)
    expected = {**card_leaves(bed(hlh=hlh()), TZ), **timer_leaves(timers, 7, NOW)}
    assert {field for field, _prop in expected} == set(drawn)
    for (field, prop), value in expected.items():
        assert getattr(drawn[field], prop) == value, (field, prop)
    assert drawn["bed"].children == "Bed 7" and "bay-bed" in drawn["bed"].className


def test_a_card_shows_neutropenia_and_a_neutropenic_fever_as_the_status_decides() -> None:
    from datetime import timedelta

    from alerts.status import NeutropeniaStatus
    from dashboard.views.bay import neutropenia_leaf
    from tests.unit.dashboard.factories import NOW, bed
    from toxicity.neutropenia import FeverEpisode

    assert neutropenia_leaf(bed())[1] == "d-none"
    normal = NeutropeniaStatus(2.1, NOW, False, None, ("neutrophils 2.1",))
    assert neutropenia_leaf(bed(neutropenia=normal))[1] == "d-none"
    low = NeutropeniaStatus(0.3, NOW, True, None, ("neutrophils 0.3 x10^9/L (< 0.5: neutropenic)",))
    text, css, title = neutropenia_leaf(bed(neutropenia=low))
    assert text == "Neutrophils 0.3 < 0.5: blood count support (transfusion and GCSF)"
    assert css == "bay-neutropenia" and "neutropenic" in title
    episode = FeverEpisode(NOW - timedelta(hours=1), 38.4, "fever 38.4 °C ...", None)
    fever = NeutropeniaStatus(0.3, NOW, True, episode, ("fever 38.4 °C ...",))
    assert neutropenia_leaf(bed(neutropenia=fever))[0] == "Neutropenic fever: neutropenic sepsis pathway"


def test_a_card_counts_the_tocilizumab_doses_left_and_points_to_the_rescue_supply_when_none_are() -> None:
    from dashboard.views.bay import tocilizumab_text
    from tests.unit.dashboard.factories import bed

    assert tocilizumab_text(bed()) == "4 of 4 left"
    assert tocilizumab_text(bed(tocilizumab_given=3)) == "1 of 4 left"
    assert "Freeman Pharmacy Emergency Drug Fridge" in tocilizumab_text(bed(tocilizumab_given=4))
