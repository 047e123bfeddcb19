from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from alerts.chains import parse_chains
from dashboard.views.alert_people import by_at, next_step, recipient_words
from dashboard.views.alerts_view import (
    COLUMNS,
    RESOLVE_HINT,
    ActionResult,
    act,
    action_status,
    alert_rows,
    bed_text,
    column_defs,
    history_rows,
    history_title,
    load_history,
    paged_text,
    resolve_hint,
    selected_alert,
)
from data.audit import Actor
from data.models import Alert, AlertDelivery, DeliveryAttempt, Patient
from data.records import Forbidden, create_patient
from data.settings import Settings
from tests.unit.dashboard.factories import NOW, TZ, walk


def _alert(**fields: object) -> Alert:
    values = {
        "id": 4,
        "patient_id": 7,
        "kind": "crs_overdue",
        "severity": "urgent",
        "status": "open",
        "message": "CRS assessment overdue",
        "raised_at": NOW - timedelta(minutes=20),
        "chain_step": 1,
        "due_at": NOW - timedelta(minutes=35),
        "details": {},
        "snoozed_until": None,
    }
    return Alert(**{**values, **fields})


def _delivery(step: int, recipient: str, status: str) -> AlertDelivery:
    return AlertDelivery(
        id=step + 10,
        alert_id=4,
        step=step,
        recipient=recipient,
        channel="log",
        status=status,
        created_at=NOW - timedelta(minutes=20 - step),
    )


def test_paged_shows_the_current_step_of_the_chain() -> None:
    deliveries = [_delivery(0, "nurse_in_charge", "sent"), _delivery(1, "registrar", "pending")]
    assert paged_text(deliveries, 1) == "Registrar: waiting to send"
    assert paged_text([], 0) == "nobody yet"


def test_rows_show_bed_kind_severity_lateness_and_who_was_paged() -> None:
    patients = {7: Patient(id=7, ward="Ward 33", bed="7")}
    rows = alert_rows([_alert()], patients, {4: [_delivery(1, "registrar", "sent")]}, NOW, TZ)
    row = rows[0]
    assert (row["id"], row["bed"], row["kind"], row["severity"]) == ("4", "Ward 33 · 7", "crs overdue", "urgent")
    assert row["paged"] == "Registrar: paged" and row["step"] == 1 and row["late"] == 35


def test_a_system_alert_has_no_bed() -> None:
    assert bed_text(_alert(patient_id=None), {}) == "system"


def test_a_current_snooze_shows_until_when_and_why() -> None:
    alert = _alert(snoozed_until=NOW + timedelta(minutes=10), snooze_reason="doctor at the bedside")
    row = alert_rows([alert], {}, {}, NOW, TZ)[0]
    assert row["snoozed"] == "Tue 24 Nov 12:10 (doctor at the bedside)"


def test_history_lists_every_attempt_and_deliveries_not_yet_tried() -> None:
    sent = _delivery(0, "nurse_in_charge", "sent")
    waiting = _delivery(1, "registrar", "pending")
    attempts = [
        DeliveryAttempt(delivery_id=10, attempted_at=NOW - timedelta(minutes=19), outcome="failed", error="refused"),
        DeliveryAttempt(delivery_id=10, attempted_at=NOW - timedelta(minutes=18), outcome="sent"),
    ]
    rows = history_rows([(sent, attempts), (waiting, [])], TZ)
    assert [(r["recipient"], r["outcome"], r["error"]) for r in rows] == [
        ("Nurse in charge", "failed", "refused"),
        ("Nurse in charge", "sent", ""),
        ("Registrar", "", ""),
    ]
    assert rows[2]["attempted"] == "not yet"


def test_the_history_is_titled_by_the_selected_alert() -> None:
    rows = [{"id": "4", "kind": "crs overdue"}]
    assert (selected_alert(rows), history_title(rows)) == (4, "Delivery history of alert 4 (crs overdue)")
    assert (selected_alert([]), history_title(None)) == (None, "Delivery history")


def test_message_and_error_columns_take_the_spare_width() -> None:
    defs = {d["field"]: d for d in column_defs(COLUMNS)}
    assert [d["headerName"] for d in column_defs(COLUMNS)][:3] == ["Bed", "Kind", "Severity"]
    assert defs["message"]["flex"] == 2 and "flex" not in defs["bed"]


def test_acting_with_nothing_selected_asks_for_a_selection() -> None:
    def no_scope() -> None:
        raise AssertionError("nothing is written without a selection")

    result = act(no_scope, "acknowledge", None, Actor("n", "nurse"), NOW, Settings())  # type: ignore[arg-type]
    assert (result.done, result.message, result.refused) == (False, "Select an alert first.", False)


def _alert_on(sessions: sessionmaker[Session], ward: str) -> int:
    now = datetime.now(UTC)
    body = {
        "hospital_number": "HIST0001",
        "name": "History Test",
        "date_of_birth": "1970-01-01",
        "sex": "male",
        "weight_kg": 80.0,
        "product": "axicabtagene ciloleucel",
        "ward": ward,
        "bed": "1",
        "admitted_at": (now - timedelta(days=1)).isoformat(),
    }
    with sessions.begin() as session:
        patient = create_patient(session, body, Actor("test", source="import"), now)
        alert = Alert(
            dedupe_key="hist:1",
            reference="HIST00001",
            patient_id=patient.id,
            kind="crs_overdue",
            severity="urgent",
            message="CRS assessment overdue",
            raised_at=now,
        )
        session.add(alert)
        session.flush()
        session.add(
            AlertDelivery(
                alert_id=alert.id,
                step=0,
                recipient="nurse_in_charge",
                channel="log",
                payload={},
                status="pending",
                next_attempt_at=now,
                created_at=now,
            )
        )
        return alert.id


def test_an_alerts_history_is_shown_to_its_ward_and_refused_to_another(sessions: sessionmaker[Session]) -> None:
    alert_id = _alert_on(sessions, "Ward 33")
    with sessions() as session:
        rows = load_history(session, alert_id, TZ, Actor("nurse", "nurse", ward="Ward 33"))
        assert [(r["recipient"], r["attempted"]) for r in rows] == [("Nurse in charge", "not yet")]
        assert load_history(session, alert_id, TZ, Actor("doctor", "doctor")) == rows
        with pytest.raises(Forbidden):
            load_history(session, alert_id, TZ, Actor("ward9.nurse", "nurse", ward="Ward 9"))
        assert load_history(session, alert_id + 1, TZ, Actor("doctor", "doctor")) == []


def test_rows_carry_the_alert_kind_and_patient_for_the_actions() -> None:
    row = alert_rows([_alert(kind="overdue_crs")], {}, {}, NOW, TZ)[0]
    assert (row["kind"], row["kind_code"], row["patient_id"]) == ("overdue crs", "overdue_crs", 7)


def _overdue_alert(sessions: sessionmaker[Session]) -> int:
    alert_id = _alert_on(sessions, "Ward 33")
    with sessions.begin() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        alert.kind = "overdue_crs"
    return alert_id


def test_resolving_an_overdue_alert_by_hand_is_refused_with_how_it_closes(sessions: sessionmaker[Session]) -> None:
    alert_id = _overdue_alert(sessions)
    doctor = Actor("doctor", "doctor")
    result = act(sessions.begin, "resolve", alert_id, doctor, NOW, Settings(), "assessed, not written up")
    assert not result.done and result.refused
    assert "cannot be closed by hand" in result.message
    assert "record the CRS assessment, or record a monitoring exception" in result.message
    with sessions() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.status == "open"
    acknowledged = act(sessions.begin, "acknowledge", alert_id, doctor, NOW, Settings())
    assert (acknowledged.done, acknowledged.message) == (True, "Alert acknowledged.")


def test_a_refusal_links_to_the_patient_where_the_assessment_is_recorded() -> None:
    rows = [{"id": "4", "kind_code": "overdue_crs", "patient_id": 7}]
    shown = action_status(ActionResult(False, "Not resolved: the CRS assessment is still missing.", True), rows)
    links = [p for p in walk(shown) if type(p).__name__ == "Link"]
    assert shown.color == "warning" and [link.href for link in links] == ["/patient/7"]
    assert action_status(ActionResult(False, "a reason is required"), rows).color == "danger"
    assert action_status(ActionResult(True, "Alert resolved."), rows).color == "success"


def test_the_resolve_hint_names_what_an_overdue_alert_waits_for() -> None:
    assert resolve_hint(None) == [RESOLVE_HINT]
    assert resolve_hint([{"id": "5", "kind_code": "ferritin_over_10000", "patient_id": 7}]) == [RESOLVE_HINT]
    hint = resolve_hint([{"id": "4", "kind_code": "overdue_neuro", "patient_id": 7}])
    text = str([part if isinstance(part, str) else part.to_plotly_json() for part in hint])
    assert "closes itself when the neuro (ICE/ICANS) assessment is recorded" in text and "/patient/7" in text


def test_recipients_are_titles_with_their_bleep_and_the_next_step_has_its_time() -> None:
    chains = parse_chains(
        {
            "recipients": {
                "nurse_in_charge": {"channel": "log"},
                "cart_registrar": {"channel": "smtp", "address": "bleep-4410@pager.example.org"},
                "failsafe": {"channel": "log"},
            },
            "chains": {
                name: [
                    {"notify": ["nurse_in_charge"], "wait_minutes": 10},
                    {"notify": ["cart_registrar"], "wait_minutes": 10},
                ]
                for name in ("info", "warning", "urgent", "critical")
            },
            "failsafe": {"notify": ["failsafe"], "repeat_minutes": 15},
        },
        webhook_url=None,
        smtp_configured=True,
    )
    assert recipient_words("cart_registrar", chains) == "CAR-T registrar (bleep 4410)"
    assert recipient_words("nurse_in_charge", chains) == "Nurse in charge"
    waiting = _alert(chain_step=0, next_escalation_at=NOW + timedelta(minutes=7))
    assert next_step(waiting, chains, NOW, TZ) == "CAR-T registrar (bleep 4410) at 12:07"
    acknowledged = _alert(status="acknowledged", acknowledged_by="sjones", acknowledged_at=NOW)
    assert next_step(acknowledged, chains, NOW, TZ) == "no further pages (acknowledged)"
    assert by_at("sjones", NOW, {"sjones": "Sam Jones (sjones)"}, TZ) == "Sam Jones (sjones) at 12:00"
