"""Sign-in state of the dashboard session, and the guard every page starts with."""

from __future__ import annotations

import streamlit as st

from dashboards import data

KEY = "user"


def current_user() -> dict | None:
    """The signed-in user, read again on every run: a changed role or regions apply at
    once, and a disabled user is signed out."""
    user = st.session_state.get(KEY)
    if user is None:
        return None
    fresh = data.current_user(user["username"])
    if fresh is None:
        st.session_state.pop(KEY, None)
    else:
        st.session_state[KEY] = fresh
    return fresh


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
    verified = bool(st.user.get("email_verified", False))
    if not verified:
        st.error("Your identity provider has not verified your email address, so gcrm "
                 "cannot match it to a user. Verify it there, or sign in with a password.")
    user = data.sign_in_sso(st.user.get("email", ""), verified)
    if user is not None:
        st.session_state[KEY] = user
    return user is not None
