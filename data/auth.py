"""Users, passwords (Argon2id), API tokens, server-side log-in sessions and log-in throttling."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from data.audit import Actor, audit
from data.login_throttle import give_back, reserve, throttle_keys
from data.models import ROLES, ApiToken, LoginAttempt, LoginSession, User
from data.validation import FieldError, InvalidInput

SCOPES = ("read", "write", "admin")
# What each role may do; every role has the permissions of the roles listed before it, except admin, which is
# not clinical (DESIGN: admin manages users, tokens and alert routing, no clinical recording).
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "nurse": frozenset({"read", "record", "acknowledge"}),
    # Admission, bed moves and discharge are the nurse-in-charge's as well as the doctor's: the nurse-in-charge runs
    # the bay's beds.
    "nurse_in_charge": frozenset({"read", "record", "acknowledge", "manage_beds", "discharge", "snooze", "resolve"}),
    "doctor": frozenset(
        {
            "read",
            "record",
            "acknowledge",
            "manage_beds",
            "snooze",
            "resolve",
            "override",
            "discharge",
            "pause_monitoring",
            "confirm_infusion",
        }
    ),
    "admin": frozenset({"read", "admin"}),
}


@dataclass(frozen=True)
class AuthPolicy:
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)
    throttle_window: timedelta = timedelta(minutes=15)
    max_failures_per_user: int = 5
    max_failures_per_address: int = 20


def password_hasher() -> PasswordHasher:
    """Argon2id with argon2-cffi's current recommended parameters."""
    return PasswordHasher()


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _bad(field: str, value: object, allowed: str, message: str) -> InvalidInput:
    return InvalidInput([FieldError(field, value, allowed, message)])


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    actor: Actor,
    now: datetime,
    display_name: str = "",
    ward: str | None = None,
) -> User:
    if role not in ROLES:
        raise _bad("role", role, "one of " + ", ".join(ROLES), f"unknown role '{role}'")
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise _bad("username", username, "letters, digits, '.', '-', '_'", "invalid user name")
    check_password(password, username, display_name)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise _bad("username", username, "a new user name", "a user with this name already exists")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        ward=ward or None,
        password_hash=password_hasher().hash(password),
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    audit(session, actor, "create", now, record_type="user", record_id=user.id, details={"role": role})
    return user


PASSWORD_MIN_LENGTH = 12
PASSWORD_MIN_SCORE = 3  # zxcvbn's "safely unguessable: moderate protection from offline slow-hash scenario"
PASSWORD_ALLOWED = f"at least {PASSWORD_MIN_LENGTH} characters, not a common or easily guessed password"


def check_password(password: str, *context: str) -> None:
    """Refuse a short password, or one zxcvbn finds guessable (its common-password, word and name lists, keyboard
    patterns, dates, and the user's own name and display name given as `context`)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise _bad("password", "***", PASSWORD_ALLOWED, "password is too short")
    found = zxcvbn(password[:100], user_inputs=[c for c in context if c])
    if found["score"] < PASSWORD_MIN_SCORE:
        advice = found["feedback"].get("warning") or "it is too easy to guess"
        raise _bad("password", "***", PASSWORD_ALLOWED, f"password is too easy to guess: {advice}")


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    session_id: str | None
    error: str | None  # shown to the person: never says whether the user exists


SessionScope = Callable[[], AbstractContextManager[Session]]


def log_in(
    scope: SessionScope, username: str, password: str, address: str | None, now: datetime, policy: AuthPolicy
) -> LoginResult:
    """Check the password (throttled per user name from an address, and per address), re-hash old hashes, open
    a session. Two short transactions from `scope`: the count, then the outcome; the slow password check runs
    between them, holding no lock."""
    username = username[:80]  # no user name is longer; the attempt is still counted and checked
    actor = Actor(username or "-", role=None, source="form", address=address)
    keys = throttle_keys(username, address)
    with scope() as session:
        if not reserve(session, keys, now, policy):
            session.add(LoginAttempt(attempted_at=now, username=username, address=address, succeeded=False))
            audit(session, actor, "login", now, outcome="locked", record_type="user")
            minutes = int(policy.throttle_window.total_seconds() // 60)
            return LoginResult(None, None, f"Too many failed log-ins: locked for up to {minutes} minutes.")
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        stored_hash = user.password_hash if user is not None else None
    hasher = password_hasher()
    verified = False
    if stored_hash is not None:
        try:
            verified = hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            verified = False
    else:
        # Spend the same time as a real check so response times do not reveal which user names exist.
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(_dummy_hash(), password)
    with scope() as session:
        session.add(LoginAttempt(attempted_at=now, username=username, address=address, succeeded=verified))
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if not verified or user is None:
            audit(session, actor, "login", now, outcome="failure", record_type="user")
            return LoginResult(None, None, "User name or password not recognised.")
        give_back(session, keys, now)
        if hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hasher.hash(password)
        session_id = secrets.token_urlsafe(32)
        session.add(
            LoginSession(
                session_id_hash=_sha256(session_id),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                address=address,
            )
        )
        audit(
            session,
            Actor(user.username, user.role, "form", address),
            "login",
            now,
            record_type="user",
            record_id=user.id,
        )
        return LoginResult(user, session_id, None)


@functools.cache
def _dummy_hash() -> str:
    return password_hasher().hash(secrets.token_urlsafe(16))


# How stale `last_seen_at` may get before a request writes it again: the idle timeout is kept to this precision,
# and a page that polls does not write to the database on every poll.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionCheck:
    user: User | None
    write_needed: bool  # the session must be touched or ended: call `session_user` in a write transaction


def check_session(session: Session, session_id: str, now: datetime, policy: AuthPolicy) -> SessionCheck:
    """Read-only check of a server-side session, for the common request that needs no write."""
    row = session.scalar(select(LoginSession).where(LoginSession.session_id_hash == _sha256(session_id)))
    if row is None or row.ended_at is not None:
        return SessionCheck(None, False)
    if now - row.last_seen_at > policy.idle_timeout or now - row.created_at > policy.absolute_timeout:
        return SessionCheck(None, True)
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return SessionCheck(None, False)
    return SessionCheck(user, now - row.last_seen_at >= TOUCH_INTERVAL)


def session_user(
    session: Session, session_id: str, now: datetime, policy: AuthPolicy, address: str | None = None
) -> User | None:
    """The user of a live server-side session, touching it; None once ended, idle or too old (the end by a
    timeout is audited, with which timeout)."""
    row = session.scalar(select(LoginSession).where(LoginSession.session_id_hash == _sha256(session_id)))
    if row is None or row.ended_at is not None:
        return None
    reason = None
    if now - row.last_seen_at > policy.idle_timeout:
        reason = "idle_timeout"
    elif now - row.created_at > policy.absolute_timeout:
        reason = "absolute_timeout"
    user = session.get(User, row.user_id)
    if reason is not None:
        row.ended_at, row.ended_reason = now, reason
        who = Actor(user.username if user else "-", user.role if user else None, "form", address)
        audit(
            session,
            who,
            "session_end",
            now,
            outcome="success",
            record_type="user",
            record_id=row.user_id,
            details={"reason": reason},
        )
        return None
    if user is None or not user.active:
        return None
    row.last_seen_at = now
    return user


def log_out(session: Session, session_id: str, now: datetime, address: str | None = None) -> None:
    row = session.scalar(select(LoginSession).where(LoginSession.session_id_hash == _sha256(session_id)))
    if row is None or row.ended_at is not None:
        return
    row.ended_at, row.ended_reason = now, "logout"
    user = session.get(User, row.user_id)
    if user is not None:
        audit(
            session,
            Actor(user.username, user.role, "form", address),
            "logout",
            now,
            record_type="user",
            record_id=user.id,
        )


def create_token(session: Session, username: str, scopes: list[str], days: int, actor: Actor, now: datetime) -> str:
    """A new API token; only its hash is stored, so the returned value is shown once."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise _bad("user", username, "an existing user", f"no user named '{username}'")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise _bad("scopes", ",".join(scopes), "some of " + ", ".join(SCOPES), "unknown or missing scopes")
    if not 1 <= days <= 730:
        raise _bad("days", days, "1-730", "token lifetime out of range")
    token = "cw_" + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=_sha256(token),
        scopes=sorted(set(scopes)),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "create",
        now,
        record_type="api_token",
        record_id=row.id,
        details={"user": username, "scopes": row.scopes},
    )
    return token


@dataclass(frozen=True)
class TokenIdentity:
    user: User
    scopes: frozenset[str]
    token_id: int


def token_identity(session: Session, token: str, now: datetime) -> TokenIdentity | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = now
    return TokenIdentity(user, frozenset(row.scopes), row.id)


def allowed(role: str | None, permission: str) -> bool:
    return role is not None and permission in PERMISSIONS.get(role, frozenset())
