"""The board's summary line and its colours, read from the page as a nurse-in-charge sees it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from dash import Dash
from sqlalchemy import select

from data.db import make_engine, make_session_factory
from data.models import Alert, Patient

pytestmark = pytest.mark.browser

STYLE = "const s = getComputedStyle(arguments[0]); return [s.backgroundColor, s.borderTopWidth];"


def _urgent_alert_on_bed_7(database: str) -> None:
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        pid = session.scalar(select(Patient.id).where(Patient.bed == "7"))
        session.add(
            Alert(
                dedupe_key="board-test:urgent",
                reference="BRD00001",
                patient_id=pid,
                kind="overdue_crs",
                severity="urgent",
                message="CRS assessment overdue",
                raised_at=datetime.now(UTC),
            )
        )
    engine.dispose()


def test_board001_a_summary_line_and_colours_that_never_carry_the_meaning_alone(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    _urgent_alert_on_bed_7(database)
    start_app()
    dash_duo.wait_for_contains_text(".bay-grid", "Demo Golf")
    summary = dash_duo.find_element(".bay-summary").text
    assert summary == "7 patients · 0 critical · 1 urgent open alerts · 1 overdue item"

    badges = {b.text: dash_duo.driver.execute_script(STYLE, b) for b in dash_duo.find_elements(".grade-badge")}
    grade0, grade1 = badges["CRS 0"], badges["CRS 1"]
    assert grade0[0] != grade1[0]  # white against yellow ...
    assert float(grade1[1].removesuffix("px")) >= 3 * float(grade0[1].removesuffix("px"))  # ... and a heavy outline

    alert = dash_duo.find_element(".bay-alerts")
    assert "urgent" in alert.text
    alert_fill = dash_duo.driver.execute_script(STYLE, alert)[0]
    assert alert_fill not in {fill for fill, _border in badges.values()}  # no grade's colour

    late = dash_duo.find_element(".bay-due.overdue").text
    assert re.fullmatch(r"CRS: overdue · (\d+ h( \d\d min)?|\d+ min) late", late), late
    assert dash_duo.get_logs() == []
