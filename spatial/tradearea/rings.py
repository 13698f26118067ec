"""Ring trade areas: the land within a given distance of each site."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from spatial.tradearea._geodesy import GEOD, aeqd
from spatial.tradearea._sites import site_points


def rings(sites: gpd.GeoDataFrame, radii_km: Sequence[float], *,
          quad_segs: int = 32) -> gpd.GeoDataFrame:
    """One disc per site and radius: everything within ``radius_km`` of the site.

    Each disc is drawn in an azimuthal equidistant projection centred on its own site
    (distances from the centre are the true geodesic ones), so its radius and area are
    right at any latitude, then carried back to longitude/latitude vertex by vertex
    (``4 * quad_segs`` vertices; 32 draws the circle's area to within 0.04%).

    Parameters
    ----------
    sites : GeoDataFrame
        Points with a ``site`` column (any hashable, unique id) and a CRS.
    radii_km : sequence of float
        Positive radii in kilometres (a single number is taken as one radius).
    quad_segs : int
        Vertices per quarter circle.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one row per (site, radius), sites in their order then radii in theirs:
        ``site``, ``radius_km``, ``geometry`` (Polygon). A ring that crosses the
        antimeridian keeps longitudes beyond +-180 so that it stays one polygon.

    Raises ValueError for no radius, a radius that is not a positive number, sites with no
    CRS, a site that is not one point (naming it), or a ring that would hold a pole.

    Examples
    --------
    >>> zones = rings(stores, [1, 3, 5])  # doctest: +SKIP
    >>> zones.to_crs(equal_area_crs(zones)).area / 1e6  # doctest: +SKIP
    (pi, 9 pi, 25 pi km2 for each site)
    """
    radii = _radii(radii_km)
    if int(quad_segs) < 1:
        raise ValueError(f"quad_segs must be at least 1; got {quad_segs}")
    ids, lon, lat = site_points(sites)
    angles = np.linspace(0, 2 * np.pi, 4 * int(quad_segs), endpoint=False)
    unit = np.column_stack([np.cos(angles), np.sin(angles)])  # counter-clockwise
    metres = radii * 1000.0
    polygons = []
    for name, x0, y0 in zip(ids, lon, lat, strict=True):
        _no_pole_inside(name, x0, y0, metres.max())
        x = (metres[:, None] * unit[None, :, 0]).ravel()
        y = (metres[:, None] * unit[None, :, 1]).ravel()
        ring_lon, ring_lat = aeqd(x0, y0).transform(x, y, direction="INVERSE")
        ring_lon = x0 + (np.asarray(ring_lon) - x0 + 180.0) % 360.0 - 180.0
        coords = np.stack([ring_lon, ring_lat], axis=-1).reshape(len(radii), len(angles), 2)
        polygons.extend(shapely.polygons(shapely.linearrings(coords)))
    return gpd.GeoDataFrame({"site": np.repeat(ids, len(radii)),
                             "radius_km": np.tile(radii, len(ids))},
                            geometry=np.asarray(polygons, dtype=object), crs=4326)


def _radii(radii_km) -> np.ndarray:
    try:
        radii = np.atleast_1d(np.asarray(radii_km, dtype=float)).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"radii_km must be numbers of kilometres; got {radii_km!r}") from None
    if radii.size == 0:
        raise ValueError("give at least one radius in kilometres (radii_km is empty)")
    bad = radii[~(np.isfinite(radii) & (radii > 0))]
    if bad.size:
        raise ValueError(f"every radius must be a positive number of kilometres; got "
                         f"{', '.join(f'{r:g}' for r in bad)}")
    return radii


def _no_pole_inside(name, lon: float, lat: float, metres: float) -> None:
    pole = 90.0 if lat >= 0 else -90.0
    _, _, to_pole = GEOD.inv(lon, lat, lon, pole)
    if metres >= to_pole:
        raise ValueError(f"a {metres / 1000:g} km ring around site {name!r} would hold the "
                         f"{'North' if pole > 0 else 'South'} Pole ({to_pole / 1000:,.0f} km "
                         "away); use a smaller radius")
