from datetime import timedelta

from dashboard.views.board import (
    Pulse,
    bed_sort_key,
    due_summary,
    heartbeat_stale,
    offline_banner,
    summarise_alerts,
)
from data.models import Alert, Patient
from data.settings import Settings
from tests.unit.dashboard.factories import NOW
from toxicity import DueItem


def _alert(severity: str, status: str = "open") -> Alert:
    return Alert(kind="crs_grade", severity=severity, status=status)


def test_beds_sort_in_numeric_order_within_a_ward() -> None:
    patients = [Patient(ward="W", bed=b) for b in ("10", "2", "1", "side room")]
    assert [p.bed for p in sorted(patients, key=bed_sort_key)] == ["1", "2", "10", "side room"]


def test_alert_summary_takes_the_highest_severity_not_the_newest() -> None:
    summary = summarise_alerts([_alert("warning"), _alert("critical", "acknowledged"), _alert("urgent")])
    assert (summary.count, summary.unacknowledged, summary.highest) == (3, 2, "critical")
    assert summarise_alerts([]).highest is None


def test_blood_panels_are_summarised_by_the_one_due_first() -> None:
    items = (
        DueItem("obs", NOW, False, 0, 0),
        DueItem("bloods:crp", NOW + timedelta(hours=2), False, 0, 120),
        DueItem("bloods:fbc", NOW - timedelta(hours=1), True, 60, 0),
    )
    summary = due_summary(items)
    assert set(summary) == {"obs", "bloods"}
    assert summary["bloods"].overdue and summary["bloods"].minutes_late == 60


def test_no_heartbeat_ever_or_an_old_one_is_stale() -> None:
    settings = Settings(heartbeat_stale_seconds=120)
    assert heartbeat_stale(Pulse(1, None), NOW, settings)
    assert heartbeat_stale(Pulse(1, NOW - timedelta(seconds=121)), NOW, settings)
    assert not heartbeat_stale(Pulse(1, NOW - timedelta(seconds=120)), NOW, settings)


def test_the_banner_names_pages_that_could_not_be_delivered_beside_a_stale_scheduler() -> None:
    settings = Settings(heartbeat_stale_seconds=120)
    assert offline_banner(Pulse(1, NOW, 0), NOW, settings) == ""
    assert offline_banner(Pulse(1, NOW, 1), NOW, settings) == (
        "A page could not be delivered — see Alerts and escalate by phone"
    )
    assert offline_banner(Pulse(1, NOW, 3), NOW, settings).startswith("3 pages could not be delivered")
    both = offline_banner(Pulse(1, None, 2), NOW, settings)
    assert both.startswith("Alerting offline — escalate by phone") and "2 pages could not be delivered" in both
