"""Tessellations: H3 cell hierarchies over points, and Voronoi areas around points.

Pure functions on GeoDataFrames; EPSG:4326 in and out.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from spatial.crs import equal_area_crs


def h3_hierarchy(lon: Sequence[float], lat: Sequence[float], resolutions: Sequence[int],
                 ) -> dict[int, gpd.GeoDataFrame]:
    """H3 cells holding at least one of the points, at each resolution, with parents.

    Returns ``{resolution: GeoDataFrame(code, parent_code, points, geometry)}``
    where ``parent_code`` is the cell of the next coarser resolution asked for.

    Examples
    --------
    >>> cells = h3_hierarchy([-79.99], [40.44], [5, 7])
    >>> cells[7].loc[0, "parent_code"] == cells[5].loc[0, "code"]
    True
    """
    resolutions = sorted(set(int(r) for r in resolutions))
    if not resolutions or resolutions[0] < 0 or resolutions[-1] > 15:
        raise ValueError(f"H3 resolutions must lie in 0..15, got {resolutions}")
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    # H3 children poke out of their parents, so a point's cell at a coarse resolution is
    # not always the parent of its fine cell: keep both, so every point finds its cell
    # by geometry and every cell finds its parent.
    direct: dict[int, np.ndarray] = {}
    codes_at: dict[int, np.ndarray] = {}
    finer: np.ndarray | None = None
    for res in reversed(resolutions):
        direct[res] = np.array(
            [h3.latlng_to_cell(y, x, res) for x, y in zip(lon, lat, strict=True)])
        parents = [h3.cell_to_parent(c, res) for c in finer] if finer is not None else []
        both = np.concatenate([direct[res], np.array(parents, dtype=object)]).astype(str)
        finer = codes_at[res] = np.unique(both)
    out = {}
    for i, res in enumerate(resolutions):
        codes = codes_at[res]
        counts = pd.Series(direct[res]).value_counts().reindex(codes, fill_value=0).to_numpy()
        parent = resolutions[i - 1] if i > 0 else None
        out[res] = gpd.GeoDataFrame(
            {
                "code": codes,
                "parent_code": [h3.cell_to_parent(c, parent) for c in codes] if parent is not None
                else [None] * len(codes),
                "points": counts,
            },
            geometry=[cell_polygon(c) for c in codes],
            crs=4326,
        )
    return out


def cell_polygon(cell: str) -> Polygon:
    """The outline of one H3 cell as a shapely polygon (lon, lat)."""
    return Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)])


def voronoi_areas(points: gpd.GeoDataFrame, boundary: shapely.Geometry) -> gpd.GeoDataFrame:
    """Voronoi (Thiessen) areas of ``points`` clipped to ``boundary``, in input order.

    Computed in an equal-area projection so that each area holds the places
    nearest its point. Returns ``points`` with polygon geometry.
    """
    if points.crs is None:
        raise ValueError("points need a CRS")
    crs = equal_area_crs(points)
    projected = points.to_crs(crs)
    clip = gpd.GeoSeries([boundary], crs=points.crs).to_crs(crs).iloc[0]
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint(list(projected.geometry)), extend_to=clip, ordered=True
    )
    polygons = shapely.intersection(np.asarray(cells.geoms), clip)
    return gpd.GeoDataFrame(projected.drop(columns="geometry"), geometry=list(polygons),
                            crs=crs).to_crs(4326)


def points_outline(points: gpd.GeoDataFrame, *, ratio: float = 0.15,
                   buffer_m: float = 3000.0) -> shapely.Geometry:
    """A concave outline around ``points`` widened by ``buffer_m`` metres (EPSG:4326)."""
    crs = equal_area_crs(points)
    projected = points.to_crs(crs)
    hull = shapely.concave_hull(shapely.MultiPoint(list(projected.geometry)), ratio=ratio)
    outline = gpd.GeoSeries([hull.buffer(buffer_m)], crs=crs).to_crs(4326)
    return outline.iloc[0]
