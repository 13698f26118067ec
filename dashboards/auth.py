"""Sign-in state of the dashboard session, and the guard every page starts with."""

from __future__ import annotations

import streamlit as st

from dashboards import data

KEY = "user"


def current_user() -> dict | None:
    return st.session_state.get(KEY)


def require(page: str) -> dict:
    """The signed-in user, when their role has ``page``; otherwise stop the page."""
    user = current_user()
    if user is None:
        st.warning("Please sign in.")
        st.stop()
    if page not in data.pages_for(user["role"]):
        st.error(f"This page is not available to the {user['role']} role.")
        st.stop()
    return user


def sign_in(username: str, password: str) -> bool:
    user = data.sign_in(username, password)
    if user is not None:
        st.session_state[KEY] = user
    return user is not None


def sign_out() -> None:
    user = st.session_state.pop(KEY, None)
    if user:
        data.sign_out(user["username"])


def sso_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section (Streamlit's st.login)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def sign_in_sso() -> bool | None:
    """After st.login: map the provider's email to a gcrm user. None: not signed in there."""
    if not getattr(st.user, "is_logged_in", False):
        return None
    user = data.sign_in_sso(st.user.get("email", ""))
    if user is not None:
        st.session_state[KEY] = user
    return user is not None
