"""`python -m alerts.supervise`: run the scheduler as a leader and a hot standby, and restart either if it exits.

The Procfile's ``scheduler`` process and `make run` use this. It starts ``CARTWATCH_SCHEDULER_REPLICAS`` (default
2) copies of `python -m alerts.scheduler`: one leads, the other waits to take over within a poll if the leader
dies, or within a lease if it freezes. A copy that exits for any reason is started again after a pause that
doubles from 1 s to 30 s while it keeps failing quickly (and starts again at 1 s once a copy has run for a
minute). A configuration error (exit status 2) is not retried: the supervisor stops the others and exits 2, so
the error is seen at once rather than logged every 30 s. SIGTERM or SIGINT is passed to every copy, which stop
cleanly; the supervisor then exits 0.

Another command can be supervised instead, e.g. ``python -m alerts.supervise -- python -m alerts.scheduler``.
On a platform that restarts processes itself, run ``python -m alerts.scheduler`` there as two instances instead.
"""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from types import FrameType

from data.settings import Settings

log = logging.getLogger("alerts.supervise")

CONFIGURATION_ERROR = 2
FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 30.0
HEALTHY_RUN_SECONDS = 60.0
STOP_GRACE_SECONDS = 30.0
MAX_REPLICAS = 8


@dataclass
class Replica:
    number: int
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    pause: float = FIRST_PAUSE_SECONDS
    restart_at: float = 0.0
    restarts: int = 0
    done: bool = False

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        self.started = time.monotonic()
        log.info("supervisor: replica %d started (pid %d)", self.number, self.process.pid)


class Supervisor:
    def __init__(self, command: list[str], replicas: int) -> None:
        self.replicas = [Replica(n, command) for n in range(1, replicas + 1)]
        self.stop = threading.Event()
        self.status = 0

    def request_stop(self, signum: int, _frame: FrameType | None) -> None:
        log.info("supervisor: signal %s, stopping the scheduler replicas", signal.Signals(signum).name)
        self.stop.set()

    def run(self, tick: float = 0.2) -> int:
        for replica in self.replicas:
            replica.start()
        while not self.stop.wait(tick):
            now = time.monotonic()
            for replica in self.replicas:
                self._watch(replica, now)
            if all(replica.done for replica in self.replicas):
                break
        self._stop_all()
        return self.status

    def _watch(self, replica: Replica, now: float) -> None:
        if replica.done:
            return
        if replica.process is None:
            if now >= replica.restart_at:
                replica.restarts += 1
                replica.start()
            return
        code = replica.process.poll()
        if code is None:
            return
        replica.process = None
        if code == CONFIGURATION_ERROR:
            log.error("supervisor: replica %d exited with a configuration error; not restarting", replica.number)
            self.status = CONFIGURATION_ERROR
            self.stop.set()
            replica.done = True
            return
        ran = now - replica.started
        replica.pause = FIRST_PAUSE_SECONDS if ran >= HEALTHY_RUN_SECONDS else replica.pause
        log.warning(
            "supervisor: replica %d exited with status %s after %.1fs; restarting in %.0fs",
            replica.number,
            code,
            ran,
            replica.pause,
        )
        replica.restart_at = now + replica.pause
        replica.pause = min(replica.pause * 2, LONGEST_PAUSE_SECONDS)

    def _stop_all(self) -> None:
        running = [r.process for r in self.replicas if r.process is not None and r.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("supervisor: pid %d did not stop within %.0fs; killing it", process.pid, STOP_GRACE_SECONDS)
                process.kill()
                process.wait()


def replicas_setting(settings: Settings) -> int:
    value = settings.scheduler_replicas
    if not 1 <= value <= MAX_REPLICAS:
        raise ValueError(
            f"scheduler_replicas (CARTWATCH_SCHEDULER_REPLICAS): {value} is outside the allowed range 1-{MAX_REPLICAS}"
        )
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alerts.supervise", description=__doc__.split("\n")[0])
    parser.add_argument("command", nargs="*", help="the command to supervise (default: python -m alerts.scheduler)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        replicas = replicas_setting(Settings.from_env())
    except ValueError as exc:
        log.error("configuration error: %s", exc)
        return CONFIGURATION_ERROR
    command = args.command or [sys.executable, "-m", "alerts.scheduler"]
    supervisor = Supervisor(command, replicas)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    log.info("supervisor: %d replica(s) of %s", replicas, " ".join(command))
    status = supervisor.run()
    log.info("supervisor stopped")
    return status


if __name__ == "__main__":
    sys.exit(main())
