"""Sign-in, the user as stored now, their pages, database health, users and the audit log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gcrm import audit
from gcrm.access import sessions, users
from gcrm.access import user_engine as engine_for
from gcrm.access.roles import ROLES
from gcrm.config import get_settings
from gcrm.errors import PermissionDenied, UnknownUser
from gcrm.health import DatabaseHealth, database_health


def sign_in(username: str, password: str) -> dict | None:
    """The user as a plain dict when the password is right (audited either way)."""
    return _as_dict(users.authenticate(username.strip().lower(), password))


def _as_dict(user) -> dict | None:
    if user is None:
        return None
    return {"username": user.username, "label": user.label, "role": user.role,
            "regions": list(user.regions)}


def current_user(username: str) -> dict | None:
    """The user as stored now (role and regions may have changed since sign-in); None when
    they were disabled or removed."""
    try:
        user = users.get_user(username)
    except UnknownUser:
        return None
    return None if user.disabled else _as_dict(user)


def sign_in_sso(email: str, email_verified: bool) -> dict | None:
    """The user whose email the identity provider vouched for (audited either way)."""
    return _as_dict(users.authenticate_sso(email, email_verified=email_verified))


def sign_out(username: str, session_id: int | None = None) -> None:
    """End the user's web session (at once: a reload shows the sign-in form) and audit."""
    if session_id is not None:
        sessions.end(session_id=session_id, reason="sign_out")
    audit.record("sign_out", username, actor=username, engine=engine_for(username))


# --- web sessions: the sign-in a reload or a shared link keeps (gcrm.access.sessions) ------

def start_session(username: str) -> tuple[int, str]:
    """A web session for a user who just signed in: (its id, the one-time code the browser
    trades for its cookie)."""
    started = sessions.start(username)
    return started.id, started.handoff_code


def redeem_session(code: str) -> sessions.Token | None:
    """The cookie's token for a handoff code (once, right after signing in)."""
    return sessions.redeem(code)


def session_user(session_id: int) -> dict | None:
    """The user of a live session, as stored now; None when it ended, expired or its user
    was disabled."""
    found = sessions.check(session_id=session_id)
    return current_user(found.username) if found.live else None


def resume_session(token: str) -> tuple[int | None, dict | None]:
    """A browser arriving with its cookie: (session id, user) when the session is live;
    (None, None) otherwise. Audited either way."""
    found = sessions.resume(token)
    user = current_user(found.username) if found.live else None
    return (found.session_id, user) if user else (None, None)


def end_session_by_token(token: str) -> None:
    """End the session whose token the browser sent (its cookie is being cleared)."""
    sessions.end(token=token, reason="sign_out")


def session_hours() -> float:
    return get_settings().session_hours


def pages_for(role: str) -> tuple[str, ...]:
    return ROLES[role].pages


def role_description(role: str) -> str:
    return ROLES[role].description


@st.cache_data(ttl=30, show_spinner="Checking the database ...")
def health(username: str) -> DatabaseHealth:
    """Database versions, size, schema revision and the rows this user may see (30 s)."""
    return database_health(engine_for(username))


def users_table(username: str) -> pd.DataFrame:
    """Every user with role, regions and state; for admins only (checked now, not at
    sign-in)."""
    user = current_user(username)
    if user is None or user["role"] != "admin":
        raise PermissionDenied("The list of users is for admins only.")
    return users.list_users()


def audit_log(username: str, limit: int = 500) -> pd.DataFrame:
    """The newest audit entries, read as ``username`` (the database lets admins only)."""
    return audit.recent(limit=limit, engine=engine_for(username))


__all__ = ["audit_log", "current_user", "end_session_by_token", "health", "pages_for",
           "redeem_session", "resume_session", "role_description", "session_hours",
           "session_user", "sign_in", "sign_in_sso", "sign_out", "start_session",
           "users_table"]
