"""Drive-time trade areas without a database: a routable network from OpenStreetMap ways,
and isochrones (the area reachable within so many minutes) on it."""

from __future__ import annotations

import re
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from spatial.tradearea._geodesy import GEOD, aeqd, describe_metres, project

#: Typical free-flow driving speeds (km/h) by OSM ``highway`` class; a valid ``maxspeed``
#: on a way overrides them. Classes not listed (footway, steps, path, cycleway,
#: pedestrian, track, bridleway, construction, ...) are not drivable.
SPEEDS_KMH: dict[str, float] = {
    "motorway": 100.0, "motorway_link": 80.0,
    "trunk": 80.0, "trunk_link": 65.0,
    "primary": 65.0, "primary_link": 55.0,
    "secondary": 55.0, "secondary_link": 45.0,
    "tertiary": 45.0, "tertiary_link": 40.0,
    "unclassified": 40.0, "residential": 30.0,
    "living_street": 10.0, "service": 15.0,
}

_MPH = 1.609344
_FORWARD = {"yes", "true", "1"}
_BACKWARD = {"-1", "reverse"}
_IMPLIED_ONEWAY_JUNCTIONS = {"roundabout", "circular"}
_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", re.IGNORECASE)


def drive_network(lines: gpd.GeoDataFrame, *, drop_access: Sequence[str] = ("no",)
                  ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A directed drive network from OpenStreetMap ways.

    Ways are noded here (OSM ways are not split at junctions): a vertex becomes a node
    when it ends a way or appears more than once (shared with another way, or a way
    crossing itself at a vertex), compared on coordinates rounded to 1e-9 degree; each
    way is split at its nodes into edges.

    Parameters
    ----------
    lines : GeoDataFrame
        LineStrings (MultiLineStrings are split) with a CRS and a ``highway`` column;
        optional ``oneway`` ("yes"/"true"/"1": along the way, "-1"/"reverse": against
        it, "no" or missing: both ways; roundabouts and motorways are one-way unless
        tagged "no", as OSM implies), ``junction``, ``maxspeed`` ("50", "50 km/h",
        "35 mph"; anything else, e.g. "none" or "signals", keeps the class speed) and
        ``access``.
    drop_access : sequence of str
        ``access`` values that close a way to drivers (default: "no").

    Returns
    -------
    (nodes, edges) : GeoDataFrames in EPSG:4326
        nodes: ``node`` (0 .. n-1), Point geometry. edges: ``source``, ``target`` (node
        ids), ``length_m`` (geodesic, WGS84), ``seconds`` (source to target),
        ``reverse_seconds`` (target to source; ``inf`` on one-way roads), ``highway``,
        LineString geometry from source to target. A way tagged oneway=-1 is stored
        reversed, so every one-way edge runs source -> target: ``seconds`` is always
        finite and positive.

    Raises ValueError without a ``highway`` column or CRS, or when no drivable way
    remains (listing the classes found).
    """
    if not isinstance(lines, gpd.GeoDataFrame):
        raise ValueError(f"the roads must be a GeoDataFrame of LineStrings, not "
                         f"{type(lines).__name__}")
    if "highway" not in lines.columns:
        raise ValueError("the roads need a 'highway' column (the OSM road class: motorway, "
                         f"primary, residential, ...); they have {', '.join(lines.columns)}")
    if lines.crs is None:
        raise ValueError("the roads have no CRS; set one (EPSG:4326 for longitude/latitude)")
    ways = _drivable(lines, drop_access)
    coords, way = _vertices(ways.geometry.to_numpy())
    if len(coords) == 0:
        raise ValueError("no drivable road has two distinct points")

    keys = np.round(coords, 9)
    _, vertex_key, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    vertex_key = vertex_key.ravel()
    first = np.r_[True, way[1:] != way[:-1]]
    last = np.r_[way[1:] != way[:-1], True]
    is_node = first | last | (counts[vertex_key] > 1)
    node_at = np.flatnonzero(is_node)
    node_keys, node_of = np.unique(vertex_key[node_at], return_inverse=True)
    node_xy = coords[node_at[np.unique(node_of, return_index=True)[1]]]

    pair = way[node_at[1:]] == way[node_at[:-1]]  # consecutive nodes on the same way
    start, end = node_at[:-1][pair], node_at[1:][pair]
    source, target = node_of[:-1][pair], node_of[1:][pair]
    step = np.zeros(len(coords))
    same = way[1:] == way[:-1]
    _, _, step[1:][same] = GEOD.inv(coords[:-1, 0][same], coords[:-1, 1][same],
                                    coords[1:, 0][same], coords[1:, 1][same])
    along = np.cumsum(step)
    length = along[end] - along[start]
    size = end - start + 1
    edge_of = np.repeat(np.arange(len(start)), size)
    offset = np.arange(size.sum()) - np.repeat(np.cumsum(size) - size, size)
    geometry = shapely.linestrings(coords[start[edge_of] + offset], indices=edge_of)

    of_way = way[start]
    speed = ways["speed_kmh"].to_numpy()[of_way]
    seconds = np.maximum(length / (speed / 3.6), 1e-3)
    reverse = np.where(ways["oneway"].to_numpy()[of_way], np.inf, seconds)
    nodes = gpd.GeoDataFrame({"node": np.arange(len(node_keys))},
                             geometry=shapely.points(node_xy), crs=4326)
    edges = gpd.GeoDataFrame({"source": source.astype(np.int64),
                              "target": target.astype(np.int64), "length_m": length,
                              "seconds": seconds, "reverse_seconds": reverse,
                              "highway": ways["highway"].to_numpy()[of_way]},
                             geometry=geometry, crs=4326)
    return nodes, edges


def isochrones(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, lon: float, lat: float,
               minutes: Sequence[float], *, snap_max_m: float = 500,
               buffer_m: float = 50.0, hull_ratio: float = 0.3) -> gpd.GeoDataFrame:
    """The areas reachable by car from (lon, lat) within each number of ``minutes``.

    The start is the point on the nearest road (not only the nearest node: a long road
    can have its nodes far apart); travel begins along that road in the directions it
    allows. Shortest travel times to every node come from
    ``scipy.sparse.csgraph.dijkstra`` on the directed network (one-way roads one way
    only). An edge is reached up to where the remaining time runs out, from either end
    it may be entered from, so partly travelled roads count for the part driven.

    The polygon for T minutes is the union of (a) the reached road pieces buffered by
    ``buffer_m`` (every road point reachable is inside, with some roadside) and (b) the
    concave hull of their vertices (``hull_ratio``: 1 is the convex hull), which fills
    the blocks between reached streets; holes are filled. Each polygon is then unioned
    with the one for the next smaller time, so the areas nest (a concave hull of more
    points need not contain the hull of fewer).

    Parameters
    ----------
    nodes, edges : GeoDataFrames
        As from :func:`drive_network` (nodes numbered 0 .. n-1, EPSG:4326).
    lon, lat : float
        The start, in degrees.
    minutes : sequence of float
        Positive drive times.
    snap_max_m : float
        The farthest the start may be from a road.
    buffer_m : float
        Metres of roadside around the reached roads.
    hull_ratio : float
        ``shapely.concave_hull`` ratio for filling between the reached roads (1: convex).

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one row per value of ``minutes`` in the order given: ``minutes``,
        ``reached_nodes`` (nodes reachable in time), ``road_km`` (reachable road,
        counting partly travelled edges for their part), ``geometry`` (Polygon or
        MultiPolygon). ``attrs["snap_m"]``: how far the start is from the road.

    Raises ValueError for no or non-positive minutes, an empty network, and a start
    farther than ``snap_max_m`` from every road (saying how far the nearest road is).
    """
    times = _minutes(minutes)
    for name, value in (("snap_max_m", snap_max_m), ("buffer_m", buffer_m)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a non-negative number of metres; got {value}")
    if not (np.isfinite(lon) and np.isfinite(lat) and abs(lat) <= 90):
        raise ValueError(f"the start ({lon}, {lat}) is not a longitude/latitude in degrees")
    if len(edges) == 0:
        raise ValueError("the road network has no edges")
    n = len(nodes)
    source = edges["source"].to_numpy(dtype=np.int64)
    target = edges["target"].to_numpy(dtype=np.int64)
    if source.min() < 0 or max(source.max(), target.max()) >= n or target.min() < 0:
        raise ValueError(f"edges refer to nodes outside 0..{n - 1}: the nodes and edges "
                         "must come from the same network")
    seconds = edges["seconds"].to_numpy(dtype=float)
    reverse = edges["reverse_seconds"].to_numpy(dtype=float)
    length = edges["length_m"].to_numpy(dtype=float)
    lines = edges.geometry
    if lines.crs is not None and not lines.crs.equals(4326):  # no CRS: taken as lon/lat
        lines = lines.to_crs(4326)
    lines = lines.to_numpy()

    transformer = aeqd(lon, lat)
    start_edge, fraction, snap_m = _snap(lines, lon, lat, transformer, snap_max_m)
    arrival = _arrival(n, source, target, seconds, reverse, start_edge, fraction,
                       times.max() * 60)

    reach_any = (arrival[source] <= times.max() * 60) | (arrival[target] <= times.max() * 60)
    reach_any[start_edge] = True
    local = np.flatnonzero(reach_any)
    local_lines = project(lines[local], transformer)  # metres around the start

    polygons, rows, previous = {}, {}, shapely.Polygon()
    for minutes_value in np.unique(times):
        budget = minutes_value * 60
        intervals = _reached_intervals(arrival, source[local], target[local], seconds[local],
                                       reverse[local], budget)
        here = int(np.flatnonzero(local == start_edge)[0])
        intervals[here] = _union(intervals[here] + _from_start(
            fraction, seconds[start_edge], reverse[start_edge], budget))
        covered = np.array([sum(b - a for a, b in spans) for spans in intervals])
        area = _area(_pieces(local_lines, intervals), buffer_m, hull_ratio)
        if not previous.is_empty:  # nest, with a centimetre to spare for rounding
            area = shapely.union(area, previous.buffer(0.01, join_style="mitre"))
        previous = area
        polygons[minutes_value] = previous
        rows[minutes_value] = (int((arrival[:n] <= budget).sum()),
                               float((covered * length[local]).sum() / 1000))
    geometry = project(np.array([polygons[t] for t in times], dtype=object), transformer,
                       inverse=True)
    result = gpd.GeoDataFrame({"minutes": times,
                               "reached_nodes": [rows[t][0] for t in times],
                               "road_km": [rows[t][1] for t in times]},
                              geometry=geometry, crs=4326)
    result.attrs["snap_m"] = snap_m
    return result


def parse_maxspeed(value) -> float | None:
    """km/h from an OSM ``maxspeed`` ("50", "50 km/h", "35 mph"), or None when it is not
    a plain positive speed ("none", "signals", "walk", "RU:urban", "50;30", missing)."""
    if not isinstance(value, str):
        return None
    match = _MAXSPEED.match(value)
    if not match:
        return None
    speed = float(match.group(1)) * (_MPH if (match.group(2) or "").lower() == "mph" else 1)
    return speed if speed > 0 else None


# --- building the network --------------------------------------------------------------
def _drivable(lines: gpd.GeoDataFrame, drop_access: Sequence[str]) -> pd.DataFrame:
    """The drivable ways as single LineStrings in EPSG:4326 drawn in their travel
    direction, with ``highway``, ``speed_kmh`` and ``oneway`` (bool)."""
    lines = lines.to_crs(4326) if not lines.crs.equals(4326) else lines
    lines = lines[lines.geometry.notna() & ~lines.geometry.is_empty]
    lines = lines.explode(index_parts=False)
    lines = lines[lines.geom_type == "LineString"]
    highway = lines["highway"].astype(str).str.strip()
    keep = highway.isin(list(SPEEDS_KMH)).to_numpy().copy()
    if "access" in lines.columns:
        keep &= ~lines["access"].astype(str).str.strip().str.lower().isin(
            [a.lower() for a in drop_access]).to_numpy()
    if not keep.any():
        found = highway.value_counts()
        classes = ", ".join(f"{h} ({c})" for h, c in found.head(10).items()) or "none"
        raise ValueError(f"no drivable road: the highway classes found are {classes}; "
                         f"drivable classes are {', '.join(SPEEDS_KMH)}")
    lines, highway = lines[keep], highway[keep]

    def tag(column: str) -> pd.Series:
        if column not in lines.columns:
            return pd.Series("", index=lines.index)
        return lines[column].where(lines[column].notna(), "").astype(str).str.strip() \
            .str.lower()

    oneway, junction = tag("oneway"), tag("junction")
    backward = oneway.isin(_BACKWARD).to_numpy()
    implied = (junction.isin(_IMPLIED_ONEWAY_JUNCTIONS) | (highway == "motorway")) \
        & ~oneway.isin(["no", "false", "0"])
    one_way = oneway.isin(_FORWARD).to_numpy() | backward | implied.to_numpy()
    speed = highway.map(SPEEDS_KMH).to_numpy(dtype=float)
    if "maxspeed" in lines.columns:
        posted = np.array([parse_maxspeed(v) for v in lines["maxspeed"]], dtype=float)
        speed = np.where(np.isfinite(posted), posted, speed)
    geometry = lines.geometry.to_numpy().copy()
    geometry[backward] = shapely.reverse(geometry[backward])
    return pd.DataFrame({"highway": highway.to_numpy(), "speed_kmh": speed,
                         "oneway": one_way, "geometry": geometry})


def _vertices(geometry: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All vertices (lon/lat) and their way's position, consecutive repeats dropped and
    ways left with fewer than two vertices removed."""
    coords, way = shapely.get_coordinates(geometry, return_index=True)
    repeat = np.r_[False, (way[1:] == way[:-1]) & (coords[1:] == coords[:-1]).all(axis=1)]
    coords, way = coords[~repeat], way[~repeat]
    enough = np.bincount(way, minlength=len(geometry)) >= 2
    keep = enough[way]
    return coords[keep], way[keep]


# --- travelling on it ------------------------------------------------------------------
def _snap(lines: np.ndarray, lon: float, lat: float, transformer, snap_max_m: float):
    """(edge, fraction along it, metres) of the nearest road point to (lon, lat)."""
    tree = shapely.STRtree(lines)
    reach_deg = (snap_max_m + 1) / 111_000 * 1.01
    box = shapely.box(lon - reach_deg / max(np.cos(np.radians(lat)), 0.01), lat - reach_deg,
                      lon + reach_deg / max(np.cos(np.radians(lat)), 0.01), lat + reach_deg)
    candidates = tree.query(box)
    projected = project(lines[candidates], transformer)
    distance = shapely.distance(shapely.Point(0, 0), projected)
    if len(candidates) == 0 or distance.min() > snap_max_m:
        # too far: find the nearest road (nearest in degrees, measured in metres) to say
        # how far it is
        candidates = np.r_[candidates, tree.query_nearest(shapely.Point(lon, lat))]
        projected = project(lines[candidates], transformer)
        distance = shapely.distance(shapely.Point(0, 0), projected)
    best = int(np.argmin(distance))
    if distance[best] > snap_max_m:
        raise ValueError(f"the nearest road is {describe_metres(distance[best])} from "
                         f"({lon:.5f}, {lat:.5f}), farther than snap_max_m "
                         f"({describe_metres(snap_max_m)}): the start is off this road "
                         "network (or allow a longer walk to the road)")
    fraction = float(shapely.line_locate_point(projected[best], shapely.Point(0, 0),
                                               normalized=True))
    return int(candidates[best]), fraction, float(distance[best])


def _arrival(n: int, source, target, seconds, reverse, start_edge: int, fraction: float,
             limit: float) -> np.ndarray:
    """Seconds from the start to each node (inf beyond ``limit`` or unreachable), over
    the directed graph plus a start node n joined to the start edge's two ends."""
    ahead, behind = np.isfinite(seconds), np.isfinite(reverse)
    rows = [source[ahead], target[behind]]
    cols = [target[ahead], source[behind]]
    cost = [seconds[ahead], reverse[behind]]
    for end, left, time in ((target, 1 - fraction, seconds), (source, fraction, reverse)):
        if left <= 0 or np.isfinite(time[start_edge]):  # at that end, or may drive there
            rows.append([n]), cols.append([end[start_edge]])
            cost.append([left * time[start_edge] if left > 0 else 0.0])
    rows, cols = np.concatenate(rows).astype(np.int64), np.concatenate(cols).astype(np.int64)
    cost = np.maximum(np.concatenate(cost), 1e-9)  # csgraph drops zero weights
    order = np.lexsort((cost, cols, rows))  # parallel edges: keep the fastest
    rows, cols, cost = rows[order], cols[order], cost[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])]
    graph = csr_matrix((cost[first], (rows[first], cols[first])), shape=(n + 1, n + 1))
    return dijkstra(graph, directed=True, indices=n, limit=limit)


def _reached_intervals(arrival, source, target, seconds, reverse, budget: float):
    """Per edge, the reached parts as (start, end) fractions from source to target."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ahead = np.clip((budget - arrival[source]) / seconds, 0, 1)
        behind = np.clip((budget - arrival[target]) / reverse, 0, 1)
    ahead = np.where(np.isfinite(ahead), ahead, 0.0)
    behind = np.where(np.isfinite(behind), behind, 0.0)
    spans = []
    for a, b in zip(ahead.tolist(), behind.tolist(), strict=True):
        if a + b >= 1:
            spans.append([(0.0, 1.0)])
        else:
            spans.append([span for span, used in (((0.0, a), a > 0), ((1.0 - b, 1.0), b > 0))
                          if used])
    return spans


def _from_start(fraction: float, seconds: float, reverse: float, budget: float):
    spans = []
    if np.isfinite(seconds):
        spans.append((fraction, min(1.0, fraction + budget / seconds)))
    if np.isfinite(reverse):
        spans.append((max(0.0, fraction - budget / reverse), fraction))
    return spans


def _union(spans):
    """Sorted, merged intervals (touching ones joined)."""
    merged: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1] + 1e-12:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    if merged and merged[0][0] <= 1e-12 and merged[-1][1] >= 1 - 1e-12 and len(merged) == 1:
        merged = [(0.0, 1.0)]
    return merged


def _pieces(lines: np.ndarray, intervals) -> list:
    pieces = []
    for line, spans in zip(lines, intervals, strict=True):
        for a, b in spans:
            if a <= 0 and b >= 1:
                pieces.append(line)
            else:
                pieces.append(substring(line, a, b, normalized=True))
    return pieces


def _area(pieces: list, buffer_m: float, hull_ratio: float):
    """Buffered road pieces unioned with the concave hull of their vertices, holes filled
    (metres, around the start)."""
    pieces = np.asarray(pieces, dtype=object)
    points = shapely.get_coordinates(pieces)
    # buffering each piece and unioning is ~5x faster than buffering one multi-line
    shapes = list(shapely.buffer(pieces, max(buffer_m, 1.0), quad_segs=4))
    hull = shapely.concave_hull(shapely.multipoints(points), ratio=hull_ratio)
    if hull.geom_type == "Polygon":  # not for fewer than 3 points or a straight road
        shapes.append(hull)
    parts = shapely.get_parts(shapely.union_all(shapes))
    return shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))


def _minutes(minutes) -> np.ndarray:
    try:
        values = np.atleast_1d(np.asarray(minutes, dtype=float)).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"minutes must be numbers; got {minutes!r}") from None
    if values.size == 0:
        raise ValueError("give at least one drive time in minutes")
    bad = values[~(np.isfinite(values) & (values > 0))]
    if bad.size:
        raise ValueError(f"drive times must be positive minutes; got "
                         f"{', '.join(f'{v:g}' for v in bad)}")
    return values
