"""The sweep reads the neuro assessments of its look-back window and the newest one before it, not the whole stay:
what it decides is what it would decide from every assessment of the stay.

Six days of neuro assessments (ICE scores, seizures, new and lasting motor weakness, raised-ICP findings, clinician
overrides), obs with levels of consciousness and neurological events, swept at several moments: the alerts the sweep
would raise, what it would resolve, the ICANS and CRS grades and what is due are the same as from a snapshot holding
every neuro assessment.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta
from typing import Any

from alerts.plan import plan_sweep
from alerts.snapshot import WardSnapshot, load_snapshot
from alerts.status import patient_status
from tests.integration.alerts.conftest import NOW, Ward, ice, iso
from toxicity.enums import CONSCIOUSNESS_LEVELS, ICP_FINDINGS, SEIZURE_TYPES

DAYS = 6


def neuro_body(rng: random.Random, at: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {
        "consciousness": rng.choice(["alert", "alert", "alert", *CONSCIOUSNESS_LEVELS]),
        "seizure": rng.choice(["none"] * 6 + list(SEIZURE_TYPES)),
        "deep_focal_motor_weakness": rng.random() < 0.25,
        "icp_findings": rng.sample(ICP_FINDINGS, k=rng.choice([0, 0, 0, 1, 2])),
        "assessed_at": iso(at),
        "ice": ice(rng.choice([10, 10, 9, 8, 6, 4, 2, 0])),
    }
    if rng.random() < 0.15:
        body["override"] = {"grade": rng.randint(0, 2), "reason": "clinical picture does not fit the score"}
    return body


def stay(ward: Ward, seed: int) -> int:
    rng = random.Random(seed)
    start = NOW - timedelta(days=DAYS)
    pid = ward.admit(start, infused_at=start + timedelta(hours=2))
    at = start + timedelta(hours=3)
    while at < NOW + timedelta(hours=6):
        ward.record("neuro-assessments", pid, neuro_body(rng, at), at, hook=False)
        at += timedelta(hours=rng.choice([2, 5, 8, 8, 11]))
    at = NOW - timedelta(hours=30)
    while at < NOW + timedelta(hours=6):
        obs = {"taken_at": iso(at), "temperature_c": 37.2, "consciousness": rng.choice(CONSCIOUSNESS_LEVELS)}
        ward.record("observations", pid, obs, at, hook=False)
        if rng.random() < 0.2:
            event = {"occurred_at": iso(at), "event": rng.choice(SEIZURE_TYPES[1:]), "note": "seen by the nurse"}
            ward.record("neuro-events", pid, event, at, hook=False)
        at += timedelta(hours=rng.choice([1, 3, 4]))
    return pid


def every_assessment(snapshot: WardSnapshot, whole_stay: WardSnapshot) -> WardSnapshot:
    """``snapshot`` with every neuro assessment of the stay (read with a look-back longer than the stay)."""
    neuro = {patient.id: patient.neuro for patient in whole_stay.patients}
    patients = tuple(dataclasses.replace(patient, neuro=neuro[patient.id]) for patient in snapshot.patients)
    return dataclasses.replace(snapshot, patients=patients)


def test_the_sweep_decides_from_the_window_and_the_assessment_before_it_as_from_the_whole_stay(ward: Ward) -> None:
    patients = [stay(ward, seed) for seed in (3, 17, 29)]
    config = ward.config
    for now in (NOW - timedelta(hours=20), NOW - timedelta(hours=1), NOW, NOW + timedelta(hours=5)):
        with ward.sessions() as session:
            read = load_snapshot(session, now, window=config.escalation_lookback)
            whole = load_snapshot(session, now, window=timedelta(days=DAYS + 2))
        full = every_assessment(read, whole)
        assert {p.id for p in read.patients} == set(patients)
        assert sum(len(p.neuro) for p in read.patients) < sum(len(p.neuro) for p in full.patients)

        windowed, complete = plan_sweep(read, now, config), plan_sweep(full, now, config)
        assert windowed == complete, now
        assert [(a.kind, a.message) for a in windowed.raise_] == [(a.kind, a.message) for a in complete.raise_]
        for mine, theirs in zip(read.patients, full.patients, strict=True):
            assert patient_status(mine, now, config.rules) == patient_status(theirs, now, config.rules)
    assert any(alert.kind.startswith("icans") for alert in complete.raise_)
