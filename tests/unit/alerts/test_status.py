"""`alerts.status`: the one place a patient's grades, HLH screen, due items and guidance are decided."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.config import load_config
from alerts.hlh_status import hlh_now
from alerts.snapshot import EventRecord, GradedRecord, LabValue, ObsRecord, PatientSnapshot
from alerts.status import guidance, patient_status
from data.queries import FeverMaskingHistory
from data.settings import Settings
from toxicity import ObsFindings

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
RULES = load_config(Settings(database_url="sqlite://")).rules


def patient(**changes: Any) -> PatientSnapshot:
    base = PatientSnapshot(
        id=7,
        ward="Ward 33",
        bed="3",
        monitoring_start=NOW - timedelta(days=2),
        infused_at=NOW - timedelta(days=1),
        discharged_at=None,
    )
    return dataclasses.replace(base, **changes)


def minutes_ago(n: float) -> datetime:
    return NOW - timedelta(minutes=n)


def test_obs_after_tocilizumab_for_a_fever_in_obs_grade_without_fever() -> None:
    masking = FeverMaskingHistory(fevers=[(minutes_ago(300), 39.4)], treatments=[(minutes_ago(240), "tocilizumab")])
    findings = ObsFindings(36.8, 110, ("noradrenaline",), "room_air", None, "alert")
    formal = GradedRecord(9, minutes_ago(60), 0, computed_grade=0)
    snapshot = patient(masking=masking, crs=(formal,), obs=(ObsRecord(1, minutes_ago(10), findings),))
    status = patient_status(snapshot, NOW, RULES)
    assert (status.crs.grade, status.crs.provisional_grade) == (0, 3)
    assert any("fever not required: tocilizumab" in reason for reason in status.crs.reasons)
    (crs_due,) = [item for item in status.due if item.kind == "crs"]
    assert crs_due.due_at == minutes_ago(10)


def test_an_override_is_the_grade_in_force_and_its_reason_comes_first() -> None:
    row = GradedRecord(
        1, minutes_ago(30), 0, computed_grade=3, reasons=("grade 3 set by ...",), override_reason="sepsis"
    )
    status = patient_status(patient(crs=(row,)), NOW, RULES)
    assert status.crs.grade == 0
    assert status.crs.reasons[0] == "override to grade 0: sepsis"


def test_hlh_is_not_assessable_without_ferritin_and_positive_with_two_criteria_after_the_peak() -> None:
    assert hlh_now(patient(), RULES).result is None
    ferritin = (LabValue(2, minutes_ago(60), 25_000.0),)
    waiting = hlh_now(patient(ferritin=ferritin), RULES)
    assert waiting.result is not None and not waiting.result.assessable  # no LFTs or creatinine yet
    bilirubin = {"bilirubin": (LabValue(3, minutes_ago(30), 64.0),)}  # > 3.0 x ULN 21
    oedema = GradedRecord(1, minutes_ago(20), 2, organ_toxicities={"pulmonary_edema": 3}, computed_grade=2)
    found = hlh_now(patient(crs=(oedema,), ferritin=ferritin, organ_labs=bilirubin), RULES)
    assert found.positive and found.flagged and found.peak_ferritin == 25_000.0
    before = {"bilirubin": (LabValue(3, minutes_ago(90), 64.0),)}  # before the peak: not "subsequently"
    earlier = hlh_now(patient(crs=(oedema,), ferritin=ferritin, organ_labs=before), RULES)
    assert not earlier.positive


def test_guidance_follows_the_grades_the_events_and_the_hlh_flag() -> None:
    events = (
        EventRecord(1, minutes_ago(20), "prolonged_over_5_min"),
        EventRecord(2, minutes_ago(10), "papilledema"),
    )
    snapshot = patient(events=events)
    status = patient_status(snapshot, NOW, RULES)
    topics = [item.syndrome for item in guidance(status.crs, status.icans, status.hlh, snapshot, 70.0)]
    assert topics == ["icans", "convulsive_status_epilepticus", "papilloedema_low_pressure", "raised_icp_severe"]
    assert status.icans.provisional_grade == 4


def test_steroids_in_use_bring_table_5_general_and_refractory_crs_3_brings_anakinra_with_its_dose() -> None:
    treatments = [(minutes_ago(600), "tocilizumab"), (minutes_ago(300), "methylprednisolone")]
    crs3 = GradedRecord(1, minutes_ago(30), 3, computed_grade=3, reasons=("grade 3 ...",), rule_set="ASTCT 2019")
    snapshot = patient(crs=(crs3,), masking=FeverMaskingHistory(treatments=treatments))
    status = patient_status(snapshot, NOW, RULES)
    found = guidance(status.crs, status.icans, status.hlh, snapshot, 70.0, status.neutropenia, NOW)
    topics = [item.syndrome for item in found]
    assert topics == ["crs", "icans_general", "anakinra"]
    assert found[-1].dosing == ("anakinra 140 mg daily for 3-5 days for 70 kg (2 mg/kg, guideline Table 3)",)
    later = NOW + timedelta(days=3)  # the steroid was 3 days ago: its taper rows no longer apply
    assert "icans_general" not in [
        g.syndrome for g in guidance(status.crs, status.icans, status.hlh, snapshot, 70.0, None, later)
    ]
