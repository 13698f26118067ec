"""Spatial weights from the regions themselves, for the statistics in ``spatial.stats``."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from libpysal.weights import KNN, W
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from spatial.crs import equal_area_crs
from spatial.territory.graph import adjacency, bridge_islands

KINDS = ("queen", "rook", "knn")


def region_weights(geoms: gpd.GeoSeries, *, kind: str = "queen", k: int = 6) -> tuple[W, dict]:
    """Who neighbours whom, as a ``libpysal`` weights object, plus a summary for people.

    ``kind``:
    - ``"queen"`` (regions touching at any point) or ``"rook"`` (sharing an edge): for
      boundary levels (states, counties, ZIP areas). A region with no neighbour (an island,
      or a group of regions cut off from the rest) is joined to its nearest region by
      centroid, so every region has at least one neighbour and the statistics never divide
      by zero; ``islands_bridged`` counts the joins.
    - ``"knn"``: each region's ``k`` nearest by centroid (H3 cells, points). Centroids are
      taken in an equal-area projection centred on the data when the input is in degrees.

    Weights are binary here; each statistic row-standardises as ``esda`` does.

    >>> w, summary = region_weights(counties.geometry, kind="queen")  # doctest: +SKIP
    >>> summary  # doctest: +SKIP
    {'kind': 'queen', 'neighbours_min': 1, 'neighbours_mean': 5.6, 'neighbours_max': 14,
     'islands_bridged': 3}
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    geoms = gpd.GeoSeries(geoms).reset_index(drop=True)
    n = len(geoms)
    if n < 2:
        raise ValueError(f"weights need at least 2 regions, got {n}")
    if geoms.isna().any() or geoms.is_empty.any():
        raise ValueError("every region needs a geometry; some are missing or empty")
    bridged = 0
    if kind == "knn":
        if not 1 <= k < n:
            raise ValueError(f"k must be between 1 and {n - 1} for {n} regions, not {k}")
        w = KNN(_centroids(geoms), k=k, ids=list(range(n)))
    else:
        neighbours = adjacency(geoms.values, predicate=kind)
        if not _connected(neighbours):  # centroids (a projection) only for the bridges
            neighbours, bridges = bridge_islands(neighbours, _centroids(geoms))
            bridged = len(bridges)
        w = W({i: [int(j) for j in nb] for i, nb in enumerate(neighbours)},
              ids=list(range(n)), silence_warnings=True)
    cardinalities = np.array([w.cardinalities[i] for i in range(n)])
    summary = {
        "kind": kind,
        "neighbours_min": int(cardinalities.min()),
        "neighbours_mean": round(float(cardinalities.mean()), 2),
        "neighbours_max": int(cardinalities.max()),
        "islands_bridged": bridged,
    }
    if kind == "knn":
        summary["k"] = k
    return w, summary


def _connected(neighbours: list[np.ndarray]) -> bool:
    """Whether every region reaches every other through its neighbours (nothing to bridge)."""
    n = len(neighbours)
    rows = np.repeat(np.arange(n), [len(nb) for nb in neighbours])
    cols = np.concatenate(neighbours).astype(np.int64) if n else rows
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return connected_components(graph, directed=False)[0] <= 1


def _centroids(geoms: gpd.GeoSeries) -> np.ndarray:
    if geoms.crs is not None and geoms.crs.is_geographic:
        geoms = geoms.to_crs(equal_area_crs(gpd.GeoDataFrame(geometry=geoms)))
    points = geoms.centroid
    return np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
