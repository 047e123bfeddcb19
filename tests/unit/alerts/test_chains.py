"""Escalation chain configuration: the guideline's roles by default, every file error named by its key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts.chains import ChainConfigError, default_chains, load_chains, parse_chains

URL = "https://pager.example.org/hook"


def document(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "recipients": {
            "bedside_nurse": {"channel": "webhook"},
            "nurse_in_charge": {"channel": "smtp", "address": "nic@pager.example.org"},
            "consultant": {"channel": "log"},
            "pharmacy": {"channel": "webhook", "address": "https://pharmacy.example.org/hook"},
        },
        "chains": {
            "info": [{"notify": ["bedside_nurse"], "wait_minutes": 30}],
            "warning": [{"notify": ["bedside_nurse"], "wait_minutes": 15}],
            "urgent": [{"notify": ["bedside_nurse", "nurse_in_charge"], "wait_minutes": 10}],
            "critical": [
                {"notify": ["bedside_nurse", "nurse_in_charge"], "wait_minutes": 5},
                {"notify": ["consultant"], "wait_minutes": 10},
            ],
            "pharmacy": [{"notify": ["pharmacy", "consultant"], "wait_minutes": 30}],
        },
        "failsafe": {"notify": ["consultant"], "repeat_minutes": 15},
    }
    base.update(overrides)
    return base


def test_the_default_chain_climbs_the_guidelines_roles_and_ends_with_the_failsafe() -> None:
    chains = default_chains(None)
    steps = chains.steps_for("hlh_positive", "critical")
    assert [step.recipients for step in steps] == [
        ("bedside_nurse", "nurse_in_charge"),
        ("cart_registrar",),
        ("consultant",),
        ("failsafe",),
    ]


@pytest.mark.parametrize(
    "kind",
    [
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
    ],
)
@pytest.mark.parametrize("severity", ["warning", "urgent", "critical"])
def test_crs_icans_onset_rise_provisional_and_neuro_events_page_the_registrar_with_the_bedside_nurse_first(
    kind: str, severity: str
) -> None:
    steps = default_chains(None).steps_for(kind, severity)
    assert steps[0].recipients == ("bedside_nurse", "cart_registrar")
    assert [step.recipients for step in steps[1:]] == [("nurse_in_charge", "consultant"), ("failsafe",)]


def test_a_lowered_grade_pages_the_consultant_for_review() -> None:
    steps = default_chains(None).steps_for("grade_override", "urgent")
    assert steps[0].recipients == ("consultant",)


def test_an_overdue_assessment_climbs_from_the_bedside_nurse() -> None:
    chains = default_chains(None)
    assert [step.recipients for step in chains.steps_for("overdue_obs", "warning")][:3] == [
        ("bedside_nurse",),
        ("nurse_in_charge",),
        ("cart_registrar",),
    ]


def test_tocilizumab_limits_go_to_pharmacy_and_the_consultant_by_default() -> None:
    (first, _failsafe) = default_chains(None).steps_for("tocilizumab_fourth_dose", "urgent")
    assert first.recipients == ("pharmacy", "consultant")


def test_with_a_webhook_and_no_file_every_role_is_paged_through_the_webhook() -> None:
    chains = load_chains(None, webhook_url=URL, smtp_configured=False)
    assert {(r.channel, r.address) for r in chains.recipients.values()} == {("webhook", URL)}


def test_with_nothing_configured_every_role_goes_to_the_log() -> None:
    chains = load_chains(None, webhook_url=None, smtp_configured=False)
    assert {r.channel for r in chains.recipients.values()} == {"log"}


def test_a_chain_file_is_read_with_its_waits_and_kinds(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "chains.yaml"
    path.write_text(yaml.safe_dump(document()), encoding="utf-8")
    chains = load_chains(str(path), webhook_url=URL, smtp_configured=True)
    assert chains.recipient("bedside_nurse").address == URL
    assert chains.steps_for("crs_rise", "critical")[1].wait == timedelta(minutes=10)
    assert chains.chain_name("tocilizumab_third_in_24h", "urgent") == "pharmacy"
    assert chains.steps_for("crs_rise", "critical")[-1].recipients == ("consultant",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"chains": {"warning": [{"notify": ["bedside_nurse"], "wait_minutes": 15}]}}, "chains: missing info"),
        ({"failsafe": {"notify": ["nobody"], "repeat_minutes": 15}}, "failsafe.notify: unknown recipient(s) nobody"),
        ({"failsafe": {"notify": ["consultant"], "repeat_minutes": 0}}, "failsafe.repeat_minutes: 0 must be"),
        ({"kinds": {"crs_rise": "nowhere"}}, "kinds.crs_rise: 'nowhere' is not a chain"),
        ({"extra": 1}, "chain file: unknown key(s) extra"),
        ({"recipients": {"bedside_nurse": {"channel": "pigeon"}}}, "recipients.bedside_nurse.channel: 'pigeon'"),
    ],
    ids=["missing-severity", "unknown-recipient", "zero-wait", "unknown-chain", "unknown-key", "unknown-channel"],
)
def test_a_wrong_chain_file_is_refused_naming_the_key(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ChainConfigError) as caught:
        parse_chains(document(**change), webhook_url=URL, smtp_configured=True)
    assert message in str(caught.value)


def test_a_wait_out_of_range_names_the_step() -> None:
    bad = document()
    bad["chains"]["critical"][1]["wait_minutes"] = 2000
    with pytest.raises(ChainConfigError, match=r"chains\.critical\[1\]\.wait_minutes: 2000 .* 1-1440"):
        parse_chains(bad, webhook_url=URL, smtp_configured=True)


def test_smtp_recipients_need_an_smtp_server_and_webhooks_a_url() -> None:
    with pytest.raises(ChainConfigError, match="CARTWATCH_SMTP_URL"):
        parse_chains(document(), webhook_url=URL, smtp_configured=False)
    with pytest.raises(ChainConfigError, match=r"recipients\.bedside_nurse\.address: a webhook needs"):
        parse_chains(document(), webhook_url=None, smtp_configured=True)


def test_an_unreadable_or_invalid_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ChainConfigError, match="cannot read"):
        load_chains(str(tmp_path / "missing.yaml"), webhook_url=None, smtp_configured=False)
    broken = tmp_path / "broken.yaml"
    broken.write_text("chains: [unclosed", encoding="utf-8")
    with pytest.raises(ChainConfigError, match="not valid YAML"):
        load_chains(str(broken), webhook_url=None, smtp_configured=False)


def test_the_example_chain_file_shipped_with_the_package_is_valid() -> None:
    example = Path(__file__).resolve().parents[3] / "alerts" / "escalation-chains.example.yaml"
    chains = load_chains(str(example), webhook_url=URL, smtp_configured=True)
    assert chains.chain_name("tocilizumab_fourth_dose", "urgent") == "pharmacy"
    assert [step.recipients for step in chains.steps_for("crs_rise", "critical")][-1] == ("failsafe",)
