"""Regions: hierarchies of areas (states > counties > ZIP areas, H3 cells), and which
region every account, site and rep lies in.

>>> from gcrm import regions
>>> regions.levels()                          # doctest: +SKIP
>>> regions.children("06")                    # counties of California  # doctest: +SKIP
>>> regions.ancestors("06037")                # [state 06]  # doctest: +SKIP
>>> regions.frame("county")                   # a GeoDataFrame  # doctest: +SKIP
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Engine, text

from gcrm.db.engine import get_engine
from gcrm.regions import sql
from gcrm.regions.assign import assign, unassigned
from gcrm.regions.load import RegionLoad, load_context, load_regions

__all__ = ["RegionLoad", "ancestors", "assign", "children", "frame", "levels", "load_context",
           "load_regions", "unassigned"]


def levels(*, engine: Engine | None = None) -> pd.DataFrame:
    """The loaded levels: name, parent level, depth, kind, source file, number of regions."""
    return _query(sql.LEVELS, {}, engine)


def children(code: str, *, level: str | None = None, engine: Engine | None = None) -> pd.DataFrame:
    """The regions whose parent is ``code`` (of ``level`` when codes repeat across levels)."""
    return _query(_with_level(sql.CHILDREN, level, "p"), {"code": code, "level": level}, engine)


def ancestors(code: str, *, level: str | None = None, engine: Engine | None = None) -> pd.DataFrame:
    """The chain of parents of ``code``, top first."""
    return _query(_with_level(sql.ANCESTORS, level, ""), {"code": code, "level": level}, engine)


def frame(level: str, *, engine: Engine | None = None) -> gpd.GeoDataFrame:
    """All regions of ``level`` as a GeoDataFrame in EPSG:4326."""
    data = _query(sql.FRAME, {"level": level}, engine)
    geometry = shapely.from_wkb([bytes(g) for g in data.pop("geometry")]) if len(data) else []
    return gpd.GeoDataFrame(data, geometry=geometry, crs=4326)


def _with_level(query: str, level: str | None, alias: str) -> str:
    prefix = f"{alias}." if alias else ""
    return query.format(level=f"AND {prefix}level = :level" if level else "")


def _query(query: str, params: dict, engine: Engine | None) -> pd.DataFrame:
    with (engine or get_engine()).connect() as conn:
        result = conn.execute(text(query), params)
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))
