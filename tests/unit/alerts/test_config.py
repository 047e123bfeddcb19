"""Alerting settings: guideline defaults, ranges named with their environment variable, SMTP URLs."""

from __future__ import annotations

import dataclasses
from datetime import time, timedelta

import pytest

from alerts.config import ConfigError, load_config, parse_smtp_url
from data.settings import Settings


def test_the_defaults_follow_the_guidelines_cadence() -> None:
    config = load_config(Settings(database_url="sqlite://"))
    policy = config.policy
    assert (policy.obs_interval, policy.crs_interval, policy.neuro_interval) == (
        timedelta(hours=4),
        timedelta(hours=12),
        timedelta(hours=8),
    )
    assert policy.grace == timedelta(minutes=15)
    assert policy.bloods_due_local_time == time(10, 0)
    assert (config.sweep_interval_seconds, config.delivery_interval_seconds) == (30, 5)


def test_cadence_and_timing_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "CARTWATCH_OBS_INTERVAL_MINUTES": "60",
            "CARTWATCH_OVERDUE_GRACE_MINUTES": "5",
            "CARTWATCH_BLOODS_DUE_TIME": "08:30",
            "CARTWATCH_WEBHOOK_TIMEOUT_SECONDS": "2.5",
        }
    )
    config = load_config(settings)
    assert config.policy.obs_interval == timedelta(hours=1)
    assert config.policy.grace == timedelta(minutes=5)
    assert config.policy.bloods_due_local_time == time(8, 30)
    assert config.webhook_timeout == 2.5


@pytest.mark.parametrize(
    ("value", "message"),
    [("soon", "CARTWATCH_OVERDUE_GRACE_MINUTES: 'soon' is not a number"), ("7.5", "must be a whole number")],
    ids=["text", "fraction"],
)
def test_a_setting_that_is_not_a_number_names_its_variable(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env({"CARTWATCH_OVERDUE_GRACE_MINUTES": value})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"overdue_grace_minutes": 241}, "overdue_grace_minutes (CARTWATCH_OVERDUE_GRACE_MINUTES): 241 is outside"),
        ({"sweep_interval_seconds": 0}, "sweep_interval_seconds (CARTWATCH_SWEEP_INTERVAL_SECONDS): 0 is outside"),
        ({"bloods_due_time": "25:00"}, "CARTWATCH_BLOODS_DUE_TIME): '25:00' must be HH:MM"),
        ({"ward_timezone": "Mars/Olympus"}, "ward_timezone: 'Mars/Olympus' is not an IANA time zone"),
        ({"delivery_backoff_max_seconds": 5}, "delivery_backoff_max_seconds"),
        ({"leader_lease_seconds": 2}, "leader_lease_seconds (CARTWATCH_LEADER_LEASE_SECONDS): 2 is outside"),
        ({"delivery_concurrency": 0}, "delivery_concurrency (CARTWATCH_DELIVERY_CONCURRENCY): 0 is outside"),
        (
            {"outbox_poll_seconds": 0.0},
            "outbox_poll_seconds (CARTWATCH_OUTBOX_POLL_SECONDS): 0.0 is outside the allowed range 0.05-60",
        ),
        ({"watchdog_interval_seconds": 0}, "watchdog_interval_seconds (CARTWATCH_WATCHDOG_INTERVAL_SECONDS): 0"),
        (
            {"heartbeat_stale_seconds": 30, "sweep_interval_seconds": 30},
            "CARTWATCH_HEARTBEAT_STALE_SECONDS): 30 must be more than the sweep interval",
        ),
        ({"system_alert_email": "ops@ward.test"}, "CARTWATCH_SYSTEM_ALERT_EMAIL): needs CARTWATCH_SMTP_URL"),
        (
            {"system_alert_email": "not an address", "smtp_url": "smtp://mail.test"},
            "CARTWATCH_SYSTEM_ALERT_EMAIL): 'not an address' is not an e-mail address",
        ),
    ],
    ids=[
        "grace",
        "sweep-interval",
        "bloods-time",
        "time-zone",
        "backoff-cap-below-backoff",
        "lease",
        "concurrency",
        "outbox-poll",
        "watchdog-interval",
        "stale-limit-not-above-sweep",
        "system-email-without-smtp",
        "system-email-not-an-address",
    ],
)
def test_a_setting_out_of_range_is_refused_with_its_range(change: dict[str, object], message: str) -> None:
    settings = dataclasses.replace(Settings(database_url="sqlite://"), **change)  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as caught:
        load_config(settings)
    assert message in str(caught.value)


def test_an_smtp_url_carries_host_port_sender_starttls_and_login() -> None:
    smtp = parse_smtp_url("smtp://pager%40ward:s%2Fecret@mail.example.org:587?starttls=1&from=cw@ward.example", 5)
    assert (smtp.host, smtp.port, smtp.sender, smtp.starttls, smtp.ssl) == (
        "mail.example.org",
        587,
        "cw@ward.example",
        True,
        False,
    )
    assert (smtp.username, smtp.password) == ("pager@ward", "s/ecret")
    assert parse_smtp_url("smtps://mail.example.org", 5).port == 465


@pytest.mark.parametrize(
    "url", ["http://mail.example.org", "smtp://", "smtp://mail.example.org?tls=1"], ids=["scheme", "host", "option"]
)
def test_a_wrong_smtp_url_names_the_variable(url: str) -> None:
    with pytest.raises(ConfigError, match="CARTWATCH_SMTP_URL"):
        parse_smtp_url(url, 5)


def system_chain(config: object) -> list[tuple[str, str]]:
    chains = config.chains  # type: ignore[attr-defined]
    first = chains.steps_for("delivery_dead", "critical")[0]
    return [(name, chains.recipient(name).channel) for name in first.recipients]


def clinical_first_step(config: object) -> list[str]:
    chains = config.chains  # type: ignore[attr-defined]
    return list(chains.steps_for("crs_onset", "critical")[0].recipients)


def test_with_the_webhook_the_only_channel_system_alerts_also_go_to_the_log_and_say_so() -> None:
    config = load_config(Settings(database_url="sqlite://", webhook_url="https://pager.test/hook"))
    assert system_chain(config) == [("nurse_in_charge", "webhook"), ("system_fallback", "log")]
    assert config.second_channel == "also written to the log and shown on the board"
    assert "system_fallback" not in clinical_first_step(config)  # clinical pages are untouched


def test_with_an_address_for_system_alerts_the_second_channel_is_email() -> None:
    config = load_config(
        Settings(
            database_url="sqlite://",
            webhook_url="https://pager.test/hook",
            smtp_url="smtp://mail.test?from=cw@ward.test",
            system_alert_email="site-manager@ward.test",
        )
    )
    assert system_chain(config) == [("nurse_in_charge", "webhook"), ("system_fallback", "smtp")]
    assert config.second_channel == "also e-mailed to site-manager@ward.test"


def test_with_only_the_log_configured_nothing_is_added() -> None:
    config = load_config(Settings(database_url="sqlite://"))
    assert system_chain(config) == [("nurse_in_charge", "log")]
    assert config.second_channel == ""
