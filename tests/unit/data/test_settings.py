"""Settings come from the environment, with the documented defaults."""

from __future__ import annotations

from datetime import timedelta

from data.settings import DEMO_SECRET_KEY, Settings


def test_defaults_are_the_demo_on_sqlite_under_instance() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith(
        "instance/cartwatch.sqlite3"
    )
    assert (settings.port, settings.demo, settings.secret_key) == (8050, True, DEMO_SECRET_KEY)
    assert settings.secure_cookies is False
    assert (settings.idle_timeout, settings.absolute_timeout) == (timedelta(minutes=30), timedelta(hours=12))


def test_a_postgres_url_is_accepted_and_uses_psycopg_3() -> None:
    settings = Settings.from_env({"CARTWATCH_DATABASE_URL": "postgres://ward:pw@db.internal:5432/cartwatch"})
    assert settings.database_url == "postgresql+psycopg://ward:pw@db.internal:5432/cartwatch"


def test_outside_the_demo_cookies_are_secure_by_default() -> None:
    settings = Settings.from_env({"CARTWATCH_DEMO": "0", "PORT": "9000"})
    assert (settings.demo, settings.secure_cookies, settings.port) == (False, True, 9000)
