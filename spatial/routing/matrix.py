"""Travel times and distances between places: on a drive network (the fastest road route,
by Dijkstra over the network's directed edges) or, where no network covers them, in a
straight line at a stated speed.

A place joins the network at its nearest node of the network's largest strongly connected
part (so every place on the network can reach every other), and the way from the place
to that node is driven at ``access_kmh``. A place farther than ``snap_max_m`` from that
part is off the network: its row and column are ``inf``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from spatial.tradearea._geodesy import aeqd, chord_to_km, unit_vectors


@dataclass(frozen=True)
class TravelMatrix:
    """Seconds and metres from each place (row) to each other place (column).

    ``method`` is "road" or "straight line"; ``kmh`` the straight line's speed (None on
    roads); ``snap_m`` each place's distance to the road it joins (0 in a straight line);
    ``on_network`` whether it joined at all (always True in a straight line);
    ``junction`` the network node each place joins (None in a straight line).
    """

    seconds: np.ndarray
    metres: np.ndarray
    method: str
    on_network: np.ndarray
    snap_m: np.ndarray
    kmh: float | None = None
    junction: np.ndarray | None = None
    _legs: object = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.seconds)

    def leg(self, i: int, j: int) -> shapely.LineString:
        """The way from place ``i`` to place ``j``: along the roads driven, or straight."""
        return self._legs(i, j)


def straight_line_matrix(lon, lat, *, kmh: float) -> TravelMatrix:
    """Great-circle distances between the places, driven at ``kmh``."""
    if kmh <= 0:
        raise ValueError(f"a straight-line speed must be above 0 km/h, not {kmh}")
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    points = unit_vectors(lon, lat)
    km = chord_to_km(np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2))
    n = len(lon)

    def leg(i: int, j: int) -> shapely.LineString:
        return shapely.LineString([(lon[i], lat[i]), (lon[j], lat[j])])

    return TravelMatrix(seconds=km / kmh * 3600, metres=km * 1000, method="straight line",
                        on_network=np.ones(n, bool), snap_m=np.zeros(n), kmh=float(kmh),
                        _legs=leg)


def road_matrix(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, lon, lat, *,
                snap_max_m: float = 500.0, access_kmh: float = 20.0) -> TravelMatrix:
    """Fastest drive times between the places over ``nodes`` and ``edges`` as
    ``spatial.tradearea.drive_network`` makes them (``reverse_seconds`` inf on one-way
    roads); the metres are those of the fastest route.

    Raises ValueError when the network has no edge or ``access_kmh`` is not positive.
    """
    if access_kmh <= 0:
        raise ValueError(f"the speed to and from the road must be above 0 km/h, not "
                         f"{access_kmh}")
    if len(edges) == 0:
        raise ValueError("the road network has no edge")
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    arcs = _arcs(edges)
    n_nodes = len(nodes)
    graph = csr_matrix((np.maximum(arcs.seconds, 1e-9), (arcs.tail, arcs.head)),
                       shape=(n_nodes, n_nodes))
    node_of, snap_m = _join(nodes, graph, lon, lat)
    on = snap_m <= snap_max_m
    sources = np.unique(node_of[on])
    seconds, pred = dijkstra(graph, directed=True, indices=sources, return_predecessors=True)
    metres = _path_lengths(pred, arcs, n_nodes)
    row = np.full(len(lon), -1)
    row[on] = np.searchsorted(sources, node_of[on])
    access_s = snap_m / (access_kmh / 3.6)
    n = len(lon)
    out_s, out_m = np.full((n, n), np.inf), np.full((n, n), np.inf)
    if on.any():
        idx = np.flatnonzero(on)
        block = np.ix_(row[idx], node_of[idx])
        out_s[np.ix_(idx, idx)] = (seconds[block] + access_s[idx, None] + access_s[None, idx])
        out_m[np.ix_(idx, idx)] = (metres[block] + snap_m[idx, None] + snap_m[None, idx])
    np.fill_diagonal(out_s, 0.0)
    np.fill_diagonal(out_m, 0.0)
    node_xy = shapely.get_coordinates(nodes.geometry.to_numpy())
    lines = edges.geometry.to_numpy()

    def leg(i: int, j: int) -> shapely.LineString:
        if not (on[i] and on[j]):
            raise ValueError(f"place {i if not on[i] else j} is off the road network")
        way = _walk(pred[row[i]], node_of[i], node_of[j], arcs, lines)
        coords = [(lon[i], lat[i]), tuple(node_xy[node_of[i]]), *way,
                  tuple(node_xy[node_of[j]]), (lon[j], lat[j])]
        keep = [c for k, c in enumerate(coords) if k == 0 or c != coords[k - 1]]
        return shapely.LineString(keep if len(keep) > 1 else keep * 2)

    return TravelMatrix(seconds=out_s, metres=out_m, method="road", on_network=on,
                        snap_m=snap_m, junction=node_of, _legs=leg)


@dataclass(frozen=True)
class _Arcs:
    """The network's directed arcs, parallel arcs reduced to the fastest, sorted by
    (tail, head): each with its edge and whether it runs against the edge's drawing."""

    tail: np.ndarray
    head: np.ndarray
    seconds: np.ndarray
    metres: np.ndarray
    edge: np.ndarray
    backwards: np.ndarray


def _arcs(edges: gpd.GeoDataFrame) -> _Arcs:
    source = edges["source"].to_numpy(np.int64)
    target = edges["target"].to_numpy(np.int64)
    ahead = edges["seconds"].to_numpy(float)
    behind = edges["reverse_seconds"].to_numpy(float)
    length = edges["length_m"].to_numpy(float)
    index = np.arange(len(edges))
    a, b = np.isfinite(ahead), np.isfinite(behind)
    tail = np.r_[source[a], target[b]]
    head = np.r_[target[a], source[b]]
    seconds = np.r_[ahead[a], behind[b]]
    metres = np.r_[length[a], length[b]]
    edge = np.r_[index[a], index[b]]
    backwards = np.r_[np.zeros(a.sum(), bool), np.ones(b.sum(), bool)]
    order = np.lexsort((seconds, head, tail))
    tail, head = tail[order], head[order]
    first = np.r_[True, (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])]
    keep = order[first]
    return _Arcs(tail=tail[first], head=head[first], seconds=seconds[keep],
                 metres=metres[keep], edge=edge[keep], backwards=backwards[keep])


def _join(nodes: gpd.GeoDataFrame, graph: csr_matrix, lon: np.ndarray, lat: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """Each place's nearest node of the largest strongly connected part, and the metres
    to it (measured in a projection centred on the places)."""
    _, label = connected_components(graph, directed=True, connection="strong")
    main = np.flatnonzero(label == np.bincount(label).argmax())
    xy = shapely.get_coordinates(nodes.geometry.to_numpy())
    if len(lon) == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    transformer = aeqd(float(np.mean(lon)), float(np.mean(lat)))
    nx, ny = transformer.transform(xy[main, 0], xy[main, 1])
    px, py = transformer.transform(lon, lat)
    distance, nearest = cKDTree(np.column_stack([nx, ny])).query(np.column_stack([px, py]))
    return main[nearest], np.asarray(distance, float)


def _arc_index(arcs: _Arcs, n_nodes: int, tail: np.ndarray, head: np.ndarray) -> np.ndarray:
    """The position of arc (tail, head) in ``arcs`` (which holds each pair once, sorted)."""
    return np.searchsorted(arcs.tail * n_nodes + arcs.head, tail * n_nodes + head)


def _path_lengths(pred: np.ndarray, arcs: _Arcs, n_nodes: int) -> np.ndarray:
    """Metres along each fastest route: per source row, the sum of the arcs' lengths from
    the source to every node, by pointer jumping over the predecessor tree."""
    pred = np.atleast_2d(pred)
    nodes = np.broadcast_to(np.arange(n_nodes), pred.shape)
    reached = pred >= 0
    parent = np.where(reached, pred, nodes)
    step = np.zeros(pred.shape)
    step[reached] = arcs.metres[_arc_index(arcs, n_nodes, pred[reached], nodes[reached])]
    while True:
        grand = np.take_along_axis(parent, parent, axis=1)
        if np.array_equal(grand, parent):
            return step
        step = step + np.take_along_axis(step, parent, axis=1)
        parent = grand


def _walk(pred: np.ndarray, start: int, end: int, arcs: _Arcs, lines: np.ndarray
          ) -> list[tuple[float, float]]:
    """The coordinates along the roads from node ``start`` to node ``end``."""
    chain = [end]
    while chain[-1] != start:
        chain.append(int(pred[chain[-1]]))
    chain.reverse()
    coords: list[tuple[float, float]] = []
    n_nodes = len(pred)
    for tail, head in zip(chain[:-1], chain[1:], strict=True):
        k = _arc_index(arcs, n_nodes, np.array([tail]), np.array([head]))[0]
        points = shapely.get_coordinates(lines[arcs.edge[k]])
        coords.extend(map(tuple, points[::-1] if arcs.backwards[k] else points))
    return coords
