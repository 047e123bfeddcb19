"""The scheduler: its jobs without APScheduler, and the real process (heartbeats, SIGTERM, one leader and a
standby on PostgreSQL and on SQLite, a replica killed mid-sweep) against a real HTTP receiver."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, func, select, text

from alerts.jobs import DUE_SWEEP_JOB_ID, SWEEP_JOB_ID, AlertJobs
from alerts.scheduler import SchedulerProcess
from alerts.sweep import main as sweep_command
from data.models import Alert, AlertDelivery, SchedulerHeartbeat
from tests.integration.alerts.conftest import Ward, minutes

ROOT = Path(__file__).resolve().parents[3]
T = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_the_sweep_job_writes_a_heartbeat_each_run_without_apscheduler(ward: Ward) -> None:
    clock = iter([T, T + timedelta(seconds=30)])
    jobs = AlertJobs(ward.config, ward.sessions, instance="test-1", clock=lambda: next(clock))
    jobs.sweep()
    jobs.sweep()
    with ward.sessions() as session:
        beats = session.execute(select(SchedulerHeartbeat.instance, SchedulerHeartbeat.beat_at)).all()
    assert sorted(beats) == [("test-1", T), ("test-1", T + timedelta(seconds=30))]


def test_a_silent_scheduler_is_reported_once_by_the_delivery_pass_and_the_next_sweep(ward: Ward) -> None:
    now = [T]
    jobs = AlertJobs(ward.config, ward.sessions, instance="test-1", clock=lambda: now[0])
    jobs.sweep()
    now[0] = T + timedelta(seconds=119)
    assert jobs.deliver().system_alerts == []
    now[0] = T + minutes(5)
    (stale,) = jobs.deliver().system_alerts
    assert stale.kind == "scheduler_heartbeat_stale" and stale.severity == "critical"
    assert jobs.sweep().raised == []  # the same silence: the same key
    assert len(ward.alerts("scheduler_heartbeat_stale")) == 1
    (alert,) = ward.alerts("scheduler_heartbeat_stale")
    assert "No alerting scheduler heartbeat since 2026-11-24 08:00 UTC (5 min)" in alert.message


def test_the_sweep_command_prints_what_it_did(ward: Ward, database_url: str) -> None:
    pid = ward.admit(T - timedelta(hours=6))
    ward.crs(pid, T - timedelta(hours=5), grade=1, hook=False)
    result = subprocess.run(
        [sys.executable, "-m", "alerts.sweep", "--once", "--now", "2026-11-24T08:00:00Z"],
        cwd=ROOT,
        env=environment(database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "sweep at 2026-11-24T08:00:00+00:00: 1 patient(s) under monitoring" in result.stdout
    assert " crs_onset (warning) Ward 33 bed 1: 2 page(s)" in result.stdout
    assert "delivery: sent" in result.stdout
    assert "PAGE to bedside_nurse" in result.stderr
    assert len(ward.alerts("crs_onset")) == 1


def test_the_sweep_command_rejects_a_time_without_an_offset(capsys: pytest.CaptureFixture[str]) -> None:
    assert sweep_command(["--once", "--now", "2026-11-24T08:00:00"]) == 2
    error = capsys.readouterr().err
    assert "--now" in error and "time zone offset" in error


# --- the real process ---------------------------------------------------------------------------------------


def environment(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTWATCH_")}
    env.update(CARTWATCH_DATABASE_URL=database_url, **extra)
    return env


@pytest.fixture
def start(database_url: str, receiver: HTTPServer, tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[str]]]:
    processes: list[subprocess.Popen[str]] = []
    logs: list[IO[str]] = []

    def spawn(name: str) -> subprocess.Popen[str]:
        env = environment(
            database_url,
            CARTWATCH_WEBHOOK_URL=receiver.url_for("/page"),
            CARTWATCH_SWEEP_INTERVAL_SECONDS="1",
            CARTWATCH_DELIVERY_INTERVAL_SECONDS="1",
            CARTWATCH_LEADER_POLL_SECONDS="1",
            PGAPPNAME=name,
        )
        log = (tmp_path / f"{name}.log").open("w")
        logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "alerts.scheduler"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        return process

    yield spawn
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    for log in logs:
        log.close()


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {seconds} s")


def overdue_ward(ward: Ward, beds: int = 3) -> None:
    """Patients admitted 12 hours ago by the real clock, with nothing recorded: everything is overdue."""
    now = datetime.now(UTC)
    for bed in range(beds):
        ward.admit(now - timedelta(hours=12), hospital_number=f"RTD99{bed:05d}")


def all_sent(engine: Engine) -> bool:
    with engine.connect() as conn:
        alerts = conn.scalar(select(func.count()).select_from(Alert))
        pending = conn.scalar(select(func.count()).where(AlertDelivery.status != "sent"))
        sent = conn.scalar(select(func.count()).where(AlertDelivery.status == "sent"))
    return bool(alerts) and pending == 0 and sent == alerts


def received(receiver: HTTPServer) -> list[tuple[str, str, int]]:
    pages = [json.loads(request.get_data()) for request, _ in receiver.log]
    return [(page["reference"], page["recipient"], page["step"]) for page in pages]


def heartbeat_instances(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(SchedulerHeartbeat.instance).distinct()))


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(15)


def test_sigterm_stops_the_scheduler_cleanly_after_it_has_swept(
    ward: Ward, engine: Engine, start: Callable[[str], subprocess.Popen[str]], tmp_path: Path
) -> None:
    process = start("cw-single")
    wait_for(lambda: bool(heartbeat_instances(engine)))
    assert stop(process) == 0
    log = (tmp_path / "cw-single.log").read_text()
    assert "signal SIGTERM, stopping" in log and "stopped" in log
    assert "Traceback" not in log


def test_two_schedulers_page_each_alert_exactly_once_one_waits_as_standby_and_takes_over_when_the_leader_is_killed(
    ward: Ward, engine: Engine, receiver: HTTPServer, start: Callable[[str], subprocess.Popen[str]], tmp_path: Path
) -> None:
    overdue_ward(ward)
    first, second = start("cw-sched-a"), start("cw-sched-b")
    wait_for(lambda: all_sent(engine))
    time.sleep(1.5)  # a second replica sweeping or sending would show up now
    pages = received(receiver)
    assert len(pages) == len(set(pages)) == len(ward.deliveries())
    assert {reference for reference, _, _ in pages} == {a.reference for a in ward.alerts()}
    # One leads (PostgreSQL: an advisory lock; SQLite: a lock file beside the database); the other stands by.
    (leader,) = heartbeat_instances(engine)
    leading, standby = (first, second) if leader.endswith(f":{first.pid}") else (second, first)
    standby_log = tmp_path / ("cw-sched-b.log" if standby is second else "cw-sched-a.log")
    assert "waiting as standby" in standby_log.read_text()
    leading.send_signal(signal.SIGKILL)
    leading.wait(10)
    wait_for(lambda: any(name.endswith(f":{standby.pid}") for name in heartbeat_instances(engine)), seconds=30)
    assert "lost its lock" in standby_log.read_text()  # at once, not after the lease ran out
    assert stop(standby) == 0


def test_a_scheduler_killed_mid_sweep_on_postgresql_loses_and_doubles_no_page(
    ward: Ward, engine: Engine, receiver: HTTPServer, start: Callable[[str], subprocess.Popen[str]]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a mid-transaction kill is observed through pg_stat_activity (SQLite: test_crash.py)")
    overdue_ward(ward)
    with engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE alert_deliveries IN EXCLUSIVE MODE"))
        victim = start("cw-victim")

        def stuck_inserting_pages() -> bool:
            with engine.connect() as conn:
                return bool(
                    conn.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cw-victim' "
                            "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO alert_deliveries%'"
                        )
                    )
                )

        wait_for(stuck_inserting_pages)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        with engine.connect() as conn:
            # The server reaps a dead client's connections; do it now rather than at the next keepalive.
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cw-victim'")
            )
        blocker.rollback()
    assert ward.alerts() == [] and ward.deliveries() == []  # the killed sweep left nothing half-done
    start("cw-survivor")
    wait_for(lambda: all_sent(engine))
    time.sleep(1.2)
    pages = received(receiver)
    assert len(pages) == len(set(pages)) == len(ward.deliveries())
    assert {reference for reference, _, _ in pages} == {a.reference for a in ward.alerts()}


# --- the sweep at the moment the next item falls overdue ----------------------------------------------------


def test_the_leader_sweeps_again_when_the_next_item_falls_overdue_if_that_comes_before_the_interval(
    ward: Ward,
) -> None:
    config = ward.configure(sweep_interval_seconds=600, heartbeat_stale_seconds=1200)
    start = datetime.now(UTC)
    ward.admit(start - timedelta(hours=4) + minutes(2), bed="1")  # obs overdue in 17 minutes: after the interval
    term = SchedulerProcess(AlertJobs(config, ward.sessions, instance="test-due"), config)
    running = threading.Thread(target=term.run)
    running.start()
    try:
        wait_for(lambda: term.scheduler.get_job(SWEEP_JOB_ID) is not None and len(beats(ward)) == 1, seconds=20)
        assert term.scheduler.get_job(DUE_SWEEP_JOB_ID) is None  # the interval sweep comes first

        ward.admit(start - timedelta(hours=4) - minutes(10), bed="2")  # obs overdue in 5 minutes
        term.sweep()
        due = term.scheduler.get_job(DUE_SWEEP_JOB_ID)
        assert due is not None
        bed_2_obs = start - minutes(10)  # 4 hours after admission
        assert due.next_run_time == bed_2_obs + minutes(15) + timedelta(microseconds=1)

        with term.sweeping:  # a sweep already running: the next one does not run alongside it
            term.sweep()
        assert len(beats(ward)) == 2
    finally:
        term.request_stop(signal.SIGTERM, None)
        running.join(20)
    assert not running.is_alive()


def beats(ward: Ward) -> list[datetime]:
    with ward.sessions() as session:
        return list(session.scalars(select(SchedulerHeartbeat.beat_at)))
