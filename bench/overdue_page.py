"""Overdue to page: an assessment falls overdue with nothing recorded, until its page reaches a local webhook,
with the scheduler running at its default sweep interval (30 s), on SQLite and on PostgreSQL.

    uv run python -m bench.overdue_page [--pages 6] [--postgres postgresql://user@host:port/db]

Each patient is admitted so that their first observations fall overdue (obs every 15 minutes, no grace) a few
seconds into the run, at a different point of the sweep interval each; the figure is from the instant the obs
became overdue to the page's arrival. Target: at most the sweep interval + 2 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bench.alert_latency import ROOT, SYSTEM, Pager, patient, postgres_database, report
from dashboard.app import create_app
from data.auth import create_token, create_user
from data.db import make_engine, make_session_factory
from data.migrate import upgrade
from data.models import SchedulerLeadership
from data.settings import Settings

OBS_EVERY = timedelta(minutes=15)
SWEEP_SECONDS = 30
WHAT = "overdue -> page"


def measure(database_url: str, pages: int) -> list[float]:
    engine = make_engine(database_url)
    upgrade(engine)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        create_user(session, "bench.doctor", "bench-password-123", "doctor", SYSTEM, now)
        token = create_token(session, "bench.doctor", ["read", "write"], 1, SYSTEM, now)
    pager = Pager(kind="overdue_obs")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTWATCH_")}
    env.update(
        CARTWATCH_DATABASE_URL=database_url,
        CARTWATCH_WEBHOOK_URL=pager.url,
        CARTWATCH_OBS_INTERVAL_MINUTES="15",
        CARTWATCH_OVERDUE_GRACE_MINUTES="0",
        CARTWATCH_SWEEP_INTERVAL_SECONDS=str(SWEEP_SECONDS),
    )
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "alerts.scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    app = create_app(Settings(database_url=database_url, webhook_url=pager.url))
    client = app.server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    latencies = []
    try:
        deadline = time.monotonic() + 60
        with make_session_factory(engine)() as session:
            while session.scalar(select(SchedulerLeadership.holder)) in (None, "") and time.monotonic() < deadline:
                time.sleep(0.1)
                session.rollback()
        # Overdue moments spread over more than one sweep interval: 5 s, then every 11 s (not a divisor of 30).
        overdue = {str(n): datetime.now(UTC) + timedelta(seconds=5 + 11 * n) for n in range(1, pages + 1)}
        for bed, at in overdue.items():
            body = patient(bed, at)
            body["admitted_at"] = (at - OBS_EVERY).isoformat()
            created = client.post("/api/v1/patients", json=body)
            assert created.status_code == 201, created.get_json()
        for bed, at in overdue.items():
            arrived = pager.wait(bed, seconds=max(0.0, (at - datetime.now(UTC)).total_seconds()) + 3 * SWEEP_SECONDS)
            if arrived is None:
                print(f"  bed {bed}: no page within three sweep intervals")
                continue
            latencies.append(pager.arrived_at[bed] - at.timestamp())
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(30)
        pager.server.shutdown()
        engine.dispose()
    return latencies


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--postgres", default=os.environ.get("CARTWATCH_TEST_DATABASE_URL"))
    args = parser.parse_args([] if argv is None else argv)
    print(f"  overdue -> page, sweep every {SWEEP_SECONDS} s: target <= {SWEEP_SECONDS + 2} s")
    with tempfile.TemporaryDirectory() as folder:
        report("SQLite", measure(f"sqlite:///{folder}/bench.sqlite3", args.pages), WHAT)
    if args.postgres:
        with postgres_database(args.postgres) as url:
            report("PostgreSQL", measure(url, args.pages), WHAT)
    else:
        print("  PostgreSQL   skipped: pass --postgres URL (or set CARTWATCH_TEST_DATABASE_URL)")


if __name__ == "__main__":
    main(sys.argv[1:])
