"""The base map layer on every Folium map: vector tiles drawn by Leaflet.VectorGrid from
the app's own copy (no CDN), the tile URL taking the page's host; an online raster URL
still works; the asset check of ``maps.offline`` knows the plugin."""

import pytest

from dashboards import basemap_layer, maps

VECTOR = "//{hostname}:8502/tiles/{z}/{x}/{y}.pbf"


def test_a_vector_tile_url_puts_the_base_map_under_the_map_from_local_assets():
    html = maps.base_map((-76, 39, -75, 40), tiles=VECTOR,
                         attribution="© OpenStreetMap contributors").get_root().render()
    assert '<script src="/app/static/vendor/leaflet.vectorgrid/' \
           'Leaflet.VectorGrid.bundled.min.js"></script>' in html
    assert "L.vectorGrid.protobuf" in html and '"//{hostname}:8502/tiles/{z}/{x}/{y}.pbf"' in html
    assert "hostname: window.location.hostname" in html  # the page's host fills it in
    assert "gcrmBaseNames" in html  # names in a pane above the data
    assert "OpenStreetMap contributors" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_an_online_raster_url_is_still_a_tile_layer_and_no_url_draws_no_base_map():
    raster = maps.base_map(tiles="https://tile.example.org/{z}/{x}/{y}.png",
                           attribution="Example").get_root().render()
    assert "L.tileLayer" in raster and "vectorGrid" not in raster
    bare = maps.base_map().get_root().render()
    assert "vectorGrid" not in bare and "L.tileLayer" not in bare


def test_only_vector_urls_make_a_vector_layer():
    assert basemap_layer.is_vector(VECTOR)
    assert basemap_layer.is_vector("https://maps.example.org/tiles/{z}/{x}/{y}.mvt?key=1")
    assert not basemap_layer.is_vector("https://tile.example.org/{z}/{x}/{y}.png")
    assert not basemap_layer.is_vector(None)
    with pytest.raises(ValueError, match="not a vector tile URL"):
        basemap_layer.vector_tiles("https://tile.example.org/{z}/{x}/{y}.png")
