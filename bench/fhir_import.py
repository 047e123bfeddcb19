"""Importing a 1,000-observation FHIR bundle through `POST /api/v1/fhir`, escalation rules included.

    uv run python -m bench.fhir_import [--postgres postgresql://user@host:port/db]

Target (issue 13): under 5 s. SQLite always; PostgreSQL with ``--postgres`` (or ``CARTWATCH_TEST_DATABASE_URL``), in
a database of its own on that server, dropped afterwards.

The bundle is what a monitor feed sends for a full ward over a day: 24 beds, each vital sign a separate
Observation (temperature, pulse, respiratory rate, the blood pressure panel, SpO2), plus daily ferritin and CRP,
so the import groups ~170 obs sets and stores ~50 labs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.alert_latency import postgres_database
from dashboard.app import create_app
from dashboard.context import EXTENSION
from data.audit import Actor
from data.auth import create_token, create_user
from data.migrate import upgrade
from data.records import create_patient
from data.settings import Settings
from data.units import registry

BEDS = 24
TARGET_SECONDS = 5.0
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def _observation(n: int, bed: int, at: datetime, code: str, **value: Any) -> dict[str, Any]:
    return {
        "fullUrl": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        "resource": {
            "resourceType": "Observation",
            "identifier": [{"system": "urn:bench:monitor", "value": f"obs-{n}"}],
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "subject": {"identifier": {"value": f"BENCH{bed:04d}"}},
            "effectiveDateTime": at.isoformat(),
            **value,
        },
        "request": {"method": "POST", "url": "Observation"},
    }


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"valueQuantity": {"value": value, "system": UCUM, "code": unit}}


def bundle(now: datetime, size: int = 1000) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    n = 0
    hour = 0
    while len(entries) < size:
        for bed in range(1, BEDS + 1):
            at = now - timedelta(hours=23 - (hour % 23), minutes=bed)
            vitals = [
                ("8310-5", _quantity(37.0 + (bed % 10) / 10, "Cel")),
                ("8867-4", _quantity(80 + bed, "/min")),
                ("9279-1", _quantity(16, "/min")),
                ("59408-5", _quantity(97, "%")),
            ]
            for code, value in vitals:
                n += 1
                entries.append(_observation(n, bed, at, code, **value))
            n += 1
            pressure = [
                {"code": {"coding": [{"system": LOINC, "code": c}]}, **_quantity(v, "mm[Hg]")}
                for c, v in (("8480-6", 118), ("8462-4", 72))
            ]
            entries.append(_observation(n, bed, at, "85354-9", component=pressure))
            if hour % 12 == 0:
                for code, value in (("2276-4", _quantity(900, "ug/L")), ("1988-5", _quantity(3.1, "mg/dL"))):
                    n += 1
                    entries.append(_observation(n, bed, at, code, **value))
        hour += 1
    return {"resourceType": "Bundle", "type": "batch", "entry": entries[:size]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=os.environ.get("CARTWATCH_TEST_DATABASE_URL"))
    args = parser.parse_args([] if argv is None else argv)  # `python -m bench` calls main() with no arguments
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite")
        measure(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
    if args.postgres:
        with postgres_database(args.postgres) as url:
            print("PostgreSQL")
            measure(url)
    else:
        print("PostgreSQL skipped: pass --postgres URL (or set CARTWATCH_TEST_DATABASE_URL)")


def measure(url: str) -> None:
    """Import the bundle into a fresh database at ``url`` and print the times."""
    settings = Settings(database_url=url)
    app = create_app(settings)
    context = app.server.extensions[EXTENSION]
    upgrade(context.engine)
    now = datetime.now(UTC)
    actor = Actor("bench", source="system")
    with context.sessions.begin() as session:
        create_user(session, "bench.feed", "bench-password-123", "doctor", actor, now)
        token = create_token(session, "bench.feed", ["read", "write"], 1, actor, now)
        for bed in range(1, BEDS + 1):
            body = {
                "hospital_number": f"BENCH{bed:04d}",
                "name": f"Bench {bed}",
                "date_of_birth": "1970-01-01",
                "sex": "female",
                "weight_kg": 70.0,
                "product": "bench",
                "ward": "Ward B",
                "bed": str(bed),
                "admitted_at": (now - timedelta(days=3)).isoformat(),
            }
            create_patient(session, body, actor, now)
    client = app.server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    client.post("/api/v1/fhir", json={"resourceType": "Bundle", "type": "batch", "entry": []})  # warm imports
    started = time.perf_counter()
    registry()  # built once per process, on the first unit converted
    print(f"UCUM registry, once per process: {time.perf_counter() - started:.2f} s")
    doc = bundle(now - timedelta(minutes=30))
    started = time.perf_counter()
    response = client.post("/api/v1/fhir", json=doc)
    elapsed = time.perf_counter() - started
    statuses = [entry["response"]["status"] for entry in response.get_json(force=True)["entry"]]
    stored = statuses.count("201 Created")
    print(
        f"1,000-observation bundle: {elapsed:.2f} s "
        f"(target < {TARGET_SECONDS:.0f} s, {elapsed / TARGET_SECONDS:.2f} of it)"
    )
    print(f"  HTTP {response.status_code}; {stored} resources stored, {len(statuses) - stored} otherwise")
    started = time.perf_counter()
    client.post("/api/v1/fhir", json=doc)
    print(f"  the same bundle again (nothing stored twice): {time.perf_counter() - started:.2f} s")
    context.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
