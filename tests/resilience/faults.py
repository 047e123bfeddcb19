"""Fault injection for the alerting tests: a page receiver that can hang or fail, and real scheduler, supervisor and
web processes to kill (SIGKILL) or freeze (SIGSTOP). The private PostgreSQL a test may stop is
`tests.private_postgres.PrivatePostgres` (the `private_postgres` and `private_database` fixtures)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], bool], seconds: float = 20, what: str = "condition") -> None:
    """A bounded wait for an event (not a timing assertion: the bound is generous)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} not met within {seconds} s")


# --- a page receiver that can hang or fail ---------------------------------------------------------------------


@dataclass
class Received:
    path: str
    page: dict[str, Any]
    at: float
    delivery: str = ""  # the X-Cartwatch-Delivery header: a repeat of a page carries the same id


@dataclass
class Receiver:
    """A threaded HTTP receiver: ``/page/<name>`` accepts; a name in ``hanging`` holds the request until
    ``released`` is set (or a minute), a name in ``hang_first`` holds only its first request; a name in
    ``failing`` answers 503. Every request is recorded when it arrives."""

    hanging: set[str] = field(default_factory=set)
    hang_first: set[str] = field(default_factory=set)
    failing: set[str] = field(default_factory=set)
    pages: list[Received] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def url(self, name: str) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/page/{name}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                name = self.path.rsplit("/", 1)[-1]
                with receiver.lock:
                    delivery = self.headers.get("X-Cartwatch-Delivery", "")
                    receiver.pages.append(Received(self.path, json.loads(body or b"{}"), time.monotonic(), delivery))
                    first = name in receiver.hang_first and sum(r.path == self.path for r in receiver.pages) == 1
                if name in receiver.hanging or first:
                    receiver.released.wait(60)
                status = 503 if name in receiver.failing else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.released.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def received(self, name: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [r.page for r in self.pages if name is None or r.path.endswith(f"/{name}")]

    def pages_by_reference(self) -> dict[tuple[str, str, int], int]:
        """How many times each (alert reference, recipient, chain step) page arrived."""
        counts: dict[tuple[str, str, int], int] = {}
        for page in self.received():
            key = (page["reference"], page["recipient"], page["step"])
            counts[key] = counts.get(key, 0) + 1
        return counts


# --- real processes -------------------------------------------------------------------------------------------


def environment(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTWATCH_")}
    env.update(CARTWATCH_DATABASE_URL=database_url, **extra)
    return env


FAST = {
    "CARTWATCH_SWEEP_INTERVAL_SECONDS": "1",
    "CARTWATCH_DELIVERY_INTERVAL_SECONDS": "1",
    "CARTWATCH_LEADER_POLL_SECONDS": "1",
    "CARTWATCH_LEADER_LEASE_SECONDS": "3",
    "CARTWATCH_HEARTBEAT_STALE_SECONDS": "4",
    "CARTWATCH_WEBHOOK_TIMEOUT_SECONDS": "2",
}
"""Small intervals and limits, so each fault plays out in seconds."""


class Processes:
    """Starts real processes with their output in ``folder``; kills whatever is left at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[subprocess.Popen[str]] = []
        self.logs: list[IO[str]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
        log = (self.folder / f"{name}.log").open("w")
        self.logs.append(log)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, "PGAPPNAME": name},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: its children (gunicorn's workers) end with it
        )
        self.started.append(process)
        return process

    def scheduler(self, name: str, database_url: str, **extra: str) -> subprocess.Popen[str]:
        return self.start(
            name, [sys.executable, "-m", "alerts.scheduler"], environment(database_url, **{**FAST, **extra})
        )

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def close(self) -> None:
        for process in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGCONT)  # a frozen process cannot die
                os.killpg(process.pid, signal.SIGKILL)
            if process.poll() is None:
                process.wait(10)
        for log in self.logs:
            log.close()


def stop(process: subprocess.Popen[str], timeout: float = 20) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """The processes a test starts, killed (and their logs closed) when it ends."""
    running = Processes(tmp_path)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def pagers() -> Iterator[Receiver]:
    """A local webhook receiver standing in for the bleep system."""
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()
