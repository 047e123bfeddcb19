"""Alert lifecycle and the alerts and status API, through the API, the sweep and a real webhook receiver."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask.testing import FlaskClient

from tests.integration.loop.conftest import ICE_10, NEURO_NORMAL, Loop, ago, ahead, crs, neuro


def _overdue(loop: Loop, pid: int, item: str) -> dict[str, Any]:
    (alert,) = [a for a in loop.get(f"/alerts?patient_id={pid}")["alerts"] if a["kind"] == f"overdue_{item}"]
    return alert


def _up_to_date(loop: Loop, pid: int, minutes_ago: float) -> None:
    loop.post(f"/patients/{pid}/observations", {"taken_at": ago(minutes=minutes_ago), "temperature_c": 36.8})
    loop.post(f"/patients/{pid}/crs-assessments", crs(minutes_ago))
    loop.post(f"/patients/{pid}/neuro-assessments", neuro(minutes_ago))


def test_an_overdue_alert_is_refused_closing_by_hand_and_closes_when_an_exception_is_recorded(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    _up_to_date(loop, pid, 5 * 60)  # obs due 4 h later: 1 h overdue now
    loop.sweep()
    alert = _overdue(loop, pid, "obs")
    assert {page["kind"] for page in loop.pages()} >= {"overdue_obs"}
    refused = loop.client.post(f"/api/v1/alerts/{alert['id']}/resolve", json={"reason": "done on paper"})
    assert refused.status_code == 409
    assert "observations is still missing" in refused.get_json()["detail"]
    loop.post(
        f"/patients/{pid}/monitoring-exceptions",
        {
            "starts_at": ago(minutes=1),
            "ends_at": ahead(hours=2).isoformat(),
            "items": ["obs"],
            "reason": "off_ward",
            "note": "in CT, back on the ward by 16:00",
        },
    )
    closed = loop.get(f"/alerts?state=resolved&patient_id={pid}")["alerts"]
    assert [(a["kind"], a["reason"]) for a in closed] == [("overdue_obs", "monitoring exception recorded")]
    status = loop.get(f"/patients/{pid}/status")
    (obs,) = [item for item in status["due"] if item["item"] == "obs"]
    assert obs["note"].startswith("patient off the ward until") and not obs["overdue"]
    # when the exception ends, the clock runs again: obs are due at its end and page once late
    loop.sweep(ahead(hours=2, minutes=20))
    (again,) = [a for a in loop.get(f"/alerts?patient_id={pid}")["alerts"] if a["kind"] == "overdue_obs"]
    assert again["id"] != alert["id"]
    assert len({page["reference"] for page in loop.paged("overdue_obs")}) == 2


def test_pausing_monitoring_is_a_doctors_decision(
    loop: Loop, make_patient: Callable[..., int], app_client_for: Callable[..., FlaskClient]
) -> None:
    pid = make_patient()
    body = {
        "starts_at": ago(minutes=1),
        "ends_at": ahead(hours=1).isoformat(),
        "items": ["neuro"],
        "reason": "paused_by_doctor",
        "note": "sedated for procedure",
    }
    nurse = app_client_for("nurse")
    response = nurse.post(f"/api/v1/patients/{pid}/monitoring-exceptions", json=body)
    assert response.status_code == 403
    assert loop.client.post(f"/api/v1/patients/{pid}/monitoring-exceptions", json=body).status_code == 201


def test_acknowledge_snooze_and_resolve_through_the_api(
    loop: Loop, make_patient: Callable[..., int], app_client_for: Callable[..., FlaskClient]
) -> None:
    pid = make_patient()
    loop.post(f"/patients/{pid}/crs-assessments", crs(5, temperature_c=38.6))
    (alert,) = loop.escalations(pid)
    nurse = app_client_for("nurse")
    path = f"/api/v1/alerts/{alert['id']}"
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: nurse.post(f"{path}/acknowledge"), range(2)))
    assert [a.status_code for a in answers] == [200, 200]
    acknowledged = loop.escalations(pid)[0]
    assert (acknowledged["status"], acknowledged["acknowledged_by"]) == ("acknowledged", "api.nurse")
    assert nurse.post(f"{path}/snooze", json={"minutes": 10, "reason": "x"}).status_code == 403  # a nurse-in-charge's
    snoozed = loop.client.post(f"{path}/snooze", json={"minutes": 90, "reason": "family meeting"})
    assert snoozed.status_code == 422
    assert snoozed.get_json()["errors"][0]["field"] == "minutes"
    assert loop.client.post(f"{path}/snooze", json={"minutes": 10, "reason": "family meeting"}).status_code == 200
    no_reason = loop.client.post(f"{path}/resolve", json={})
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"][0]["field"] == "reason"
    resolved = loop.client.post(f"{path}/resolve", json={"reason": "treated, settling"})
    assert resolved.status_code == 200
    assert (resolved.get_json()["status"], resolved.get_json()["reason"]) == ("resolved", "treated, settling")
    again = loop.client.post(f"{path}/resolve", json={"reason": "twice"})
    assert again.status_code == 422 and "already resolved" in again.get_json()["errors"][0]["message"]


def test_the_alert_list_filters_by_state_and_checks_the_state(loop: Loop, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    loop.post(f"/patients/{pid}/crs-assessments", crs(5, temperature_c=38.6))
    listed = loop.get(f"/alerts?state=open&patient_id={pid}")["alerts"]
    assert [a["kind"] for a in listed] == ["crs_onset"]
    assert set(listed[0]) >= {
        "id",
        "reference",
        "patient_id",
        "kind",
        "severity",
        "status",
        "grade",
        "message",
        "raised_at",
        "acknowledged_by",
        "acknowledged_at",
        "resolved_by",
        "resolved_at",
        "reason",
    }
    assert loop.get(f"/alerts?state=acknowledged&patient_id={pid}")["alerts"] == []
    bad = loop.client.get("/api/v1/alerts?state=closed")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "state"


def test_the_status_names_the_grades_their_sources_the_hlh_screen_what_is_due_and_the_guidance(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient(weight_kg=80.0)
    row = loop.post(f"/patients/{pid}/crs-assessments", crs(30, temperature_c=38.6, hypotension=True))
    status = loop.get(f"/patients/{pid}/status")
    assert status["crs"]["grade"] == 2 and status["crs"]["provisional_grade"] is None
    assert status["crs"]["source"]["type"] == "crs-assessments" and status["crs"]["source"]["id"] == row["id"]
    assert status["crs"]["rule_set"] == "ASTCT 2019" and status["crs"]["reasons"][-1].startswith("grade 2 set by")
    assert status["icans"]["grade"] is None and status["icans"]["not_graded"]
    assert status["hlh"]["result"] == "not_assessable" and "no ferritin" in status["hlh"]["reasons"][0]
    assert {item["item"] for item in status["due"]} >= {"obs", "crs", "neuro", "bloods:ferritin"}
    (crs_guidance,) = [g for g in status["guidance"] if g["topic"] == "crs"]
    assert crs_guidance["grade"] == 2 and "Table 2" in crs_guidance["source"]
    assert any("640.0 mg for 80.0 kg" in line for line in crs_guidance["dosing"])  # 8 mg/kg
    assert [a["kind"] for a in status["open_alerts"] if not a["kind"].startswith("overdue")] == ["crs_onset"]


def test_the_board_and_the_status_api_agree_on_the_grade(loop: Loop, make_patient: Callable[..., int]) -> None:
    from datetime import UTC, datetime

    from dashboard.views.board import load_board

    pid = make_patient()
    loop.post(f"/patients/{pid}/neuro-assessments", neuro(60))
    loop.post(f"/patients/{pid}/observations", {"taken_at": ago(minutes=5), "consciousness": "awakens_to_voice"})
    status = loop.get(f"/patients/{pid}/status")
    with loop.sessions() as session:
        board = load_board(session, datetime.now(UTC), loop.settings)
    (bed,) = board.beds
    assert (bed.icans.grade, bed.icans.provisional) == (status["icans"]["provisional_grade"], True) == (2, True)


def test_missing_findings_are_refused_naming_each_and_nothing_is_stored(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    only_ice = loop.client.post(
        f"/api/v1/patients/{pid}/neuro-assessments", json={"assessed_at": ago(minutes=1), "ice": ICE_10}
    )
    assert only_ice.status_code == 422
    assert {e["field"] for e in only_ice.get_json()["errors"]} == set(NEURO_NORMAL)
    no_oxygen = loop.client.post(
        f"/api/v1/patients/{pid}/crs-assessments",
        json={"assessed_at": ago(minutes=1), "temperature_c": 38.2, "hypotension": False},
    )
    assert no_oxygen.status_code == 422 and [e["field"] for e in no_oxygen.get_json()["errors"]] == ["oxygen"]
    empty = loop.client.post(f"/api/v1/patients/{pid}/observations", json={"taken_at": ago(minutes=1)})
    assert empty.status_code == 422 and "at least one vital sign" in empty.get_json()["errors"][0]["message"]
    cannula = loop.client.post(
        f"/api/v1/patients/{pid}/observations",
        json={"taken_at": ago(minutes=1), "spo2": 93, "oxygen_device": "nasal_cannula", "oxygen_flow_l_min": 0},
    )
    assert cannula.status_code == 422 and cannula.get_json()["errors"][0]["field"] == "oxygen_flow_l_min"
    room_air = loop.client.post(
        f"/api/v1/patients/{pid}/observations",
        json={"taken_at": ago(minutes=1), "spo2": 97, "oxygen_device": "room_air", "oxygen_flow_l_min": 4},
    )
    assert room_air.status_code == 422 and "room air takes no flow" in room_air.get_json()["errors"][0]["message"]
    timeline = loop.get(f"/patients/{pid}/timeline")
    assert timeline["observations"] == [] and timeline["neuro_assessments"] == []


def test_unable_to_perform_ice_is_graded_by_consciousness(loop: Loop, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    awake = neuro(30, unable_to_perform_assessment=True)
    del awake["ice"]
    assert loop.post(f"/patients/{pid}/neuro-assessments", awake)["grade"] == 3
    unarousable = {**awake, "assessed_at": ago(minutes=20), "consciousness": "unarousable"}
    assert loop.post(f"/patients/{pid}/neuro-assessments", unarousable)["grade"] == 4
    sedated = {
        **unarousable,
        "assessed_at": ago(minutes=10),
        "attributable_to_other_cause": {"consciousness": True},
    }
    row = loop.post(f"/patients/{pid}/neuro-assessments", sedated)
    assert row["grade"] == 0
    assert row["reasons"][0].startswith("ICE: not assessable")


def test_app_client_fixture_gives_each_role_its_own_token(app_client_for: Callable[..., FlaskClient]) -> None:
    assert app_client_for("viewer").post("/api/v1/alerts/1/acknowledge").status_code == 403


def test_a_user_kept_to_another_ward_sees_and_touches_neither_the_status_nor_the_alerts(
    loop: Loop, make_patient: Callable[..., int], app_client_for: Callable[..., FlaskClient]
) -> None:
    pid = make_patient()
    loop.post(f"/patients/{pid}/crs-assessments", crs(5, temperature_c=38.6))
    (alert,) = loop.escalations(pid)
    elsewhere = app_client_for("nurse_in_charge", ward="Ward 34")
    assert elsewhere.get(f"/api/v1/patients/{pid}/status").status_code == 403
    assert elsewhere.get("/api/v1/alerts").get_json()["alerts"] == []
    assert elsewhere.post(f"/api/v1/alerts/{alert['id']}/acknowledge").status_code == 403
    here = app_client_for("nurse_in_charge", ward="Ward 33")
    assert [a["id"] for a in here.get("/api/v1/alerts").get_json()["alerts"] if a["kind"] == "crs_onset"] == [
        alert["id"]
    ]
    assert here.post(f"/api/v1/alerts/{alert['id']}/acknowledge").status_code == 200


def test_a_patient_on_a_trial_is_flagged_on_the_status_and_the_board(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    from datetime import UTC, datetime

    from dashboard.views.bay import card_leaves
    from dashboard.views.board import load_board

    pid = make_patient(trial="ZUMA-7")
    assert loop.get(f"/patients/{pid}/status")["trial"] == "ZUMA-7"
    with loop.sessions() as session:
        (bed,) = load_board(session, datetime.now(UTC), loop.settings).beds
    assert card_leaves(bed, "Europe/London")[("trial", "children")] == ("Trial ZUMA-7: trial protocol grading applies")
    off = loop.client.patch(f"/api/v1/patients/{pid}", json={"trial": None})
    assert off.status_code == 200 and off.get_json()["trial"] is None
