"""Backup and restore of the whole database, while the product runs.

PostgreSQL: `pg_dump --format=custom` (a consistent snapshot; the web and scheduler keep working) and
`pg_restore --clean --if-exists --no-owner --single-transaction` (all or nothing). SQLite: the online backup API
(`sqlite3.Connection.backup`), page by page and consistent even while other processes write; a restore copies the
backup's pages over the database through the same API, under one lock.

A restore replaces everything in the target database, so it refuses a target that already holds patients unless
told `--replace`. Either way the restored database is then migrated to the newest schema (a backup taken by an
older release is upgraded like any other database).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.engine import make_url

from data.db import make_engine
from data.migrate import upgrade
from data.models import Patient


class BackupError(RuntimeError):
    pass


def _libpq_url(url: str) -> str:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install PostgreSQL's client programs (the server's major version)")
    return found


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {(result.stderr or result.stdout).strip()}")


def backup(url: str, target: Path) -> Path:
    """Write a backup of the database at `url` to `target` (a file); returns the file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if make_url(url).get_backend_name() == "postgresql":
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", f"--dbname={_libpq_url(url)}"])
        return target
    source = sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    return target


def holds_patients(engine: Engine) -> bool:
    if not inspect(engine).has_table(Patient.__tablename__):
        return False
    with engine.connect() as conn:
        return bool(conn.scalar(select(func.count()).select_from(Patient)))


def restore(url: str, source: Path, replace: bool = False) -> None:
    """Restore the backup `source` into the database at `url`, then migrate it to the newest schema."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    engine = make_engine(url)
    try:
        if holds_patients(engine) and not replace:
            raise BackupError("the target database already holds patients; pass --replace to overwrite it")
        if make_url(url).get_backend_name() == "postgresql":
            engine.dispose()
            _run(
                [
                    _tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={_libpq_url(url)}",
                    str(source),
                ]
            )
        else:
            engine.dispose()
            path = _sqlite_path(url)
            path.parent.mkdir(parents=True, exist_ok=True)
            backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            try:
                target = sqlite3.connect(path)
                try:
                    backup_db.backup(target)
                finally:
                    target.close()
            finally:
                backup_db.close()
        upgrade(engine)
    finally:
        engine.dispose()
