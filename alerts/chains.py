"""Escalation chains: who is paged for an alert, in which order, and how long each step waits.

Configuration, not code: a YAML file named by ``CARTWATCH_ESCALATION_CHAINS``, or the defaults below, which follow
the guideline's roles (bedside nurse -> nurse-in-charge -> CAR-T registrar -> consultant) and end with a fail-safe
recipient who is paged again every ``repeat_minutes`` until somebody acknowledges.

File format (every key is checked; an error names the key and what is allowed; a complete example is
``alerts/escalation-chains.example.yaml``)::

    recipients:                      # role -> channel (webhook, smtp, log) and address
      bedside_nurse: {channel: webhook}            # address defaults to CARTWATCH_WEBHOOK_URL
      nurse_in_charge: {channel: smtp, address: bleep-2231@pager.example.org}
      ...
    chains:                          # info, warning, urgent and critical are required; others are named chains
      critical:
        - {notify: [bedside_nurse, nurse_in_charge], wait_minutes: 5}
        - {notify: [cart_registrar], wait_minutes: 5}
        - {notify: [consultant], wait_minutes: 10}
      pharmacy:
        - {notify: [pharmacy, consultant], wait_minutes: 30}
    kinds:                           # optional: alert kind -> chain name (default: the chain of its severity)
      tocilizumab_fourth_dose: pharmacy
      crs_onset: medical             # without kinds: the built-in mapping, for the chains the file defines
    failsafe: {notify: [failsafe], repeat_minutes: 15}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

CHANNELS: tuple[str, ...] = ("webhook", "smtp", "log")
SEVERITY_CHAINS: tuple[str, ...] = ("info", "warning", "urgent", "critical")
ROLES: tuple[str, ...] = (
    "bedside_nurse",
    "nurse_in_charge",
    "cart_registrar",
    "consultant",
    "pharmacy",
    "failsafe",
)
MAX_WAIT_MINUTES = 1440

TOCILIZUMAB_KINDS = ("tocilizumab_fourth_dose", "tocilizumab_third_in_24h", "tocilizumab_repeat_too_soon")
SYSTEM_KINDS = ("delivery_dead", "scheduler_heartbeat_stale")
MEDICAL_KINDS = (
    "crs_onset",
    "crs_rise",
    "icans_onset",
    "icans_rise",
    "crs_provisional",
    "icans_provisional",
    "seizure",
    "status_epilepticus",
    "motor_weakness",
    "raised_icp",
    "neutropenic_fever",
)
"""Pages that need a doctor at once: the CAR-T registrar is paged with the bedside nurse at the first step (a
febrile, neutropenic CAR-T patient needs medical review now, not after a nurse has escalated)."""
REVIEW_KINDS = ("grade_override", "hlh_no_improvement")


class ChainConfigError(ValueError):
    """The chain file is wrong; the message names the key and what is allowed."""


@dataclass(frozen=True)
class Recipient:
    name: str
    channel: str
    address: str | None


@dataclass(frozen=True)
class Step:
    recipients: tuple[str, ...]
    wait: timedelta


@dataclass(frozen=True)
class ChainConfig:
    recipients: Mapping[str, Recipient]
    chains: Mapping[str, tuple[Step, ...]]
    kinds: Mapping[str, str]
    failsafe: Step
    source: str

    def chain_name(self, kind: str, severity: str) -> str:
        return self.kinds.get(kind, severity)

    def steps_for(self, kind: str, severity: str) -> tuple[Step, ...]:
        """The chain's steps followed by the fail-safe step (always last, repeated until acknowledged)."""
        return (*self.chains[self.chain_name(kind, severity)], self.failsafe)

    def recipient(self, name: str) -> Recipient:
        return self.recipients[name]


def _step(recipients: tuple[str, ...], minutes: int) -> Step:
    return Step(recipients, timedelta(minutes=minutes))


DEFAULT_CHAINS: Mapping[str, tuple[Step, ...]] = MappingProxyType(
    {
        "info": (_step(("bedside_nurse",), 30), _step(("nurse_in_charge",), 30)),
        "warning": (
            _step(("bedside_nurse",), 15),
            _step(("nurse_in_charge",), 15),
            _step(("cart_registrar",), 30),
        ),
        "urgent": (
            _step(("bedside_nurse", "nurse_in_charge"), 10),
            _step(("cart_registrar",), 10),
            _step(("consultant",), 15),
        ),
        "critical": (
            _step(("bedside_nurse", "nurse_in_charge"), 5),
            _step(("cart_registrar",), 5),
            _step(("consultant",), 10),
        ),
        "pharmacy": (_step(("pharmacy", "consultant"), 30),),
        "system": (_step(("nurse_in_charge",), 10),),
        "medical": (_step(("bedside_nurse", "cart_registrar"), 5), _step(("nurse_in_charge", "consultant"), 10)),
        "consultant_review": (_step(("consultant",), 30),),
    }
)
DEFAULT_KINDS: Mapping[str, str] = MappingProxyType(
    {
        **dict.fromkeys(TOCILIZUMAB_KINDS, "pharmacy"),
        **dict.fromkeys(SYSTEM_KINDS, "system"),
        **dict.fromkeys(MEDICAL_KINDS, "medical"),
        **dict.fromkeys(REVIEW_KINDS, "consultant_review"),
    }
)
DEFAULT_FAILSAFE = _step(("failsafe",), 15)


def default_chains(webhook_url: str | None) -> ChainConfig:
    """Every role paged through the webhook when one is configured, else written to the log (console)."""
    channel, address = ("webhook", webhook_url) if webhook_url else ("log", None)
    recipients = {name: Recipient(name, channel, address) for name in ROLES}
    source = "defaults (webhook)" if webhook_url else "defaults (log)"
    return ChainConfig(MappingProxyType(recipients), DEFAULT_CHAINS, DEFAULT_KINDS, DEFAULT_FAILSAFE, source)


def load_chains(path: str | None, *, webhook_url: str | None, smtp_configured: bool) -> ChainConfig:
    """The chains from ``path`` (YAML) or, when it is None, the defaults."""
    if path is None:
        return default_chains(webhook_url)
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ChainConfigError(f"CARTWATCH_ESCALATION_CHAINS: cannot read {path!r}: {exc.strerror}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ChainConfigError(f"CARTWATCH_ESCALATION_CHAINS: {path!r} is not valid YAML: {exc}") from None
    return parse_chains(document, webhook_url=webhook_url, smtp_configured=smtp_configured, source=str(file))


def _mapping(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise ChainConfigError(f"{where}: expected a mapping with text keys")
    return value


def _only_keys(where: str, value: dict[str, Any], allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ChainConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    missing = [key for key in required if key not in value]
    if missing:
        raise ChainConfigError(f"{where}: missing {', '.join(missing)}")


def _minutes(where: str, value: Any) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WAIT_MINUTES:
        raise ChainConfigError(f"{where}: {value!r} must be a whole number of minutes, 1-{MAX_WAIT_MINUTES}")
    return timedelta(minutes=value)


def _notify(where: str, value: Any, recipients: Mapping[str, Recipient]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(name, str) for name in value):
        raise ChainConfigError(f"{where}: expected a non-empty list of recipient names")
    unknown = [name for name in value if name not in recipients]
    if unknown:
        known = ", ".join(sorted(recipients))
        raise ChainConfigError(f"{where}: unknown recipient(s) {', '.join(unknown)}; defined: {known}")
    if len(set(value)) != len(value):
        raise ChainConfigError(f"{where}: names a recipient twice")
    return tuple(value)


def _recipient(name: str, value: Any, webhook_url: str | None, smtp_configured: bool) -> Recipient:
    where = f"recipients.{name}"
    entry = _mapping(where, value)
    _only_keys(where, entry, ("channel", "address"), ("channel",))
    channel = entry["channel"]
    if channel not in CHANNELS:
        raise ChainConfigError(f"{where}.channel: {channel!r} is not allowed; allowed: {', '.join(CHANNELS)}")
    address = entry.get("address")
    if address is not None and (not isinstance(address, str) or not address.strip()):
        raise ChainConfigError(f"{where}.address: expected text")
    if channel == "webhook":
        address = address or webhook_url
        if not address or not address.startswith(("http://", "https://")):
            raise ChainConfigError(f"{where}.address: a webhook needs an http(s) URL here or in CARTWATCH_WEBHOOK_URL")
    elif channel == "smtp":
        if not address or "@" not in address:
            raise ChainConfigError(f"{where}.address: an smtp recipient needs an e-mail address")
        if not smtp_configured:
            raise ChainConfigError(f"{where}.channel: smtp needs CARTWATCH_SMTP_URL to be set")
    return Recipient(name, channel, address)


def parse_chains(
    document: Any, *, webhook_url: str | None, smtp_configured: bool, source: str = "<chains>"
) -> ChainConfig:
    """Check a parsed chain document and build the configuration from it."""
    top = _mapping("chain file", document)
    _only_keys("chain file", top, ("recipients", "chains", "kinds", "failsafe"), ("recipients", "chains", "failsafe"))
    recipients = {
        name: _recipient(name, value, webhook_url, smtp_configured)
        for name, value in _mapping("recipients", top["recipients"]).items()
    }
    if not recipients:
        raise ChainConfigError("recipients: define at least one recipient")
    chains: dict[str, tuple[Step, ...]] = {}
    for name, value in _mapping("chains", top["chains"]).items():
        if not isinstance(value, list) or not value:
            raise ChainConfigError(f"chains.{name}: expected a non-empty list of steps")
        steps = []
        for index, raw in enumerate(value):
            where = f"chains.{name}[{index}]"
            step = _mapping(where, raw)
            _only_keys(where, step, ("notify", "wait_minutes"), ("notify", "wait_minutes"))
            steps.append(
                Step(
                    _notify(f"{where}.notify", step["notify"], recipients),
                    _minutes(f"{where}.wait_minutes", step["wait_minutes"]),
                )
            )
        chains[name] = tuple(steps)
    missing = [name for name in SEVERITY_CHAINS if name not in chains]
    if missing:
        raise ChainConfigError(f"chains: missing {', '.join(missing)} (one chain per severity is required)")
    if "kinds" in top:
        kinds = {}
        for kind, chain in _mapping("kinds", top["kinds"]).items():
            if chain not in chains:
                raise ChainConfigError(f"kinds.{kind}: {chain!r} is not a chain; defined: {', '.join(sorted(chains))}")
            kinds[kind] = chain
    else:
        kinds = {kind: chain for kind, chain in DEFAULT_KINDS.items() if chain in chains}
    failsafe_entry = _mapping("failsafe", top["failsafe"])
    _only_keys("failsafe", failsafe_entry, ("notify", "repeat_minutes"), ("notify", "repeat_minutes"))
    failsafe = Step(
        _notify("failsafe.notify", failsafe_entry["notify"], recipients),
        _minutes("failsafe.repeat_minutes", failsafe_entry["repeat_minutes"]),
    )
    return ChainConfig(
        MappingProxyType(recipients), MappingProxyType(chains), MappingProxyType(kinds), failsafe, source
    )
