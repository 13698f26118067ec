"""Measuring for the trade-area methods: a local azimuthal equidistant projection per
point, great-circle distances between 3-D unit vectors, geodesic lengths on WGS84."""

from __future__ import annotations

import numpy as np
import pyproj
import shapely

EARTH_RADIUS_KM = 6371.0088  # the mean Earth radius (IUGG), for great-circle distances
GEOD = pyproj.Geod(ellps="WGS84")


def aeqd(lon: float, lat: float) -> pyproj.Transformer:
    """A transformer from lon/lat degrees to metres in an azimuthal equidistant projection
    on WGS84 centred on (lon, lat): the distance and azimuth of every point from the
    centre are the true geodesic ones. ``transform(..., direction="INVERSE")`` goes back.

    Built as a PROJ pipeline (about 30 microseconds, against milliseconds for a CRS
    lookup), so one per site is cheap.
    """
    return pyproj.Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=aeqd +lat_0={float(lat)!r} +lon_0={float(lon)!r} +ellps=WGS84")


def project(geometry, transformer: pyproj.Transformer, *, inverse: bool = False):
    """``geometry`` (one shapely geometry or an array of them) through ``transformer``."""
    direction = "INVERSE" if inverse else "FORWARD"

    def move(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1], direction=direction)
        return np.column_stack([x, y])

    return shapely.transform(geometry, move)


def unit_vectors(lon, lat) -> np.ndarray:
    """n x 3 unit vectors of points on the sphere (lon/lat in degrees)."""
    lon, lat = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    cos_lat = np.cos(lat)
    return np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])


def chord_to_km(chord):
    """Great-circle kilometres for straight-line (chord) distances between unit vectors;
    exact, and well conditioned for short distances."""
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(np.asarray(chord, float) / 2, 1.0))


def km_to_chord(km: float) -> float:
    """The chord between unit vectors ``km`` apart on the great circle (2 beyond half the
    circumference)."""
    angle = km / EARTH_RADIUS_KM
    return 2.0 if angle >= np.pi else float(2 * np.sin(angle / 2))


def great_circle_km(lon1, lat1, lon2, lat2):
    """Great-circle kilometres between points (degrees), element-wise."""
    return chord_to_km(np.linalg.norm(unit_vectors(lon1, lat1) - unit_vectors(lon2, lat2),
                                      axis=1))


def describe_metres(metres: float) -> str:
    """'740 m' or '12.3 km', for messages."""
    return f"{metres:,.0f} m" if metres < 10_000 else f"{metres / 1000:,.1f} km"
