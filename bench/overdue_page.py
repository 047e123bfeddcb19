"""Overdue to page: an assessment falls overdue with nothing recorded, until its page reaches a local webhook,
with the scheduler running at its default sweep interval (30 s), on SQLite and on PostgreSQL.

    uv run python -m bench.overdue_page [--pages 6] [--postgres postgresql://user@host:port/db]

Each patient is admitted so that their first observations fall overdue (obs every 15 minutes, no grace) after
the next interval sweep has read the admission (as on a ward, where an item falls due hours after the record it
counts from), at a different point of the sweep interval each; the figure is from the instant the obs became
overdue to the page's arrival. Target: at most 2 s, since the scheduler sweeps at the moment the next item falls
overdue (`alerts.scheduler`); before that change the bound was the sweep interval + 2 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta

from bench.alert_latency import Pager, patient, postgres_database, report, running_ward
from bench.common import Processes

OBS_EVERY = timedelta(minutes=15)
SWEEP_SECONDS = 30
WHAT = "overdue -> page"
TARGET_SECONDS = 2


def measure(database_url: str, pages: int) -> list[float]:
    pager = Pager(kind="overdue_obs")
    latencies = []
    settings = {
        "CARTWATCH_OBS_INTERVAL_MINUTES": "15",
        "CARTWATCH_OVERDUE_GRACE_MINUTES": "0",
        "CARTWATCH_SWEEP_INTERVAL_SECONDS": str(SWEEP_SECONDS),
    }
    with Processes() as processes, running_ward(database_url, pager, processes, **settings) as client:
        # Overdue moments spread over more than one sweep interval, every 11 s (not a divisor of 30), from 5 s after
        # the first interval sweep that reads the admissions (one written since the last sweep waits for the next).
        start = SWEEP_SECONDS + 5
        overdue = {str(n): datetime.now(UTC) + timedelta(seconds=start + 11 * (n - 1)) for n in range(1, pages + 1)}
        for bed, at in overdue.items():
            body = patient(bed, at)
            body["admitted_at"] = (at - OBS_EVERY).isoformat()
            created = client.post("/api/v1/patients", json=body)
            assert created.status_code == 201, created.get_json()
        for bed, at in overdue.items():
            seconds = max(0.0, (at - datetime.now(UTC)).total_seconds()) + 3 * SWEEP_SECONDS
            arrived = pager.wait(bed, seconds=seconds, check=processes.check)
            if arrived is None:
                print(f"  bed {bed}: no page within three sweep intervals")
                processes.failed(f"bed {bed}: no page within three sweep intervals")
                continue
            latencies.append(pager.arrived_at[bed] - at.timestamp())
    return latencies


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--postgres", default=os.environ.get("CARTWATCH_TEST_DATABASE_URL"))
    args = parser.parse_args([] if argv is None else argv)
    print(f"  overdue -> page, sweep every {SWEEP_SECONDS} s and at each overdue moment: target <= {TARGET_SECONDS} s")
    with tempfile.TemporaryDirectory() as folder:
        report("SQLite", measure(f"sqlite:///{folder}/bench.sqlite3", args.pages), WHAT)
    if args.postgres:
        with postgres_database(args.postgres) as url:
            report("PostgreSQL", measure(url, args.pages), WHAT)
    else:
        print("  PostgreSQL   skipped: pass --postgres URL (or set CARTWATCH_TEST_DATABASE_URL)")


if __name__ == "__main__":
    main(sys.argv[1:])
