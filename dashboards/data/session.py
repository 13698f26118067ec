"""Sign-in, the user as stored now, their pages, database health, users and the audit log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gcrm import audit
from gcrm.access import user_engine as engine_for
from gcrm.access import users
from gcrm.access.roles import ROLES
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


def sign_out(username: str) -> None:
    audit.record("sign_out", username, actor=username, engine=engine_for(username))


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


__all__ = ["audit_log", "current_user", "health", "pages_for", "role_description",
           "sign_in", "sign_in_sso", "sign_out", "users_table"]
