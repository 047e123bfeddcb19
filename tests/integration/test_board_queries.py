"""The board reads a fixed number of statements however many beds, and one cheap statement when unchanged."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from dashboard import ids
from dashboard.app import create_app
from dashboard.context import EXTENSION
from dashboard.views.bay import LEAVES, TIMER_LEAVES, timers_store
from dashboard.views.bay_refresh import FIXED_OUTPUTS, PULSE_OUTPUTS
from dashboard.views.board import load_board, refresh
from data.audit import Actor
from data.auth import create_user
from data.models import Alert, SchedulerHeartbeat
from data.records import create_patient, record
from data.settings import Settings
from tests.statements import counted

ACTOR = Actor("test", role="nurse", source="import")


def _ward(session: Session, beds: int, now: datetime, ward: str = "Ward 33") -> None:
    """Beds with obs, assessments, labs, a tocilizumab dose and an open alert each."""
    for n in range(1, beds + 1):
        patient = create_patient(
            session,
            {
                "hospital_number": f"{ward.replace(' ', '')}{n:04d}",
                "name": f"Patient {n}",
                "date_of_birth": "1960-01-01",
                "sex": "female",
                "weight_kg": 70.0,
                "product": "axicabtagene ciloleucel",
                "ward": ward,
                "bed": str(n),
                "admitted_at": (now - timedelta(days=3)).isoformat(),
                "infused_at": (now - timedelta(days=2)).isoformat(),
            },
            ACTOR,
            now,
        )
        at = (now - timedelta(hours=2)).isoformat()
        record(session, "observations", patient.id, {"taken_at": at, "temperature_c": 38.5}, ACTOR, now)
        crs = {"oxygen": "room_air", "assessed_at": at, "temperature_c": 38.5, "hypotension": False}
        record(session, "crs-assessments", patient.id, crs, ACTOR, now)
        neuro = {
            "consciousness": "alert",
            "seizure": "none",
            "deep_focal_motor_weakness": False,
            "icp_findings": [],
            "assessed_at": at,
            "capd_score": None,
            "ice": dict.fromkeys(_ICE, 1) | {"naming": 3},
        }
        record(session, "neuro-assessments", patient.id, neuro, ACTOR, now)
        for analyte, value in (("ferritin", 12_000.0 + n), ("crp", 40.0)):
            lab = {
                "collected_at": at,
                "analyte": analyte,
                "value": value,
                "unit": "ng/mL" if analyte == "ferritin" else "mg/L",
            }
            record(session, "labs", patient.id, lab, ACTOR, now)
        dose = {"given_at": at, "drug": "tocilizumab", "dose": 560.0, "unit": "mg", "route": "IV"}
        record(session, "medications", patient.id, dose, ACTOR, now)
        session.add(
            Alert(
                dedupe_key=f"test:{patient.id}",
                reference=f"REF{patient.id:05d}",
                patient_id=patient.id,
                kind="crs_grade",
                severity="warning",
                message="CRS grade 1",
                raised_at=now,
            )
        )
    session.add(SchedulerHeartbeat(instance=f"test {ward}", beat_at=now))


_ICE = (
    "orientation_year",
    "orientation_month",
    "orientation_city",
    "orientation_hospital",
    "follows_commands",
    "naming",
    "writing",
    "attention",
)


def queries_only(statements: list[str]) -> list[str]:
    """The statements that read (SQLite's BEGIN IMMEDIATE opens every transaction, reads included)."""
    return [s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]


def _statements_for_board(engine: Engine, sessions: sessionmaker[Session], ward: str, beds: int) -> int:
    settings = Settings(board_ward=ward)
    now = datetime.now(UTC)
    with sessions() as session, counted(engine) as statements:
        board = load_board(session, now, settings)
    assert len(board.beds) == beds
    assert all(b.alerts.count == 1 and b.hlh is not None and b.crs.grade == 1 for b in board.beds)
    return len(queries_only(statements))


def test_the_board_reads_the_same_number_of_statements_for_4_beds_as_for_24(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 4, now, "Ward 4")
        _ward(session, 24, now, "Ward 24")
    four = _statements_for_board(engine, sessions, "Ward 4", 4)
    twenty_four = _statements_for_board(engine, sessions, "Ward 24", 24)
    assert four == twenty_four
    assert four <= 24  # the board's own five and the status snapshot's nineteen (no alerts read)


def test_an_unchanged_ward_costs_one_statement_per_refresh(
    engine: Engine, sessions: sessionmaker[Session], settings: Settings
) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 4, now)
    with sessions() as session:
        first = refresh(session, now, settings, None, None)
    assert first is not None and first.board is not None
    version = first.board.pulse.version
    with sessions() as session, counted(engine) as statements:
        again = refresh(session, now, settings, version, first.banner)
    assert again is None
    assert len(queries_only(statements)) == 1


def test_a_write_makes_the_next_refresh_read_the_board(sessions: sessionmaker[Session], settings: Settings) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 2, now)
    with sessions() as session:
        first = refresh(session, now, settings, None, None)
    assert first is not None and first.board is not None
    with sessions.begin() as session:
        pid = first.board.beds[0].patient_id
        record(session, "observations", pid, {"taken_at": now.isoformat(), "temperature_c": 39.1}, ACTOR, now)
    with sessions() as session:
        after = refresh(session, now, settings, first.board.pulse.version, first.banner)
    assert after is not None and after.board is not None
    assert after.board.beds[0].obs is not None and after.board.beds[0].obs.temperature_c == 39.1


def test_a_silent_scheduler_changes_only_the_banner(sessions: sessionmaker[Session], settings: Settings) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 1, now)
    with sessions() as session:
        first = refresh(session, now, settings, None, None)
    assert first is not None and first.board is not None and first.banner == ""
    later = now + timedelta(seconds=settings.heartbeat_stale_seconds + 60)
    with sessions() as session:
        stale = refresh(session, later, settings, first.board.pulse.version, first.banner)
    assert stale is not None and stale.board is None
    assert stale.banner.startswith("Alerting offline — escalate by phone")


# --- the same, through the bay's real callbacks (as the browser sends them, signed in) ----------------------

AUTH_TABLES = ("login_sessions", "users", "api_tokens")


def board_statements(statements: list[str]) -> list[str]:
    """The statements a callback ran for the board: not the log-in check every request makes."""
    return [s for s in queries_only(statements) if not any(table in s for table in AUTH_TABLES)]


def _tick(app: Dash, version: int | None, banner: str, confirmed: datetime | None = None) -> dict[str, Any]:
    """The request a bay page holding the ward at `version` sends on a refresh tick: the counter, the banner, and
    when the server last confirmed the page current (moments ago unless given)."""
    confirmed = confirmed or datetime.now(UTC)
    return {
        "output": next(key for key in app.callback_map if key.startswith(f"..{ids.BAY_PULSE}.data")),
        "outputs": [{"id": component, "property": prop} for component, prop in PULSE_OUTPUTS],
        "inputs": [{"id": ids.BAY_INTERVAL, "property": "n_intervals", "value": 1}],
        "state": [
            {"id": ids.BAY_VERSION, "property": "data", "value": version},
            {"id": ids.BAY_BANNER, "property": "children", "value": banner},
            {"id": ids.BAY_CONFIRMED, "property": "data", "value": confirmed.isoformat()},
        ],
        "changedPropIds": [f"{ids.BAY_INTERVAL}.n_intervals"],
    }


def _change(app: Dash, version: int, beds: list[int]) -> dict[str, Any]:
    """The request a bay page holding `beds` sends when its tick found the ward's counter moved to `version`."""
    return {
        "output": next(key for key in app.callback_map if key.startswith(f"..{ids.BAY_VERSION}.data")),
        "outputs": [
            *({"id": component, "property": prop} for component, prop in FIXED_OUTPUTS),
            *([{"id": ids.bay_leaf(pid, field), "property": prop} for pid in beds] for field, prop in LEAVES),
        ],
        "inputs": [{"id": ids.BAY_PULSE, "property": "data", "value": version}],
        "state": [{"id": ids.BAY_BEDS, "property": "data", "value": beds}],
        "changedPropIds": [f"{ids.BAY_PULSE}.data"],
    }


def _refresh(
    client: FlaskClient, app: Dash, version: int, beds: list[int]
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """One refresh of a page holding the ward at `version` after it changed: the tick, then the cards' callback
    with the counter the tick sent. Both responses, and the board statements of the two requests."""
    tick, ticked = _post(client, _engine(app), _tick(app, version, ""))
    assert tick.status_code == 200, tick.get_data(as_text=True)
    sent = tick.get_json()["response"]
    assert set(sent) == {ids.BAY_PULSE}  # the counter only: the banner did not change
    change, read = _post(client, _engine(app), _change(app, sent[ids.BAY_PULSE]["data"], beds))
    assert change.status_code == 200, change.get_data(as_text=True)
    return sent, change.get_json()["response"], ticked + read


def _clock(app: Dash, timers: dict[str, Any], beds: list[int]) -> dict[str, Any]:
    """The request the countdowns send on the same tick."""
    return {
        "output": next(key for key in app.callback_map if key.startswith('..{"field":"day"')),
        "outputs": [
            [{"id": ids.bay_leaf(pid, field), "property": prop} for pid in beds] for field, prop in TIMER_LEAVES
        ],
        "inputs": [
            {"id": ids.BAY_INTERVAL, "property": "n_intervals", "value": 1},
            {"id": ids.BAY_TIMERS, "property": "data", "value": timers},
        ],
        "changedPropIds": [f"{ids.BAY_INTERVAL}.n_intervals"],
        "state": [],
    }


def _signed_in(app: Dash, sessions: sessionmaker[Session], ward: str | None = None) -> FlaskClient:
    """A browser session for a nurse, kept to `ward` when one is given (the board then shows only that ward)."""
    name = f"nurse.{(ward or 'any').replace(' ', '').lower()}"
    with sessions.begin() as session:
        create_user(session, name, "test-password-123", "nurse", ACTOR, datetime.now(UTC), ward=ward)
    client = app.server.test_client()
    response = client.post(
        "/login", data={"username": name, "password": "test-password-123"}, headers={"Origin": "http://localhost"}
    )
    assert response.status_code == 302
    return client


def _engine(app: Dash) -> Engine:
    engine: Engine = app.server.extensions[EXTENSION].engine
    return engine


def _post(client: FlaskClient, engine: Engine, request: dict[str, Any]) -> tuple[Any, list[str]]:
    with counted(engine) as statements:
        response = client.post("/_dash-update-component", json=request, headers={"Origin": "http://localhost"})
    return response, board_statements(statements)


def test_through_the_callback_an_unchanged_ward_costs_one_statement_and_the_countdowns_none(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 4, now)
    app = create_app(settings)
    client = _signed_in(app, sessions)
    with sessions() as session:
        board = load_board(session, now, settings)
    beds = [bed.patient_id for bed in board.beds]
    tick = _tick(app, board.pulse.version, "")
    response, statements = _post(client, _engine(app), tick)
    assert response.status_code == 204  # PreventUpdate: nothing sent, the cards' callback not run
    assert len(statements) == 1
    assert len(json.dumps(tick)) < 1024  # the tick names no card: a few hundred bytes whatever the beds
    timers = timers_store(board, settings.ward_timezone)
    response, statements = _post(client, _engine(app), _clock(app, timers, beds))
    assert response.status_code == 200 and statements == []
    countdowns = response.get_json()["response"]
    assert sum(len(props) for props in countdowns.values()) == len(beds) * len(TIMER_LEAVES)  # all, from the store


def test_through_the_callback_a_quiet_ward_is_confirmed_current_every_half_minute_for_the_same_one_statement(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    """A page's check in the browser covers the cards with "NOT UPDATING" when no update came for a minute and two
    refreshes; "nothing changed" has no body, so every half minute the tick says the page is current."""
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 4, now)
    app = create_app(settings)
    client = _signed_in(app, sessions)
    with sessions() as session:
        board = load_board(session, now, settings)
    tick = _tick(app, board.pulse.version, "", confirmed=datetime.now(UTC) - timedelta(seconds=30))
    response, statements = _post(client, _engine(app), tick)
    assert response.status_code == 200, response.get_data(as_text=True)
    sent = response.get_json()["response"]
    assert set(sent) == {ids.BAY_CONFIRMED}  # neither the counter (the cards' callback does not run) nor the banner
    assert datetime.fromisoformat(sent[ids.BAY_CONFIRMED]["data"]) >= now
    assert len(statements) == 1


def test_through_the_callback_a_changed_ward_updates_the_leaves_with_the_same_statements_for_4_beds_as_24(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 4, now, "Ward 4")
        _ward(session, 24, now, "Ward 24")
    app = create_app(settings)
    counts = []
    for ward in ("Ward 4", "Ward 24"):
        client = _signed_in(app, sessions, ward)
        with sessions() as session:
            board = load_board(session, now, dataclasses.replace(settings, board_ward=ward))
        beds = [bed.patient_id for bed in board.beds]
        tick, sent, statements = _refresh(client, app, board.pulse.version - 1, beds)
        assert tick[ids.BAY_PULSE]["data"] == board.pulse.version
        assert sent[ids.BAY_VERSION]["data"] == board.pulse.version
        assert ids.BAY_CARDS not in sent and ids.BAY_BEDS not in sent  # the cards stay mounted; leaves change
        assert sum(len(props) for key, props in sent.items() if key.startswith("{")) == len(LEAVES) * len(beds)
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 25  # the tick's pulse, then the board read at the pulse it finds


def test_through_the_callback_a_silent_scheduler_opens_the_banner_on_an_open_board(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 2, now)
    app = create_app(dataclasses.replace(settings, heartbeat_stale_seconds=60))
    client = _signed_in(app, sessions)
    with sessions() as session:
        board = load_board(session, now, settings)
    with sessions.begin() as session:  # the scheduler's last beat was ten minutes ago
        session.execute(update(SchedulerHeartbeat).values(beat_at=now - timedelta(minutes=10)))
    response, _ = _post(client, _engine(app), _tick(app, board.pulse.version, ""))
    assert response.status_code == 200, response.get_data(as_text=True)
    sent = response.get_json()["response"]
    assert sent[ids.BAY_BANNER]["is_open"] is True
    assert sent[ids.BAY_BANNER]["children"].startswith("Alerting offline — escalate by phone")
    # The counter is not sent (the cards' callback does not run); the page is confirmed current.
    assert set(sent) == {ids.BAY_BANNER, ids.BAY_CONFIRMED}


def test_through_the_callback_an_admission_renders_the_cards_again(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 2, now)
    app = create_app(settings)
    client = _signed_in(app, sessions)
    with sessions() as session:
        board = load_board(session, now, settings)
    shown = [bed.patient_id for bed in board.beds]
    with sessions.begin() as session:
        _ward(session, 3, now, "Ward 34")
    _, sent, _ = _refresh(client, app, board.pulse.version, shown)
    assert len(sent[ids.BAY_BEDS]["data"]) == 5 and len(sent[ids.BAY_CARDS]["children"]) == 5
    assert not any(key.startswith("{") for key in sent)  # the old cards' leaves are replaced, not updated


def test_through_the_callback_a_second_screen_seeing_the_same_change_is_answered_without_reading_the_board(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 4, now)
    app = create_app(settings)
    wall = _signed_in(app, sessions)
    desk = app.server.test_client()  # a second screen, the same nurse signed in there too
    signed = desk.post(
        "/login",
        data={"username": "nurse.any", "password": "test-password-123"},
        headers={"Origin": "http://localhost"},
    )
    assert signed.status_code == 302
    with sessions() as session:
        board = load_board(session, now, settings)
    beds = [bed.patient_id for bed in board.beds]
    version = board.pulse.version
    _, first, read = _refresh(wall, app, version - 1, beds)
    _, second, cached = _refresh(desk, app, version - 1, beds)
    leaves = [{k: v for k, v in r.items() if k.startswith("{")} for r in (first, second)]
    assert leaves[0] == leaves[1] and leaves[0]  # the same beds, grades and due items on both screens
    assert len(cached) == 1 < len(read)  # the tick's pulse only: the board read by the first screen

    with sessions.begin() as session:  # a write moves the change counter: the next screen reads the board again
        record(session, "observations", beds[0], {"taken_at": now.isoformat(), "temperature_c": 39.1}, ACTOR, now)
    tick, _, statements = _refresh(desk, app, version, beds)
    assert tick[ids.BAY_PULSE]["data"] > version and len(statements) == len(read)
