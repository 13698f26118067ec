"""Vector tiles (Mapbox Vector Tiles) of the base map, cut by PostGIS, and its features in a
box for drawing elsewhere (reports)."""

from __future__ import annotations

import math
import time
from functools import lru_cache

import geopandas as gpd
import shapely
from sqlalchemy import Engine, text

from gcrm.basemap import sql
from gcrm.basemap.layers import LAYER_NAMES
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput

MAX_ZOOM = 22
CACHE_TILES = 4096  # tiles kept in memory (a few MB at city zoom)
VERSION_SECONDS = 2.0  # how often the cache asks whether a base map was (re)loaded
_versions: dict = {}  # engine -> (when asked, version)
_TILE = sql.tile_query()


def tile(z: int, x: int, y: int, *, engine: Engine | None = None) -> bytes:
    """The vector tile ``z/x/y`` (XYZ scheme, Web Mercator): layers water, buildings,
    roads and places with each feature's ``kind`` and ``name``; empty bytes where the base
    map has nothing. Kept in an LRU cache until a base map is loaded again.

    >>> tile(13, 2287, 3113)[:2]  # doctest: +SKIP
    b'\\x1a\\x8b'
    """
    z, x, y = _check_tile(z, x, y)
    engine = engine or get_engine()
    return _cached_tile(engine, _version(engine), z, x, y)


def features(bounds: tuple[float, float, float, float], *,
             layers: tuple[str, ...] | list[str] | None = None,
             engine: Engine | None = None) -> gpd.GeoDataFrame:
    """The base map's features touching ``bounds`` (west, south, east, north in degrees):
    columns layer, kind, name, geometry (EPSG:4326), in drawing order (water, buildings,
    roads, places; major roads last so they draw on top).

    >>> features((-75.6, 39.7, -75.5, 39.8), layers=["roads"])  # doctest: +SKIP
    """
    west, south, east, north = _check_bounds(bounds)
    chosen = list(LAYER_NAMES if layers is None else layers)
    unknown = sorted(set(chosen) - set(LAYER_NAMES))
    if unknown:
        raise InvalidInput(f"Unknown base map layer(s) {', '.join(map(repr, unknown))}; "
                           f"choose from {', '.join(LAYER_NAMES)}.")
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(text(sql.FEATURES), {
            "west": west, "south": south, "east": east, "north": north, "layers": chosen,
            "order": list(sql.LAYERS)}).all()
    return gpd.GeoDataFrame(
        {"layer": [r.layer for r in rows], "kind": [r.kind for r in rows],
         "name": [r.name for r in rows]},
        geometry=shapely.from_wkb([bytes(r.wkb) for r in rows]), crs=4326)


def tiles_covering(bounds: tuple[float, float, float, float], z: int) -> list[tuple[int, int, int]]:
    """The XYZ tiles at zoom ``z`` covering ``bounds`` (west, south, east, north)."""
    west, south, east, north = _check_bounds(bounds)
    x0, y0 = _tile_of(west, north, z)
    x1, y1 = _tile_of(east, south, z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def clear_cache() -> None:
    """Forget every cached tile and the base maps' version (a load in another process is
    seen within ``VERSION_SECONDS`` anyway)."""
    _cached_tile.cache_clear()
    _versions.clear()


def _version(engine: Engine) -> tuple:
    """The loaded base maps' version (how many, last loaded), asked of the database at
    most every ``VERSION_SECONDS``: a tile cached before a reload is never served after."""
    now = time.monotonic()
    known = _versions.get(engine)
    if known is None or now - known[0] > VERSION_SECONDS:
        with engine.connect() as conn:
            known = (now, tuple(conn.execute(text(sql.VERSION)).one()))
        _versions[engine] = known
    return known[1]


@lru_cache(maxsize=CACHE_TILES)
def _cached_tile(engine: Engine, version: tuple, z: int, x: int, y: int) -> bytes:
    with engine.begin() as conn:
        conn.exec_driver_sql(sql.NO_PARALLEL)
        data = conn.exec_driver_sql(sql.tile_sql(_TILE, z, x, y)).scalar_one()
    return bytes(data or b"")


def _check_tile(z, x, y) -> tuple[int, int, int]:
    try:
        z, x, y = int(z), int(x), int(y)
    except (TypeError, ValueError):
        raise InvalidInput(f"A tile is three whole numbers z/x/y, not {z}/{x}/{y}.") from None
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidInput(f"Zoom {z} is outside 0-{MAX_ZOOM}.")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise InvalidInput(f"Tile {x}/{y} does not exist at zoom {z} (0-{2**z - 1}).")
    return z, x, y


def _check_bounds(bounds) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise InvalidInput("Bounds are four numbers: west, south, east, north.") from None
    if not all(math.isfinite(b) for b in (west, south, east, north)):
        raise InvalidInput("Bounds must be finite numbers.")
    if not (west < east and south < north):
        raise InvalidInput(f"Bounds ({west}, {south}, {east}, {north}) are empty: west must "
                           "be less than east and south less than north.")
    return max(west, -180.0), max(south, -85.05), min(east, 180.0), min(north, 85.05)


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)
