"""The map builders: what the browser will be sent, checked as HTML (no browser needed)."""

import json
import re

import folium
import geopandas as gpd
import pandas as pd
import pytest
from folium.plugins import MarkerCluster
from shapely.geometry import box

from dashboards import maps


@pytest.fixture
def counties():
    return gpd.GeoDataFrame(
        {"code": ["C1", "C2", "C3", "C4"], "name": ["One", "Two", "Three", "Four"],
         "revenue": [10.0, 20.0, 1000.0, None]},
        geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs=4326)


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_a_choropleth_loads_every_asset_from_the_app_itself(counties):
    m, _ = maps.choropleth(counties, "revenue", label="Revenue", unit="currency")
    html = m.get_root().render()
    assets = _assets(html)
    assert any(a.endswith("leaflet/leaflet.js") for a in assets)
    assert assets and all(a.startswith("/app/static/vendor/") for a in assets)
    assert "cdn" not in html and "tile.openstreetmap" not in html  # no base tiles either


def test_each_region_is_drawn_with_its_class_colour_and_no_data_in_grey(counties):
    m, classes = maps.choropleth(counties, "revenue", label="Revenue", unit="currency",
                                 k=3)
    html = m.get_root().render()
    layer = next(c for c in m._children.values() if isinstance(c, folium.GeoJson))
    features = layer.data
    compact = html.replace(" ", "")
    assert all(f'"code":"{c}"' in compact for c in ("C1", "C2", "C3", "C4"))  # all drawn
    fills = {f["properties"]["code"]: f["properties"]["fill"] for f in features["features"]}
    assert fills["C4"] == maps.NO_DATA
    assert fills["C1"] == classes.colors[0] and fills["C3"] == classes.colors[-1]
    values = {f["properties"]["code"]: f["properties"]["value"]
              for f in features["features"]}
    assert values == {"C1": "$10.00", "C2": "$20.00", "C3": "$1.0k", "C4": "no data"}
    # The legend names every class, the top one ending at the largest value.
    assert "Revenue ($)" in html and "$1.0k" in html and "no data" in html


def test_natural_breaks_separate_an_outlier():
    values = pd.Series([1, 2, 2, 3, 3, 3, 50, 51, 500])
    quantile = maps.classify(values, scheme="quantiles", k=3)
    jenks = maps.classify(values, scheme="natural_breaks", k=3)
    assert jenks.bounds[-1] == 500 and jenks.bounds[0] == 3
    assert quantile.bounds != jenks.bounds
    with pytest.raises(ValueError, match="choose from quantiles"):
        maps.classify(values, scheme="rainbow")


def test_a_plugin_without_a_local_copy_is_refused_not_fetched_from_a_cdn():
    m = maps.base_map((0, 0, 1, 1))
    MarkerCluster().add_to(m)
    with pytest.raises(ValueError, match="has no local copy"):
        maps.offline(m)


def test_values_read_like_a_person_wrote_them():
    assert maps.format_value(1_234_567, "currency") == "$1.2M"
    assert maps.format_value(0.1234, "share") == "12.3%"
    assert maps.format_value(4200, "customers") == "4,200"
    assert maps.format_value(3.456, "score 1-5") == "3.46"
    assert maps.format_value(float("nan"), "currency") == "no data"


def test_an_account_layer_draws_one_shape_per_row_and_escapes_names():
    accounts = pd.DataFrame({"id": [7, 8], "name": ["<b>Ann</b>", "Bo"],
                             "status": ["customer", "prospect"], "lon": [-79.5, -79.4],
                             "lat": [41.5, 41.6]})
    m = maps.base_map((-80, 41, -79, 42))
    maps.account_layer("accounts", accounts).add_to(m)
    html = m.get_root().render()
    dots = json.loads(re.search(r"(\[\[.*?\]\])\.forEach", html).group(1))
    assert [d[:2] for d in dots] == [[41.5, -79.5], [41.6, -79.4]]
    assert dots[0][6] == "&lt;b&gt;Ann&lt;/b&gt; · customer · #7"  # escaped: never markup
    assert "<b>Ann</b>" not in html
    assert maps.STATUS_COLORS["prospect"] in html
    cells = pd.DataFrame({"lon": [-79.5], "lat": [41.5], "count": [1234], "customers": [1000],
                          "prospects": [234]})
    layer_html = maps.base_map().add_child(maps.account_layer("clusters", cells))
    assert "1,234 accounts: 1,000 customers, 234 prospects" in layer_html.get_root().render()


def test_outlines_are_drawn_unfilled_and_offline(counties):
    m = maps.outlines(maps.base_map(), counties)
    html = m.get_root().render()
    assert '"fill": false' in html and "Three" in html
    assert all(a.startswith("/app/static/vendor/") for a in _assets(html))


@pytest.mark.parametrize("bounds", [
    (-80.5, 39.7, -74.7, 42.3),  # a state
    (-80.1, 40.4, -79.9, 40.5),  # a city
    (-180, -85, 180, 85),        # the world
])
def test_a_view_of_bounds_is_centred_at_the_closest_zoom_that_shows_them(bounds):
    (lat, lon), z = maps.view_of(bounds)
    assert (lat, lon) == pytest.approx(((bounds[1] + bounds[3]) / 2,
                                        (bounds[0] + bounds[2]) / 2))
    degrees_across = 700 / 256 * 360 / 2 ** z  # 700 pixels of 256-pixel tiles
    assert degrees_across >= bounds[2] - bounds[0]
    assert z == 1 or degrees_across / 2 < bounds[2] - bounds[0]  # one closer would not fit


def test_a_count_legend_steps_in_whole_numbers_and_names_its_unit_once():
    regions = gpd.GeoDataFrame(
        {"code": list("ABCDEFG"), "name": list("ABCDEFG"),
         "customers": [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0]},
        geometry=[box(i, 0, i + 1, 1) for i in range(7)], crs=4326)
    m, classes = maps.choropleth(regions, "customers", label="customers", unit="customers",
                                 k=4)
    assert all(float(b).is_integer() for b in classes.bounds)
    html = m.get_root().render()
    legend = json.loads(re.search(r'div\.innerHTML = ("[^\n]*");', html).group(1))
    spans = re.findall(r"</i>([^<]+)</div>", legend)
    assert spans[-1] == "no data"
    assert all(re.fullmatch(r"(up to )?\d+( – \d+)?", s) for s in spans[:-1]), spans
    assert "<b>customers</b>" in legend and "(customers)" not in legend


def test_legend_keeps_its_corner_free_of_data(counties):
    m, _ = maps.choropleth(counties, "revenue", label="revenue", unit="currency")
    html = m.get_root().render()
    room = rf'"paddingBottomRight":\s*\[\s*{maps.LEGEND_ROOM}'
    assert re.search(room, html), "the map is fitted leaving room for the legend"


def test_accounts_are_drawn_customers_first_so_prospects_and_churned_stay_visible():
    frame = pd.DataFrame({
        "id": [1, 2, 3], "name": ["P", "C", "X"], "status": ["prospect", "customer", "churned"],
        "segment": ["retail"] * 3, "owner": [None] * 3,
        "lon": [-79.5] * 3, "lat": [41.5] * 3})  # all three on one spot
    layer = maps.account_layer("accounts", frame)
    rows = json.loads(next(iter(layer._children.values())).rows)
    assert [r[7] for r in rows] == ["gcrm-customer", "gcrm-prospect", "gcrm-churned"]
    radii = [r[2] for r in rows]
    assert radii == sorted(radii, reverse=True)  # each on top is smaller: rings
    assert [r[4] for r in rows] == [maps.STATUS_COLORS[s]
                                    for s in ("customer", "prospect", "churned")]


def test_a_cluster_counts_every_status():
    frame = pd.DataFrame({"lon": [-79.5], "lat": [41.5], "count": [12], "customers": [7],
                          "prospects": [4], "churned": [1]})
    layer = maps.account_layer("clusters", frame)
    m = folium.Map()
    layer.add_to(m)
    html = m.get_root().render()
    assert "12 accounts: 7 customers, 4 prospects, 1 churned" in html
    assert '"gcrm-cluster"' in html  # its tooltip has no #id: a click on it zooms in


def test_the_status_legend_names_each_status_colour():
    m = folium.Map()
    maps.status_legend(clusters=True).add_to(m)
    html = m.get_root().render()
    for status, color in maps.STATUS_COLORS.items():
        assert f"background:{color}" in html and f"</i>{status}</div>" in html
