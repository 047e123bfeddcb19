"""Page contents: ward, bed, kind, grade or lateness and an opaque reference; a verifiable signature; backoff."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from alerts.channels import body_bytes, signature
from alerts.config import load_config
from alerts.delivery import backoff_delay
from alerts.pages import REFERENCE_ALPHABET, PageSource, new_reference, page_payload, subject_line
from data.settings import Settings

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def overdue() -> PageSource:
    return PageSource(
        reference="K7M2Q9XA",
        kind="overdue_neuro",
        severity="warning",
        message="Neuro (ICE/ICANS) assessment overdue: due 11:30 GMT on 24 Nov",
        grade=None,
        due_at=NOW - timedelta(minutes=30),
        ward="Ward 33",
        bed="3",
        details=MappingProxyType({}),
    )


def test_an_overdue_page_says_where_what_and_how_late_with_the_reference() -> None:
    payload = page_payload(overdue(), step=0, recipient="bedside_nurse", action="raise", now=NOW)
    assert payload["text"] == (
        "cartwatch WARNING Ward 33 bed 3: Neuro (ICE/ICANS) assessment overdue: due 11:30 GMT on 24 Nov"
        " - 30 min late - ref K7M2Q9XA"
    )
    assert (payload["ward"], payload["bed"], payload["kind"], payload["minutes_late"]) == (
        "Ward 33",
        "3",
        "overdue_neuro",
        30,
    )
    assert (
        subject_line(payload) == "[cartwatch WARNING] Ward 33 bed 3: neuro assessment overdue 30 min late ref K7M2Q9XA"
    )


def test_references_are_eight_unambiguous_characters() -> None:
    references = {new_reference() for _ in range(200)}
    assert len(references) == 200
    assert all(len(r) == 8 and set(r) <= set(REFERENCE_ALPHABET) for r in references)
    assert not set("01ILO") & set(REFERENCE_ALPHABET)


def test_the_signature_is_hmac_sha256_over_the_exact_body() -> None:
    body = body_bytes({"b": 1, "a": "x"})
    assert body == b'{"a":"x","b":1}'
    assert signature("key", body) == "sha256=" + hmac.new(b"key", body, hashlib.sha256).hexdigest()


def test_backoff_doubles_with_each_attempt_up_to_the_cap_with_bounded_jitter() -> None:
    config = load_config(
        Settings(database_url="sqlite://", delivery_backoff_seconds=10, delivery_backoff_max_seconds=60)
    )
    rng = random.Random(4)
    for attempts, base in [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)]:
        delay = backoff_delay(attempts, config, rng)
        assert timedelta(seconds=base) <= delay <= timedelta(seconds=base * 1.25)
