"""Staying signed in, in a real browser: a reload or a shared link keeps the sign-in (an
HTTP-only cookie checked against the database), signing out, disabling the user or a
session's expiry end it, and a forged cookie signs nobody in."""

import time

import pytest
from conftest import go_to
from playwright.sync_api import expect
from sqlalchemy import text

from gcrm import audit
from gcrm.access import users


@pytest.fixture
def dashboard(fresh_dashboard):
    """A server per test: these tests are about what a server remembers of a sign-in."""
    return fresh_dashboard


WAIT = 30_000  # ms: a first page run reads the database


def _sign_in(page, url, username, password):
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible(timeout=WAIT)


def _cookie(page) -> dict:
    """The sign-in cookie, once the page has traded its one-time code for it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [c for c in page.context.cookies() if c["name"] == "gcrm_session"]
        if found:
            return found[0]
        page.wait_for_timeout(100)
    pytest.fail("The page never received its sign-in cookie.")


def _cookie_gone(page) -> None:
    """Wait until the page has had the browser delete its dead cookie."""
    deadline = time.monotonic() + 30
    while any(c["name"] == "gcrm_session" for c in page.context.cookies()):
        if time.monotonic() > deadline:
            pytest.fail("The dead sign-in cookie was never deleted.")
        page.wait_for_timeout(100)


def _signed_out(page):
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0, timeout=WAIT)


def test_a_reload_and_a_shared_link_keep_the_sign_in_until_sign_out(dashboard, page):
    _sign_in(page, dashboard, "ada", "admin password 1")
    cookie = _cookie(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert page.evaluate("document.cookie").find("gcrm_session") == -1  # no script reads it

    go_to(page, "Audit log")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible(timeout=WAIT)
    page.reload()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible(timeout=WAIT)  # same page
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0, timeout=WAIT)

    shared = page.context.new_page()  # a link opened in another tab of the same browser
    shared.goto(f"{dashboard}/overview?period=2026-Q1")
    expect(shared.get_by_role("heading", name="Overview")).to_be_visible(timeout=WAIT)
    expect(shared.get_by_text("ada · admin")).to_be_visible(timeout=WAIT)

    page.get_by_role("button", name="Sign out").click()
    _signed_out(page)
    _cookie_gone(page)  # the browser forgets it...
    page.context.add_cookies([cookie])  # ...and a copy kept elsewhere is dead too
    page.reload()
    _signed_out(page)
    shared.reload()
    _signed_out(shared)


def test_disabling_a_user_signs_them_out_at_their_next_click(dashboard, page, people):
    _sign_in(page, dashboard, "nora", "manager password")
    _cookie(page)
    users.disable("nora", engine=people)
    go_to(page, "Overview")
    _signed_out(page)
    page.reload()
    _signed_out(page)


def test_an_expired_or_forged_cookie_is_refused(dashboard, page, people):
    _sign_in(page, dashboard, "nora", "manager password")
    _cookie(page)
    with people.begin() as conn:
        conn.execute(text("UPDATE web_sessions SET expires_at = now() - interval '1 second'"))
    page.reload()
    _signed_out(page)
    _cookie_gone(page)  # refused, and deleted from the browser
    assert "expired" in [d["reason"] for d in audit.recent("session.refused",
                                                           engine=people)["details"]]

    page.context.clear_cookies()
    page.context.add_cookies([{"name": "gcrm_session", "value": "a" * 43, "url": dashboard,
                               "httpOnly": True}])
    page.goto(f"{dashboard}/overview")
    _signed_out(page)
    _cookie_gone(page)
    assert "unknown" in [d["reason"] for d in audit.recent("session.refused",
                                                           engine=people)["details"]]
