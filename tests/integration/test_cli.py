"""Operator commands: migrate, create-user and create-token (which prints only the token)."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from data.auth import token_identity
from data.models import AuditEvent, User
from tests.conftest import NOW


def run(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CARTWATCH_DATABASE_URL": database_url, **env}
    return subprocess.run(
        [sys.executable, "-m", "data", *args], capture_output=True, text=True, env=environment, timeout=60, check=False
    )


def test_create_user_then_create_token_prints_only_a_working_token(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    created = run(
        database_url, "create-user", "--role", "nurse", "staff.nurse", CARTWATCH_NEW_PASSWORD="a long enough password"
    )
    assert created.returncode == 0, created.stderr
    issued = run(database_url, "create-token", "--user", "staff.nurse", "--scopes", "read,write", "--days", "7")
    assert issued.returncode == 0, issued.stderr
    lines = issued.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cw_")
    with sessions.begin() as session:
        identity = token_identity(session, lines[0], NOW)
        assert identity is not None
        assert (identity.user.username, identity.scopes) == ("staff.nurse", frozenset({"read", "write"}))
        assert session.scalar(select(User.role).where(User.username == "staff.nurse")) == "nurse"
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.record_type == "api_token")) == "create"


def test_create_user_rejects_an_unknown_role_and_a_short_password(database_url: str) -> None:
    bad_role = run(database_url, "create-user", "--role", "surgeon", "x", CARTWATCH_NEW_PASSWORD="long enough pw")
    assert bad_role.returncode != 0 and "surgeon" in bad_role.stderr
    short = run(database_url, "create-user", "--role", "nurse", "y", CARTWATCH_NEW_PASSWORD="short")
    assert short.returncode == 2 and "password" in short.stderr


def test_a_nurse_in_charge_issues_and_revokes_a_wall_display_token_from_the_command_line(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    from datetime import UTC, datetime

    from data.display_tokens import display_for_token, display_tokens

    created = run(
        database_url,
        "create-user",
        "--role",
        "nurse_in_charge",
        "--ward",
        "Ward 33",
        "sister.jones",
        CARTWATCH_NEW_PASSWORD="a long enough password",
    )
    assert created.returncode == 0, created.stderr
    refused = run(database_url, "create-display-token", "--ward", "Ward 34", "--by", "sister.jones")
    assert refused.returncode == 2 and "ward" in refused.stderr  # not her ward
    issued = run(database_url, "create-display-token", "--ward", "Ward 33", "--days", "30", "--by", "sister.jones")
    assert issued.returncode == 0, issued.stderr
    (token,) = issued.stdout.splitlines()
    with sessions() as session:
        display = display_for_token(session, token, datetime.now(UTC))
        assert display is not None and display.ward == "Ward 33"
        (listed,) = display_tokens(session, "Ward 33")
    revoked = run(database_url, "revoke-display-token", "--by", "sister.jones", str(listed.id))
    assert revoked.returncode == 0, revoked.stderr
    with sessions() as session:
        assert display_for_token(session, token, datetime.now(UTC)) is None
