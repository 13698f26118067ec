"""The Overview map in a real Chromium, with no network beyond this machine: the region
polygons draw, and a click on one drills into its counties."""

from conftest import go_to, screenshot
from playwright.sync_api import expect

from gcrm import cube


def _sign_in(page, url, username, password):
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible(timeout=30_000)


# In the map's frame: the two shapes drawn sit side by side (N1 west of N2).
_SIDE_BY_SIDE = """() => {
    const frame = [...document.querySelectorAll('iframe')].find(f => f.title.includes('st_folium'));
    const paths = frame
        ? [...frame.contentDocument.querySelectorAll('path.leaflet-interactive')] : [];
    if (paths.length !== 2) return false;
    const [a, b] = paths.map(p => p.getBoundingClientRect());
    return Math.abs(a.top - b.top) < 5 && Math.abs(a.left - b.left) > 50;
}"""


def _map(page):
    return page.frame_locator("iframe[title*='st_folium']")


def test_the_overview_map_draws_the_states_and_a_click_drills_into_one(dashboard, page,
                                                                       people):
    cube.build(engine=people)
    _sign_in(page, dashboard, "ada", "admin password 1")
    go_to(page, "Overview")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    regions = _map(page).locator("path.leaflet-interactive")
    expect(regions).to_have_count(2)  # North and South
    expect(_map(page).get_by_text("no data")).to_be_visible()  # the legend
    screenshot(page, "overview-states")

    box = regions.first.bounding_box()
    assert box is not None and box["width"] > 20  # drawn, with a size on screen
    # Click North (the upper polygon): the page drills into its two counties.
    upper = min(range(2), key=lambda i: regions.nth(i).bounding_box()["y"])
    regions.nth(upper).click()
    expect(page.get_by_role("button", name="› North")).to_be_visible()
    expect(page.get_by_text("Revenue by county")).to_be_visible()
    counties = _map(page).locator("path.leaflet-interactive")
    expect(counties).to_have_count(2)  # N1 and N2, side by side where states were stacked
    page.wait_for_function(_SIDE_BY_SIDE, arg=None, timeout=30_000)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("$350.00")  # its revenue
    assert "region=state%3AN" in page.url or "region=state:N" in page.url
    screenshot(page, "overview-north")
    assert page.blocked == []  # nothing was asked of a CDN or a tile server


def test_each_change_of_the_measure_takes(dashboard, page, people):
    """The measure box keeps one identity: change it again and again, and each choice is
    the one drawn (an unkeyed box whose index followed the URL became a new widget on each
    change, and the old one could answer the next click)."""
    from conftest import settled

    cube.build(engine=people)
    _sign_in(page, dashboard, "ada", "admin password 1")
    go_to(page, "Overview")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    for measure in ("Customers", "Revenue", "Prospects", "Revenue"):
        settled(page)
        page.get_by_role("combobox", name="Measure", exact=True).click()
        page.keyboard.type(measure)
        page.get_by_role("option", name=measure, exact=True).click()
        expect(page.get_by_text(f"{measure} by state")).to_be_visible(timeout=30_000)
        settled(page)
        expect(page.get_by_role("combobox", name="Measure", exact=True)).to_have_value(measure)
        assert f"measure={measure.lower()}" in page.url
