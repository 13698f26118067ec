"""Checking the sites (and customers) the trade-area methods take: points with a ``site``
id and a CRS, returned as ids and lon/lat arrays."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely


def site_points(sites: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ids (the ``site`` column), longitudes and latitudes (EPSG:4326) of ``sites``.

    Raises ValueError when the frame has no ``site`` column or no CRS, when an id repeats,
    or when a geometry is missing, empty or not a point (naming the site).
    """
    points_frame(sites, "sites")
    ids = sites["site"].to_numpy()
    repeated = sites["site"][sites["site"].duplicated()].unique()
    if len(repeated):
        raise ValueError(f"site ids must be unique; repeated: {listing(repeated)}")
    lon, lat = _lon_lat(sites, "site", ids)
    return ids, lon, lat


def customer_points(customers: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes (EPSG:4326) of ``customers``, checked like sites (by row)."""
    points_frame(customers, "customers")
    return _lon_lat(customers, "customer at row", customers.index.to_numpy())


def points_frame(gdf, what: str) -> None:
    """Raise ValueError unless ``gdf`` is a GeoDataFrame with a CRS and a ``site`` column."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise ValueError(f"the {what} must be a GeoDataFrame of points, not "
                         f"{type(gdf).__name__}")
    if "site" not in gdf.columns:
        raise ValueError(f"the {what} need a 'site' column (the site id); they have "
                         f"{', '.join(map(str, gdf.columns))}")
    if gdf.crs is None:
        raise ValueError(f"the {what} have no CRS; set one (EPSG:4326 for longitude/latitude)")


def _lon_lat(gdf: gpd.GeoDataFrame, noun: str, names: np.ndarray):
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise ValueError(f"{noun} {listing(names[missing])} has no location (empty geometry)")
    not_point = shapely.get_type_id(geoms) != shapely.GeometryType.POINT
    if not_point.any():
        first = geoms[np.flatnonzero(not_point)[0]]
        raise ValueError(f"{noun} {listing(names[not_point])}: not a point (the first is a "
                         f"{first.geom_type}); give one point per row (e.g. its centroid)")
    if not gdf.crs.equals("EPSG:4326"):
        geoms = gdf.geometry.to_crs(4326).to_numpy()
    coords = shapely.get_coordinates(geoms)
    if not np.isfinite(coords).all():
        bad = ~np.isfinite(coords).all(axis=1)
        raise ValueError(f"{noun} {listing(names[bad])} has a coordinate that is not finite")
    return coords[:, 0], coords[:, 1]


def listing(values, limit: int = 5) -> str:
    """Up to ``limit`` values, repr'd and joined, and how many more: for messages."""
    values = list(values)
    shown = ", ".join(repr(v.item() if isinstance(v, np.generic) else v)
                      for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")
