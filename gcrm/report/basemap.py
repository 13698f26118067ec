"""The base map under the report's choropleth (roads, water, places), when the base map
module and its tables are there; nothing otherwise (the report is whole without it)."""

from __future__ import annotations

import importlib

import geopandas as gpd
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

LAYERS = ("water", "roads", "places")


def features(bounds: tuple[float, float, float, float], *,
             engine: Engine) -> gpd.GeoDataFrame | None:
    """Base-map features in ``bounds`` (west, south, east, north; EPSG:4326) with columns
    layer, kind, name, geometry; None when no base map is loaded."""
    try:
        module = importlib.import_module("gcrm.basemap")
    except ImportError:
        return None
    read = getattr(module, "features", None)
    if read is None:
        return None
    try:
        frame = read(bounds, layers=list(LAYERS), engine=engine)
    except DBAPIError:  # the tables are not there (not migrated, or not loaded)
        return None
    if frame is None or len(frame) == 0:
        return None
    return frame
