"""Settings from the environment, built once by entry points and passed down (never read at import)."""

from __future__ import annotations

import math
import os
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "instance" / "cartwatch.sqlite3"
DEMO_SECRET_KEY = "cartwatch-demo-secret-key-not-for-production"


SECRET_KEY_MIN_BITS = 256  # 32 random bytes


def secret_key_strength(key: str) -> float:
    """Bits of randomness `key` can hold at most: its length times the bits of the smallest alphabet its characters
    come from (hex, base64url, printable); 0 for a key of few distinct characters (a repeated pattern)."""
    if not key:
        return 0.0
    alphabets = (
        (set(string.hexdigits.lower()), 4.0),
        (set(string.hexdigits.upper()), 4.0),
        (set(string.ascii_letters + string.digits + "-_+/="), 6.0),
        (set(string.printable), math.log2(len(string.printable))),
    )
    chars = set(key)
    bits = next((b for alphabet, b in alphabets if chars <= alphabet), 8.0)
    # 32 random bytes in any of these spellings use at least a dozen distinct characters; "s" * 64 does not.
    return len(key) * bits if len(chars) >= 12 else 0.0


def secret_key_problem(key: str | None) -> str | None:
    """Why `key` cannot sign sessions outside the demo, or None when it can."""
    if not key or key == DEMO_SECRET_KEY:
        return "CARTWATCH_SECRET_KEY must be set to a secret of your own outside the demo (CARTWATCH_DEMO=0)"
    if secret_key_strength(key) < SECRET_KEY_MIN_BITS:
        return (
            "CARTWATCH_SECRET_KEY must hold at least 32 random bytes "
            "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return None


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` URLs that hosting platforms hand out; use psycopg 3 for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _flag(value: str | None, *, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _alert_number(env: Mapping[str, str], name: str, default: float) -> Any:
    """A number from the environment, of the default's type; anything else is an error naming the variable."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}: {raw!r} is not a number") from None
    if isinstance(default, int):
        if not value.is_integer():
            raise ValueError(f"{name}: {raw!r} must be a whole number")
        return int(value)
    return value


ALERT_NUMBER_SETTINGS = (
    "obs_interval_minutes",
    "crs_interval_minutes",
    "neuro_interval_minutes",
    "review_interval_minutes",
    "overdue_grace_minutes",
    "escalation_lookback_hours",
    "sweep_interval_seconds",
    "delivery_interval_seconds",
    "misfire_grace_seconds",
    "leader_poll_seconds",
    "leader_lease_seconds",
    "scheduler_replicas",
    "delivery_max_attempts",
    "delivery_backoff_seconds",
    "delivery_backoff_max_seconds",
    "delivery_claim_seconds",
    "webhook_timeout_seconds",
    "delivery_concurrency",
    "outbox_poll_seconds",
    "watchdog_interval_seconds",
    "snooze_max_minutes",
    "renotify_critical_minutes",
    "hypotension_systolic_mmhg",
    "tocilizumab_min_interval_hours",
)
"""Each is read from CARTWATCH_<NAME IN CAPITALS>, e.g. CARTWATCH_OVERDUE_GRACE_MINUTES."""


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: f"sqlite:///{DEFAULT_SQLITE_PATH}")
    port: int = 8050
    secret_key: str = DEMO_SECRET_KEY
    demo: bool = True
    ward_timezone: str = "Europe/London"
    board_refresh_seconds: int = 15
    wall_page_seconds: int = 20  # a wall with more beds than one screen holds shows each page this long
    heartbeat_stale_seconds: int = 120
    webhook_url: str | None = None
    webhook_secret: str | None = None
    smtp_url: str | None = None
    escalation_chains_path: str | None = None
    board_ward: str | None = None  # the ward the bay overview shows; None shows every ward
    board_beds: str | None = None  # the bay's beds ("1-8,10A"): those with nobody in them show as empty
    secure_cookies: bool = False
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)
    demo_password: str | None = None
    wall_allow_framing: bool = False
    # How long before admission a clinical time may lie (results taken before the patient came in).
    pre_admission_hours: float = 168.0
    # Alerting (alerts/config.py checks the ranges): cadence, grace, sweep and delivery timing, chain behaviour.
    obs_interval_minutes: int = 240
    crs_interval_minutes: int = 720
    neuro_interval_minutes: int = 480
    review_interval_minutes: int = 1440  # the daily clinical assessment and examination
    overdue_grace_minutes: int = 15
    bloods_due_time: str = "10:00"
    escalation_lookback_hours: int = 24
    sweep_interval_seconds: int = 30
    delivery_interval_seconds: int = 5
    misfire_grace_seconds: int = 30
    leader_poll_seconds: int = 5
    leader_lease_seconds: int = 15
    scheduler_replicas: int = 2
    delivery_max_attempts: int = 6
    delivery_backoff_seconds: int = 15
    delivery_backoff_max_seconds: int = 900
    delivery_claim_seconds: int = 120
    webhook_timeout_seconds: float = 5.0
    delivery_concurrency: int = 8
    outbox_poll_seconds: float = 0.25
    watchdog_interval_seconds: int = 10
    system_alert_email: str | None = None
    snooze_max_minutes: int = 60
    renotify_critical_minutes: int = 30
    hypotension_systolic_mmhg: int = 90  # obs without vasopressors: a systolic below this is hypotension
    tocilizumab_min_interval_hours: float = 6.0  # guideline "repeat ... within 6 to 12 hours"; labels say 8
    upper_limits: str | None = None  # "analyte=ULN,..." overriding the default upper limits of normal (HLH screen)
    # Feeds (FHIR, HL7 v2): the identifier system of the hospital number (None: any system), the MLLP listener's
    # address, and a CSV table of a laboratory's local codes and the LOINC code each means.
    hospital_number_system: str | None = None
    hl7_host: str = "0.0.0.0"
    hl7_port: int = 2575
    local_codes_path: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "database_url", normalise_database_url(self.database_url))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        demo = _flag(env.get("CARTWATCH_DEMO"), default=True)
        return cls(
            database_url=env.get("CARTWATCH_DATABASE_URL") or defaults.database_url,
            port=int(env.get("PORT", defaults.port)),
            secret_key=env.get("CARTWATCH_SECRET_KEY") or defaults.secret_key,
            demo=demo,
            ward_timezone=env.get("CARTWATCH_WARD_TIMEZONE") or defaults.ward_timezone,
            board_refresh_seconds=int(env.get("CARTWATCH_BOARD_REFRESH_SECONDS", defaults.board_refresh_seconds)),
            wall_page_seconds=int(env.get("CARTWATCH_WALL_PAGE_SECONDS", defaults.wall_page_seconds)),
            heartbeat_stale_seconds=int(env.get("CARTWATCH_HEARTBEAT_STALE_SECONDS", defaults.heartbeat_stale_seconds)),
            webhook_url=env.get("CARTWATCH_WEBHOOK_URL") or None,
            webhook_secret=env.get("CARTWATCH_WEBHOOK_SECRET") or None,
            smtp_url=env.get("CARTWATCH_SMTP_URL") or None,
            system_alert_email=env.get("CARTWATCH_SYSTEM_ALERT_EMAIL") or None,
            escalation_chains_path=env.get("CARTWATCH_ESCALATION_CHAINS") or None,
            board_ward=env.get("CARTWATCH_BOARD_WARD") or None,
            board_beds=env.get("CARTWATCH_BOARD_BEDS") or None,
            secure_cookies=_flag(env.get("CARTWATCH_SECURE_COOKIES"), default=not demo),
            idle_timeout=timedelta(minutes=int(env.get("CARTWATCH_IDLE_TIMEOUT_MINUTES", "30"))),
            absolute_timeout=timedelta(hours=float(env.get("CARTWATCH_SESSION_MAX_HOURS", "12"))),
            demo_password=env.get("CARTWATCH_DEMO_PASSWORD") or None,
            wall_allow_framing=_flag(env.get("CARTWATCH_WALL_ALLOW_FRAMING"), default=False),
            pre_admission_hours=float(env.get("CARTWATCH_PRE_ADMISSION_HOURS") or defaults.pre_admission_hours),
            **{
                name: _alert_number(env, f"CARTWATCH_{name.upper()}", getattr(defaults, name))
                for name in ALERT_NUMBER_SETTINGS
            },
            bloods_due_time=env.get("CARTWATCH_BLOODS_DUE_TIME") or defaults.bloods_due_time,
            upper_limits=env.get("CARTWATCH_UPPER_LIMITS") or None,
            hospital_number_system=env.get("CARTWATCH_HOSPITAL_NUMBER_SYSTEM") or None,
            hl7_host=env.get("CARTWATCH_HL7_HOST") or defaults.hl7_host,
            hl7_port=int(env.get("CARTWATCH_HL7_PORT") or defaults.hl7_port),
            local_codes_path=env.get("CARTWATCH_LOCAL_CODES") or None,
        )

    @property
    def pre_admission(self) -> timedelta:
        return timedelta(hours=self.pre_admission_hours)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
