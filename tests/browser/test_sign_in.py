"""Signing in to the dashboard in a real browser."""

from conftest import go_to
from playwright.sync_api import expect


def _sign_in(page, url, username, password):
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_manager_signs_in_and_sees_their_scope(dashboard, page):
    _sign_in(page, dashboard, "nora", "manager password")
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Regions: state:N")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Users")).to_have_count(0)  # not an admin page
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=30_000)


def test_an_admin_gets_the_admin_pages(dashboard, page):
    _sign_in(page, dashboard, "ada", "admin password 1")
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible(timeout=30_000)
    go_to(page, "Audit log")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible(timeout=30_000)


def test_a_wrong_password_gets_a_plain_refusal(dashboard, page):
    _sign_in(page, dashboard, "nora", "guessing")
    expect(page.get_by_text("Wrong username or password")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Welcome")).to_have_count(0)
