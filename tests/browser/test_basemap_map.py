"""The base map in a real Chromium with no network beyond this machine: the Customers map
draws streets and town names from gcrm's own vector tiles (served beside the dashboard),
and typing a ZIP code in the place search moves the map there."""

from __future__ import annotations

import json

from conftest import screenshot, settled
from playwright.sync_api import expect

from gcrm import basemap
from gcrm.geocoding.reference import load_reference

# Streets and towns beside the test world's accounts (Annabel at 41.5, -79.5; Cordelia at
# 40.5, -79.0), as a GeoJSON a user could load.
FEATURES = [
    ("roads", "residential", "Elm Street", {"type": "LineString",
                                            "coordinates": [[-79.51, 41.5], [-79.49, 41.5]]}),
    ("roads", "primary", "North Road", {"type": "LineString",
                                        "coordinates": [[-79.5, 41.49], [-79.5, 41.51]]}),
    ("places", "town", "Northtown", {"type": "Point", "coordinates": [-79.497, 41.503]}),
    ("roads", "residential", "Pine Road", {"type": "LineString",
                                           "coordinates": [[-79.01, 40.5], [-78.99, 40.5]]}),
]
_AT_NEAR = """([lat, lon]) => {
    const at = new URLSearchParams(location.search).get('at');
    if (!at) return false;
    const [a, b] = at.split(',').map(Number);
    return Math.abs(a - lat) < 0.05 && Math.abs(b - lon) < 0.05;
}"""


def _load_basemap(engine, folder):
    path = folder / "streets.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"layer": layer, "kind": kind, "name": name},
         "geometry": geometry} for layer, kind, name, geometry in FEATURES]}))
    basemap.load(path, name="test streets", attribution="test streets", engine=engine)
    postcodes = folder / "postcodes.csv"
    postcodes.write_text("code,city,region,population,lat,lon\n"
                         "11111,Northtown,NN,5000,41.5,-79.5\n"
                         "22221,Southville,SS,9000,40.5,-79.0\n")
    load_reference("postcodes", postcodes, engine=engine)


def test_the_map_draws_streets_from_tiles_and_a_zip_search_moves_it(people, dashboard, page,
                                                                      tmp_path):
    _load_basemap(people, tmp_path)
    tiles: list[str] = []
    page.on("request", lambda r: tiles.append(r.url) if "/tiles/" in r.url else None)
    page.goto(f"{dashboard}/customers?at=41.5,-79.5,15")
    page.get_by_role("textbox", name="Username").fill("ada")
    page.get_by_role("textbox", name="Password").fill("admin password 1")
    page.get_by_role("button", name="Sign in").click()
    heading = page.get_by_role("heading", name="Customers & prospects")
    expect(heading).to_be_visible(timeout=30_000)
    the_map = page.frame_locator("iframe[title*='st_folium']")
    # The ground: Elm Street and North Road drawn (a white line over a grey casing, in
    # each tile they cross).
    roads = the_map.locator(".gcrm-basemap path[stroke='#ffffff']")
    expect(roads.first).to_be_attached(timeout=30_000)
    # The names above the data: Northtown's label (drawn whole across the tiles it spans).
    expect(the_map.locator(".gcrm-basemap-names image[href*='Northtown']").first
           ).to_be_attached()
    expect(the_map.get_by_text("test streets")).to_be_visible()  # the attribution
    assert any("/tiles/15/" in url for url in tiles)  # from gcrm's tile endpoint
    screenshot(page, "basemap-customers")

    settled(page)
    tiles.clear()
    search = page.get_by_placeholder("Go to a town or ZIP code")
    search.fill("22221")
    search.press("Enter")
    expect(page.get_by_text("Showing 22221 Southville (ZIP code).")).to_be_visible()
    page.wait_for_function(_AT_NEAR, arg=[40.5, -79.0])  # the map went there (in the link too)
    # The base map's tiles of Southville were asked for, and its street is drawn.
    expect(roads.first).to_be_attached()
    z = int(page.url.split("%2C")[-1]) if "%2C" in page.url else 14
    wanted = {f"/tiles/{z}/{x}/{y}.pbf" for z, x, y in basemap.tiles_covering(
        (-79.0001, 40.4999, -78.9999, 40.5001), z)}
    assert any(url.endswith(tuple(wanted)) for url in tiles), (wanted, tiles[:5])
    screenshot(page, "basemap-place-search")
    assert page.blocked == []  # nothing asked of a CDN or an online tile server
