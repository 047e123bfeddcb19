"""What the hospital-scale benchmarks share: one printed row per figure, statement capture and the bare-SQL floor,
and the product served over real HTTP on loopback."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from werkzeug.serving import BaseWSGIServer, make_server


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
