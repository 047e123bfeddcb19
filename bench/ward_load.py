"""A ward under load: 20 boards refreshing every 15 s while 5 users record obs through the API, for 2 minutes,
against one board alone with the same users recording (its floor).

    uv run python -m bench.ward_load [--url URL] [--seconds 120] [--boards 20] [--users 5]

Served over real HTTP on loopback by one single-threaded WSGI server (as one gunicorn sync worker: every request
waits its turn). Without ``--url`` a one-ward SQLite database is built (24 beds, 30-day histories). Each board
sends what the bay page sends on its refresh tick with the version it holds, and takes the new version from a
changed answer; each user records a set of obs for a random bed every 2-8 s. Prints the refresh times (p50, p95)
for the 20 boards and for the one board alone, their p95 ratio (target ≤ 1.3), and every error (target: none).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from bench.common import Served
from bench.hospital import NURSE, PASSWORD, WARD, bay_callbacks, change_request, ensure_nurse, tick_request
from bench.make_large import build
from dashboard import ids
from dashboard.app import create_app
from dashboard.views.board import load_board
from data.audit import Actor
from data.auth import create_token, create_user
from data.db import make_engine, make_session_factory
from data.migrate import upgrade
from data.models import SchedulerHeartbeat, User
from data.settings import Settings

SYSTEM = Actor("bench", source="system")
WRITER = "bench.recorder"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(fraction * len(ordered)) - 1)] if ordered else float("nan")


class Run:
    def __init__(self, url: str, callbacks: tuple[str, str], beds: list[int], token: str) -> None:
        self.url, self.callbacks, self.beds, self.token = url, callbacks, beds, token
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.refreshes: list[float] = []
        self.writes: list[float] = []
        self.errors: list[str] = []

    def fail(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

    def board(self, version: int, every: float) -> None:
        with httpx.Client(base_url=self.url, headers={"Origin": self.url}, timeout=60) as client:
            response = client.post("/login", data={"username": NURSE, "password": PASSWORD})
            if response.status_code != 302:
                self.fail(f"log-in: HTTP {response.status_code}")
                return
            self.stop.wait(random.uniform(0, every))
            while not self.stop.is_set():
                started = time.perf_counter()
                tick, change = self.callbacks
                response = client.post("/_dash-update-component", json=tick_request(tick, version))
                sent = response.json()["response"] if response.status_code == 200 else {}
                if ids.BAY_PULSE in sent:  # the ward changed: the cards' callback runs, as on the page
                    body = change_request(change, sent[ids.BAY_PULSE]["data"], self.beds)
                    response = client.post("/_dash-update-component", json=body)
                    if response.status_code == 200:
                        version = response.json()["response"][ids.BAY_VERSION]["data"]
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code not in (200, 204):
                    self.fail(f"board refresh: HTTP {response.status_code}")
                with self.lock:
                    self.refreshes.append(elapsed)
                self.stop.wait(every)

    def user(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=60) as client:
            while not self.stop.is_set():
                self.stop.wait(random.uniform(2, 8))
                body = {"taken_at": datetime.now(UTC).isoformat(), "temperature_c": 37.0, "heart_rate": 80}
                started = time.perf_counter()
                response = client.post(f"/api/v1/patients/{random.choice(self.beds)}/observations", json=body)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 201:
                    self.fail(f"record obs: HTTP {response.status_code} {response.text[:200]}")
                with self.lock:
                    self.writes.append(elapsed)


def load(url: str, served: Served, app: Any, boards: int, users: int, seconds: float, every: float) -> Run:
    token = _token(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        board = load_board(session, datetime.now(UTC), app.server.extensions["cartwatch"].settings)
    engine.dispose()
    run = Run(served.url, bay_callbacks(app), [bed.patient_id for bed in board.beds], token)
    threads = [threading.Thread(target=run.board, args=(board.pulse.version, every)) for _ in range(boards)]
    threads += [threading.Thread(target=run.user) for _ in range(users)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    run.stop.set()
    for thread in threads:
        thread.join()
    return run


def _token(url: str) -> str:
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        now = datetime.now(UTC)
        if session.scalar(select(User.id).where(User.username == WRITER)) is None:
            create_user(session, WRITER, "bench-password-123", "nurse", SYSTEM, now, ward=WARD)
        token = create_token(session, WRITER, ["read", "write"], 1, SYSTEM, now)
    engine.dispose()
    return token


def line(label: str, run: Run) -> str:
    return (
        f"| {label} | {len(run.refreshes)} | {percentile(run.refreshes, 0.5):.1f} ms | "
        f"{percentile(run.refreshes, 0.95):.1f} ms | {len(run.writes)} | {percentile(run.writes, 0.95):.1f} ms | "
        f"{len(run.errors)} |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=os.environ.get("CARTWATCH_BENCH_URL"))
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--boards", type=int, default=20)
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--every", type=float, default=15, help="seconds between one board's refreshes")
    args = parser.parse_args([] if argv is None else argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = args.url
        if url is None:
            url = f"sqlite:///{folder}/ward.sqlite3"
            engine = make_engine(url)
            upgrade(engine)
            build(engine, 1, 24, 0, datetime.now(UTC), progress=False)
            engine.dispose()
        engine = make_engine(url)
        with make_session_factory(engine).begin() as session:
            ensure_nurse(session)
            session.add(SchedulerHeartbeat(instance="bench:0", beat_at=datetime.now(UTC), details={}))
        engine.dispose()
        settings = Settings(database_url=url, board_ward=WARD, heartbeat_stale_seconds=24 * 3600)
        app = create_app(settings)
        served = Served(app.server)
        try:
            # The floor: one board alone, refreshing often enough for a percentile, with the same users recording.
            alone = load(url, served, app, 1, args.users, args.seconds, min(args.every, 2.0))
            many = load(url, served, app, args.boards, args.users, args.seconds, args.every)
        finally:
            served.close()
    print("| run | refreshes | refresh p50 | refresh p95 | writes | write p95 | errors |")
    print("|---|---|---|---|---|---|---|")
    print(line(f"one board alone, {args.users} users recording", alone))
    print(line(f"{args.boards} boards every {args.every:g} s, {args.users} users recording", many))
    ratio = percentile(many.refreshes, 0.95) / percentile(alone.refreshes, 0.95)
    print(f"p95 ratio {ratio:.2f} (target ≤ 1.3); errors: {sorted(set(alone.errors + many.errors)) or 'none'}")


if __name__ == "__main__":
    main(sys.argv[1:])
