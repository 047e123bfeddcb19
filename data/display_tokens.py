"""Display tokens for a wall screen left running unattended (kiosk mode): long-lived, read-only, bound to a ward.

A display token is an `ApiToken` whose only scope is "display", held by a display account of role viewer kept to
the token's ward (`display.<ward>`, which has no usable password). It opens the wall screen and nothing else: the
web layer lets it see only `/wall` and its callbacks, and the "display" scope grants no API permission. It is
created by a nurse-in-charge (or a doctor) of that ward or an admin, revoked the same way, and every creation,
start of a display and revocation is an audit event. Only the token's hash is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import Actor, audit
from data.auth import allowed, password_hasher
from data.models import ApiToken, User
from data.validation import invalid

DISPLAY_SCOPE = "display"
MAX_DAYS = 730
PREFIX = "cwd_"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def may_manage(actor: Actor, ward: str) -> bool:
    """Admins, and nurses-in-charge and doctors of the ward (or of every ward)."""
    if actor.role == "admin":
        return True
    return allowed(actor.role, "manage_beds") and actor.ward in (None, ward)


def display_username(ward: str) -> str:
    return "display." + (re.sub(r"[^a-z0-9]+", "-", ward.lower()).strip("-") or "ward")


def _display_user(session: Session, ward: str, actor: Actor, now: datetime) -> User:
    name = display_username(ward)
    user = session.scalar(select(User).where(User.username == name))
    if user is not None:
        if user.role != "viewer" or user.ward != ward:
            raise invalid("ward", ward, "a ward with a display account", f"user {name} is not a display account")
        return user
    user = User(
        username=name,
        display_name=f"Wall display, {ward}",
        role="viewer",
        ward=ward,
        password_hash=password_hasher().hash(secrets.token_urlsafe(32)),  # nobody knows it: no log-in
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    audit(session, actor, "create", now, record_type="user", record_id=user.id, details={"role": "viewer"})
    return user


def create_display_token(session: Session, ward: str, days: int, actor: Actor, now: datetime) -> str:
    """A new display token for `ward`, valid `days` (1-730); returned once, only its hash is kept."""
    ward = (ward or "").strip()
    if not ward:
        raise invalid("ward", ward, "a ward name", "a display token is bound to one ward")
    if not 1 <= days <= MAX_DAYS:
        raise invalid("days", days, f"1-{MAX_DAYS}", "display token lifetime out of range")
    if not may_manage(actor, ward):
        raise invalid("ward", ward, "a ward you are in charge of", "only an admin or the ward's nurse-in-charge may")
    user = _display_user(session, ward, actor, now)
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=_sha256(token),
        scopes=[DISPLAY_SCOPE],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    details = {"ward": ward, "days": days, "kind": "display"}
    audit(session, actor, "create", now, record_type="api_token", record_id=row.id, details=details)
    return token


@dataclass(frozen=True)
class Display:
    """The identity a display token gives: its token row and the ward it is bound to."""

    token_id: int
    token_hash: str
    user_id: int
    username: str
    ward: str


def _display(session: Session, row: ApiToken | None, now: datetime) -> Display | None:
    if row is None or row.scopes != [DISPLAY_SCOPE] or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active or user.ward is None or user.role != "viewer":
        return None
    return Display(row.id, row.token_hash, user.id, user.username, user.ward)


def display_for_token(session: Session, token: str, now: datetime) -> Display | None:
    """The display a token opens, None when unknown, revoked, expired or not a display token."""
    return _display(session, session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(token))), now)


def display_for_id(session: Session, token_id: int, token_hash: str, now: datetime) -> Display | None:
    """The display of a running wall (its cookie holds the token's id and hash), checked on every request."""
    row = session.get(ApiToken, token_id)
    if row is None or not secrets.compare_digest(row.token_hash, token_hash):
        return None
    return _display(session, row, now)


def start_display(session: Session, display: Display, address: str | None, now: datetime) -> None:
    actor = Actor(display.username, "viewer", "form", address, ward=display.ward)
    audit(session, actor, "display_start", now, record_type="api_token", record_id=display.token_id)


@dataclass(frozen=True)
class DisplayToken:
    id: int
    ward: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def display_tokens(session: Session, ward: str | None) -> list[DisplayToken]:
    """Display tokens, newest first (of one ward, or of every ward when `ward` is None)."""
    query = select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(User.username.like("display.%"))
    if ward is not None:
        query = query.where(User.ward == ward)
    rows = session.execute(query.order_by(ApiToken.id.desc())).all()
    return [
        DisplayToken(t.id, u.ward or "", t.created_at, t.expires_at, t.revoked_at, t.last_used_at)
        for t, u in rows
        if t.scopes == [DISPLAY_SCOPE]
    ]


def revoke_display_token(session: Session, token_id: int, actor: Actor, now: datetime) -> None:
    row = session.get(ApiToken, token_id)
    user = session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or row.scopes != [DISPLAY_SCOPE]:
        raise invalid("token", token_id, "a display token", f"no display token {token_id}")
    if not may_manage(actor, user.ward or ""):
        raise invalid("token", token_id, "a token of a ward you are in charge of", "you may not revoke this token")
    if row.revoked_at is None:
        row.revoked_at = now
        audit(session, actor, "revoke", now, record_type="api_token", record_id=row.id, details={"ward": user.ward})
