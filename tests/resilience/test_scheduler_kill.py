"""A scheduler killed outright (SIGKILL) in the middle of a delivery pass, and a leader killed with its standby
waiting; a hanging receiver that must not hold the others up; a frozen scheduler (SIGSTOP) noticed by the web
process. Real processes, a real HTTP receiver."""

from __future__ import annotations

import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from data.models import DeliveryAttempt
from data.settings import Settings
from tests.integration.alerts.conftest import ROLES, Ward, free_port, write_chains
from tests.resilience.faults import FAST, Processes, Receiver, environment, wait_for
from tests.resilience.test_faults import escalate, every_page_arrived, health, leader_pid, now


def test_a_scheduler_killed_during_a_delivery_pass_and_restarted_pages_every_alert_repeating_one_page_at_most(
    ward: Ward, database_url: str, processes: Processes
) -> None:
    pagers = Receiver(hang_first={"bleep"})  # the pass's first send hangs: the kill lands in the middle of it
    pagers.start()
    try:
        webhook = pagers.url("bleep")
        ward.configure(webhook_url=webhook)
        quiet = {
            "CARTWATCH_WEBHOOK_URL": webhook,
            "CARTWATCH_HEARTBEAT_STALE_SECONDS": "60",  # no stale-scheduler page in the count
            "CARTWATCH_WEBHOOK_TIMEOUT_SECONDS": "30",  # the hung send is still in flight when the kill comes
        }
        first = processes.scheduler("cw-first", database_url, **quiet)
        wait_for(lambda: leader_pid(ward) == first.pid, what="the scheduler leading")
        for _ in range(3):
            escalate(ward, grade=3)  # six pages (bedside nurse and CAR-T registrar each), one webhook lane

        def in_flight() -> bool:
            return len(pagers.received()) == 1 and all(d.claimed_until is not None for d in ward.deliveries())

        wait_for(in_flight, what="the pass holding every page, one of them on the wire")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        processes.scheduler("cw-restarted", database_url, **quiet)
        wait_for(lambda: every_page_arrived(ward, pagers), seconds=40, what="every page after the restart")
        pagers.released.set()
        time.sleep(1)  # the hung request now completes at the receiver: it was the one repeat

        counts = pagers.pages_by_reference()
        assert len(counts) == 6  # none lost
        assert sorted(counts.values()) == [1, 1, 1, 1, 1, 2]  # the page on the wire at the kill went twice
        with pagers.lock:
            ids = Counter(r.delivery for r in pagers.pages)
        (repeated,) = [delivery for delivery, n in ids.items() if n == 2]
        assert repeated  # both copies carry the same delivery id, so a receiver can drop the repeat
        assert {d.status for d in ward.deliveries()} == {"sent"}
    finally:
        pagers.stop()


def test_two_schedulers_on_postgresql_the_standby_pages_within_one_sweep_interval_of_the_leader_being_killed(
    ward: Ward, engine: Engine, database_url: str, processes: Processes, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("leadership by session lock is the PostgreSQL arrangement (SQLite's lease is in test_faults)")
    sweep = 5
    pagers = Receiver()
    pagers.start()
    try:
        webhook = pagers.url("bleep")
        ward.configure(webhook_url=webhook)
        timing = {
            "CARTWATCH_WEBHOOK_URL": webhook,
            "CARTWATCH_SWEEP_INTERVAL_SECONDS": str(sweep),
            "CARTWATCH_DELIVERY_INTERVAL_SECONDS": str(sweep),
            "CARTWATCH_HEARTBEAT_STALE_SECONDS": "60",
        }
        leader = processes.scheduler("cw-leader", database_url, **timing)
        wait_for(lambda: leader_pid(ward) == leader.pid, what="the first scheduler leading")
        standby = processes.scheduler("cw-standby", database_url, **timing)
        wait_for(lambda: "waiting as standby" in processes.log("cw-standby"), what="the standby")
        leader.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        wait_for(lambda: leader_pid(ward) == standby.pid, seconds=sweep, what="the standby leading")
        # An assessment written now, as the API writes it (the write path wakes the sender), is paged by the new
        # leader within one sweep interval of the kill.
        escalate(ward, grade=2)
        wait_for(lambda: every_page_arrived(ward, pagers), seconds=sweep, what="the page from the new leader")
        assert time.monotonic() - killed <= sweep + 1
    finally:
        pagers.stop()


def test_a_hanging_receiver_times_out_and_is_retried_while_the_other_recipients_are_paged_at_once(
    ward: Ward, database_url: str, processes: Processes, tmp_path: Path
) -> None:
    pagers = Receiver(hang_first={"nic"})  # the nurse-in-charge's receiver hangs on the first request
    pagers.start()
    try:
        recipients = {
            role: {"channel": "webhook", "address": pagers.url("nic" if role == "nurse_in_charge" else "nurse")}
            for role in ROLES
        }
        chains = write_chains(tmp_path / "chains.yaml", recipients)
        ward.configure(escalation_chains_path=str(chains))
        processes.scheduler(
            "cw-scheduler",
            database_url,
            CARTWATCH_ESCALATION_CHAINS=str(chains),
            CARTWATCH_WEBHOOK_TIMEOUT_SECONDS="2",
            CARTWATCH_DELIVERY_BACKOFF_SECONDS="1",
            CARTWATCH_HEARTBEAT_STALE_SECONDS="60",
        )
        wait_for(lambda: "leads (epoch" in processes.log("cw-scheduler"), what="the scheduler leading")
        escalate(ward, grade=3)  # critical: bedside nurse and nurse-in-charge paged together
        wait_for(lambda: len(pagers.received("nurse")) == 1, seconds=10, what="the bedside nurse's page")
        with pagers.lock:
            arrived = {r.path.rsplit("/", 1)[-1]: r.at for r in pagers.pages}
        assert arrived["nurse"] - arrived["nic"] < 1.5  # not queued behind the hung send (2 s timeout)
        wait_for(lambda: len(pagers.received("nic")) == 2, seconds=20, what="the nurse-in-charge's page, retried")
        wait_for(lambda: every_page_arrived(ward, pagers), seconds=20, what="both pages marked sent")
        (nic,) = [d for d in ward.deliveries() if d.recipient == "nurse_in_charge"]
        with ward.sessions() as session:
            tries = session.execute(
                select(DeliveryAttempt.outcome, DeliveryAttempt.error)
                .where(DeliveryAttempt.delivery_id == nic.id)
                .order_by(DeliveryAttempt.id)
            ).all()
        assert [outcome for outcome, _ in tries] == ["failed", "sent"]  # the hung send timed out; the retry went
        assert "timed out" in (tries[0].error or "").lower()
    finally:
        pagers.stop()


def test_a_frozen_scheduler_past_the_heartbeat_limit_shows_alerting_offline_and_the_web_watchdog_pages(
    ward: Ward, database_url: str, processes: Processes
) -> None:
    from dashboard.views.board import refresh
    from data.db import make_engine, make_session_factory

    pagers = Receiver()
    pagers.start()
    try:
        webhook = pagers.url("bleep")
        scheduler = processes.scheduler("cw-scheduler", database_url, CARTWATCH_WEBHOOK_URL=webhook)
        port = free_port()
        processes.start(
            "cw-web",
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "dashboard.app:server"],
            environment(database_url, **FAST, CARTWATCH_WEBHOOK_URL=webhook, CARTWATCH_WATCHDOG_INTERVAL_SECONDS="1"),
        )
        wait_for(lambda: health(port)[0] == 200, seconds=40, what="the web process, healthy")
        scheduler.send_signal(signal.SIGSTOP)  # alive but silent: no exit for a supervisor to notice

        def stale_pages() -> list[str]:
            return [p["text"] for p in pagers.received() if p["kind"] == "scheduler_heartbeat_stale"]

        wait_for(lambda: len(stale_pages()) == 1, seconds=20, what="the web watchdog's page")
        assert "escalate by phone" in stale_pages()[0]
        status, body = health(port)
        assert (status, body["scheduler"]) == (503, "stale")
        stale_after = int(FAST["CARTWATCH_HEARTBEAT_STALE_SECONDS"])
        settings = Settings(database_url=database_url, heartbeat_stale_seconds=stale_after)
        engine = make_engine(database_url)
        try:
            with make_session_factory(engine)() as session:
                board = refresh(session, now(), settings, None, None)
        finally:
            engine.dispose()
        assert board is not None and board.banner.startswith("Alerting offline — escalate by phone")
        scheduler.send_signal(signal.SIGCONT)
        wait_for(lambda: health(port)[0] == 200, seconds=20, what="healthy again once the scheduler runs")
        assert len(stale_pages()) == 1  # one page for the silence
    finally:
        pagers.stop()
