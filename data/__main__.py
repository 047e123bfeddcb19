"""`python -m data migrate | demo [--if-empty]`: operator commands for the database."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from data.db import make_engine, make_session_factory
from data.demo import seed_demo_ward, ward_is_empty
from data.migrate import upgrade
from data.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="upgrade the schema to the newest revision")
    demo = commands.add_parser("demo", help="seed the synthetic demo ward")
    demo.add_argument("--if-empty", action="store_true", help="do nothing when patients already exist")
    args = parser.parse_args(argv)

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
            print(f"demo ward: seeded {count} beds")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
