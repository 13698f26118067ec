"""Tessellations: H3 cell hierarchies over points, and Voronoi areas around points.

Pure functions on GeoDataFrames; EPSG:4326 in and out.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import h3
import numpy as np
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
    finest = resolutions[-1]
    cells = np.array([h3.latlng_to_cell(y, x, finest) for x, y in zip(lon, lat, strict=True)])
    out = {}
    for i, res in enumerate(resolutions):
        at_res = cells if res == finest else np.array([h3.cell_to_parent(c, res) for c in cells])
        codes, counts = np.unique(at_res, return_counts=True)
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
