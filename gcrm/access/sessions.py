"""Web sessions: a dashboard sign-in that survives reloading the page or opening a link.

A session is one sign-in in one browser. Right after the password (or single sign-on)
check, :func:`start` stores a session and returns a one-time *handoff code*; the
browser trades that code once, within :data:`HANDOFF_MINUTES`, for the session's token
(:func:`redeem`), which the dashboard's server puts in an HTTP-only cookie. The token is
32 random bytes; the database keeps only its SHA-256 hash, so a copy of the table signs
nobody in. Every page run looks the session up again (:func:`check`): it must not have
ended, not have expired (``GCRM_SESSION_HOURS`` after sign-in) and its user must be
enabled. Signing out ends it (:func:`end`), disabling the user ends all of theirs at
once (:func:`end_all`, called by ``gcrm.access.users.disable``).

These are operator functions, like the sign-in check: users have no privilege on the
table (migration 0016).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from gcrm import audit
from gcrm.config import get_settings
from gcrm.db.engine import operator_engine
from gcrm.errors import GcrmError

HANDOFF_MINUTES = 2  # the browser trades its code for the cookie right after signing in
KEEP_ENDED_DAYS = 30  # ended or expired sessions are deleted after this long

_START = """
INSERT INTO web_sessions (user_id, handoff_hash, expires_at)
SELECT u.id, :handoff_hash, now() + make_interval(secs => :seconds)
FROM app_users u WHERE u.username = :username AND NOT u.disabled
RETURNING id
"""
_PURGE = """
DELETE FROM web_sessions
WHERE coalesce(ended_at, expires_at) < now() - make_interval(days => :days)
"""
_REDEEM = """
UPDATE web_sessions s SET token_hash = :token_hash, handoff_hash = NULL
FROM app_users u
WHERE s.handoff_hash = :handoff_hash AND u.id = s.user_id
  AND s.created_at > now() - make_interval(mins => :minutes)
  AND s.ended_at IS NULL AND s.expires_at > now() AND NOT u.disabled
RETURNING s.id, s.expires_at
"""
_FIND = """
SELECT s.id, u.username, s.expires_at, s.ended_at, u.disabled,
       s.expires_at <= now() AS expired, s.token_hash IS NOT NULL AS has_token
FROM web_sessions s JOIN app_users u ON u.id = s.user_id
WHERE (CAST(:id AS bigint) IS NULL OR s.id = :id)
  AND (CAST(:token_hash AS text) IS NULL OR s.token_hash = :token_hash)
"""
_END = """
UPDATE web_sessions SET ended_at = now(), ended_reason = :reason
WHERE id = :id AND ended_at IS NULL
"""
_END_ALL = """
UPDATE web_sessions s SET ended_at = now(), ended_reason = :reason
FROM app_users u
WHERE u.id = s.user_id AND u.username = :username AND s.ended_at IS NULL
  AND s.expires_at > now()
"""


@dataclass(frozen=True)
class Started:
    """A new session: its id (kept by the server side of the page) and the one-time code
    the browser trades for its cookie."""

    id: int
    handoff_code: str


@dataclass(frozen=True)
class Token:
    """What goes in the browser's cookie, and until when."""

    session_id: int
    value: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Check:
    """The outcome of looking a session up: ``username`` when it is live, else why not
    (``reason``: unknown, ended, expired, disabled)."""

    session_id: int | None
    username: str | None
    reason: str | None = None

    @property
    def live(self) -> bool:
        return self.username is not None and self.reason is None


def start(username: str, *, hours: float | None = None, engine: Engine | None = None
          ) -> Started:
    """A session for ``username`` (enabled), lasting ``hours`` (``GCRM_SESSION_HOURS``).

    Call it after the sign-in check succeeded; it does not check a password.
    """
    hours = get_settings().session_hours if hours is None else hours
    if hours <= 0:
        raise GcrmError(f"A session must last some time; got {hours} hours "
                        "(GCRM_SESSION_HOURS).")
    code = secrets.token_urlsafe(32)
    with _operator(engine).begin() as conn:
        conn.execute(text(_PURGE), {"days": KEEP_ENDED_DAYS})
        session_id = conn.execute(text(_START), {
            "username": username, "handoff_hash": _hash(code),
            "seconds": float(hours) * 3600}).scalar()
    if session_id is None:
        raise GcrmError(f"No enabled user {username!r} to start a session for.")
    return Started(session_id, code)


def redeem(handoff_code: str, *, engine: Engine | None = None) -> Token | None:
    """The session's token for a handoff code: once, within :data:`HANDOFF_MINUTES` of
    signing in, while the session is live. None otherwise (nothing changes)."""
    if not handoff_code:
        return None
    token = secrets.token_urlsafe(32)
    with _operator(engine).begin() as conn:
        row = conn.execute(text(_REDEEM), {
            "handoff_hash": _hash(handoff_code), "token_hash": _hash(token),
            "minutes": HANDOFF_MINUTES}).first()
    return None if row is None else Token(row.id, token, row.expires_at)


def check(*, token: str | None = None, session_id: int | None = None,
          engine: Engine | None = None) -> Check:
    """Look a session up by the browser's ``token`` or by its id: live or why not."""
    if (token is None) == (session_id is None):
        raise ValueError("check() takes either a token or a session id")
    if token is not None and not token:
        return Check(None, None, "unknown")
    with _operator(engine).connect() as conn:
        row = conn.execute(text(_FIND), {
            "id": session_id, "token_hash": None if token is None else _hash(token)}).first()
    if row is None:
        return Check(session_id, None, "unknown")
    reason = ("ended" if row.ended_at is not None else "expired" if row.expired
              else "disabled" if row.disabled else None)
    return Check(row.id, row.username, reason)


def resume(token: str, *, engine: Engine | None = None) -> Check:
    """:func:`check` for a browser arriving with its cookie (a reload, a shared link, a new
    tab), audited: ``session.resume`` when live, ``session.refused`` with the reason."""
    found = check(token=token, engine=engine)
    if found.live:
        audit.record("session.resume", found.username, {"session": found.session_id},
                     actor=found.username, engine=_operator(engine))
    else:
        audit.record("session.refused", found.username,
                     {"reason": found.reason, "session": found.session_id},
                     actor="anonymous", engine=_operator(engine))
    return found


def end(*, token: str | None = None, session_id: int | None = None,
        reason: str = "sign_out", engine: Engine | None = None) -> str | None:
    """End one session now (by token or id); returns its user's name, None if unknown.
    Ending an ended session changes nothing."""
    found = check(token=token, session_id=session_id, engine=engine)
    if found.session_id is None or found.username is None:
        return None
    with _operator(engine).begin() as conn:
        conn.execute(text(_END), {"id": found.session_id, "reason": reason})
    return found.username


def end_all(username: str, *, reason: str, connection: Connection | None = None,
            engine: Engine | None = None) -> int:
    """End every live session of ``username`` (inside ``connection``'s transaction when
    given); returns how many."""
    params = {"username": username, "reason": reason}
    if connection is not None:
        return connection.execute(text(_END_ALL), params).rowcount
    with _operator(engine).begin() as conn:
        return conn.execute(text(_END_ALL), params).rowcount


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _operator(engine: Engine | None) -> Engine:
    return engine or operator_engine()


def live(*, engine: Engine | None = None) -> list[dict]:
    """The sessions live now, newest first: username, created_at, expires_at (for admins)."""
    with _operator(engine).connect() as conn:
        return [dict(r) for r in conn.execute(text(_LIVE)).mappings().all()]


_LIVE = """
SELECT u.username, s.created_at, s.expires_at
FROM web_sessions s JOIN app_users u ON u.id = s.user_id
WHERE s.ended_at IS NULL AND s.expires_at > now()
  AND NOT u.disabled
ORDER BY s.created_at DESC
"""
