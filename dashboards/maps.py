"""Pure Folium map builders: data in, ``folium.Map`` out (no ``st.*``), so their HTML can
be checked without a browser.

Every map loads Leaflet, jQuery and Bootstrap from the app itself (``/app/static/vendor``,
installed from npm by ``make assets``), never from a CDN: maps draw with no internet.
Base tiles are optional (``tiles`` URL template); without them a map still shows the
region outlines and the data.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement, Template

from dashboards import basemap_layer, formatting

VENDOR = "/app/static/vendor"
LOCAL_JS = {
    "leaflet": f"{VENDOR}/leaflet/leaflet.js",
    "jquery": f"{VENDOR}/jquery.min.js",
    "bootstrap": f"{VENDOR}/bootstrap.bundle.min.js",
    "leaflet_vectorgrid": basemap_layer.VECTORGRID_JS,  # the base map's vector tiles
}
LOCAL_CSS = {
    "leaflet_css": f"{VENDOR}/leaflet/leaflet.css",
    "bootstrap_css": f"{VENDOR}/bootstrap.min.css",
}
# Folium's defaults for icon fonts and awesome markers: these maps use none of them.
UNUSED = {"awesome_markers", "glyphicons_css", "awesome_markers_font_css",
          "awesome_markers_css", "awesome_rotate_css"}
# ColorBrewer YlGnBu: sequential and safe for colour-blind readers (and in greyscale).
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494", "#081d58")
NO_DATA = "#d9d9d9"
SCHEMES = {"quantiles": "Quantiles", "natural_breaks": "NaturalBreaks",
           "equal_interval": "EqualInterval"}


@dataclass(frozen=True)
class Classes:
    """A classification of values into colours: upper bounds and their colours."""

    bounds: tuple[float, ...]
    colors: tuple[str, ...]
    scheme: str

    def color(self, value: float | None) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return NO_DATA
        for bound, color in zip(self.bounds, self.colors, strict=True):
            if value <= bound:
                return color
        return self.colors[-1]


def classify(values: pd.Series, *, scheme: str = "quantiles", k: int = 5,
             whole: bool = False) -> Classes:
    """Classes of ``values`` by mapclassify (quantiles, natural breaks, equal interval);
    ``whole``: counts, so the bounds are whole numbers (a legend reads 1 – 4, 5 – 9).

    >>> classify(pd.Series([1, 2, 3, 4, 100]), k=2).bounds
    (3.0, 100.0)
    """
    if scheme not in SCHEMES:
        raise ValueError(f"Unknown classification {scheme!r}; choose from "
                         f"{', '.join(SCHEMES)}.")
    import mapclassify

    known = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    distinct = np.unique(known)
    if len(distinct) == 0:
        return Classes((), (), scheme)
    k = max(1, min(k, len(distinct), len(PALETTE)))
    if k == 1:
        return Classes((float(distinct[-1]),), (PALETTE[2],), scheme)
    bins = getattr(mapclassify, SCHEMES[scheme])(known, k=k).bins
    bounds = tuple(dict.fromkeys(float(b) for b in bins))  # repeated bounds: one class
    if whole:
        bounds = formatting.whole_bounds(bounds)
    return Classes(bounds, _spread(len(bounds)), scheme)


def _spread(n: int) -> tuple[str, ...]:
    """``n`` colours spread over the palette (light to dark)."""
    picks = np.linspace(0, len(PALETTE) - 1, n).round().astype(int)
    return tuple(PALETTE[i] for i in picks)


def base_map(bounds: tuple[float, float, float, float] | None = None, *,
             tiles: str | None = None, attribution: str | None = None,
             center: tuple[float, float] = (0, 0), zoom: int = 6) -> folium.Map:
    """An empty map fitted to ``bounds`` (west, south, east, north), or at ``center``
    (lat, lon) and ``zoom``; local assets only."""
    m = folium.Map(tiles=None, control_scale=True, zoom_start=zoom, location=center)
    if basemap_layer.is_vector(tiles):  # gcrm's own base map (streets, places, water)
        basemap_layer.vector_tiles(tiles, attribution=attribution).add_to(m)
    elif tiles:
        folium.TileLayer(tiles=tiles, attr=attribution or "map tiles", name="base").add_to(m)
    if bounds is not None and all(np.isfinite(bounds)):
        west, south, east, north = bounds
        m.fit_bounds([[south, west], [north, east]])
    return offline(m)


def choropleth(gdf: gpd.GeoDataFrame, measure: str, *, label: str, unit: str,
               scheme: str = "quantiles", k: int = 5, tiles: str | None = None,
               attribution: str | None = None,
               notes: tuple[str, pd.Series] | None = None) -> tuple[folium.Map, Classes]:
    """Regions coloured by ``measure`` with a legend; each region carries its ``code`` and
    ``name`` (a click returns them). ``gdf``: region_id, code, name, ``measure``, geometry
    (EPSG:4326). ``notes``: (label, words by code) added to each region's tooltip."""
    classes = classify(gdf[measure], scheme=scheme, k=k, whole=formatting.is_count(unit))
    shapes = gdf[["code", "name", measure, gdf.geometry.name]].copy()
    shapes["value"] = [format_value(v, unit) for v in shapes[measure]]
    fields, aliases = ["name", "code", "value"], ["Region", "Code", label]
    if notes is not None:
        shapes["note"] = shapes["code"].map(notes[1]).fillna("").to_numpy()
        fields.append("note")
        aliases.append(notes[0])
    shapes["fill"] = [classes.color(v) for v in shapes[measure]]
    shapes = shapes.drop(columns=[measure])
    m = base_map(None, tiles=tiles, attribution=attribution)
    if len(gdf):
        fit(m, tuple(gdf.total_bounds))
    folium.GeoJson(
        json.loads(shapes.to_json()),
        name=label,
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#555555",
                                  "weight": 0.8, "fillOpacity": 0.75},
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields, aliases=aliases),
    ).add_to(m)
    legend(classes, title=formatting.titled(label, unit), unit=unit).add_to(m)
    return offline(m), classes


# Hot spots over a choropleth: red for high, blue for low; outliers lighter and dashed.
HOTSPOT_STYLE = {
    "hot": ("#b2182b", None, "hot: high with its neighbours"),
    "cold": ("#2166ac", None, "cold: low with its neighbours"),
    "HH": ("#b2182b", None, "high among high"),
    "LL": ("#2166ac", None, "low among low"),
    "HL": ("#e66101", "6 4", "high among low"),
    "LH": ("#4dac26", "6 4", "low among high"),
}


def hotspot_layer(m: folium.Map, spots: gpd.GeoDataFrame, *, method: str, note: str
                  ) -> folium.Map:
    """Outline the significant regions of ``spots`` (code, class, geometry) on ``m`` in
    their class's colour, over the choropleth (which keeps its colours, its tooltip and its
    clicks: the outlines take no mouse events), with a legend saying what each colour is
    and what ``note`` (significant) means."""
    shown = spots[spots["class"].isin(HOTSPOT_STYLE)]
    if len(shown):
        shapes = shown[["code", "class", shown.geometry.name]]
        folium.GeoJson(
            json.loads(shapes.to_json()), name="hot spots", interactive=False,
            style_function=lambda f: {
                "fill": False, "color": HOTSPOT_STYLE[f["properties"]["class"]][0],
                "weight": 3.5, "opacity": 0.95,
                "dashArray": HOTSPOT_STYLE[f["properties"]["class"]][1]},
        ).add_to(m)
    classes = ("hot", "cold") if method == "gi" else ("HH", "LL", "HL", "LH")
    rows = [(HOTSPOT_STYLE[c][0], HOTSPOT_STYLE[c][2]) for c in classes]
    _legend_control("Hot spots (outlined)", rows, position="bottomright",
                    css="gcrm-hotspot-legend", note=note).add_to(m)
    return m


# Room kept free of data along the map's right edge for the legend (pixels).
LEGEND_ROOM = 170


def fit(m: folium.Map, bounds: tuple[float, float, float, float]) -> folium.Map:
    """Fit ``m`` to ``bounds`` (west, south, east, north) leaving the legend's corner free,
    so the legend never covers the data."""
    if all(np.isfinite(bounds)):
        west, south, east, north = bounds
        m.fit_bounds([[south, west], [north, east]], padding_top_left=(10, 10),
                     padding_bottom_right=(LEGEND_ROOM, 10))
    return m


def legend(classes: Classes, *, title: str, unit: str,
           position: str = "bottomright") -> MacroElement:
    """A small Leaflet control listing each class's colour and range (and 'no data');
    counts read in whole steps (1 – 4, 5 – 9)."""
    whole = formatting.is_count(unit)
    rows, low = [], None
    for bound, color in zip(classes.bounds, classes.colors, strict=True):
        if low is None:
            span = f"up to {format_value(bound, unit)}"
        elif whole and bound - low <= 1:
            span = format_value(bound, unit)
        else:
            span = f"{format_value(low + 1 if whole else low, unit)} – {format_value(bound, unit)}"
        rows.append((color, span))
        low = bound
    rows.append((NO_DATA, "no data"))
    return _legend_control(title, rows, position=position)


def status_legend(*, clusters: bool = False, position: str = "bottomleft") -> MacroElement:
    """The account map's key: a colour per status (and, zoomed out, what a circle is)."""
    rows = [(color, status) for status, color in STATUS_COLORS.items()]
    if clusters:
        rows.append((CLUSTER_FILL, "accounts counted here (click to zoom in)"))
    return _legend_control("Accounts", rows, position=position, css="gcrm-status-legend")


def _legend_control(title: str, rows: list[tuple[str, str]], *, position: str,
                    css: str = "gcrm-legend", note: str | None = None) -> MacroElement:
    items = "".join(
        f'<div><i style="background:{c};display:inline-block;'
        f'width:11px;height:11px;margin-right:5px;border:1px solid #999;'
        f'vertical-align:-1px"></i>{html.escape(text)}</div>'
        for c, text in rows)
    if note:
        items += f'<div style="margin-top:3px;color:#333">{html.escape(note)}</div>'
    body = (f'<div class="{css}" style="background:rgba(255,255,255,0.88);padding:4px 6px;'
            f'font:11px/1.35 sans-serif;border-radius:4px;box-shadow:0 0 3px #999;'
            f'max-width:{LEGEND_ROOM - 20}px;max-height:40vh;overflow:auto">'
            f'<b>{html.escape(title)}</b>{items}</div>')
    element = MacroElement()
    element._template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: """ + json.dumps(position) + """});
            legend.onAdd = function () {
                var div = L.DomUtil.create('div');
                div.innerHTML = """ + json.dumps(body) + """;
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)
    return element


class _SteadyFocus(MacroElement):
    """Leaflet focuses the map on a click (for its arrow keys), and a browser then scrolls
    the page to show the whole map frame: on a map cut by the bottom of the window the
    page jumped between pressing and releasing the mouse, and the click missed what it
    aimed at. The map still takes focus, without scrolling anything."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (container) {
            var focus = container.focus;
            container.focus = function () { focus.call(container, {preventScroll: true}); };
        })({{ this._parent.get_name() }}.getContainer());
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "SteadyFocus"


def offline(m: folium.Map) -> folium.Map:
    """Point every asset of ``m`` and its plugins at the app's own copies (and keep the
    page still when the map is clicked: ``_SteadyFocus``)."""
    if isinstance(m, folium.Map) and not any(isinstance(c, _SteadyFocus)
                                             for c in m._children.values()):
        _SteadyFocus().add_to(m)
    for element in _walk(m):
        js = getattr(element, "default_js", None)
        css = getattr(element, "default_css", None)
        if js is not None:
            element.default_js = _local(js, LOCAL_JS)
        if css is not None:
            element.default_css = _local(css, LOCAL_CSS)
    return m


def _walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _local(assets: list[tuple[str, str]], local: dict[str, str]) -> list[tuple[str, str]]:
    out = []
    for name, url in assets:
        if name in local:
            out.append((name, local[name]))
        elif name not in UNUSED:
            raise ValueError(f"Map asset {name!r} ({url}) has no local copy: add it to "
                             "dashboards/assets/package.json and dashboards/maps.py.")
    return out


def format_value(value, unit: str) -> str:
    """A value where room is short (legends, tooltips): 1,234,567 / $1.2M / 12.3% / 4.2
    (``dashboards.formatting`` writes them in full elsewhere)."""
    if formatting._missing(value):
        return "no data"
    return formatting.value(value, unit, compact=True)


STATUS_COLORS = {"customer": "#1b7837", "prospect": "#2166ac", "churned": "#b2182b"}
# Drawn in this order, each smaller than the one under it: where a customer, a prospect and
# a churned account share a spot, every colour still shows (as rings), none hides another.
STATUS_ORDER = ("customer", "prospect", "churned")
STATUS_RADIUS = {"customer": 7, "prospect": 5, "churned": 3.5}
CLUSTER_FILL = "#41b6c4"


class _Dots(MacroElement):
    """Circle markers drawn by the browser from one compact array (lat, lon, radius,
    colour, fill colour, fill opacity, tooltip): a few dozen bytes a dot, rendered in one
    step, where a Folium CircleMarker each costs about 700 bytes and a template render."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this.rows }}.forEach(function (r) {
            L.circleMarker([r[0], r[1]], {radius: r[2], weight: 1, color: r[3],
                                          fillColor: r[4], fillOpacity: r[5],
                                          className: r[7] || ''})
             .bindTooltip(r[6]).addTo({{ this._parent.get_name() }});
        });
        {% endmacro %}
    """)

    def __init__(self, rows: list[list]):
        super().__init__()
        self._name = "Dots"
        self.rows = json.dumps(rows, separators=(",", ":"), ensure_ascii=False)


def account_layer(kind: str, frame: pd.DataFrame) -> folium.FeatureGroup:
    """The accounts of a view as one layer: a circle per cell sized by its count, counting
    every status ('clusters'; a click on one comes back to the page, which zooms into it:
    ``dashboards.components.viewport_map``), or a dot per account coloured by
    status ('accounts'), customers drawn first, prospects then churned accounts smaller on
    top, so none hides another. Each tooltip says what it is (an account's ends with its
    id, which a click sends back); each dot's class names its status
    (``gcrm-customer``, ...) or ``gcrm-cluster``."""
    layer = folium.FeatureGroup(name="accounts")
    if frame.empty:
        return layer
    if kind == "clusters":
        churned = (frame["churned"] if "churned" in frame
                   else frame["count"] - frame["customers"] - frame["prospects"])
        rows = [[y, x, round(4 + math.sqrt(n) / 2, 1), "#253494", CLUSTER_FILL, 0.6,
                 cluster_tooltip(n, c, p, ch), "gcrm-cluster"]
                for y, x, n, c, p, ch in zip(frame["lat"].round(6).tolist(),
                                             frame["lon"].round(6).tolist(),
                                             frame["count"].tolist(),
                                             frame["customers"].tolist(),
                                             frame["prospects"].tolist(), churned.tolist(),
                                             strict=True)]
        _Dots(rows).add_to(layer)
        return layer
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    ordered = frame.iloc[frame["status"].map(rank).fillna(len(rank)).argsort(kind="stable")]
    rows = []
    for y, x, name, status, key in zip(ordered["lat"].round(6).tolist(),
                                       ordered["lon"].round(6).tolist(),
                                       ordered["name"].tolist(), ordered["status"].tolist(),
                                       ordered["id"].tolist(), strict=True):
        color = STATUS_COLORS.get(status, "#666666")
        rows.append([y, x, STATUS_RADIUS.get(status, 5), "#ffffff", color, 0.9,
                     f"{html.escape(str(name))} · {status} · #{key}", f"gcrm-{status}"])
    _Dots(rows).add_to(layer)
    return layer


def cluster_tooltip(n: int, customers: int, prospects: int, churned: int) -> str:
    """What a counted cell holds, every status named: "12 accounts: 7 customers, 4
    prospects, 1 churned"."""
    return (f"{formatting.count(n)} account{'' if n == 1 else 's'}: "
            f"{formatting.count(customers)} customer{'' if customers == 1 else 's'}, "
            f"{formatting.count(prospects)} prospect{'' if prospects == 1 else 's'}, "
            f"{formatting.count(churned)} churned")


def outlines(m: folium.Map, gdf: gpd.GeoDataFrame, *, weight: float = 1.0) -> folium.Map:
    """Region outlines (no fill, not clickable) on ``m``: the map's frame of reference when
    no base tiles are configured."""
    if len(gdf):
        folium.GeoJson(gdf.to_json(), name="regions", interactive=False,
                       style_function=lambda _: {"color": "#636363", "weight": weight,
                                                 "fill": False}).add_to(m)
    return offline(m)


def view_of(bounds: tuple[float, float, float, float]) -> tuple[tuple[float, float], int]:
    """The centre (lat, lon) and the web-map zoom that shows ``bounds`` on a map about
    700 pixels wide."""
    west, south, east, north = bounds
    span = max(east - west, (north - south) * 1.4, 1e-6)
    zoom = int(max(1, min(18, math.floor(math.log2(360 * 700 / 256 / span)))))
    return ((south + north) / 2, (west + east) / 2), zoom


def bounds_at(center: tuple[float, float], zoom: int, *, width: int = 700,
              height: int = 560) -> tuple[float, float, float, float]:
    """The (west, south, east, north) a ``width`` x ``height`` pixel web map shows around
    ``center`` (lat, lon) at ``zoom``: the view to read before the browser reports its own."""
    lat, lon = center
    degrees_per_pixel = 360 / 256 / 2 ** zoom
    half_w = width / 2 * degrees_per_pixel
    half_h = height / 2 * degrees_per_pixel * math.cos(math.radians(lat))
    return (max(lon - half_w, -180.0), max(lat - half_h, -85.0), min(lon + half_w, 180.0),
            min(lat + half_h, 85.0))


# Okabe-Ito, then Tol's muted: distinguishable for colour-blind readers, 16 territories.
TERRITORY_COLORS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
                    "#CC79A7", "#999999", "#332288", "#88CCEE", "#44AA99", "#117733",
                    "#DDCC77", "#CC6677", "#AA4499", "#882255")


def territory_colors(codes) -> dict[str, str]:
    """Each territory's colour on the map (and in its legend), by sorted code."""
    ordered = sorted(set(codes))
    return {c: TERRITORY_COLORS[i % len(TERRITORY_COLORS)] for i, c in enumerate(ordered)}


def territory_map(areas: gpd.GeoDataFrame, homes: pd.DataFrame, *,
                  selected: str | None = None, tiles: str | None = None,
                  attribution: str | None = None) -> folium.Map:
    """Areas coloured by territory (``territory`` column), the selected area outlined, and
    each rep's home as a labelled dot. Each area carries its ``code`` (a click returns
    it)."""
    color = territory_colors(areas["territory"])
    shapes = areas[["code", "name", "territory", "rep", areas.geometry.name]].copy()
    shapes["fill"] = shapes["territory"].map(color)
    shapes["rep"] = shapes["rep"].fillna("no rep")
    m = base_map(tuple(areas.total_bounds) if len(areas) else None, tiles=tiles,
                 attribution=attribution)
    folium.GeoJson(
        json.loads(shapes.to_json()), name="territories",
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"], "fillOpacity": 0.7,
            "color": "#000000" if f["properties"]["code"] == selected else "#555555",
            "weight": 3 if f["properties"]["code"] == selected else 0.5},
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(["code", "name", "territory", "rep"],
                                      aliases=["Area", "Name", "Territory", "Rep"]),
    ).add_to(m)
    for row in homes.dropna(subset=["lon", "lat"]).to_dict("records"):
        folium.CircleMarker((row["lat"], row["lon"]), radius=6, weight=2, color="#000000",
                            fill=True, fill_color=color.get(row["territory"], "#ffffff"),
                            fill_opacity=1,
                            tooltip=f"{html.escape(str(row['rep']))} · {row['territory']} "
                                    "(home)").add_to(m)
    return offline(m)


WHITE_SPACE = "#e7298a"  # ColorBrewer Dark2 magenta: apart from YlGnBu and the site colours
SITE_IDLE = "#bdbdbd"  # a site outside the build


def site_colors(codes) -> dict[str, str]:
    """A colour per site code (the same site keeps its colour in every build)."""
    return {c: TERRITORY_COLORS[i % len(TERRITORY_COLORS)]
            for i, c in enumerate(sorted(set(codes)))}


def trade_area_map(areas: gpd.GeoDataFrame, sites: pd.DataFrame,
                   penetration: gpd.GeoDataFrame | None = None, *, level: str = "region",
                   tiles: str | None = None, attribution: str | None = None) -> folium.Map:
    """Trade areas coloured by site, each band a nested outline (the smallest solid and
    thickest); the sites as dots with their attractiveness; under them, when given,
    penetration by region (``penetration``: code, name, potential, customers, penetration,
    gap, white_space, geometry) and the white space as its own highlighted layer. A layer
    control toggles the four. Every drawn shape carries a class naming its layer
    (``gcrm-trade-area``, ``gcrm-site``, ``gcrm-penetration``, ``gcrm-white-space``)."""
    color = site_colors(sites["site"]) if len(sites) else site_colors(areas["site"])
    bounds = tuple(areas.total_bounds) if len(areas) else (
        tuple(penetration.total_bounds) if penetration is not None and len(penetration)
        else None)
    m = base_map(None, tiles=tiles, attribution=attribution)
    if bounds is not None:
        fit(m, bounds)
    if penetration is not None and len(penetration):
        choropleth_layer, white_layer, classes = _penetration_layers(penetration, level)
        choropleth_layer.add_to(m)
        white_layer.add_to(m)
        legend(classes, title=f"Penetration by {level} (customers per household)",
               unit="share").add_to(m)
    if len(areas):
        _trade_area_layer(areas, color).add_to(m)
    dots = folium.FeatureGroup(name="sites")
    built = set(areas["site"]) if len(areas) else set()
    for row in sites.dropna(subset=["lon", "lat"]).to_dict("records"):
        inside = row["site"] in built
        folium.CircleMarker(
            (row["lat"], row["lon"]), radius=7 if inside else 5, weight=2,
            color="#000000" if inside else "#757575", fill=True, fill_opacity=1,
            fill_color=color.get(row["site"], SITE_IDLE) if inside else SITE_IDLE,
            class_name="gcrm-site",
            tooltip=f"{html.escape(str(row['site']))} · {html.escape(str(row['name']))} · "
                    f"attractiveness {format_value(row['attractiveness'], 'number')}"
                    + ("" if inside else " (not in these trade areas)"),
        ).add_to(dots)
    dots.add_to(m)
    # Folded into a button (opened by hovering it): open, the box covered the areas.
    folium.LayerControl(collapsed=True).add_to(m)
    return offline(m)


def _trade_area_layer(areas: gpd.GeoDataFrame, color: dict[str, str]) -> folium.FeatureGroup:
    shapes = areas[["site", "site_name", "band", areas.geometry.name]].copy()
    # Bands from the smallest (0) outwards, per site; the largest drawn first, underneath.
    shapes["rank"] = areas.groupby("site")["area_km2"].rank(method="first").astype(int) - 1
    shapes["stroke"] = shapes["site"].map(color)
    for column, unit in (("customers", "number"), ("prospects", "number"),
                         ("households", "number"), ("penetration", "share")):
        shapes[column] = [format_value(v, unit) for v in areas[column]]
    shapes = shapes.iloc[areas["area_km2"].fillna(0).to_numpy().argsort()[::-1]]
    layer = folium.FeatureGroup(name="trade areas")
    folium.GeoJson(
        json.loads(shapes.to_json()), name="trade areas",
        style_function=lambda f: {
            "color": f["properties"]["stroke"], "fillColor": f["properties"]["stroke"],
            "fillOpacity": 0.12, "weight": 3 if f["properties"]["rank"] == 0 else 1.5,
            "dashArray": None if f["properties"]["rank"] == 0 else "6 4",
            "className": "gcrm-trade-area"},
        highlight_function=lambda f: {"weight": 4, "fillOpacity": 0.25},
        tooltip=folium.GeoJsonTooltip(
            ["site", "site_name", "band", "customers", "prospects", "households",
             "penetration"],
            aliases=["Site", "Name", "Band", "Customers", "Prospects", "Households",
                     "Penetration"]),
    ).add_to(layer)
    return layer


def _penetration_layers(penetration: gpd.GeoDataFrame, level: str):
    """The penetration choropleth and the white space, as two layers, and the classes."""
    classes = classify(penetration["penetration"])
    shapes = penetration[["code", "name", penetration.geometry.name]].copy()
    shapes["fill"] = [classes.color(v) for v in penetration["penetration"]]
    for column, unit in (("potential", "number"), ("customers", "number"),
                         ("penetration", "share"), ("gap", "number")):
        shapes[column] = [format_value(round(v) if unit == "number" and pd.notna(v) else v,
                                       unit) for v in penetration[column]]
    fields = ["name", "code", "potential", "customers", "penetration", "gap"]
    aliases = [level.capitalize(), "Code", "Households", "Customers", "Penetration",
               "Gap (customers)"]
    choropleth_layer = folium.FeatureGroup(name=f"penetration by {level}")
    folium.GeoJson(
        json.loads(shapes.to_json()), name=f"penetration by {level}",
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#888888",
                                  "weight": 0.5, "fillOpacity": 0.45,
                                  "className": "gcrm-penetration"},
        tooltip=folium.GeoJsonTooltip(fields, aliases=aliases),
    ).add_to(choropleth_layer)
    white = shapes[penetration["white_space"].fillna(False).to_numpy(dtype=bool)]
    white_layer = folium.FeatureGroup(name="white space")
    if len(white):
        folium.GeoJson(
            json.loads(white.to_json()), name="white space",
            style_function=lambda f: {"fillColor": WHITE_SPACE, "color": WHITE_SPACE,
                                      "weight": 2.5, "fillOpacity": 0.45,
                                      "className": "gcrm-white-space"},
            tooltip=folium.GeoJsonTooltip(fields, aliases=aliases),
        ).add_to(white_layer)
    return choropleth_layer, white_layer, classes


def visit_route_map(routes: pd.DataFrame, stops: pd.DataFrame, *, tiles: str | None = None,
                    attribution: str | None = None) -> folium.Map:
    """Each rep's day in its colour: home (a square), the stops numbered in order and the
    drive along the roads (``leg``, ``home_leg``). Where a leg is not given (a reader
    without personal data, whose stops sit on the ~1 km grid) the stops are joined by thin
    dashed straight lines, which say only the order."""
    color = territory_colors(routes["rep"])
    points = [(r.home_lon, r.home_lat) for r in routes.itertuples()]
    points += list(zip(stops["lon"], stops["lat"], strict=True))
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    bounds = None
    if points:  # with a margin, so no stop sits on the map's edge
        pad = max(max(lons) - min(lons), max(lats) - min(lats), 0.005) * 0.08
        bounds = (min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad)
    m = base_map(bounds, tiles=tiles, attribution=attribution)
    for route in routes.itertuples():
        tint = color[route.rep]
        day = stops[stops["rep"] == route.rep].sort_values("seq")
        layer = folium.FeatureGroup(name=f"{route.rep_name} ({route.rep})")
        home = (route.home_lat, route.home_lon)
        legs = [*day["leg"], route.home_leg]
        if all(leg is not None for leg in legs) and len(day):
            for leg in legs:
                folium.PolyLine([(y, x) for x, y in leg.coords], color=tint, weight=4,
                                opacity=0.85, class_name="gcrm-route").add_to(layer)
        elif len(day):
            path = [home, *zip(day["lat"], day["lon"], strict=True), home]
            folium.PolyLine(path, color=tint, weight=2, opacity=0.7, dash_array="6 6",
                            class_name="gcrm-route-order").add_to(layer)
        folium.Marker(home, tooltip=f"{html.escape(str(route.rep_name))} (home)",
                      icon=folium.DivIcon(html=_square(tint), icon_size=(14, 14),
                                          icon_anchor=(7, 7))).add_to(layer)
        for stop in day.itertuples():
            words = (f"{stop.seq}. {html.escape(str(stop.name or ''))}<br>"
                     f"{html.escape(str(stop.address or ''))}<br>arrive "
                     f"{formatting.clock(stop.arrive)}, visit {formatting.clock(stop.start)}"
                     f"-{formatting.clock(stop.depart)}")
            folium.Marker((stop.lat, stop.lon), tooltip=words,
                          icon=folium.DivIcon(html=_numbered(stop.seq, tint),
                                              icon_size=(22, 22), icon_anchor=(11, 11))
                          ).add_to(layer)
        layer.add_to(m)
    return offline(m)


def _numbered(n: int, color: str) -> str:
    return (f'<div class="gcrm-stop" style="width:22px;height:22px;border-radius:11px;'
            f'background:{color};color:#fff;font:bold 11px/22px sans-serif;'
            f'text-align:center;border:1.5px solid #fff;box-shadow:0 0 2px #000">{n}</div>')


def _square(color: str) -> str:
    return (f'<div class="gcrm-home" style="width:14px;height:14px;background:#000;'
            f'border:3px solid {color}"></div>')
