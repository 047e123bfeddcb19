"""One sweep over every active patient, at one ward (24 patients) and at twelve (288): its SQL statements and its
time. Prints one table row per sweep and ward count (see docs/BENCHMARKS.md, "The sweep at 24 and 288 patients").

    uv run python -m bench.sweep_scale [--days 30] [--repeat 20] [--url-24 URL --url-288 URL [--build]]

Two databases of active patients only (`bench.make_large` with `--discharged 0`): one ward of 24 beds, and 12
wards of 24 beds, each patient with a `--days`-day history. Without URLs both are temporary SQLite files built
here; with `--build` the two URLs (migrated, empty) are filled first; otherwise they are used as built.

Two sweeps are measured on each, in the caller's transaction and rolled back after each sample, so the database
is left as it was:
- the first sweep: nothing raised yet, every alert of every patient is raised (and its first page queued);
- a steady sweep: one minute after a first sweep in the same transaction, finding nothing new (what the scheduler
  does every interval). Only this second sweep is timed and counted.

Every statement sent to the database counts (inserts of many rows too), except the BEGIN that SQLite's driver
sends; where the counts at 24 and 288 differ, the statements whose number differs are printed after the rows.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from alerts.config import AlertConfig, load_config
from alerts.sweep import sweep
from bench.common import HEADER, Figure, percentile
from bench.make_large import DAYS, build
from data.db import make_engine, make_session_factory
from data.migrate import upgrade
from data.settings import Settings
from tests.statements import counted

TARGET = "same statements at 24 and 288; p95 ≤ 250 ms"


@dataclass
class Measured:
    patients: int
    raised: int
    statements: list[str]
    samples: list[float]


def _statements(found: list[str]) -> list[str]:
    return [s for s in found if not s.lstrip().upper().startswith("BEGIN")]  # SQLite's driver sends its own


def measure(url: str, repeat: int, steady: bool) -> Measured:
    """The first sweep (`steady=False`) or a steady one, over every active patient of the database at `url`."""
    engine = make_engine(url)
    config: AlertConfig = load_config(Settings(database_url=url))
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    at = now + timedelta(minutes=1) if steady else now
    found: list[str] = []
    samples: list[float] = []
    raised = patients = 0
    for index in range(repeat + 2):  # the first is counted, the second warms up, the rest are timed
        with sessions() as session:
            if steady:
                sweep(session, config, now)  # raises everything; the sweep below finds nothing new
            with counted(engine) as statements:
                start = time.perf_counter()
                report = sweep(session, config, at)
                elapsed = (time.perf_counter() - start) * 1000
            session.rollback()
        if index == 0:
            found, raised, patients = statements, len(report.raised), report.patients
        elif index > 1:
            samples.append(elapsed)
    engine.dispose()
    return Measured(patients, raised, _statements(found), samples)


def difference(small: list[str], large: list[str]) -> list[str]:
    """The statements (their first 160 characters) sent a different number of times at the two sizes."""
    a, b = Counter(s[:160] for s in small), Counter(s[:160] for s in large)
    return [f"{a[s]} → {b[s]}: {' '.join(s.split())}" for s in sorted(set(a) | set(b)) if a[s] != b[s]]


def prepare(url: str, wards: int, days: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    build(engine, wards, 24, 0, datetime.now(UTC), progress=False, days=days)
    engine.dispose()


def run(small: str, large: str, repeat: int, days: int) -> list[Figure]:
    figures = []
    for steady, label in ((False, "first sweep, every alert raised"), (True, "steady sweep, nothing new")):
        one = measure(small, repeat, steady)
        every = measure(large, repeat, steady)
        same = "same" if len(one.statements) == len(every.statements) else "**differ**"
        for m in (one, every):
            figure = Figure(
                f"{label}, {m.patients} active patients ({days}-day histories)",
                m.samples,
                TARGET,
                note=(
                    f"{len(m.statements)} statements ({same} at {one.patients} and {every.patients}); "
                    f"{m.raised} alerts raised; p95 {'met' if percentile(m.samples, 0.95) <= 250 else '**missed**'}"
                ),
            )
            figures.append(figure)
            print(figure.row(), flush=True)
        for line in difference(one.statements, every.statements):
            print(f"    {label}: {line}", flush=True)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url-24", default=os.environ.get("CARTWATCH_BENCH_URL_24"), help="one ward, 24 beds")
    parser.add_argument("--url-288", default=os.environ.get("CARTWATCH_BENCH_URL_288"), help="12 wards, 288 beds")
    parser.add_argument("--build", action="store_true", help="fill the two (migrated or new, empty) databases first")
    parser.add_argument("--days", type=int, default=DAYS, help="length of every patient's history when building")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args([] if argv is None else argv)  # `python -m bench` calls main() with no arguments
    logging.getLogger("alerts").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        small, large = args.url_24, args.url_288
        if small is None or large is None:
            small, large = f"sqlite:///{folder}/24.sqlite3", f"sqlite:///{folder}/288.sqlite3"
            args.build = True
        if args.build:
            prepare(small, 1, args.days)
            prepare(large, 12, args.days)
        print(f"databases: {make_engine(small).url.render_as_string()} and {make_engine(large).url.render_as_string()}")
        print(HEADER, flush=True)
        run(small, large, args.repeat, args.days)


if __name__ == "__main__":
    main(sys.argv[1:])
