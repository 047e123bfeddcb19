"""Write to page: a CRS assessment recorded through the API until its page reaches a local webhook, with the
scheduler running at its default intervals (delivery every 5 s), on SQLite and on PostgreSQL.

    uv run python -m bench.alert_latency [--pages 40] [--postgres postgresql://user@host:port/db]

Prints p50, p95 and the slowest, in seconds. The PostgreSQL run needs ``--postgres`` (or
``CARTWATCH_TEST_DATABASE_URL``): it creates a database of its own on that server and drops it afterwards. The
target (issue: alerting that survives) is a p95 of 1 s or less: a write wakes the sender (PostgreSQL NOTIFY,
SQLite a short poll) instead of waiting for the next delivery pass.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from bench.common import Processes
from dashboard.app import create_app
from data.audit import Actor
from data.auth import create_token, create_user
from data.db import make_engine, make_session_factory
from data.migrate import upgrade
from data.models import SchedulerLeadership
from data.settings import Settings, normalise_database_url

SYSTEM = Actor("bench", source="system")


class Pager:
    """A local webhook receiver: when each bed's first page (of ``kind``, when given) arrived, on the monotonic
    clock and (``arrived_at``) as a Unix time."""

    def __init__(self, kind: str | None = None) -> None:
        self.arrived: dict[str, float] = {}
        self.arrived_at: dict[str, float] = {}
        self.lock = threading.Lock()
        pager = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                page = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                with pager.lock:
                    if kind is None or page.get("kind") == kind:
                        bed = str(page.get("bed"))
                        pager.arrived.setdefault(bed, time.monotonic())
                        pager.arrived_at.setdefault(bed, time.time())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/page"

    def wait(self, bed: str, seconds: float = 30, check: Callable[[], None] | None = None) -> float | None:
        """When `bed`'s page arrived, or None after `seconds`; `check` (raising if the sender has died) is called
        while waiting."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if bed in self.arrived:
                    return self.arrived[bed]
            if check is not None:
                check()
            time.sleep(0.005)
        return None


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A database of its own on the given server, dropped afterwards."""
    url = make_url(normalise_database_url(server_url))
    name = f"cartwatch_bench_{os.getpid()}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def patient(bed: str, now: datetime) -> dict[str, Any]:
    return {
        "hospital_number": f"BENCH{bed.zfill(5)}",
        "name": f"Bench {bed}",
        "date_of_birth": "1960-01-01",
        "sex": "female",
        "weight_kg": 70.0,
        "product": "axicabtagene ciloleucel",
        "ward": "Ward 33",
        "bed": bed,
        "admitted_at": (now - timedelta(minutes=10)).isoformat(),
    }


def scheduler_leads(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.scalar(select(SchedulerLeadership.holder)) not in (None, "")


@contextmanager
def running_ward(database_url: str, pager: Pager, processes: Processes, **environment: str) -> Iterator[FlaskClient]:
    """A migrated database, the scheduler running against it (paging `pager`, started through `processes`, which
    keeps its output) and an API client holding a doctor's token, once the scheduler leads; `environment`: the
    scheduler's further CARTWATCH_ settings."""
    engine = make_engine(database_url)
    upgrade(engine)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        create_user(session, "bench.doctor", "bench-password-123", "doctor", SYSTEM, now)
        token = create_token(session, "bench.doctor", ["read", "write"], 1, SYSTEM, now)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTWATCH_")}
    env.update(CARTWATCH_DATABASE_URL=database_url, CARTWATCH_WEBHOOK_URL=pager.url, **environment)
    scheduler = processes.start("scheduler", [sys.executable, "-m", "alerts.scheduler"], env)
    app = create_app(Settings(database_url=database_url, webhook_url=pager.url))
    client = app.server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    try:
        processes.wait_for(lambda: scheduler_leads(engine), 60, "the scheduler taking the lead")
        yield client
    finally:
        processes.stop(scheduler)
        pager.server.shutdown()
        engine.dispose()


def measure(database_url: str, pages: int) -> list[float]:
    pager = Pager()
    latencies = []
    with Processes() as processes, running_ward(database_url, pager, processes) as client:
        time.sleep(1.0)  # past the leader's first sweep and delivery pass
        for n in range(1, pages + 1):
            bed = str(n)
            created = client.post("/api/v1/patients", json=patient(bed, datetime.now(UTC)))
            assert created.status_code == 201, created.get_json()
            pid = created.get_json()["id"]
            time.sleep(random.uniform(0.1, 0.6))  # writes land at any point of the delivery interval
            started = time.monotonic()
            body = {
                "assessed_at": datetime.now(UTC).isoformat(),
                "temperature_c": 38.6,
                "hypotension": False,
                "oxygen": "room_air",
            }
            recorded = client.post(f"/api/v1/patients/{pid}/crs-assessments", json=body)
            assert recorded.status_code == 201, recorded.get_json()
            arrived = pager.wait(bed, check=processes.check)
            if arrived is None:
                print(f"  bed {bed}: no page within 30 s")
                processes.failed(f"bed {bed}: no page within 30 s")
                continue
            latencies.append(arrived - started)
    return latencies


def report(label: str, latencies: list[float], what: str = "write -> page") -> None:
    if not latencies:
        print(f"  {label:<12} no pages arrived")
        return
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(
        f"  {label:<12} {what}  p50 {statistics.median(ordered):.3f} s   p95 {p95:.3f} s"
        f"   slowest {ordered[-1]:.3f} s   ({len(ordered)} pages)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--postgres", default=os.environ.get("CARTWATCH_TEST_DATABASE_URL"))
    args = parser.parse_args([] if argv is None else argv)  # `python -m bench` calls main() with no arguments
    with tempfile.TemporaryDirectory() as folder:
        report("SQLite", measure(f"sqlite:///{folder}/bench.sqlite3", args.pages))
    if args.postgres:
        with postgres_database(args.postgres) as url:
            report("PostgreSQL", measure(url, args.pages))
    else:
        print("  PostgreSQL   skipped: pass --postgres URL (or set CARTWATCH_TEST_DATABASE_URL)")


if __name__ == "__main__":
    main(sys.argv[1:])
