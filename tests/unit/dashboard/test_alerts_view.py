from datetime import timedelta

from dashboard.views.alerts_view import alert_rows, bed_text, history_rows, paged_text
from data.models import Alert, AlertDelivery, DeliveryAttempt, Patient
from tests.unit.dashboard.factories import NOW, TZ


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
    assert paged_text(deliveries, 1) == "registrar (pending)"
    assert paged_text([], 0) == "nobody yet"


def test_rows_show_bed_kind_severity_lateness_and_who_was_paged() -> None:
    patients = {7: Patient(id=7, ward="Ward 33", bed="7")}
    rows = alert_rows([_alert()], patients, {4: [_delivery(1, "registrar", "sent")]}, NOW, TZ)
    row = rows[0]
    assert (row["id"], row["bed"], row["kind"], row["severity"]) == ("4", "Ward 33 · 7", "crs overdue", "urgent")
    assert row["paged"] == "registrar (sent)" and row["step"] == 1 and row["late"] == 35


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
        ("nurse_in_charge", "failed", "refused"),
        ("nurse_in_charge", "sent", ""),
        ("registrar", "", ""),
    ]
    assert rows[2]["attempted"] == "not yet"
