"""What the product's own server sends: the Procfile's `web` command (gunicorn, its access log on) started for real
and probed over HTTP. No answer names a version in its `Server` header, and a wall display's token never reaches
the access log, while the wall it opens keeps running on the cookie it was exchanged for."""

from __future__ import annotations

import http.client
import platform
import re
import shlex
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pytest

from data.audit import Actor
from data.auth import create_token, create_user
from data.db import make_engine, make_session_factory
from data.display_tokens import create_display_token
from tests.integration.alerts.conftest import free_port
from tests.resilience.faults import ROOT, Processes, environment, wait_for

SETUP = Actor("tests", role="admin", source="system")
VERSIONS = [*(version(name) for name in ("gunicorn", "werkzeug", "flask", "dash")), platform.python_version()]


@dataclass
class Served:
    port: int
    api_token: str
    display_token: str
    processes: Processes

    def call(self, method: str, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    def access_log(self) -> str:
        return self.processes.log("web")


def procfile_web(port: int) -> list[str]:
    """The Procfile's web command as a shell would run it, bound to the loopback instead of every address."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    command = shlex.split(line.removeprefix("web:").replace("${PORT:-8050}", str(port)))
    assert command[0] == "gunicorn" and "--access-logfile" in command
    return [sys.executable, "-m", "gunicorn", *command[1:]] if command[0] == "gunicorn" else command


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("gunicorn")
    database = folder / "ward.sqlite3"
    shutil.copy(sqlite_template, database)
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        create_user(session, "served.doctor", "served-password-2026", "doctor", SETUP, now)
        api_token = create_token(session, "served.doctor", ["read"], 1, SETUP, now)
        display_token = create_display_token(session, "Ward 33", 30, SETUP, now)
    engine.dispose()
    port = free_port()
    processes = Processes(folder)
    try:
        processes.start("web", [part.replace("0.0.0.0", "127.0.0.1") for part in procfile_web(port)], environment(url))
        running = Served(port, api_token, display_token, processes)

        def answers() -> bool:
            try:
                return running.call("GET", "/login").status == 200
            except OSError:
                return False

        wait_for(answers, seconds=120, what="gunicorn's workers")
        yield running
    finally:
        processes.close()


@pytest.mark.parametrize(
    ("method", "path", "authorised"),
    [
        ("GET", "/login", False),
        ("GET", "/healthz", False),
        ("GET", "/", False),
        ("GET", "/kiosk?token=cwd_not-a-token", False),
        ("GET", "/api/v1/patients", False),
        ("GET", "/api/v1/patients", True),
        ("GET", "/api/v1/no-such-route", True),
        ("POST", "/login", False),
    ],
    ids=["login", "healthz", "shell-unauthenticated", "kiosk-refused", "api-401", "api-200", "api-404", "login-post"],
)
def test_no_answer_names_a_server_version(served: Served, method: str, path: str, authorised: bool) -> None:
    headers = {"Authorization": f"Bearer {served.api_token}"} if authorised else {}
    response = served.call(method, path, headers)
    servers = response.headers.get_all("Server") or []
    assert servers == ["gunicorn"]  # gunicorn's own, without its version; the app adds none
    assert response.headers.get("X-Powered-By") is None
    named = [v for v in VERSIONS if any(v in value for _, value in response.getheaders())]
    assert named == []


def test_the_public_pages_name_no_version(served: Served) -> None:
    for path in ("/login", "/healthz"):
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
        connection.request("GET", path)
        body = connection.getresponse().read().decode()
        connection.close()
        assert [v for v in VERSIONS if v in body] == [], path
        assert not re.search(r"(gunicorn|werkzeug|dash|flask|python)[/ ]v?\d", body, re.IGNORECASE), path


def test_a_display_token_never_reaches_the_access_log_and_the_wall_runs_on_its_cookie(served: Served) -> None:
    opened = served.call("GET", f"/kiosk?token={served.display_token}")
    assert opened.status == 302 and opened.headers["Location"].endswith("/wall")  # the token leaves the address bar
    cookie = opened.headers["Set-Cookie"].split(";", 1)[0]
    assert "expires" not in opened.headers["Set-Cookie"].lower()  # a browser-session cookie: no log-in to lapse
    assert served.call("GET", "/wall", {"Cookie": cookie}).status == 200
    assert served.call("GET", "/_dash-layout", {"Cookie": cookie}).status == 200
    me = served.call("GET", "/api/v1/me", {"Cookie": cookie, "X-Probe": "last"})
    assert me.status == 200  # the wall's liveness check
    wait_for(lambda: '"GET /api/v1/me' in served.access_log(), what="the access log's last line")
    log = served.access_log()
    assert '"GET /kiosk?token=hidden HTTP/1.1" 302' in log
    assert served.display_token not in log
    assert served.display_token.removeprefix("cwd_")[:12] not in log
