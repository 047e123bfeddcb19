"""What the hospital-scale benchmarks share: one printed row per figure, statement capture and the bare-SQL floor,
the product served over real HTTP on loopback, and the processes a benchmark starts (scheduler, gunicorn) with
their output kept, to be shown when the benchmark fails."""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Engine, event
from werkzeug.serving import BaseWSGIServer, make_server

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(fraction * len(ordered)) - 1)]


@dataclass
class Figure:
    """One benchmark's result: what the issue's table asks for."""

    name: str
    samples_ms: list[float]
    target: str
    floor_ms: list[float] | None = None
    note: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 0.95)

    @property
    def ratio(self) -> float | None:
        if not self.floor_ms:
            return None
        return self.p50 / statistics.median(self.floor_ms)

    def row(self) -> str:
        floor = f"{statistics.median(self.floor_ms):.2f} ms" if self.floor_ms else "—"
        ratio = f"{self.ratio:.2f}" if self.ratio is not None else "—"
        return f"| {self.name} | {self.p50:.2f} ms | {self.p95:.2f} ms | {floor} | {ratio} | {self.target} |" + (
            f" {self.note} |" if self.note else " |"
        )


HEADER = (
    "| figure | p50 | p95 | floor p50 (same run) | ratio p50/floor | target | notes |\n|---|---|---|---|---|---|---|"
)


def timed(run: Callable[[], Any], repeat: int, warm: int = 3) -> list[float]:
    for _ in range(warm):
        run()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


Statement = tuple[str, Any]


@contextmanager
def captured(engine: Engine) -> Iterator[list[Statement]]:
    """Every statement (with its parameters, as the driver got them) run on `engine` inside the block."""
    statements: list[Statement] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if not many and not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT")):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def bare(engine: Engine, statements: list[Statement]) -> Callable[[], None]:
    """The floor: the same statements through the driver's own cursor, every row fetched, nothing else."""
    connection = engine.raw_connection()

    def run() -> None:
        cursor = connection.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            if cursor.description is not None:
                cursor.fetchall()
        cursor.close()
        connection.rollback()

    return run


class Served:
    """A WSGI app on a loopback port, in a thread (one request at a time, as one gunicorn sync worker)."""

    def __init__(self, wsgi: Any) -> None:
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, wsgi, threaded=False)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class ProcessExited(RuntimeError):
    """A process the benchmark started ended while the benchmark still needed it."""


@dataclass
class _Started:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    stopped: bool = False
    running_when_stopped: bool = False


class Processes:
    """The processes a benchmark starts, each writing its stdout and stderr to ``<name>.log`` in ``folder`` (a
    temporary folder of its own when none is given). Used as a context manager around the benchmark: when the
    block raises (a process that exited, a timeout waiting for it or for a page, any error) or a failure was
    noted with `failed`, the last `lines` lines of every log are printed to stderr as the block ends, before the
    exception goes on; on success nothing is printed. Whatever still runs at the end is stopped."""

    def __init__(self, folder: Path | None = None, lines: int = 40) -> None:
        self._own: tempfile.TemporaryDirectory[str] | None = None
        if folder is None:
            self._own = tempfile.TemporaryDirectory(prefix="cartwatch-bench-")
            folder = Path(self._own.name)
        self.folder = folder
        self.lines = lines
        self.started: list[_Started] = []
        self.failures: list[str] = []

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill reaches its children (gunicorn's workers)
            )
        self.started.append(_Started(name, process, log))
        return process

    def check(self) -> None:
        """Raise `ProcessExited` when a process that was not stopped has ended."""
        for started in self.started:
            code = started.process.poll()
            if code is not None and not started.stopped:
                raise ProcessExited(f"{started.name} exited with code {code} (the end of its output goes to stderr)")

    def wait_for(self, condition: Callable[[], T | None], seconds: float, what: str, every: float = 0.1) -> T:
        """Poll `condition` until it returns something other than None or False; raise `ProcessExited` as soon as
        a process ends meanwhile, `TimeoutError` naming `what` after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            self.check()
            value = condition()
            if value is not None and value is not False:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{what}: not within {seconds:g} s")
            time.sleep(every)

    def failed(self, reason: str) -> None:
        """Note a failure the benchmark carries on after (a page that never came): the logs are shown at the end."""
        self.failures.append(reason)

    def stop(self, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
        """SIGTERM, as a supervisor stops it; its whole group killed when it has not ended within `seconds`."""
        for started in self.started:
            if started.process is process and not started.stopped:
                started.stopped = True
                started.running_when_stopped = process.poll() is None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(seconds)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def tails(self) -> str:
        """The last lines of each process's output, each under a line naming the process and how it ended."""
        parts = []
        for started in self.started:
            code = started.process.poll()
            if code is None:
                state = "still running"
            elif started.running_when_stopped:
                state = "running until the benchmark stopped it"
            else:
                state = f"exited by itself with code {code}"
            with started.log.open(errors="replace") as log:
                last = deque(log, maxlen=self.lines)
            parts.append(f"--- {started.name} ({state}): last {len(last)} lines of {started.log.name} ---\n")
            text = "".join(last) or "(no output)"
            parts.append(text if text.endswith("\n") else text + "\n")
        return "".join(parts)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            for started in self.started:
                self.stop(started.process)
            if (kind is not None or self.failures) and self.started:
                for reason in self.failures:
                    sys.stderr.write(f"benchmark failure: {reason}\n")
                sys.stderr.write(self.tails())
                sys.stderr.flush()
        finally:
            if self._own is not None:
                self._own.cleanup()
