"""A real Streamlit server on the test database, and a real Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    pytest.fail("Chromium is missing: `make test` installs it (apt package chromium).",
                pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(database_url: str):
    """The dashboard served on a free port, reading ``database_url``; yields its URL."""
    port = _free_port()
    env = {**os.environ, "GCRM_DATABASE_URL": database_url}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboards/server.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"The dashboard did not start: {server.stderr.read().decode()}")
            time.sleep(0.3)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def dashboard_server(engine):
    """One dashboard server per test module on the test database (a server takes seconds
    to start; the world each test builds is the same, ids included, so what a server has
    cached from an earlier test of the module is what it would read again)."""
    with serve(engine.url.render_as_string(hide_password=False)) as url:
        yield url


@pytest.fixture
def dashboard(people, dashboard_server):
    """The dashboard on the small CRM world of the test database."""
    return dashboard_server


@pytest.fixture
def fresh_dashboard(people):
    """A dashboard server of the test's own (for tests of what a server remembers)."""
    with serve(people.url.render_as_string(hide_password=False)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Not for the session: Playwright's sync API keeps an
    event loop marked running in the test process while it is open, and Dask's clients and
    clusters made later in the same process (tests/integration/test_dask_*.py) would take
    it for theirs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=_chromium(), args=FLAGS)
        yield chromium
        chromium.close()


LOCAL_HOSTS = ("127.0.0.1", "localhost")
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def page(browser):
    """A page whose network is this machine only: any other request (a CDN, a tile
    server) is refused and listed in ``page.blocked`` for the test to check."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    blocked: list[str] = []

    def local_only(route):
        host = urllib.parse.urlsplit(route.request.url).hostname or ""
        if host in LOCAL_HOSTS or route.request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    page.blocked = blocked
    page.set_default_timeout(30_000)
    # Assertions wait as long as actions: on 2 busy cores a rerun can take more than the
    # 5 s Playwright waits by default, and the outcome checked is the same.
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save what the page shows under test-artifacts/ (kept by CI for people to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def settled(page) -> None:
    """Wait until the app has finished its runs: a map's first report of its view makes
    Streamlit run the page again, and a click during that run can be lost."""
    from playwright.sync_api import expect

    page.wait_for_timeout(500)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)


def sign_in(page, url: str, username: str, password: str) -> None:
    """Sign in through the form and wait for the home page."""
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible(timeout=30_000)


def go_to(page, name: str) -> None:
    """Open a page from the sidebar: a home page may link to the same page from its body,
    so a bare link of that name is ambiguous. A click during a run of the page before can
    be lost (a component's first report starts one more run): clicked again until the
    address is the page's."""
    import re

    from playwright.sync_api import expect

    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True)
    href = link.get_attribute("href")
    for attempt in range(3):
        settled(page)
        link.click()
        try:
            expect(page).to_have_url(re.compile(re.escape(href) + r"(\?.*)?$"), timeout=10_000)
            return
        except AssertionError:
            if attempt == 2:
                raise
