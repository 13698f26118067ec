"""The report's choropleth on a matplotlib Axes: sub-regions coloured by the measure in a
local metric projection, the region's outline, the base map underneath when loaded, and a
legend of the classes."""

from __future__ import annotations

import geopandas as gpd
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.patheffects import Stroke

from gcrm.report import format as fmt
from gcrm.report.classes import NO_DATA, Classes, classify
from gcrm.report.content import Page
from spatial.crs import local_metric_crs

WATER, ROAD, PLACE = "#b3d4ea", "#8c8c8c", "#333333"
LEGEND_AT = (0.49, 0.635)  # upper left corner of the legend, in figure coordinates


def draw(ax: Axes, page: Page, base: gpd.GeoDataFrame | None = None, *,
         scheme: str = "quantiles", k: int = 5) -> Classes:
    """Draw ``page``'s map on ``ax``; returns the classes its legend shows."""
    ax.set_axis_off()
    areas = page.areas[~page.areas.geometry.isna()]
    if areas.empty:
        ax.text(0.5, 0.5, "No areas with data you may see for this period.",
                ha="center", va="center", transform=ax.transAxes, color="#555555")
        return Classes((), (), ())
    crs = local_metric_crs(areas)
    areas = areas.to_crs(crs)
    west, south, east, north = areas.total_bounds
    span = max(east - west, north - south)
    areas = areas.assign(geometry=areas.geometry.simplify(span / 3000, preserve_topology=True))
    classes = classify(areas[page.measure], unit=page.unit, k=k, scheme=scheme)
    colors = [classes.color(v) for v in areas[page.measure]]
    if base is not None:
        _under(ax, base.to_crs(crs))
    areas.plot(ax=ax, color=colors, edgecolor="white", linewidth=0.6,
               alpha=0.85 if base is not None else 1.0, zorder=2)
    if not page.outline.empty:
        page.outline.to_crs(crs).boundary.plot(ax=ax, color="#222222", linewidth=1.2,
                                               zorder=4)
    if base is not None:
        _over(ax, base.to_crs(crs), span)
    pad = span * 0.03
    ax.set_xlim(west - pad, east + pad)
    ax.set_ylim(south - pad, north + pad)
    ax.set_aspect("equal")
    _legend(ax, page, classes, has_missing=any(c == NO_DATA for c in colors))
    return classes


def _under(ax: Axes, base: gpd.GeoDataFrame) -> None:
    water = base[(base["layer"] == "water") & base.geom_type.isin(["Polygon", "MultiPolygon"])]
    if len(water):
        water.plot(ax=ax, color=WATER, linewidth=0, zorder=1)


def _over(ax: Axes, base: gpd.GeoDataFrame, span: float) -> None:
    lines = base[base.geom_type.isin(["LineString", "MultiLineString"])]
    roads = lines[lines["layer"] == "roads"]
    major = roads["kind"].isin(["motorway", "trunk", "primary", "secondary"])
    for part, width in ((roads[~major], 0.25), (roads[major], 0.6)):
        if len(part):
            part.plot(ax=ax, color=ROAD, linewidth=width, alpha=0.8, zorder=3)
    rivers = lines[lines["layer"] == "water"]
    if len(rivers):
        rivers.plot(ax=ax, color=WATER, linewidth=0.6, zorder=3)
    places = base[(base["layer"] == "places") & (base.geom_type == "Point")]
    if len(places):
        ranked = places.assign(rank=places["kind"].map(
            {"city": 0, "town": 1}).fillna(2)).sort_values(["rank", "name"])
        ranked = ranked[(ranked["rank"] < 2) & ranked["name"].notna()]
        shown: list = []
        for point, name in zip(ranked.geometry, ranked["name"], strict=True):
            # A map, not a gazetteer: the largest places, none crowding another.
            if len(shown) >= 12 or any(point.distance(p) < span / 12 for p in shown):
                continue
            shown.append(point)
            ax.plot(point.x, point.y, "o", ms=2.5, color=PLACE, zorder=5)
            # A white halo (drawn as outlines), then the name as text a PDF reader finds.
            for effects, z in (([Stroke(linewidth=2, foreground="white")], 5), (None, 6)):
                ax.annotate(str(name), (point.x, point.y), xytext=(3, 3),
                            textcoords="offset points", fontsize=6.5, color=PLACE,
                            zorder=z, path_effects=effects)


def _legend(ax: Axes, page: Page, classes: Classes, *, has_missing: bool) -> None:
    handles = [Patch(facecolor=c, edgecolor="#999999", label=label)
               for c, label in zip(classes.colors, classes.labels, strict=True)]
    if has_missing:
        handles.append(Patch(facecolor=NO_DATA, edgecolor="#999999", label="no data"))
    title = fmt.label(page.measure)
    if page.unit not in ("currency", "share") and page.unit != page.measure:
        title += f" ({page.unit})"
    # In its own column right of the map (figure coordinates): it never covers an area.
    ax.legend(handles=handles, title=title, loc="upper left", bbox_to_anchor=LEGEND_AT,
              bbox_transform=ax.figure.transFigure, fontsize=8, title_fontsize=8.5,
              frameon=False, borderaxespad=0, alignment="left")
