"""Choosing projected CRSs for measuring: distances and areas are never taken in degrees."""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS


def equal_area_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """A Lambert azimuthal equal-area CRS centred on the data (areas true anywhere nearby)."""
    lon, lat = _centre(gdf)
    return CRS.from_proj4(
        f"+proj=laea +lat_0={lat:.4f} +lon_0={lon:.4f} +ellps=WGS84 +units=m +no_defs"
    )


def local_metric_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """The UTM zone of the data's centre: metres, small distortion within a region."""
    crs = gdf.estimate_utm_crs()
    if crs is None:  # pragma: no cover - estimate_utm_crs returns None only for empty data
        raise ValueError("cannot choose a metric CRS for empty data")
    return crs


def _centre(gdf: gpd.GeoDataFrame) -> tuple[float, float]:
    if gdf.empty:
        raise ValueError("cannot choose a CRS for empty data")
    minx, miny, maxx, maxy = gdf.to_crs(4326).total_bounds
    return (minx + maxx) / 2, (miny + maxy) / 2
