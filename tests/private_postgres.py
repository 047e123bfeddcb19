"""A PostgreSQL server of the test's own (initdb + pg_ctl on a free port), so a test can stop and start it.

Never the shared server: a fault test stops this one to make a real outage. As root (a container), the server
runs as the `postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import text

from data.db import make_engine

START_TIMEOUT_S = 30


def _program(name: str) -> str:
    """A PostgreSQL program: on the PATH, in /usr/local/bin, or in Debian's newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name) or shutil.which(name, path="/usr/local/bin")
    debian = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if found is None and debian:
        found = str(debian[-1])
    if found is None:
        raise RuntimeError(f"{name} not found: install PostgreSQL's server programs (initdb, pg_ctl)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PrivatePostgres:
    """One cluster in a temporary directory; `stop()` is the outage, `start()` the recovery."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="cartwatch-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run(_program("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.running = False

    def _run(self, *command: str) -> None:
        result = subprocess.run(command, capture_output=True, text=True, user=self.user, check=False, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr or result.stdout}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "server.log")
        self._run(
            _program("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            log,
            "-w",
            "-t",
            str(START_TIMEOUT_S),
            "start",
        )
        self.running = True

    def stop(self) -> None:
        """Stop the server now: open sessions are ended and their transactions rolled back (`-m fast`)."""
        self._run(_program("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database on this server; returns its URL."""
        engine = make_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def remove(self) -> None:
        if self.running:
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
