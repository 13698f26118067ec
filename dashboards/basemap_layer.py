"""The base map under every map: gcrm's vector tiles drawn by Leaflet.VectorGrid (from
npm, served by the app: no CDN), a pure Folium element (no ``st.*``).

Two grids share the tiles: the ground (water, buildings, roads) under every other layer,
and the names (towns, street names at street zoom) in a pane above the data so a
choropleth never hides them. The tile URL template may hold ``{hostname}``: the browser
fills in the host it loaded the page from (the tile endpoint runs beside the dashboard on
its own port).
"""

from __future__ import annotations

import json

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

VECTORGRID_JS = "/app/static/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"
VECTOR_SUFFIXES = (".pbf", ".mvt")

# Colours: land cream, water blue, buildings light, roads white (major, with a grey casing) to grey
# (minor), names dark with a white halo.
LAND = "#f2efe9"
STYLE = {
    "water": "#a9d3f2", "water_line": "#78b4e3", "building": "#ddd5cb",
    "building_line": "#c9bdaf", "major": "#ffffff", "casing": "#9a9a9a", "minor": "#ffffff",
    "minor_casing": "#b9b9b9", "path": "#c8c8c8", "label": "#2b2b2b", "halo": "#ffffff",
}
MAJOR = ("motorway", "trunk", "primary", "secondary")


def is_vector(tiles: str | None) -> bool:
    """Whether a tile URL template points at vector tiles (``.pbf``/``.mvt``)."""
    return bool(tiles) and tiles.split("?", 1)[0].endswith(VECTOR_SUFFIXES)


class VectorBaseMap(JSCSSMixin, MacroElement):
    """Leaflet.VectorGrid layers drawing gcrm's base map tiles from ``url``."""

    default_js = [("leaflet_vectorgrid", VECTORGRID_JS)]

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            if (!L.vectorGrid) { return; }
            map.getContainer().style.background = {{ this.land_json }};  // the land
            var S = {{ this.style_json }}, MAJOR = {{ this.major_json }};
            if (!map.getPane('gcrmBaseNames')) {
                var pane = map.createPane('gcrmBaseNames');
                pane.style.zIndex = 450;
                pane.style.pointerEvents = 'none';
            }
            function esc(t) {
                return String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;')
                                .replace(/>/g, '&gt;').replace(/"/g, '&quot;');
            }
            function label(text, size, weight, style) {
                var w = Math.ceil(String(text).length * size * 0.62) + 10, h = size + 8;
                var svg = '<svg xmlns="http://www.w3.org/2000/svg" width="' + w +
                    '" height="' + h + '"><text x="50%" y="50%" dominant-baseline="central"' +
                    ' text-anchor="middle" font-family="sans-serif" font-size="' + size +
                    '" font-weight="' + weight + '" font-style="' + style + '" fill="' +
                    S.label + '" stroke="' + S.halo + '" stroke-width="3" ' +
                    'paint-order="stroke" stroke-linejoin="round">' + esc(text) +
                    '</text></svg>';
                return L.icon({iconUrl: 'data:image/svg+xml;charset=utf-8,' +
                               encodeURIComponent(svg), iconSize: [w, h]});
            }
            function width(kind, z) {
                var major = MAJOR.indexOf(kind) >= 0 || kind.indexOf('motorway') === 0 ||
                            kind.indexOf('trunk') === 0;
                var w = major ? 1 + Math.max(0, z - 8) * 0.6 : Math.max(0.6, (z - 11) * 0.7);
                return {major: major, w: Math.min(w, 9)};
            }
            var hide = function() { return []; };
            var ground = {
                water: function(p, z) {
                    return {fill: true, fillColor: S.water, fillOpacity: 1, color: S.water_line,
                            weight: 1, opacity: 1};
                },
                buildings: function(p, z) {
                    return {fill: true, fillColor: S.building, fillOpacity: 1,
                            color: S.building_line, weight: 0.5, opacity: 1};
                },
                roads: function(p, z) {
                    var kind = p.kind || '', s = width(kind, z);
                    if (['footway', 'path', 'cycleway', 'steps', 'track', 'bridleway']
                            .indexOf(kind) >= 0) {
                        return {color: S.path, weight: 1, opacity: 1, dashArray: '2,2'};
                    }
                    return [{color: s.major ? S.casing : S.minor_casing, weight: s.w + 1.5,
                             opacity: 1, lineCap: 'round'},
                            {color: s.major ? S.major : S.minor, weight: s.w, opacity: 1,
                             lineCap: 'round'}];
                },
                places: hide, road_names: hide
            };
            var names = {
                water: hide, buildings: hide, roads: hide,
                places: function(p, z) {
                    if (!p.name) { return []; }
                    var size = {city: 15, town: 13, village: 12}[p.kind] || 11;
                    return {icon: label(p.name, size, size >= 13 ? 'bold' : 'normal', 'normal')};
                },
                road_names: function(p, z) {
                    return p.name ? {icon: label(p.name, 10, 'normal', 'italic')} : [];
                }
            };
            var options = {
                hostname: window.location.hostname || 'localhost',
                rendererFactory: L.svg.tile, interactive: false, maxNativeZoom: 18,
                maxZoom: 22, keepBuffer: 1
            };
            var url = {{ this.url_json }};
            L.vectorGrid.protobuf(url, L.extend({}, options, {
                vectorTileLayerStyles: ground, attribution: {{ this.attribution_json }},
                className: 'gcrm-basemap'
            })).addTo(map);
            L.vectorGrid.protobuf(url, L.extend({}, options, {
                vectorTileLayerStyles: names, pane: 'gcrmBaseNames',
                className: 'gcrm-basemap-names'
            })).addTo(map);
        })();
        {% endmacro %}
    """)

    def __init__(self, url: str, *, attribution: str | None = None) -> None:
        super().__init__()
        self._name = "VectorBaseMap"
        self.url_json = json.dumps(url)
        self.attribution_json = json.dumps(attribution or "")
        self.style_json = json.dumps(STYLE)
        self.land_json = json.dumps(LAND)
        self.major_json = json.dumps(MAJOR)


def vector_tiles(url: str, *, attribution: str | None = None) -> VectorBaseMap:
    """The base map layer for ``url`` (``.../{z}/{x}/{y}.pbf``, may hold ``{hostname}``)."""
    if not is_vector(url):
        raise ValueError(f"{url!r} is not a vector tile URL (it should end in .pbf or .mvt).")
    return VectorBaseMap(url, attribution=attribution)
