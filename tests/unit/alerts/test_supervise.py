"""The supervisor restarts a scheduler that exits, and stops at a configuration error instead of looping on it."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from alerts.supervise import Supervisor, replicas_setting
from data.settings import Settings


def test_a_replica_that_exits_is_started_again(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    command = [sys.executable, "-c", f"open({str(starts)!r}, 'a').write('x'); raise SystemExit(1)"]
    supervisor = Supervisor(command, replicas=1)
    running = threading.Thread(target=supervisor.run, kwargs={"tick": 0.05})
    running.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(starts.read_text() if starts.exists() else "") < 2:
            time.sleep(0.05)
    finally:
        supervisor.stop.set()
        running.join(30)
    assert len(starts.read_text()) >= 2 and supervisor.status == 0


def test_a_configuration_error_is_not_retried_and_the_supervisor_exits_with_it() -> None:
    supervisor = Supervisor([sys.executable, "-c", "raise SystemExit(2)"], replicas=2)
    assert supervisor.run(tick=0.05) == 2
    assert all(replica.restarts == 0 for replica in supervisor.replicas)


def test_the_number_of_replicas_is_checked() -> None:
    assert replicas_setting(Settings.from_env({})) == 2
    with pytest.raises(ValueError, match=r"CARTWATCH_SCHEDULER_REPLICAS\): 0 is outside the allowed range 1-8"):
        replicas_setting(Settings.from_env({"CARTWATCH_SCHEDULER_REPLICAS": "0"}))
