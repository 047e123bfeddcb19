from datetime import timedelta

from dashboard.views.records_table import (
    COLUMNS,
    amend_body,
    column_defs,
    error_body,
    pending_changes,
    pending_text,
    row_data,
)
from data.models import MonitoringException, NeuroEvent
from tests.unit.dashboard.factories import NOW, TZ, obs


def _row(record_id: int, temperature: float) -> object:
    row = obs(temperature_c=temperature)
    row.id, row.recorded_by, row.amendment_reason, row.recorded_at = record_id, "nurse", None, NOW
    return row


def test_rows_are_newest_first_with_string_ids_and_ward_time() -> None:
    rows = row_data("observations", [_row(1, 37.0), _row(2, 38.0)], TZ)
    assert [r["id"] for r in rows] == ["2", "1"]
    assert rows[0]["when"] == "Tue 24 Nov 12:00" and rows[0]["temperature_c"] == 38.0
    assert rows[0]["entered"] == "Tue 24 Nov 12:00"


def test_a_late_entry_shows_both_times() -> None:
    late = _row(3, 37.0)
    late.taken_at, late.late_entry = NOW - timedelta(hours=3), True
    (row,) = row_data("observations", [late], TZ)
    assert (row["when"], row["entered"]) == ("Tue 24 Nov 09:00", "late entry, recorded Tue 24 Nov 12:00")


def test_only_the_records_own_fields_are_editable() -> None:
    defs = {d["field"]: d for d in column_defs("crs-assessments")}
    assert defs["temperature_c"]["editable"] and not defs["grade"]["editable"] and not defs["when"]["editable"]
    for kind in COLUMNS:
        assert column_defs(kind)[0]["field"] == "when"


def test_cell_edits_collect_into_one_amendment_per_record() -> None:
    edit = {"colId": "temperature_c", "value": 37.4, "data": {"id": "5", "when": "Tue 24 Nov 12:00"}}
    pending = pending_changes("observations", [edit], {})
    pending = pending_changes("observations", [{**edit, "colId": "heart_rate", "value": 90}], pending)
    assert (pending["record_id"], pending["changes"]) == (5, {"temperature_c": 37.4, "heart_rate": 90})
    assert pending["shown"] == {"Temp °C": 37.4, "HR": 90}
    other = pending_changes("observations", [{**edit, "data": {"id": "6"}}], pending)
    assert (other["record_id"], other["changes"]) == (6, {"temperature_c": 37.4})


def test_lab_edits_use_the_request_field_names() -> None:
    pending = pending_changes("labs", [{"colId": "original_value", "value": 12.0, "data": {"id": "1"}}], {})
    assert pending["changes"] == {"value": 12.0}


def test_read_only_columns_cannot_be_amended() -> None:
    assert pending_changes("crs-assessments", [{"colId": "grade", "value": 0, "data": {"id": "1"}}], {}) == {}


def test_amendment_bodies_carry_the_reason() -> None:
    pending = {"record_id": 5, "changes": {"temperature_c": 37.4}}
    assert amend_body(pending, "typo") == {"reason": "typo", "changes": {"temperature_c": 37.4}}
    assert error_body("wrong patient") == {"reason": "wrong patient", "entered_in_error": True}
    said = pending_text({**pending, "when": "Tue 24 Nov 12:00", "shown": {"Temp °C": 37.4}})
    assert said.startswith("The record of Tue 24 Nov 12:00: Temp °C changed to 37.4.")
    assert "temperature_c" not in pending_text(pending) or "shown" not in pending


def test_neurological_events_read_in_the_guidelines_words_with_their_note() -> None:
    event = NeuroEvent(id=3, occurred_at=NOW, event="prolonged_over_5_min", note="buccal midazolam given")
    event.recorded_by, event.amendment_reason, event.recorded_at = "nurse", None, NOW
    (row,) = row_data("neuro-events", [event], TZ)
    assert row["when"] == "Tue 24 Nov 12:00"
    assert row["event"] == "Status epilepticus: life-threatening prolonged seizure > 5 min"
    assert row["note"] == "buccal midazolam given"


def test_monitoring_exceptions_show_their_end_items_and_reason_in_words() -> None:
    exception = MonitoringException(
        id=4,
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=3),
        items=["crs", "bloods"],
        reason="paused_by_doctor",
        note="overnight rest",
    )
    exception.recorded_by, exception.amendment_reason, exception.recorded_at = "doctor", None, NOW
    (row,) = row_data("monitoring-exceptions", [exception], TZ)
    assert (row["when"], row["ends_at"]) == ("Tue 24 Nov 12:00", "Tue 24 Nov 15:00")
    assert (row["items"], row["reason"]) == ("CRS assessment, daily bloods", "paused by a doctor")
    editable = [d["field"] for d in column_defs("monitoring-exceptions") if d["editable"]]
    assert editable == ["note"]  # the reason and the items are changed by recording another exception
