"""The board's refresh and the trajectory figure on a full ward: 24 beds, 30 days of four-hourly records each.

    uv run python -m bench.dashboard [--beds 24] [--days 30] [--repeat 200]

Prints p50/p95 times, the statements each read issues, and the figure's size. Uses a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from dashboard.views.bay import LEAVES, TIMER_LEAVES, bed_cards, timers_store
from dashboard.views.bay_refresh import clock_outputs, tick_outputs
from dashboard.views.board import load_board, refresh
from dashboard.views.patient import load_patient
from dashboard.views.trajectory import trajectory_figure
from data.audit import Actor
from data.db import make_engine, make_session_factory
from data.demo import ICE_FULL
from data.migrate import upgrade
from data.records import create_patient, record
from data.settings import Settings

ACTOR = Actor("bench", role="nurse", source="import")


def seed(session: Session, beds: int, days: int, now: datetime) -> list[int]:
    ids = []
    for n in range(1, beds + 1):
        start = now - timedelta(days=days)
        patient = create_patient(
            session,
            {
                "hospital_number": f"BENCH{n:04d}",
                "name": f"Bench {n}",
                "date_of_birth": "1960-01-01",
                "sex": "female",
                "weight_kg": 70.0,
                "product": "axicabtagene ciloleucel",
                "ward": "Ward 33",
                "bed": str(n),
                "admitted_at": start.isoformat(),
                "infused_at": (start + timedelta(days=1)).isoformat(),
            },
            ACTOR,
            now,
        )
        ids.append(patient.id)
        t = start
        while t < now:
            hours = (t - start).total_seconds() / 3600
            temp = 38.4 if 48 <= hours % 120 < 72 else 37.0
            record(session, "observations", patient.id, {"taken_at": t.isoformat(), "temperature_c": temp}, ACTOR, now)
            if hours % 12 == 0:
                body = {"assessed_at": t.isoformat(), "temperature_c": temp, "hypotension": False, "oxygen": "room_air"}
                record(session, "crs-assessments", patient.id, body, ACTOR, now)
            if hours % 8 == 0:
                record(
                    session,
                    "neuro-assessments",
                    patient.id,
                    {
                        "assessed_at": t.isoformat(),
                        "ice": ICE_FULL,
                        "consciousness": "alert",
                        "seizure": "none",
                        "deep_focal_motor_weakness": False,
                        "icp_findings": [],
                    },
                    ACTOR,
                    now,
                )
            if hours % 24 == 0:
                for analyte, value, unit in (("ferritin", 800.0 + hours, "ng/mL"), ("crp", 20.0, "mg/L")):
                    body = {"collected_at": t.isoformat(), "analyte": analyte, "value": value, "unit": unit}
                    record(session, "labs", patient.id, body, ACTOR, now)
            t += timedelta(hours=4)
        dose = {
            "given_at": (now - timedelta(days=2)).isoformat(),
            "drug": "tocilizumab",
            "dose": 560.0,
            "unit": "mg",
            "route": "IV",
        }
        record(session, "medications", patient.id, dose, ACTOR, now)
    return ids


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def timed(label: str, repeat: int, run: Callable[[], Any]) -> Any:
    result = run()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"  {label:<46} p50 {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--beds", type=int, default=24)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args([] if argv is None else argv)  # `python -m bench` calls main() with no arguments
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/bench.sqlite3")
        engine = make_engine(settings.database_url)
        upgrade(engine)
        sessions = make_session_factory(engine)
        now = datetime.now(UTC)
        started = time.perf_counter()
        with sessions.begin() as session:
            ids = seed(session, args.beds, args.days, now)
        print(f"seeded {args.beds} beds x {args.days} days in {time.perf_counter() - started:.1f} s")
        tz = settings.ward_timezone

        print("board")
        with sessions() as session:
            board = load_board(session, now, settings)
            version = board.pulse.version
            with counted(engine) as statements:
                load_board(session, now, settings)
            print(f"  statements for a full read: {len(statements)}")
            with counted(engine) as statements:
                refresh(session, now, settings, version, "")
            print(f"  statements for an unchanged refresh: {len(statements)}")
            timed("unchanged refresh (poll)", args.repeat, lambda: refresh(session, now, settings, version, ""))
            timed("changed refresh (read every bed)", args.repeat // 4, lambda: load_board(session, now, settings))
        timers = timers_store(board, tz)
        beds = [b.patient_id for b in board.beds]
        leaf_outputs = [[{"id": {"patient": pid}} for pid in beds] for _leaf in LEAVES]
        timer_outputs = [[{"id": {"patient": pid}} for pid in beds] for _leaf in TIMER_LEAVES]
        timed(
            "changed tick: every card's leaves", args.repeat, lambda: tick_outputs(board, beds, leaf_outputs, tz, now)
        )
        timed("clock tick: every countdown (no query)", args.repeat, lambda: clock_outputs(timers, timer_outputs, now))
        cards = timed("render every card (first paint)", args.repeat // 4, lambda: bed_cards(board, tz, timers))
        payload = json.dumps([c.to_plotly_json() for c in cards], default=lambda o: o.to_plotly_json())
        print(f"  cards payload: {len(payload) / 1024:.1f} KB")

        print("trajectory")
        with sessions() as session:
            view = timed("read one patient", args.repeat // 4, lambda: load_patient(session, ids[0], now, settings))
            with counted(engine) as statements:
                load_patient(session, ids[0], now, settings)
            print(f"  statements for one patient: {len(statements)}")
        figure = timed(
            "build the figure (dict)",
            args.repeat,
            lambda: trajectory_figure(view.frames, view.origin, now, tz, view.tool, view.origin_label),
        )
        size = len(json.dumps(figure))
        points = sum(len(trace["x"]) for trace in figure["data"])
        print(
            f"  figure: {size / 1024:.1f} KB, {len(figure['data'])} traces, {points} points, "
            f"{len(figure['layout']['shapes'])} shapes"
        )
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
