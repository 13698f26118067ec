"""The adjacency graph of areas: which areas share a border, with islands bridged.

An area is a node; two areas are neighbours when their outlines share more than a point
(rook) or at least a point (queen). Areas no border reaches (islands, exclaves) are
bridged to the nearest area of the rest, centroid to centroid, so every territory can be
contiguous "over the water" the way a planner would draw it.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree


def adjacency(geometries, *, predicate: str = "rook") -> list[np.ndarray]:
    """The neighbours of each geometry (indices into ``geometries``), by shared border.

    predicate: 'rook' (a shared edge) or 'queen' (any shared point).

    >>> from shapely.geometry import box
    >>> [list(n) for n in adjacency([box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)])]
    [[1], [0], []]
    """
    if predicate not in ("rook", "queen"):
        raise ValueError(f"predicate must be 'rook' or 'queen', not {predicate!r}")
    geoms = np.asarray(geometries, dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if predicate == "rook" and len(left):
        shared = shapely.intersection(shapely.boundary(geoms[left]),
                                      shapely.boundary(geoms[right]))
        keep = shapely.length(shared) > 0
        left, right = left[keep], right[keep]
    return _lists(len(geoms), left, right)


def bridge_islands(neighbours: list[np.ndarray], centroids: np.ndarray
                   ) -> tuple[list[np.ndarray], list[tuple[int, int]]]:
    """``neighbours`` plus one edge from each disconnected part to its nearest area
    elsewhere (by centroid), until the graph is connected. Returns the new neighbour
    lists and the bridges added (pairs of area indices)."""
    n = len(neighbours)
    centroids = np.asarray(centroids, dtype=float)
    bridges: list[tuple[int, int]] = []
    left, right = _pairs(neighbours)
    while True:
        count, part = _components(n, left, right)
        if count <= 1:
            break
        main = np.bincount(part).argmax()
        inside = np.flatnonzero(part == main)
        tree = cKDTree(centroids[inside])
        # The part closest to the main one joins it first: nearest pair of areas.
        best = None
        for other in range(count):
            if other == main:
                continue
            members = np.flatnonzero(part == other)
            distance, index = tree.query(centroids[members])
            k = int(np.argmin(distance))
            if best is None or distance[k] < best[0]:
                best = (distance[k], int(members[k]), int(inside[index[k]]))
        _, a, b = best
        bridges.append((a, b))
        left, right = np.append(left, a), np.append(right, b)
    return _lists(n, left, right), bridges


def is_connected(members: np.ndarray, neighbours: list[np.ndarray]) -> bool:
    """Whether the areas ``members`` form one piece through ``neighbours``."""
    members = np.asarray(members)
    if len(members) <= 1:
        return True
    inside = set(members.tolist())
    seen = {int(members[0])}
    stack = [int(members[0])]
    while stack:
        for j in neighbours[stack.pop()]:
            j = int(j)
            if j in inside and j not in seen:
                seen.add(j)
                stack.append(j)
    return len(seen) == len(inside)


def pieces(members: np.ndarray, neighbours: list[np.ndarray]) -> int:
    """How many separate pieces the areas ``members`` form through ``neighbours``."""
    inside = set(np.asarray(members).tolist())
    seen: set[int] = set()
    count = 0
    for start in inside:
        if start in seen:
            continue
        count += 1
        seen.add(start)
        stack = [start]
        while stack:
            for j in neighbours[stack.pop()]:
                j = int(j)
                if j in inside and j not in seen:
                    seen.add(j)
                    stack.append(j)
    return count


def _pairs(neighbours: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    left = np.repeat(np.arange(len(neighbours)), [len(x) for x in neighbours])
    right = np.concatenate(neighbours) if len(neighbours) else np.array([], dtype=int)
    keep = left < right
    return left[keep].astype(np.int64), right[keep].astype(np.int64)


def _components(n: int, left: np.ndarray, right: np.ndarray) -> tuple[int, np.ndarray]:
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)


def _lists(n: int, left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
    both_l = np.concatenate([left, right]).astype(np.int64)
    both_r = np.concatenate([right, left]).astype(np.int64)
    order = np.lexsort((both_r, both_l))
    both_l, both_r = both_l[order], both_r[order]
    # Sorted by area, then neighbour: a pair equal to the one before it is a repeat.
    fresh = np.ones(len(both_l), dtype=bool)
    fresh[1:] = (both_l[1:] != both_l[:-1]) | (both_r[1:] != both_r[:-1])
    both_l, both_r = both_l[fresh], both_r[fresh]
    starts = np.searchsorted(both_l, np.arange(n + 1))
    return [both_r[starts[i]:starts[i + 1]].copy() for i in range(n)]
