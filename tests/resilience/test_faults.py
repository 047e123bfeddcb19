"""Faults an SRE would inject, against real processes: a PostgreSQL restart, a frozen leader (SIGSTOP), a killed
scheduler (SIGKILL) with the web process watching, and a write that must page at once. Each shows that pages keep
going out, none is lost, and a page repeats at most once per crash."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from alerts.watchdog import Watchdog, watch
from data.db import make_engine, make_session_factory
from data.models import AlertDelivery, SchedulerHeartbeat, SchedulerLeadership
from data.settings import Settings
from tests.integration.alerts.conftest import Ward, free_port
from tests.private_postgres import PrivatePostgres
from tests.resilience.faults import (
    FAST,
    Processes,
    Receiver,
    environment,
    stop,
    wait_for,
)


def now() -> datetime:
    return datetime.now(UTC)


def escalate(ward: Ward, grade: int, bed: str | None = None) -> int:
    """A patient admitted ten minutes ago (nothing overdue) whose CRS assessment, written through the write path
    as the API writes it, raises a CRS onset alert."""
    patient = ward.admit(
        now() - timedelta(minutes=10), bed=bed, hospital_number=f"RTD{time.monotonic_ns() % 10**7:07d}"
    )
    ward.crs(patient, now(), grade=grade)
    return patient


def every_page_arrived(ward: Ward, pagers: Receiver) -> bool:
    """Every page is marked sent, and every webhook page is at the receiver."""
    deliveries = ward.deliveries()
    if not deliveries or any(d.status != "sent" for d in deliveries):
        return False
    deliveries = [d for d in deliveries if d.channel == "webhook"]
    if not deliveries:
        return False
    references = {a.id: a.reference for a in ward.alerts()}
    arrived = pagers.pages_by_reference()
    return all((references[d.alert_id], d.recipient, d.step) in arrived for d in deliveries)


def leader_pid(ward: Ward) -> int | None:
    """The process id of the scheduler that leads (None while nobody does)."""
    with ward.sessions() as session:
        holder = session.scalar(select(SchedulerLeadership.holder))
    return int(holder.rsplit(":", 1)[1]) if holder else None


# --- 2. a PostgreSQL restart ------------------------------------------------------------------------------------


def test_a_postgresql_restart_pauses_alerting_and_the_supervised_schedulers_resume_on_their_own(
    private_postgres: PrivatePostgres, private_database: str, pagers: Receiver, processes: Processes
) -> None:
    url = private_database
    engine = make_engine(url)
    webhook = pagers.url("bleep")
    ward = Ward(make_session_factory(engine), Settings(database_url=url, webhook_url=webhook))
    try:
        supervisor = processes.start(
            "cw-supervisor",
            [sys.executable, "-m", "alerts.supervise"],
            environment(url, **FAST, CARTWATCH_WEBHOOK_URL=webhook, CARTWATCH_SCHEDULER_REPLICAS="2"),
        )
        escalate(ward, grade=1)
        wait_for(lambda: every_page_arrived(ward, pagers), seconds=30, what="the page before the outage")

        private_postgres.stop()
        time.sleep(5)  # longer than the lease: every connection, the leader's lock with it, is gone
        private_postgres.start()
        escalate(ward, grade=3)  # written after the restart: its pages must go out
        wait_for(lambda: every_page_arrived(ward, pagers), seconds=40, what="the pages written after the restart")
        log = processes.log("cw-supervisor")
        assert "exited" not in log  # the schedulers rode the outage out; nobody had to restart them
        assert "no longer the leader" in log and "the database cannot be reached" in log

        # A scheduler killed outright: the standby leads at once, and the supervisor starts a new standby.
        victim = leader_pid(ward)
        assert victim is not None
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: leader_pid(ward) not in (None, victim), seconds=15, what="the standby taking over")
        wait_for(lambda: processes.log("cw-supervisor").count("started (pid") == 3, what="a replica restarted")
        escalate(ward, grade=1)
        wait_for(lambda: every_page_arrived(ward, pagers), seconds=30, what="the page after the kill")
        assert max(pagers.pages_by_reference().values()) <= 2  # at most one repeat per crash
        assert stop(supervisor) == 0
    finally:
        engine.dispose()


# --- 3. a frozen leader -----------------------------------------------------------------------------------------


def test_a_frozen_leader_is_replaced_once_its_lease_runs_out_and_sends_nothing_when_it_wakes(
    ward: Ward, engine: Engine, database_url: str, processes: Processes
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite a process frozen inside a write transaction holds the whole database (README)")
    pagers = Receiver(hang_first={"slow"})
    pagers.start()
    try:
        webhook = pagers.url("slow")
        ward.configure(webhook_url=webhook)
        quiet = {"CARTWATCH_WEBHOOK_URL": webhook, "CARTWATCH_HEARTBEAT_STALE_SECONDS": "60"}  # no stale-page noise
        first = processes.scheduler("cw-first", database_url, **quiet)
        wait_for(lambda: leader_pid(ward) == first.pid, what="the first scheduler leading")
        second = processes.scheduler("cw-second", database_url, **quiet)
        wait_for(lambda: "waiting as standby" in processes.log("cw-second"), what="the standby")
        escalate(ward, grade=3)
        escalate(ward, grade=3)  # four pages, one lane: the first hangs, three queue behind it in the leader

        def claimed_and_one_sent() -> bool:
            return len(pagers.received()) == 1 and all(d.claimed_until is not None for d in ward.deliveries())

        wait_for(claimed_and_one_sent, what="the leader holding every page")
        first.send_signal(signal.SIGSTOP)
        wait_for(lambda: every_page_arrived(ward, pagers), seconds=20, what="the standby sending every page")
        assert leader_pid(ward) == second.pid
        assert "let its lease run out" in processes.log("cw-second")
        pagers.released.set()
        first.send_signal(signal.SIGCONT)
        wait_for(lambda: "no longer the leader" in processes.log("cw-first"), seconds=10, what="the woken leader")
        time.sleep(1.5)  # what the woken leader would still send, it would send now
        counts = sorted(pagers.pages_by_reference().values())
        assert counts == [1, 1, 1, 2]  # the page in flight at the freeze went twice; the queued three once
        escalate(ward, grade=1)
        wait_for(lambda: every_page_arrived(ward, pagers), what="a page after the woken leader stood down")
        # the five above, then the new alert's two pages (bedside nurse and CAR-T registrar) once each
        assert sum(pagers.pages_by_reference().values()) == 7
        assert "waiting as standby" in processes.log("cw-first")
    finally:
        pagers.stop()


# --- 4. a killed scheduler, noticed by the web process -----------------------------------------------------------


def health(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except (urllib.error.URLError, TimeoutError):
        return 0, {}  # not listening yet, or its workers still starting


def test_the_web_watchdog_pages_once_when_the_scheduler_is_killed_and_healthz_reports_it(
    ward: Ward, database_url: str, pagers: Receiver, processes: Processes
) -> None:
    webhook = pagers.url("bleep")
    scheduler = processes.scheduler("cw-scheduler", database_url, CARTWATCH_WEBHOOK_URL=webhook)
    port = free_port()
    processes.start(
        "cw-web",
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "dashboard.app:server"],
        environment(database_url, **FAST, CARTWATCH_WEBHOOK_URL=webhook, CARTWATCH_WATCHDOG_INTERVAL_SECONDS="1"),
    )
    wait_for(lambda: health(port)[0] == 200, seconds=40, what="the web process, healthy")
    scheduler.send_signal(signal.SIGKILL)
    scheduler.wait(10)

    def stale_pages() -> list[dict[str, Any]]:
        return [p for p in pagers.received() if p["kind"] == "scheduler_heartbeat_stale"]

    wait_for(lambda: len(stale_pages()) == 1, seconds=20, what="the watchdog's page")
    status, body = health(port)
    assert (status, body["scheduler"]) == (503, "stale")
    time.sleep(1)  # the watchdog keeps looking: still one page for this silence
    (page,) = stale_pages()
    assert page["recipient"] == "nurse_in_charge" and "escalate by phone" in page["text"]
    assert "(also written to the log and shown on the board)" in page["text"]
    wait_for(lambda: "PAGE to system_fallback" in processes.log("cw-web"), what="the second channel: the log")
    # A scheduler started again is healthy, and its sweep finds this silence already paged.
    processes.scheduler("cw-scheduler-2", database_url, CARTWATCH_WEBHOOK_URL=webhook)
    wait_for(lambda: health(port)[0] == 200, seconds=20, what="healthy again")
    time.sleep(1)
    assert len(stale_pages()) == 1
    assert len(ward.alerts("scheduler_heartbeat_stale")) == 1


# --- 9. a write wakes the sender --------------------------------------------------------------------------------


def test_a_page_written_through_the_write_path_is_sent_at_once_not_at_the_next_delivery_interval(
    ward: Ward, database_url: str, pagers: Receiver, processes: Processes
) -> None:
    webhook = pagers.url("bleep")
    ward.configure(webhook_url=webhook)
    slow = {
        "CARTWATCH_SWEEP_INTERVAL_SECONDS": "60",
        "CARTWATCH_DELIVERY_INTERVAL_SECONDS": "60",
        "CARTWATCH_HEARTBEAT_STALE_SECONDS": "120",
    }
    processes.scheduler("cw-scheduler", database_url, CARTWATCH_WEBHOOK_URL=webhook, **slow)
    wait_for(lambda: "leads (epoch" in processes.log("cw-scheduler"), what="the scheduler leading")
    time.sleep(1)  # its first sweep and delivery pass are done; the next are a minute away
    escalate(ward, grade=1)
    # PostgreSQL: the write's NOTIFY; SQLite: the leader's short poll. Nothing else runs within the minute.
    wait_for(lambda: every_page_arrived(ward, pagers), seconds=15, what="the page")
    with ward.sessions() as session:
        assert session.scalar(select(AlertDelivery.status)) == "sent"


def test_two_watchdogs_watching_one_silence_page_it_once(ward: Ward, engine: Engine, pagers: Receiver) -> None:
    """As gunicorn's workers do: each runs a watchdog, and they look at the same moment."""
    ward.configure(webhook_url=pagers.url("bleep"))
    last_beat = now() - timedelta(minutes=10)
    with ward.sessions.begin() as session:
        session.add(SchedulerHeartbeat(instance="gone:1", beat_at=last_beat, details={}))
    watchers = [Watchdog(engine, ward.config) for _ in range(2)]
    barrier = threading.Barrier(2)

    def look(dog: Watchdog) -> None:
        barrier.wait()
        watch(dog.sessions, dog.read_sessions, ward.config, now(), watching_since=now())

    threads = [threading.Thread(target=look, args=(dog,)) for dog in watchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    (alert,) = ward.alerts("scheduler_heartbeat_stale")
    assert [p["reference"] for p in pagers.received()] == [alert.reference]
    assert {d.recipient: d.status for d in ward.deliveries(alert.id)} == {
        "nurse_in_charge": "sent",
        "system_fallback": "sent",
    }
