"""Sign-in state of the dashboard session, the guard every page starts with, and the
sign-in cookie that keeps a user signed in across reloads and shared links.

How the cookie is set: signing in (password or single sign-on) starts a web session in
the database (``gcrm.access.sessions``) and gives this page run a one-time code; a tiny
component in the page POSTs that code to the server's ``/api/gcrm/session`` route
(``dashboards/server.py``), which answers with the session's token as an HTTP-only cookie.
A new connection (a reload, a link opened in another tab) sends that cookie with its
websocket handshake; ``st.context.cookies`` reads it and the database says whether the
session is still live. Every run checks the session again, so signing out, disabling the
user or the session's expiry end it at the next click.
"""

from __future__ import annotations

import streamlit as st

from dashboards import data
from dashboards.cookie import COOKIE, END_PATH, START_PATH

KEY = "user"
SESSION = "web_session"  # the id of this browser's session in web_sessions
HANDOFF = "session_handoff"  # the one-time code the browser has yet to trade for its cookie
CLEAR = "session_clear"  # the browser holds a cookie to delete (signed out, refused)
REFUSED = "session_refused"  # a cookie already refused on this connection


_COOKIE_JS = """
const sent = new Set();
export default function (component) {
  const { data, setTriggerValue } = component;
  if (!data || sent.has(data.nonce)) { return; }
  sent.add(data.nonce);
  fetch(new URL(data.path, window.location.origin), {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code: data.code || null }),
  }).then((r) => setTriggerValue("finished", r.ok ? "ok" : "refused " + r.status))
    .catch(() => setTriggerValue("finished", "failed"));
}
"""
_cookie_request = st.components.v2.component("gcrm_session_cookie", js=_COOKIE_JS)


def current_user() -> dict | None:
    """The signed-in user, read again on every run: a changed role or regions apply at
    once, and an ended or expired session, or a disabled user, is signed out."""
    user = st.session_state.get(KEY)
    if user is None:
        return _from_cookie()
    session_id = st.session_state.get(SESSION)
    if session_id is None:  # put in the state by the caller (AppTest): the user alone
        fresh = data.current_user(user["username"])
    else:
        fresh = data.session_user(session_id)
    if fresh is None:
        _forget()
        st.session_state[CLEAR] = True
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
        _start(user)
    return user is not None


def sign_out() -> None:
    user = st.session_state.get(KEY)
    session_id = st.session_state.get(SESSION)
    _forget()
    if user:
        data.sign_out(user["username"], session_id)
    st.session_state[CLEAR] = True
    token = _cookie()
    if token:  # the cookie this connection came with is dead now: do not try it again
        st.session_state[REFUSED] = token


def sync_cookie() -> None:
    """Ask the browser to fetch its new cookie after a sign-in, or to drop a dead one.
    Renders nothing visible; call it once per run, from the app's entry point."""
    code = st.session_state.get(HANDOFF)
    if code:
        _cookie_request(key="gcrm-cookie-set", data={"path": START_PATH, "code": code,
                                                     "nonce": code[:12]},
                        height=0, on_finished_change=_handed_off)
    elif st.session_state.get(CLEAR) and st.session_state.get(KEY) is None:
        _cookie_request(key="gcrm-cookie-clear", data={"path": END_PATH, "nonce": "end"},
                        height=0, on_finished_change=_cleared)


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
        _start(user)
    return user is not None


# --- helpers ----------------------------------------------------------------------------------

def _start(user: dict) -> None:
    session_id, code = data.start_session(user["username"])
    st.session_state[KEY] = user
    st.session_state[SESSION] = session_id
    st.session_state[HANDOFF] = code
    st.session_state.pop(CLEAR, None)


def _forget() -> None:
    for key in (KEY, SESSION, HANDOFF):
        st.session_state.pop(key, None)


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser connection (a bare script run)
        return None
    return value if isinstance(value, str) else None  # AppTest has no real cookies


def _from_cookie() -> dict | None:
    """A new connection from a browser that signed in before: its cookie's session."""
    token = _cookie()
    if not token or st.session_state.get(REFUSED) == token:
        return None
    session_id, user = data.resume_session(token)
    if user is None:
        st.session_state[REFUSED] = token  # audited once, not on every run
        st.session_state[CLEAR] = True
        return None
    st.session_state[KEY] = user
    st.session_state[SESSION] = session_id
    return user


def _handed_off() -> None:
    st.session_state.pop(HANDOFF, None)


def _cleared() -> None:
    st.session_state.pop(CLEAR, None)
