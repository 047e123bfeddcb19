"""HL7 v2 ORU^R01 over MLLP: a real listener on a free port of 127.0.0.1, real sockets, real ACKs."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from data.audit import Actor
from data.models import Alert, LabResult, Observation
from data.queries import current_filter
from data.records import create_patient
from data.settings import Settings
from feeds.hl7_listener import Listener, start_in_thread

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hl7"
START, END = b"\x0b", b"\x1c\r"


def ts(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).strftime("%Y%m%d%H%M%S+0000")


def message(name: str, **times: str) -> str:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for placeholder, value in times.items():
        text = text.replace("{{" + placeholder + "}}", value)
    return text


def bloods() -> str:
    return message("oru-r01-daily-bloods-v251.hl7", SENT=ts(minutes=1), COLLECTED=ts(hours=3), REPORTED=ts(hours=1))


def vitals() -> str:
    return message("oru-r01-vitals-v23.hl7", SENT=ts(minutes=1), TAKEN=ts(minutes=20))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        hl7_host="127.0.0.1",
        hl7_port=0,
        local_codes_path=str(FIXTURES / "local-codes.csv"),
        webhook_url="http://127.0.0.1:9/pager",
    )


@pytest.fixture
def listener(settings: Settings) -> Iterator[Listener]:
    running = start_in_thread(settings)
    yield running
    running.stop()


@pytest.fixture
def patient_id(sessions: sessionmaker[Session]) -> int:
    now = datetime.now(UTC)
    body = {
        "hospital_number": "RTD1234567",
        "name": "Grace Okafor",
        "date_of_birth": "1968-09-14",
        "sex": "female",
        "weight_kg": 64.2,
        "product": "tisagenlecleucel",
        "ward": "Ward 33",
        "bed": "7",
        "admitted_at": (now - timedelta(days=2)).isoformat(),
        "infused_at": (now - timedelta(days=1)).isoformat(),
    }
    with sessions.begin() as session:
        return create_patient(session, body, Actor("tests", source="system"), now).id


def exchange(port: int, *payloads: bytes) -> list[str]:
    """Send MLLP-framed messages on one connection; the ACK of each, within a bounded wait."""
    acks = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        for payload in payloads:
            connection.sendall(START + payload + END)
            received = b""
            while not received.endswith(END):
                chunk = connection.recv(65536)
                assert chunk, "the listener closed the connection without an ACK"
                received += chunk
            assert received.startswith(START)
            acks.append(received[1:-2].decode("utf-8"))
    return acks


def segments(ack: str, name: str) -> list[list[str]]:
    return [segment.split("|") for segment in ack.split("\r") if segment.startswith(name)]


def msa(ack: str) -> list[str]:
    (found,) = segments(ack, "MSA")
    return found


def labs(sessions: sessionmaker[Session]) -> dict[str, LabResult]:
    with sessions() as session:
        rows = session.scalars(select(LabResult).where(current_filter(LabResult)).order_by(LabResult.id)).all()
    return {row.analyte: row for row in rows}


def test_daily_bloods_are_stored_converted_with_their_ranges_and_acknowledged(
    listener: Listener, patient_id: int, sessions: sessionmaker[Session]
) -> None:
    (ack,) = exchange(listener.port, bloods().encode())
    assert msa(ack)[:3] == ["MSA", "AA", "WP-000118832"]
    header = segments(ack, "MSH")[0]
    assert (header[2], header[4], header[8], header[11]) == ("CARTWATCH", "WINPATH", "ACK^R01^ACK", "2.5.1")
    warnings = segments(ack, "ERR")
    assert [(e[2], e[4]) for e in warnings] == [("OBX^6^11", "W"), ("OBX^7^3", "W")]  # preliminary; a comment
    stored = labs(sessions)
    assert set(stored) == {
        "ferritin",
        "crp",
        "creatinine",
        "alt",
        "bilirubin",
        "white_cells",
        "haemoglobin",
        "platelets",
    }
    assert (stored["ferritin"].value, stored["ferritin"].reference_low, stored["ferritin"].reference_high) == (
        12850,
        15,
        150,
    )
    assert (stored["crp"].reference_low, stored["crp"].reference_high) == (None, 5)
    assert stored["creatinine"].value == pytest.approx(114.92, rel=1e-3)  # mg/dL
    assert stored["creatinine"].reference_high == pytest.approx(97.24, rel=1e-3)
    assert stored["haemoglobin"].value == pytest.approx(91.0)  # g/dL
    assert (stored["platelets"].value, stored["platelets"].unit) == (88, "10*9/L")  # x10^9/L
    assert stored["bilirubin"].loinc_code == "1975-2"  # the laboratory's own code FBIL, from the code table
    assert all(row.patient_id == patient_id and row.source == "import" for row in stored.values())
    with sessions() as session:
        kinds = {alert.kind for alert in session.scalars(select(Alert))}
    assert "ferritin_over_10000" in kinds


@pytest.mark.parametrize(
    "framing",
    [
        lambda text: text.encode(),
        lambda text: text.replace("\n", "\r\n").encode(),
        lambda text: text.replace("\n", "\r").encode(),
        lambda text: "\ufeff".encode() + text.encode(),
    ],
    ids=["lf-endings", "crlf-endings", "cr-endings", "utf8-byte-order-mark"],
)
def test_vital_signs_with_any_segment_ending_are_one_obs_set_and_page(
    listener: Listener, patient_id: int, sessions: sessionmaker[Session], framing: object
) -> None:
    assert callable(framing)
    (ack,) = exchange(listener.port, framing(vitals()))
    assert msa(ack)[1] == "AA", ack
    with sessions() as session:
        (obs,) = session.scalars(select(Observation)).all()
        alerts = session.scalars(select(Alert)).all()
    assert (obs.temperature_c, obs.heart_rate, obs.systolic_bp, obs.diastolic_bp, obs.spo2) == (39.1, 124, 84, 48, 93)
    # no neutrophil count on file: the fever is also treated as a neutropenic fever (docs/clinical-rules.md)
    assert sorted((a.kind, a.grade or 0) for a in alerts) == [("crs_provisional", 2), ("neutropenic_fever", 0)]


def test_a_message_sent_twice_is_stored_once(
    listener: Listener, patient_id: int, sessions: sessionmaker[Session]
) -> None:
    text = bloods().encode()
    first, second = exchange(listener.port, text, text)
    assert msa(first)[1] == msa(second)[1] == "AA"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(LabResult)) == 8


def test_a_corrected_result_replaces_the_one_sent_before_and_a_deleted_one_is_withdrawn(
    listener: Listener, patient_id: int, sessions: sessionmaker[Session]
) -> None:
    original = bloods()
    correction = original.replace("||12850|ug/L|15-150|HH|||F|", "||11850|ug/L|15-150|HH|||C|")
    correction = correction.replace("||186|mg/L|<5|H|||F|", "||186|mg/L|<5|H|||D|")
    correction = correction.replace("WP-000118832", "WP-000118840")
    acks = exchange(listener.port, original.encode(), correction.encode())
    assert [msa(ack)[1] for ack in acks] == ["AA", "AA"], acks[1]
    stored = labs(sessions)
    assert stored["ferritin"].value == 11850 and stored["ferritin"].amends_id is not None
    assert "crp" not in stored  # withdrawn: the CRP in force is the entered-in-error marker
    with sessions() as session:
        withdrawn = session.scalars(select(LabResult).where(LabResult.analyte == "crp", LabResult.entered_in_error))
        assert len(withdrawn.all()) == 1


def test_an_unknown_patient_is_an_application_error_naming_pid_3_and_nothing_is_stored(
    listener: Listener, sessions: sessionmaker[Session]
) -> None:
    (ack,) = exchange(listener.port, bloods().encode())
    assert msa(ack)[1] == "AE"
    errors = [e for e in segments(ack, "ERR") if e[4] == "E"]
    assert [(e[2], e[3]) for e in errors] == [("PID^1^3", "204^Unknown key identifier^HL70357")]
    assert "RTD1234567" in errors[0][8]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(LabResult)) == 0


def test_a_result_that_is_not_a_number_is_named_and_the_others_are_stored(
    listener: Listener, patient_id: int, sessions: sessionmaker[Session]
) -> None:
    text = bloods().replace("||186|mg/L|", "||one hundred|mg/L|")
    (ack,) = exchange(listener.port, text.encode())
    assert msa(ack)[1] == "AE"
    errors = [e for e in segments(ack, "ERR") if e[4] == "E"]
    assert [(e[2], e[3].split("^")[0]) for e in errors] == [("OBX^2^5", "102")]
    assert "crp" not in labs(sessions) and "ferritin" in labs(sessions)


@pytest.mark.parametrize(
    ("text", "location", "code"),
    [
        (
            "MSH|^~\\&|PAS|RTD|CARTWATCH|WARD33|20261124080000||ADT^A01|PAS-1|P|2.5.1\rPID|1||RTD1234567",
            "MSH^1^9",
            "200",
        ),
        (
            "MSH|^~\\&|LAB|RTD|CARTWATCH|WARD33|20261124080000||ORU^R01|LAB-1|P|2.2\rPID|1||RTD1234567",
            "MSH^1^12",
            "203",
        ),
        ("this is not an HL7 message", "MSH^1", "100"),
    ],
    ids=["not-an-oru", "version-2-2", "not-hl7"],
)
def test_a_message_that_cannot_be_taken_is_rejected(listener: Listener, text: str, location: str, code: str) -> None:
    (ack,) = exchange(listener.port, text.encode())
    assert msa(ack)[1] == "AR"
    (error,) = segments(ack, "ERR")
    assert (error[2], error[3].split("^")[0]) == (location, code)
