"""`python -m data migrate | demo [--if-empty] | create-user | create-token | grant-app-role | backup | restore |
create-display-token | revoke-display-token`: operator commands."""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from data.audit import Actor
from data.auth import create_token, create_user
from data.backup import BackupError, backup, restore
from data.db import make_engine, make_session_factory
from data.demo import seed_demo_ward, ward_is_empty
from data.display_tokens import create_display_token, revoke_display_token
from data.migrate import upgrade
from data.models import ROLES, User
from data.roles import grant_statements
from data.settings import Settings
from data.validation import InvalidInput, invalid

OPERATOR = Actor("operator-cli", role="admin", source="system")
DEMO_USERS = (("nurse", "nurse"), ("nic", "nurse_in_charge"), ("doctor", "doctor"), ("admin", "admin"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="upgrade the schema to the newest revision")
    demo = commands.add_parser("demo", help="seed the synthetic demo ward")
    demo.add_argument("--if-empty", action="store_true", help="do nothing when patients already exist")
    user = commands.add_parser("create-user", help="add a user (password from CARTWATCH_NEW_PASSWORD or a prompt)")
    user.add_argument("--role", required=True, choices=ROLES)
    user.add_argument("--display-name", default="")
    user.add_argument("--ward", default=None, help="keep the user to one ward's patients (default: every ward)")
    user.add_argument("name")
    token = commands.add_parser("create-token", help="issue an API token; prints only the token")
    token.add_argument("--user", required=True)
    token.add_argument("--scopes", required=True, help="comma-separated: read, write, admin")
    token.add_argument("--days", type=int, default=90)
    grants = commands.add_parser(
        "grant-app-role", help="give an existing PostgreSQL role the least privileges the app needs (as the owner)"
    )
    grants.add_argument("role")
    grants.add_argument("--print", action="store_true", help="print the SQL instead of running it")
    save = commands.add_parser("backup", help="write a backup of the database (pg_dump, or SQLite's online backup)")
    save.add_argument("file", type=Path)
    load = commands.add_parser("restore", help="restore a backup into the configured database, then migrate it")
    load.add_argument("file", type=Path)
    load.add_argument("--replace", action="store_true", help="overwrite a database that already holds patients")
    display = commands.add_parser(
        "create-display-token", help="issue a wall display (kiosk) token for one ward; prints the /kiosk link's token"
    )
    display.add_argument("--ward", required=True)
    display.add_argument("--days", type=int, default=365)
    display.add_argument("--by", required=True, help="the admin or nurse-in-charge issuing it (audited)")
    revoke = commands.add_parser("revoke-display-token", help="revoke a wall display token by its id")
    revoke.add_argument("--by", required=True)
    revoke.add_argument("id", type=int)
    args = parser.parse_args(argv)

    if args.command in ("backup", "restore"):
        url = Settings.from_env().database_url
        try:
            if args.command == "backup":
                print(f"backup written to {backup(url, args.file)}")
            else:
                restore(url, args.file, replace=args.replace)
                print(f"restored {args.file} into {make_url(url).render_as_string(hide_password=True)}")
        except BackupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    try:
        if args.command == "migrate":
            upgrade(engine)
            print(f"database at {engine.url.render_as_string(hide_password=True)} is up to date")
        elif args.command == "demo":
            sessions = make_session_factory(engine)
            with sessions.begin() as session:
                if not ward_is_empty(session):
                    if args.if_empty:
                        print("demo ward: patients already present, nothing seeded")
                        return 0
                    print("demo ward: the database already holds patients; refusing to add the demo", file=sys.stderr)
                    return 1
                count = seed_demo_ward(session, datetime.now(UTC))
                password = settings.demo_password or secrets.token_urlsafe(9)
                for name, role in DEMO_USERS:
                    create_user(session, name, password, role, OPERATOR, datetime.now(UTC))
            print(f"demo ward: seeded {count} beds")
            users = ", ".join(name for name, _ in DEMO_USERS)
            shown = "(from CARTWATCH_DEMO_PASSWORD)" if settings.demo_password else password
            print(f"demo log-in: users {users}; password {shown}")
        elif args.command == "create-user":
            password = os.environ.get("CARTWATCH_NEW_PASSWORD") or getpass.getpass(f"password for {args.name}: ")
            sessions = make_session_factory(engine)
            with sessions.begin() as session:
                create_user(
                    session, args.name, password, args.role, OPERATOR, datetime.now(UTC), args.display_name, args.ward
                )
            print(f"user {args.name} created with role {args.role}", file=sys.stderr)
        elif args.command == "grant-app-role":
            statements = grant_statements(args.role)
            if args.print or engine.dialect.name != "postgresql":
                print(";\n".join(statements) + ";")
                return 0 if args.print else 1
            with engine.begin() as connection:
                for statement in statements:
                    connection.exec_driver_sql(statement)
            print(f"role {args.role}: privileges granted", file=sys.stderr)
        elif args.command == "create-token":
            sessions = make_session_factory(engine)
            with sessions.begin() as session:
                value = create_token(
                    session,
                    args.user,
                    [s.strip() for s in args.scopes.split(",") if s.strip()],
                    args.days,
                    OPERATOR,
                    datetime.now(UTC),
                )
            print(value)
        elif args.command in ("create-display-token", "revoke-display-token"):
            sessions = make_session_factory(engine)
            with sessions.begin() as session:
                by = session.scalar(select(User).where(User.username == args.by, User.active.is_(True)))
                if by is None:
                    raise invalid("by", args.by, "an active user", f"no active user named '{args.by}'")
                actor = Actor(by.username, by.role, "system", ward=by.ward)
                if args.command == "revoke-display-token":
                    revoke_display_token(session, args.id, actor, datetime.now(UTC))
                    print(f"display token {args.id} revoked", file=sys.stderr)
                else:
                    print(create_display_token(session, args.ward, args.days, actor, datetime.now(UTC)))
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
