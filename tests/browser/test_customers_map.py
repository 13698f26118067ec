"""The Customers & prospects map in a real Chromium, with no network beyond this machine:
zoomed in on a link's view it shows the accounts themselves, a click opens the account's
history, and zooming out turns the accounts into counted cells."""

from urllib.parse import parse_qs, urlsplit

from conftest import screenshot
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

_ZOOM_BELOW = """z => {
    const at = new URLSearchParams(location.search).get('at');
    return at !== null && Number(at.split(',')[2]) < z;
}"""


def _open_link(page, url, username, password):
    """A shared link opened by someone not signed in: the form, then the linked page."""
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _map(page):
    return page.frame_locator("iframe[title*='st_folium']")


def test_zoomed_in_accounts_open_their_history_and_zoomed_out_they_are_counted(
        dashboard, page):
    # A shared link to the page at Annabel's street.
    _open_link(page, f"{dashboard}/customers?at=41.5,-79.5,13", "ada", "admin password 1")
    expect(page.get_by_role("heading", name="Customers & prospects")).to_be_visible()
    expect(page.get_by_text("1 account in view. Click one to open its history.")).to_be_visible()
    dots = _map(page).locator("path.leaflet-interactive:not([fill='none'])")  # not outlines
    expect(dots).to_have_count(1)
    screenshot(page, "customers-zoomed-in")

    dots.first.click()  # the account: its history opens beside the map
    expect(page.get_by_role("heading", name="Annabel Northcott")).to_be_visible()
    metrics = page.get_by_test_id("stMetric")
    expect(metrics.filter(has_text="Revenue")).to_contain_text("$150.00")  # two orders
    expect(metrics.filter(has_text="Orders")).to_contain_text("2")
    expect(metrics.filter(has_text="Service cases")).to_contain_text("1")
    expect(metrics.filter(has_text="Satisfaction")).to_contain_text("2.0 / 5")
    page.get_by_role("tab", name="Service cases").click()
    expect(page.get_by_role("tabpanel").get_by_test_id("stDataFrame")).to_be_visible()
    assert "account=" in page.url
    screenshot(page, "customers-history")

    zoom_out = _map(page).get_by_role("button", name="Zoom out")
    for _ in range(15):  # out to zoom 8 or less: the whole world of four accounts
        zoom = _zoom(page.url)
        if zoom is not None and zoom <= 8:
            break
        zoom_out.click()
        try:  # the page follows the map into the URL; a click during a rerun may be lost
            page.wait_for_function(_ZOOM_BELOW, arg=zoom or 99, timeout=5_000)
        except PlaywrightTimeout:
            continue
    assert _zoom(page.url) <= 8
    expect(page.get_by_text("4 accounts in view, counted in")).to_be_visible(timeout=30_000)
    expect(_map(page).locator("path.leaflet-interactive:not([fill='none'])").first).to_be_visible()
    screenshot(page, "customers-zoomed-out")
    assert page.blocked == []  # nothing was asked of a CDN or a tile server


def _zoom(url: str) -> int | None:
    """The zoom of the view in the page's URL (``at=lat,lon,zoom``)."""
    at = parse_qs(urlsplit(url).query).get("at")
    return int(at[0].split(",")[2]) if at else None
