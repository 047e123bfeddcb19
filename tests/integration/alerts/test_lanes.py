"""A slow pager holds up nobody else, and a page saying pages fail does not depend on the channel that failed.

Receivers here are real HTTP servers that hang (until the test lets them go) or fail."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from alerts.channels import SendError
from alerts.delivery import DeliveryReport, Dispatcher
from alerts.lifecycle import acknowledge
from dashboard.views.board import check_pulse
from data.audit import Actor
from tests.integration.alerts.conftest import Ward, free_port, minutes, write_chains
from tests.integration.alerts.test_delivery import Mailbox
from tests.resilience.faults import Receiver, wait_for

T = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
HUNG = ("bedside_nurse", "nurse_in_charge", "cart_registrar", "consultant", "pharmacy")
EVERYONE = (*HUNG, "failsafe")


@pytest.fixture
def pagers() -> Iterator[Receiver]:
    receiver = Receiver(hanging=set(HUNG))
    receiver.start()
    yield receiver
    receiver.stop()


def everyone_at_once(ward: Ward, receiver: Receiver, tmp_path: Path, **settings: object) -> None:
    """A critical alert pages all six roles in its first step, each at an address of its own."""
    recipients = {role: {"channel": "webhook", "address": receiver.url(role)} for role in EVERYONE}
    chains = write_chains(tmp_path / "chains.yaml", recipients)
    chains.write_text(
        chains.read_text().replace(
            "critical:\n  - notify:\n    - bedside_nurse\n    - nurse_in_charge\n",
            "critical:\n  - notify:\n" + "".join(f"    - {role}\n" for role in EVERYONE),
        )
    )
    ward.configure(escalation_chains_path=str(chains), webhook_timeout_seconds=60, **settings)


def critical(ward: Ward, at: datetime = T, grade: int = 3) -> int:
    """A CRS onset alert (critical at grade 3; a warning, paging the bedside nurse only, at grade 1)."""
    pid = ward.admit(at - minutes(60))
    ward.crs(pid, at, grade=grade)
    (alert,) = ward.alerts("crs_onset", patient_id=pid)
    return alert.id


def test_five_hung_recipients_delay_only_themselves(ward: Ward, pagers: Receiver, tmp_path: Path) -> None:
    everyone_at_once(ward, pagers, tmp_path)
    alert_id = critical(ward)
    assert len(ward.deliveries(alert_id)) == 6
    outcome: list[DeliveryReport] = []
    passing = threading.Thread(target=lambda: outcome.append(ward.deliver(T)))
    passing.start()
    try:
        # The fail-safe's page (last in the batch) arrives while all five others are still hanging.
        wait_for(lambda: len(pagers.received("failsafe")) == 1, what="the page to the recipient that answers")
        wait_for(lambda: len(pagers.received()) == 6, what="the five hung requests, made side by side")
        assert passing.is_alive()
    finally:
        pagers.released.set()
        passing.join(30)
    assert sorted(outcome[0].sent) == sorted(d.id for d in ward.deliveries(alert_id))


def test_sends_in_flight_are_bounded_and_a_hung_lane_takes_one_of_them(
    ward: Ward, pagers: Receiver, tmp_path: Path
) -> None:
    everyone_at_once(ward, pagers, tmp_path, delivery_concurrency=2)
    critical(ward)
    passing = threading.Thread(target=lambda: ward.deliver(T))
    passing.start()
    try:
        wait_for(lambda: len(pagers.received()) == 2, what="two sends in flight")
        passing.join(1.0)
        assert len(pagers.received()) == 2  # the bound holds: the other four wait for a free sender
    finally:
        pagers.released.set()
        passing.join(30)
    assert len(pagers.received()) == 6


def test_the_schedulers_next_pass_pages_at_once_while_an_earlier_recipient_still_hangs(
    ward: Ward, pagers: Receiver, tmp_path: Path
) -> None:
    everyone_at_once(ward, pagers, tmp_path)
    now = [T]
    dispatcher = Dispatcher(ward.sessions, ward.config, clock=lambda: now[0], keep_outcomes=False)
    try:
        critical(ward)
        first = dispatcher.run_pass()  # hands six pages over and returns: five of them hang
        assert len(first.claimed) == 6
        wait_for(lambda: len(pagers.received()) == 6, what="the first pass's sends")
        now[0] = T + minutes(1)
        alert_id = critical(ward, now[0])
        second = dispatcher.run_pass()
        assert len(second.claimed) == 6
        # The new alert's page to the recipient that answers goes now; the hung lanes queue theirs.
        wait_for(lambda: len(pagers.received("failsafe")) == 2, what="the second alert's page")
        wait_for(
            lambda: [d.status for d in ward.deliveries(alert_id) if d.recipient == "failsafe"] == ["sent"],
            what="the second alert's page marked sent",
        )
        assert len(pagers.received()) == 7  # the five hung lanes have not sent the second alert's pages yet
    finally:
        pagers.released.set()
        dispatcher.close()


def test_a_dead_page_with_only_the_webhook_configured_is_also_emailed_when_an_address_is_given(
    ward: Ward, tmp_path: Path
) -> None:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    receiver = Receiver(failing={"down"})
    receiver.start()
    try:
        recipients = {role: {"channel": "webhook", "address": receiver.url("down")} for role in EVERYONE}
        ward.configure(
            escalation_chains_path=str(write_chains(tmp_path / "c.yaml", recipients)),
            smtp_url=f"smtp://127.0.0.1:{port}?from=cartwatch@ward.test",
            system_alert_email="site-manager@pager.test",
            delivery_max_attempts=1,
        )
        alert_id = critical(ward, grade=1)
        ward.deliver(T)
        (system,) = ward.alerts("delivery_dead")
        assert system.message.endswith("(also e-mailed to site-manager@pager.test)")
        ward.deliver(T + timedelta(seconds=1))
    finally:
        controller.stop()
        receiver.stop()
    ((_, _, content),) = [m for m in box.messages if m[1] == ["site-manager@pager.test"]]
    message = message_from_bytes(content)
    assert "page could not be delivered" in message["Subject"]
    reference = ward.alert(alert_id).reference
    assert f"ref {reference}" in message.get_payload()  # which page failed, by its opaque reference


class Refusing:
    """A sender whose every page is refused."""

    def send(self, channel: str, address: str | None, payload: dict[str, Any], delivery_id: int) -> None:
        raise SendError(f"{channel}: refused")


def test_the_board_banner_shows_a_page_that_could_not_be_delivered_until_somebody_acknowledges_it(
    ward: Ward,
) -> None:
    ward.configure(delivery_max_attempts=1)
    pid = ward.admit(T - minutes(60))
    ward.crs(pid, T, grade=1)
    ward.deliver(T, sender=Refusing())
    dead = ward.alerts("delivery_dead")  # one a refused page: the bedside nurse's and the CAR-T registrar's
    assert len(dead) == 2
    with ward.sessions() as session:
        shown = check_pulse(session, T, ward.settings, None, None)
    assert shown is not None and "2 pages could not be delivered" in shown.banner
    with ward.sessions.begin() as session:
        for system in dead:
            nic = Actor("nic.smith", role="nurse_in_charge", source="form")
            acknowledge(session, system.id, nic, T, settings=ward.settings)
    with ward.sessions() as session:
        after = check_pulse(session, T, ward.settings, None, shown.banner)
    assert after is not None and "could not be delivered" not in after.banner
