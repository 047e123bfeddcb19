from datetime import timedelta

import pytest

from dashboard.views.board import banner_text
from dashboard.views.shell import frame, is_wall
from tests.unit.dashboard.factories import NOW


@pytest.mark.parametrize(("value", "wall"), [("1", True), ("true", True), (None, False), ("0", False)], ids=str)
def test_wall_mode_is_asked_for_with_wall_1(value: str | None, wall: bool) -> None:
    assert is_wall(value) is wall


def test_the_wall_screen_has_no_navigation() -> None:
    assert "app-nav" in str(frame([], root_id="bay-root", active="/").to_plotly_json())
    wall = frame([], root_id="bay-root", active="/", wall=True)
    assert "app-nav" not in str(wall.to_plotly_json()) and wall.className == "wall-root"


def test_the_offline_banner_says_to_escalate_by_phone() -> None:
    assert banner_text(False, NOW, NOW) == ""
    assert banner_text(True, None, NOW).startswith("Alerting offline — escalate by phone")
    assert "last scheduler heartbeat 5 min ago" in banner_text(True, NOW - timedelta(minutes=5), NOW)
