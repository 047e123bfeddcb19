"""Alerting configuration, built once from `Settings` by an entry point and checked here.

Every value has a default matching the guideline (obs 4-hourly, CRS 12-hourly, neuro 8-hourly, daily bloods by
10:00 ward time, 15 minutes' grace); a value out of range is an error naming the setting and the range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from types import MappingProxyType
from urllib.parse import parse_qs, unquote, urlsplit

from alerts.chains import SYSTEM_KINDS, ChainConfig, ChainConfigError, Recipient, Step, load_chains
from data.settings import Settings
from toxicity import CadencePolicy, InvalidAssessment
from toxicity.tocilizumab import GUIDELINE_MIN_INTERVAL

SYSTEM_FALLBACK = "system_fallback"
"""The recipient that gives a system alert its second channel (see `with_system_fallback`)."""

HLH_CRS_PHASE = timedelta(days=5)
"""Guideline: "during the cytokine-release syndrome phase ... (typically the first 5 days after cell infusion)"."""


class ConfigError(ValueError):
    """A setting is out of range; the message names it and the allowed range."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    starttls: bool
    ssl: bool
    username: str | None
    password: str | None
    cafile: str | None
    timeout: float


@dataclass(frozen=True)
class AlertConfig:
    policy: CadencePolicy
    chains: ChainConfig
    escalation_lookback: timedelta
    sweep_interval_seconds: int
    delivery_interval_seconds: int
    misfire_grace_seconds: int
    leader_poll_seconds: int
    leader_lease: timedelta
    max_attempts: int
    backoff: timedelta
    backoff_max: timedelta
    claim: timedelta
    webhook_secret: str | None
    webhook_timeout: float
    smtp: SmtpConfig | None
    snooze_max_minutes: int
    renotify_critical: timedelta
    heartbeat_stale: timedelta
    delivery_concurrency: int = 8
    outbox_poll_seconds: float = 0.25
    watchdog_interval_seconds: int = 10
    second_channel: str = ""
    """How a system alert also reaches somebody when its chain's first step has one channel only ("" if not)."""
    hlh_crs_phase: timedelta = HLH_CRS_PHASE
    systolic_threshold: int = 90
    upper_limits: Mapping[str, float] = field(default_factory=lambda: DEFAULT_UPPER_LIMITS)
    tocilizumab_min_interval: timedelta = GUIDELINE_MIN_INTERVAL

    @property
    def rules(self) -> StatusRules:
        """The clinical decision settings (what the status of a patient is computed with)."""
        return StatusRules(
            self.policy,
            self.escalation_lookback,
            self.systolic_threshold,
            self.hlh_crs_phase,
            self.upper_limits,
            self.tocilizumab_min_interval,
        )


DEFAULT_UPPER_LIMITS: Mapping[str, float] = MappingProxyType(
    {
        "bilirubin": 21.0,  # umol/L
        "ast": 40.0,  # U/L
        "alt": 40.0,  # U/L
        "creatinine_female": 84.0,  # umol/L
        "creatinine_male": 104.0,  # umol/L
    }
)
"""Upper limits of normal used when a lab result carries no reference range of its own (common UK adult ranges;
a ward sets its laboratory's with CARTWATCH_UPPER_LIMITS). Creatinine's depends on sex: for other or unknown sex
only a result's own range or the baseline rule applies."""


def parse_upper_limits(text: str | None) -> Mapping[str, float]:
    """ "bilirubin=21,alt=33,creatinine_female=90" over the defaults; each name known, each value above 0."""
    limits = dict(DEFAULT_UPPER_LIMITS)
    if not text:
        return MappingProxyType(limits)
    for part in text.split(","):
        name, _, raw = part.partition("=")
        name = name.strip()
        if name not in DEFAULT_UPPER_LIMITS:
            known = ", ".join(DEFAULT_UPPER_LIMITS)
            raise ConfigError(f"upper_limits (CARTWATCH_UPPER_LIMITS): {name!r} is not known; allowed: {known}")
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(
                f"upper_limits (CARTWATCH_UPPER_LIMITS): {name}={raw!r} must be a number above 0"
            ) from None
        if not value > 0:
            raise ConfigError(f"upper_limits (CARTWATCH_UPPER_LIMITS): {name}={raw!r} must be a number above 0")
        limits[name] = value
    return MappingProxyType(limits)


@dataclass(frozen=True)
class StatusRules:
    """What a patient's status (grades, due items, HLH screen) is decided with: the cadence, how far back obs
    and neurological events count, the hypotension threshold for obs, the HLH "CRS phase" and the upper limits of
    normal for results without their own reference range."""

    policy: CadencePolicy
    window: timedelta
    systolic_threshold: int
    hlh_crs_phase: timedelta = HLH_CRS_PHASE
    upper_limits: Mapping[str, float] = field(default_factory=lambda: DEFAULT_UPPER_LIMITS)
    tocilizumab_min_interval: timedelta = GUIDELINE_MIN_INTERVAL
    """The shortest interval between tocilizumab doses: the guideline's 6 h unless the ward sets 6-12 h."""


def status_rules(settings: Settings) -> StatusRules:
    """The status rules from settings alone (no chain file is read: the board calls this on every refresh)."""
    return StatusRules(
        cadence_policy(settings),
        timedelta(hours=_int(settings, "escalation_lookback_hours", 1, 720)),
        _int(settings, "hypotension_systolic_mmhg", 50, 120),
        HLH_CRS_PHASE,
        parse_upper_limits(settings.upper_limits),
        tocilizumab_min_interval(settings),
    )


def tocilizumab_min_interval(settings: Settings) -> timedelta:
    """CARTWATCH_TOCILIZUMAB_MIN_INTERVAL_HOURS: 6 (the guideline's "repeat dose if no response within 6 to 12
    hours") to 12; the product labels' 8 h is a stricter choice a ward may make."""
    return timedelta(hours=_ranged(settings, "tocilizumab_min_interval_hours", 6, 12))


def _ranged(settings: Settings, name: str, low: float, high: float) -> float:
    value = getattr(settings, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        env = f"CARTWATCH_{name.upper()}"
        raise ConfigError(f"{name} ({env}): {value!r} is outside the allowed range {low:g}-{high:g}")
    return value


def _int(settings: Settings, name: str, low: int, high: int) -> int:
    return int(_ranged(settings, name, low, high))


def parse_bloods_time(text: str) -> time:
    """ "HH:MM" in the ward's time zone, e.g. "10:00"."""
    try:
        hours, minutes = (int(part) for part in text.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ConfigError(f"bloods_due_time (CARTWATCH_BLOODS_DUE_TIME): {text!r} must be HH:MM, 00:00-23:59") from None


def cadence_policy(settings: Settings) -> CadencePolicy:
    """The monitoring cadence the sweep applies (the board can show the same due times)."""
    try:
        return CadencePolicy(
            obs_interval=timedelta(minutes=_int(settings, "obs_interval_minutes", 15, 1440)),
            crs_interval=timedelta(minutes=_int(settings, "crs_interval_minutes", 15, 2880)),
            neuro_interval=timedelta(minutes=_int(settings, "neuro_interval_minutes", 15, 1440)),
            review_interval=timedelta(minutes=_int(settings, "review_interval_minutes", 60, 2880)),
            grace=timedelta(minutes=_int(settings, "overdue_grace_minutes", 0, 240)),
            bloods_due_local_time=parse_bloods_time(settings.bloods_due_time),
            ward_timezone=settings.ward_timezone,
        )
    except InvalidAssessment as exc:
        raise ConfigError(str(exc)) from None


def parse_smtp_url(url: str, timeout: float) -> SmtpConfig:
    """``smtp://[user[:password]@]host[:port]?starttls=1&from=cartwatch@example.org[&cafile=/path/ca.pem]``;
    ``smtps://`` for TLS from the start."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError(f"smtp_url (CARTWATCH_SMTP_URL): {url!r} must look like smtp://host:port?from=...")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"starttls", "from", "cafile"})
    if unknown:
        raise ConfigError(
            f"smtp_url (CARTWATCH_SMTP_URL): unknown option(s) {', '.join(unknown)}; allowed: starttls, from, cafile"
        )
    starttls = query.get("starttls", "0").lower() in ("1", "true", "yes", "on")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise ConfigError("smtp_url (CARTWATCH_SMTP_URL): the port must be a number 1-65535") from None
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        sender=query.get("from") or f"cartwatch@{parts.hostname}",
        starttls=starttls,
        ssl=parts.scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        cafile=query.get("cafile"),
        timeout=timeout,
    )


def load_config(settings: Settings) -> AlertConfig:
    """Check every alerting setting and load the escalation chains."""
    timeout = _ranged(settings, "webhook_timeout_seconds", 0.1, 120)
    smtp = parse_smtp_url(settings.smtp_url, timeout) if settings.smtp_url else None
    backoff = _int(settings, "delivery_backoff_seconds", 1, 3600)
    backoff_max = _int(settings, "delivery_backoff_max_seconds", backoff, 86400)
    try:
        chains = load_chains(
            settings.escalation_chains_path, webhook_url=settings.webhook_url, smtp_configured=smtp is not None
        )
    except ChainConfigError as exc:
        raise ConfigError(f"escalation chains ({settings.escalation_chains_path}): {exc}") from None
    sweep_every = _int(settings, "sweep_interval_seconds", 1, 3600)
    stale = _int(settings, "heartbeat_stale_seconds", 3, 86400)
    if stale <= sweep_every:
        raise ConfigError(
            f"heartbeat_stale_seconds (CARTWATCH_HEARTBEAT_STALE_SECONDS): {stale} must be more than the sweep "
            f"interval (CARTWATCH_SWEEP_INTERVAL_SECONDS, {sweep_every}), or a working scheduler would look stopped"
        )
    chains, second_channel = with_system_fallback(chains, system_fallback(settings, smtp))
    return AlertConfig(
        policy=cadence_policy(settings),
        chains=chains,
        escalation_lookback=timedelta(hours=_int(settings, "escalation_lookback_hours", 1, 720)),
        sweep_interval_seconds=sweep_every,
        delivery_interval_seconds=_int(settings, "delivery_interval_seconds", 1, 600),
        misfire_grace_seconds=_int(settings, "misfire_grace_seconds", 1, 3600),
        leader_poll_seconds=_int(settings, "leader_poll_seconds", 1, 300),
        leader_lease=timedelta(seconds=_int(settings, "leader_lease_seconds", 3, 600)),
        max_attempts=_int(settings, "delivery_max_attempts", 1, 50),
        backoff=timedelta(seconds=backoff),
        backoff_max=timedelta(seconds=backoff_max),
        claim=timedelta(seconds=_int(settings, "delivery_claim_seconds", 10, 3600)),
        webhook_secret=settings.webhook_secret,
        webhook_timeout=timeout,
        smtp=smtp,
        snooze_max_minutes=_int(settings, "snooze_max_minutes", 1, 1440),
        renotify_critical=timedelta(minutes=_int(settings, "renotify_critical_minutes", 1, 1440)),
        heartbeat_stale=timedelta(seconds=stale),
        delivery_concurrency=_int(settings, "delivery_concurrency", 1, 64),
        outbox_poll_seconds=_ranged(settings, "outbox_poll_seconds", 0.05, 60),
        watchdog_interval_seconds=_int(settings, "watchdog_interval_seconds", 1, 300),
        second_channel=second_channel,
        systolic_threshold=_int(settings, "hypotension_systolic_mmhg", 50, 120),
        upper_limits=parse_upper_limits(settings.upper_limits),
        tocilizumab_min_interval=tocilizumab_min_interval(settings),
    )


def system_fallback(settings: Settings, smtp: SmtpConfig | None) -> Recipient:
    """E-mail to ``CARTWATCH_SYSTEM_ALERT_EMAIL`` when it is set (it needs ``CARTWATCH_SMTP_URL``), else the log."""
    address = settings.system_alert_email
    if address is None:
        return Recipient(SYSTEM_FALLBACK, "log", None)
    if "@" not in address or any(c.isspace() for c in address):
        raise ConfigError(f"system_alert_email (CARTWATCH_SYSTEM_ALERT_EMAIL): {address!r} is not an e-mail address")
    if smtp is None:
        raise ConfigError("system_alert_email (CARTWATCH_SYSTEM_ALERT_EMAIL): needs CARTWATCH_SMTP_URL to be set")
    return Recipient(SYSTEM_FALLBACK, "smtp", address)


def describe(recipient: Recipient) -> str:
    if recipient.channel == "smtp":
        return f"also e-mailed to {recipient.address}"
    return "also written to the log and shown on the board"


def with_system_fallback(chains: ChainConfig, fallback: Recipient) -> tuple[ChainConfig, str]:
    """System alerts (a page that could not be delivered, a stopped scheduler) must not depend on the one channel
    that may be what failed: when the first step of their chain pages by one channel only, a second recipient on
    another channel (e-mail, or the log and the board's banner) is added to that step, in a chain of their own so
    clinical alerts are untouched. Returns the chains and how the second channel is described ("" if none)."""
    chain_names = {kind: chains.chain_name(kind, "critical") for kind in SYSTEM_KINDS}
    first_steps = [chains.chains[chain][0] for chain in set(chain_names.values())]
    channels = {chains.recipient(name).channel for step in first_steps for name in step.recipients}
    if len(channels) != 1 or channels == {"log"}:
        return chains, ""  # already two channels, or only the log and the board, which cannot fail
    if channels == {fallback.channel}:
        fallback = Recipient(SYSTEM_FALLBACK, "log", None)
    new_chains = dict(chains.chains)
    kinds = dict(chains.kinds)
    for kind, chain in chain_names.items():
        name = f"{chain}+{SYSTEM_FALLBACK}"
        first, *rest = chains.chains[chain]
        new_chains[name] = (Step((*first.recipients, SYSTEM_FALLBACK), first.wait), *rest)
        kinds[kind] = name
    recipients = {**chains.recipients, SYSTEM_FALLBACK: fallback}
    updated = replace(
        chains,
        recipients=MappingProxyType(recipients),
        chains=MappingProxyType(new_chains),
        kinds=MappingProxyType(kinds),
    )
    return updated, describe(fallback)
