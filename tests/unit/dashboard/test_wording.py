"""Validation messages in the ward's words: no field names, no validator phrases, no ISO timestamps."""

from datetime import UTC, datetime

from dashboard.views.errors import error_lines, line
from dashboard.views.forms import TIME_FIELDS
from dashboard.views.stored import TIME_WORDS, stored_text
from dashboard.views.wording import field_words, plain
from data.models import CRSAssessment, Observation
from data.validation import FieldError, InvalidInput

TZ = "Europe/London"


def test_field_names_read_as_the_forms_label_them() -> None:
    assert field_words("temperature_c") == "Temperature"
    assert field_words("override.reason") == "Override reason"
    assert field_words("reason") == "Reason"


def test_validator_phrases_and_timestamps_become_words() -> None:
    assert plain("String should have at least 3 characters", TZ) == "needs at least 3 characters"
    assert plain("Input should be a valid number, unable to parse string as a number", TZ) == "must be a number"
    assert plain("2026-07-01T12:00:00.123456+00:00 is more than 5 minutes in the future", TZ) == (
        "Wed 01 Jul 13:00 is more than 5 minutes in the future"
    )
    error = InvalidInput(
        [FieldError("reason", "", "a reason of 3-2000 characters", "String should have at least 3 characters")]
    )
    assert error_lines(error) == ["Reason: needs at least 3 characters (allowed: a reason of 3-2000 characters)"]
    assert line(FieldError("diastolic_bp", 95, "", "diastolic_bp 95 is above systolic_bp 80")) == (
        "Diastolic BP: Diastolic BP 95 is above Systolic BP 80"
    )


def test_the_saved_message_says_what_was_stored_with_both_times() -> None:
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    row = Observation(taken_at=now)
    said = stored_text("observations", "ICE", {"temperature_c": 38.2, "heart_rate": 96}, row, False, now, TZ)
    assert said == "Obs saved (taken 13:00, recorded 13:00): Temperature: 38.2 °C; Heart rate: 96 /min."
    late = Observation(taken_at=datetime(2026, 7, 1, 8, 0, tzinfo=UTC))
    said = stored_text("observations", "ICE", {"spo2": 95}, late, True, now, TZ)
    assert said.startswith("Obs saved as a late entry (taken 09:00, recorded 13:00)")
    crs = CRSAssessment(assessed_at=now, computed_grade=1, override_grade=None)
    values = {"temperature_c": 38.5, "hypotension": "no", "oxygen": "room_air"}
    said = stored_text("crs-assessments", "ICE", values, crs, False, now, TZ)
    assert "Hypotension: no" in said and "Oxygen: room air" in said and said.endswith("CRS grade 1.")


def test_every_recording_form_names_its_time_in_the_saved_message() -> None:
    # A form without its words would fail at the moment of saving, after the record is stored.
    assert set(TIME_WORDS) == set(TIME_FIELDS)
