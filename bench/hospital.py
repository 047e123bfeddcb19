"""Hospital scale: the board, the patient page, the sweep and a web worker's memory on a large database, each
against a floor measured in the same run. Prints one table row per figure (see docs/BENCHMARKS.md).

    uv run python -m bench.hospital [--url URL] [--scale 0.05] [--repeat 200]

`--url` names a database built by `python -m bench.make_large`; without it (or `CARTWATCH_BENCH_URL`) a temporary
SQLite database is built at `--scale`. The product is served over real HTTP on loopback (one request at a time, as
one gunicorn sync worker), and the board and patient page are fetched as the browser sends them, logged in as a
nurse of the first ward (24 beds).

Floors: a request's own SQL statements (captured from the engine, with their parameters) run bare through the
driver's cursor, every row fetched. The sweep's statement count is compared with the same sweep over one 24-bed
ward.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.config import load_config
from alerts.sweep import sweep
from bench.common import HEADER, Figure, Served, bare, captured, timed
from bench.make_large import WARDS, build, plan
from dashboard import ids
from dashboard.app import create_app
from dashboard.context import EXTENSION
from dashboard.views.bay import LEAVES
from dashboard.views.bay_refresh import FIXED_OUTPUTS, PULSE_OUTPUTS
from dashboard.views.board import load_board
from data.audit import Actor
from data.auth import create_user
from data.db import make_engine, make_session_factory
from data.migrate import upgrade
from data.models import SchedulerHeartbeat, User
from data.settings import Settings
from tests.dash_requests import page_request

NURSE = "bench.nurse"
PASSWORD = "bench-password-123"
WARD = WARDS[0]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tick_request(callback: str, version: int | None) -> dict[str, Any]:
    """What the bay page sends on its refresh tick (`dashboard.callbacks.bay`): the counter it holds, its banner,
    and when the server last confirmed it current (now: the tick then answers "nothing changed" with no body)."""
    return {
        "output": callback,
        "outputs": [{"id": component, "property": prop} for component, prop in PULSE_OUTPUTS],
        "inputs": [{"id": ids.BAY_INTERVAL, "property": "n_intervals", "value": 1}],
        "state": [
            {"id": ids.BAY_VERSION, "property": "data", "value": version},
            {"id": ids.BAY_BANNER, "property": "children", "value": ""},
            {"id": ids.BAY_CONFIRMED, "property": "data", "value": datetime.now(UTC).isoformat()},
        ],
        "changedPropIds": [f"{ids.BAY_INTERVAL}.n_intervals"],
    }


def change_request(callback: str, version: int, beds: list[int]) -> dict[str, Any]:
    """What the bay page sends when its tick found the ward's counter moved to `version`: every card's leaves."""
    return {
        "output": callback,
        "outputs": [
            *({"id": component, "property": prop} for component, prop in FIXED_OUTPUTS),
            *([{"id": ids.bay_leaf(pid, field), "property": prop} for pid in beds] for field, prop in LEAVES),
        ],
        "inputs": [{"id": ids.BAY_PULSE, "property": "data", "value": version}],
        "state": [{"id": ids.BAY_BEDS, "property": "data", "value": beds}],
        "changedPropIds": [f"{ids.BAY_PULSE}.data"],
    }


def bay_callbacks(app: Any) -> tuple[str, str]:
    """The keys of the bay's tick and of its cards' callback in the app's callback map."""
    tick = next(key for key in app.callback_map if key.startswith(f"..{ids.BAY_PULSE}.data"))
    change = next(key for key in app.callback_map if key.startswith(f"..{ids.BAY_VERSION}.data"))
    return tick, change


def ensure_nurse(session: Session) -> None:
    if session.scalar(select(User.id).where(User.username == NURSE)) is None:
        create_user(session, NURSE, PASSWORD, "nurse", Actor("bench", source="system"), datetime.now(UTC), ward=WARD)


def sweep_statements(url: str) -> tuple[int, int, list[float]]:
    """(active patients, statements of one sweep, timings) over every active patient, rolled back each time."""
    engine = make_engine(url)
    config = load_config(Settings(database_url=url))
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)

    def once() -> Any:
        with sessions() as session:
            report = sweep(session, config, now)
            session.rollback()
            return report

    with captured(engine) as statements:
        report = once()
    samples = timed(once, 20, warm=1)
    engine.dispose()
    return report.patients, len(statements), samples


def report(figures: list[Figure], figure: Figure) -> None:
    figures.append(figure)
    print(figure.row(), flush=True)


def run(url: str, repeat: int, refreshes: int) -> list[Figure]:
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        ensure_nurse(session)
        # A scheduler's heartbeat, so the board is the ward's (not the "alerting offline" banner) for the run.
        session.add(SchedulerHeartbeat(instance="bench:0", beat_at=datetime.now(UTC), details={}))
    engine.dispose()
    settings = Settings(database_url=url, board_ward=WARD, heartbeat_stale_seconds=24 * 3600)
    app = create_app(settings)
    app_engine = app.server.extensions[EXTENSION].engine
    served = Served(app.server)
    figures = []
    try:
        client = httpx.Client(base_url=served.url, headers={"Origin": served.url}, timeout=60)
        response = client.post("/login", data={"username": NURSE, "password": PASSWORD})
        assert response.status_code == 302, response.text
        with make_session_factory(app_engine)() as session:
            board = load_board(session, datetime.now(UTC), settings)
        beds = [bed.patient_id for bed in board.beds]
        version = board.pulse.version
        tick, change = bay_callbacks(app)

        def post(body: dict[str, Any]) -> httpx.Response:
            return client.post("/_dash-update-component", json=body)

        changed_tick = tick_request(tick, version - 1)
        unchanged_tick = tick_request(tick, version)
        leaves = change_request(change, version, beds)
        boards = app.server.extensions[EXTENSION].boards

        def changed() -> httpx.Response:
            """The tick finds the counter moved, then the cards' callback runs (two requests, as the browser)."""
            sent = post(changed_tick)
            assert sent.status_code == 200 and sent.json()["response"][ids.BAY_PULSE]["data"] == version
            return post(leaves)

        def unchanged() -> httpx.Response:
            return post(tick_request(tick, version))  # confirmed current moments ago, as an open page is

        def read() -> httpx.Response:
            boards.clear()  # the first screen to see the change: the board is read
            return changed()

        assert read().status_code == 200 and unchanged().status_code == 204
        sizes = f"tick {len(json.dumps(unchanged_tick)):,} B, cards {len(json.dumps(leaves)):,} B"
        print(f"request sizes: {sizes}", flush=True)

        for label, send, target in (
            ("board refresh, changed (24 beds, HTTP)", read, "ratio ≤ 1.5; p95 ≤ 50 ms"),
            ("board refresh, changed, another screen read it (HTTP)", changed, "—"),
            ("board refresh, unchanged (24 beds, HTTP)", unchanged, "ratio ≤ 1.5; p95 ≤ 5 ms"),
        ):
            with captured(app_engine) as statements:
                send()
            floor = timed(bare(app_engine, statements), repeat)
            samples = timed(send, repeat)
            report(figures, Figure(label, samples, target, floor, f"{len(statements)} statements"))

        patient = page_request(f"/patient/{beds[0]}")
        shown = post(patient)
        assert shown.status_code == 200, shown.text[:500]
        size = len(shown.content)
        compressed = len(gzip.compress(shown.content))
        with captured(app_engine) as statements:
            post(patient)
        floor = timed(bare(app_engine, statements), repeat // 4)
        samples = timed(lambda: post(patient), repeat // 4)
        note = f"{len(statements)} statements; {size / 1024:.0f} KB ({compressed / 1024:.0f} KB gzip)"
        report(figures, Figure("patient page + figure, 30 days (HTTP)", samples, "ratio ≤ 2; ≤ 300 KB", floor, note))

        for _ in range(50):
            read()
        before = rss_mb()
        peak = before
        for _ in range(refreshes):
            read()
            peak = max(peak, rss_mb())
        after = rss_mb()
        growth = (after - before) / before * 100
        report(
            figures,
            Figure(
                f"web worker memory, {refreshes:,} changed board refreshes",
                [after],
                "growth ≤ 10 %, peak ≤ 250 MB",
                note=f"RSS {before:.0f} → {after:.0f} MB ({growth:+.1f} %), peak {peak:.0f} MB (MB, not ms)",
            ),
        )
    finally:
        served.close()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=os.environ.get("CARTWATCH_BENCH_URL"))
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--refreshes", type=int, default=1000, help="board refreshes for the memory figure")
    args = parser.parse_args([] if argv is None else argv)  # `python -m bench` calls main() with no arguments
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = args.url
        if url is None:
            url = f"sqlite:///{folder}/large.sqlite3"
            engine = make_engine(url)
            upgrade(engine)
            build(engine, *plan(args.scale, 12, 24, 5000), datetime.now(UTC), progress=False)
            engine.dispose()
        small = f"sqlite:///{folder}/one-ward.sqlite3"
        engine = make_engine(small)
        upgrade(engine)
        build(engine, 1, 24, 0, datetime.now(UTC), progress=False)
        engine.dispose()
        print(f"database: {make_engine(url).url.render_as_string(hide_password=True)}")
        print(HEADER, flush=True)
        figures = run(url, args.repeat, args.refreshes)
        active, count, samples = sweep_statements(url)
        one_ward, one_count, _ = sweep_statements(small)
        report(
            figures,
            Figure(
                f"one sweep over every active patient ({active})",
                samples,
                "same statements at 24 and 288; p95 ≤ 250 ms",
                note=f"{count} statements at {active} patients, {one_count} at {one_ward}",
            ),
        )


if __name__ == "__main__":
    main(sys.argv[1:])
