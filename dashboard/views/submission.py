"""One record per form submission, as the API's Idempotency-Key gives one per request.

Each recording form carries a one-use key (a store on the page, replaced after every save). The save claims the
key in the same transaction as the record (`idempotent_requests`, unique per key): a second click that arrives
before the page has its new key, or the same request replayed, finds the key taken and stores nothing; two at
once collide on the unique key and one of them rolls back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import Actor
from data.models import IdempotentRequest

METHOD = "FORM"


def new_key() -> str:
    """A fresh submission key for a form (32 hex characters)."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Earlier:
    """What an earlier submission with the same key stored."""

    record_id: int
    message: str


def _path(patient_id: int, kind: str) -> str:
    return f"/patient/{patient_id}/{kind}"


def _scoped(actor: Actor, key: str) -> str:
    # Scoped to the person, as the API scopes a client's keys: one user can never see another's submission.
    return f"{actor.username}:{key}"


def earlier(session: Session, actor: Actor, key: str, patient_id: int, kind: str) -> Earlier | None:
    stored = session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.key == _scoped(actor, key),
            IdempotentRequest.method == METHOD,
            IdempotentRequest.path == _path(patient_id, kind),
        )
    )
    if stored is None:
        return None
    body = stored.response_body or {}
    return Earlier(int(body.get("record_id", 0)), str(body.get("message", "")))


def claim(
    session: Session, actor: Actor, key: str, patient_id: int, kind: str, record_id: int, message: str, now: datetime
) -> None:
    """Mark the key used by the record just stored (flushed, so a concurrent twin fails here and rolls back)."""
    session.add(
        IdempotentRequest(
            key=_scoped(actor, key),
            method=METHOD,
            path=_path(patient_id, kind),
            request_hash="",
            status_code=201,
            response_body={"record_id": record_id, "message": message},
            created_at=now,
        )
    )
    session.flush()
