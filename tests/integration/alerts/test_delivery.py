"""The outbox against real servers: a signed webhook, retries with backoff, dead letters, SMTP with STARTTLS."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer

from alerts import queries
from alerts.channels import DELIVERY_HEADER, SIGNATURE_HEADER
from alerts.sweep import delivery_lines
from tests.integration.alerts.conftest import (
    HOSPITAL_NUMBER,
    PATIENT_NAME,
    ROLES,
    Ward,
    all_webhook,
    free_port,
    minutes,
    write_chains,
)

T = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


class Mailbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    assert openssl, "the STARTTLS test needs the openssl command to make a throwaway certificate"
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def onset(ward: Ward, grade: int = 1) -> int:
    pid = ward.admit(T - minutes(60))
    ward.crs(pid, T, grade=grade)
    (alert,) = ward.alerts("crs_onset")
    return alert.id


def test_a_webhook_page_is_signed_over_its_exact_body(webhook_ward: Ward, receiver: HTTPServer) -> None:
    alert_id = onset(webhook_ward)
    report = webhook_ward.deliver(T + seconds(3))
    assert len(report.sent) == 1
    ((request, _),) = receiver.log
    body = request.get_data()
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER] == expected
    assert request.headers[DELIVERY_HEADER] == str(report.sent[0])
    page = json.loads(body)
    alert = webhook_ward.alert(alert_id)
    assert page["reference"] == alert.reference and len(alert.reference) == 8
    assert (page["ward"], page["bed"], page["kind"], page["grade"]) == ("Ward 33", "1", "crs_onset", 1)
    assert page["text"].endswith(f"ref {alert.reference}")
    (delivery,) = webhook_ward.deliveries(alert_id)
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("sent", 1, T + seconds(3))


def test_a_page_is_retried_with_backoff_while_the_receiver_is_down_and_delivered_once_it_is_back(
    ward: Ward, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/page"
    ward.configure(escalation_chains_path=str(write_chains(tmp_path / "c.yaml", all_webhook(url))))
    alert_id = onset(ward)

    first = ward.deliver(T)
    (delivery,) = ward.deliveries(alert_id)
    assert first.retrying == [delivery.id]
    assert T + seconds(15) <= delivery.next_attempt_at <= T + seconds(15 * 1.25)
    assert "ConnectError" in (delivery.last_error or "")
    assert ward.deliver(T + seconds(10)).retrying == []  # not due yet: nothing is tried
    second = ward.deliver(T + seconds(19))
    assert second.retrying == [delivery.id]
    (delivery,) = ward.deliveries(alert_id)
    assert T + seconds(19 + 30) <= delivery.next_attempt_at <= T + seconds(19 + 37.5)

    server = HTTPServer(host="127.0.0.1", port=port)
    server.expect_request("/page", method="POST").respond_with_data("ok")
    server.start()
    try:
        third = ward.deliver(T + seconds(60))
        assert third.sent == [delivery.id]
        assert len(server.log) == 1
    finally:
        server.clear()
        server.stop()
    with ward.sessions() as session:
        ((stored, attempts),) = queries.alert_history(session, alert_id)
    assert (stored.status, stored.attempts) == ("sent", 3)
    assert [a.outcome for a in attempts] == ["failed", "failed", "sent"]


def test_a_page_is_dead_lettered_after_the_limit_and_raises_one_system_alert(
    ward: Ward, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/down").respond_with_data("unavailable", status=503)
    url = httpserver.url_for("/down")
    ward.configure(
        escalation_chains_path=str(write_chains(tmp_path / "c.yaml", all_webhook(url))), delivery_max_attempts=3
    )
    alert_id = onset(ward)
    at = T
    for _ in range(2):
        assert ward.deliver(at).dead == []
        at += timedelta(hours=1)
    last = ward.deliver(at)
    (delivery,) = ward.deliveries(alert_id)
    assert last.dead == [delivery.id]
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "dead",
        3,
        "webhook: HTTP 503 from the receiver",
    )
    (system,) = ward.alerts("delivery_dead")
    assert (system.severity, system.patient_id, system.status) == ("critical", None, "open")
    reference = ward.alert(alert_id).reference
    assert f"ref {reference}" in system.message and "after 3 attempts" in system.message
    # The webhook is the only channel: the system alert also goes to the log (and the board's banner), and says so.
    assert system.message.endswith("(also written to the log and shown on the board)")
    assert {d.recipient: d.channel for d in ward.deliveries(system.id)} == {
        "nurse_in_charge": "webhook",
        "system_fallback": "log",
    }
    # Its own webhook page dies too (same receiver): that is logged, not paged again in a loop; the log page went.
    for _ in range(3):
        at += timedelta(hours=1)
        ward.deliver(at)
    assert len(ward.alerts("delivery_dead")) == 1
    assert {d.recipient: d.status for d in ward.deliveries(system.id)} == {
        "nurse_in_charge": "dead",
        "system_fallback": "sent",
    }


def test_an_smtp_page_reaches_the_gateway_with_ward_bed_and_reference(
    ward: Ward, mailbox: tuple[Mailbox, int], tmp_path: Path
) -> None:
    box, port = mailbox
    recipients = {role: {"channel": "smtp", "address": f"{role}@pager.test"} for role in ROLES}
    ward.configure(
        smtp_url=f"smtp://127.0.0.1:{port}?from=cartwatch@ward.test",
        escalation_chains_path=str(write_chains(tmp_path / "c.yaml", recipients)),
    )
    alert_id = onset(ward, grade=3)
    report = ward.deliver(T)
    assert len(report.sent) == 2
    reference = ward.alert(alert_id).reference
    assert sorted(to for _, (to,), _ in box.messages) == ["bedside_nurse@pager.test", "nurse_in_charge@pager.test"]
    message = message_from_bytes(box.messages[0][2])
    assert message["From"] == "cartwatch@ward.test"
    assert message["Subject"] == f"[cartwatch CRITICAL] Ward 33 bed 1: CRS onset grade 3 ref {reference}"


def test_smtp_with_starttls_sends_over_an_encrypted_connection(
    ward: Ward, certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
    controller.start()
    try:
        ward.configure(
            smtp_url=f"smtp://127.0.0.1:{port}?starttls=1&from=cartwatch@ward.test&cafile={cert}",
            escalation_chains_path=str(
                write_chains(
                    tmp_path / "c.yaml", {r: {"channel": "smtp", "address": "bleep@pager.test"} for r in ROLES}
                )
            ),
        )
        onset(ward)
        assert len(ward.deliver(T).sent) == 1
    finally:
        controller.stop()
    assert len(box.messages) == 1


def test_smtp_refusing_a_plain_connection_is_a_retry_not_a_loss(ward: Ward, tmp_path: Path) -> None:
    ward.configure(
        smtp_url=f"smtp://127.0.0.1:{free_port()}?from=cartwatch@ward.test",
        escalation_chains_path=str(
            write_chains(tmp_path / "c.yaml", {r: {"channel": "smtp", "address": "bleep@pager.test"} for r in ROLES})
        ),
    )
    onset(ward)
    report = ward.deliver(T)
    assert len(report.retrying) == 1
    (delivery,) = ward.deliveries()
    assert (delivery.last_error or "").startswith("smtp 127.0.0.1:")


def test_no_page_on_any_channel_holds_the_patients_name_or_hospital_number(
    ward: Ward, receiver: HTTPServer, mailbox: tuple[Mailbox, int], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    box, port = mailbox
    url = receiver.url_for("/page")
    recipients = {
        "bedside_nurse": {"channel": "webhook", "address": url},
        "nurse_in_charge": {"channel": "smtp", "address": "nic@pager.test"},
        "cart_registrar": {"channel": "log"},
        "consultant": {"channel": "webhook", "address": url},
        "pharmacy": {"channel": "smtp", "address": "pharmacy@pager.test"},
        "failsafe": {"channel": "log"},
    }
    ward.configure(
        smtp_url=f"smtp://127.0.0.1:{port}?from=cartwatch@ward.test",
        escalation_chains_path=str(write_chains(tmp_path / "c.yaml", recipients)),
    )
    infused = T - timedelta(days=1)
    pid = ward.admit(T - timedelta(days=2), infused_at=infused, hospital_number=HOSPITAL_NUMBER)
    ward.ferritin(pid, infused + timedelta(hours=6), 25000)
    ward.crs(pid, T - timedelta(hours=3), grade=1)
    creatinine = {"collected_at": (T - timedelta(hours=2.5)).isoformat(), "analyte": "creatinine", "value": 300.0}
    ward.record("labs", pid, {**creatinine, "unit": "umol/L"}, T - timedelta(hours=2.5))  # > 3 x ULN 84 (female)
    ward.crs(pid, T - timedelta(hours=2), grade=3, organ_toxicities={"pulmonary_edema": 3})
    ward.neuro(pid, T - timedelta(hours=2), ice_score=5)
    for hours in (8, 16, 24):
        ward.tocilizumab(pid, T - timedelta(hours=25) + timedelta(hours=hours))
    at = T
    lines: list[str] = []
    with caplog.at_level("DEBUG", logger="cartwatch"), caplog.at_level("DEBUG", logger="alerts"):
        for _ in range(6):  # overdue alerts, then the chains climbing to the fail-safe
            lines += ward.sweep(at).lines()
            lines += delivery_lines(ward.deliver(at))
            at += minutes(11)
    kinds = {a.kind for a in ward.alerts()}
    assert {"crs_rise", "icans_onset", "hlh_positive", "ferritin_over_10000", "tocilizumab_third_in_24h"} <= kinds
    assert any(kind.startswith("overdue_") for kind in kinds)
    texts = [request.get_data().decode() for request, _ in receiver.log]
    texts += [content.decode() for _, _, content in box.messages]
    logged = [r for r in caplog.records if r.name.startswith(("cartwatch", "alerts"))]
    assert any(r.name == "cartwatch.pages" for r in logged)
    texts += [caplog.handler.format(record) for record in logged]  # with any traceback
    texts += lines  # what `python -m alerts.sweep --once` prints
    texts += [a.message + json.dumps(a.details) for a in ward.alerts()]
    assert len(receiver.log) >= 3 and len(box.messages) >= 3 and len(texts) > 20
    surname = PATIENT_NAME.split()[-1]
    for text in texts:
        assert PATIENT_NAME not in text and surname not in text and HOSPITAL_NUMBER not in text


def test_an_address_no_http_library_accepts_is_retried_then_dead_lettered_and_never_holds_up_other_pages(
    ward: Ward, receiver: HTTPServer, tmp_path: Path
) -> None:
    recipients = all_webhook(receiver.url_for("/page"))
    recipients["bedside_nurse"] = {"channel": "webhook", "address": "http://[::1/page"}  # passes the file check
    ward.configure(escalation_chains_path=str(write_chains(tmp_path / "c.yaml", recipients)), delivery_max_attempts=2)
    alert_id = onset(ward, grade=3)  # bedside nurse (the broken address) and nurse-in-charge
    first = ward.deliver(T)
    broken, good = ward.deliveries(alert_id)
    assert (first.sent, first.retrying) == ([good.id], [broken.id])
    assert broken.last_error is not None and broken.last_error.startswith("webhook: InvalidURL")
    assert len(receiver.log) == 1
    second = ward.deliver(T + timedelta(hours=1))
    assert second.dead == [broken.id]
    (system,) = ward.alerts("delivery_dead")
    assert "Ward 33 bed 1" in system.message and "to bedside_nurse by webhook" in system.message


class Flaky:
    """A fake sender that fails in a way no channel expects for one recipient and records what it sends."""

    def __init__(self, broken: str) -> None:
        self.broken = broken
        self.sent: list[str] = []

    def send(self, channel: str, address: str | None, payload: dict[str, Any], delivery_id: int) -> None:
        if payload["recipient"] == self.broken:
            raise RuntimeError("sender bug")
        self.sent.append(payload["recipient"])


def test_an_unexpected_error_from_a_sender_is_a_failed_attempt_not_a_blocked_outbox(
    ward: Ward, caplog: pytest.LogCaptureFixture
) -> None:
    alert_id = onset(ward, grade=3)
    sender = Flaky("bedside_nurse")
    with caplog.at_level("ERROR", logger="alerts.delivery"):
        report = ward.deliver(T, sender=sender)
    broken, good = ward.deliveries(alert_id)
    assert (report.sent, report.retrying, sender.sent) == ([good.id], [broken.id], ["cart_registrar"])
    assert (broken.attempts, broken.last_error) == (1, "log: RuntimeError: sender bug")
    assert any("unexpected error" in r.getMessage() and r.exc_info for r in caplog.records)


class SlowSender:
    """A fake sender whose every page takes longer than the claim (the clock jumps past it)."""

    def __init__(self, now: list[datetime], claim: timedelta) -> None:
        self.now, self.claim = now, claim
        self.sent: list[int] = []

    def send(self, channel: str, address: str | None, payload: dict[str, Any], delivery_id: int) -> None:
        self.sent.append(delivery_id)
        self.now[0] += self.claim + seconds(1)


def test_a_pass_that_outlives_its_claim_sends_nothing_more_from_its_batch(ward: Ward) -> None:
    alert_id = onset(ward, grade=3)
    first, second = (d.id for d in ward.deliveries(alert_id))
    now = [T]
    sender = SlowSender(now, ward.config.claim)
    report = ward.deliver(T, sender=sender, clock=lambda: now[0])
    # The second row's claim ran out while the first was being sent: another worker may hold it now.
    assert report.sent == [first] and sender.sent == [first]
    assert {d.id: d.status for d in ward.deliveries(alert_id)} == {first: "sent", second: "pending"}
    later = ward.deliver(now[0], sender=sender, clock=lambda: now[0])
    assert later.sent == [second] and sender.sent == [first, second]
