"""The "NOT UPDATING" cover the wall and the bay share: hidden until the browser's check finds the page not
updating, with the limits that check reads."""

from __future__ import annotations

from dashboard.views.liveness import AT_THE_BEDSIDE, NOT_UPDATING, not_updating_cover, stale_after_ms
from data.settings import Settings
from tests.unit.dashboard.factories import walk


def test_the_limit_is_a_minute_and_two_refreshes() -> None:
    assert stale_after_ms(Settings(board_refresh_seconds=15)) == 90_000
    assert stale_after_ms(Settings(board_refresh_seconds=2)) == 64_000


def test_the_cover_starts_hidden_and_carries_its_limits_and_the_bedside_instruction() -> None:
    cover = not_updating_cover("bay-stale", "bay-stale-text", "bay-stale", Settings(board_refresh_seconds=15))
    props = cover.to_plotly_json()["props"]
    assert props["className"] == "bay-stale d-none" and props["role"] == "alert"
    assert props["data-stale-after"] == "90000"  # a last update older than this: "no update received"
    assert props["data-timeout"] == "15000"  # no answer from the server within one refresh: "cannot be reached"
    texts = [part.children for part in walk(cover) if isinstance(getattr(part, "children", None), str)]
    assert texts == [NOT_UPDATING, "", AT_THE_BEDSIDE]
    assert [part.id for part in walk(cover) if getattr(part, "id", None)] == ["bay-stale", "bay-stale-text"]
