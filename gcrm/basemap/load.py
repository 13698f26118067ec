"""Store a base map in PostGIS under a name (a reload replaces it in one transaction) and
list the loaded ones."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Engine, text

from gcrm import audit
from gcrm.basemap import sql
from gcrm.basemap.read import read_basemap
from gcrm.basemap.tiles import clear_cache
from gcrm.db.copy import copy_rows
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput


@dataclass
class LoadSummary:
    """What a load stored: features per layer, and rows left out by reason."""

    name: str
    source: str
    features: dict[str, int]
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.features.values())


def load(path: Path, *, name: str | None = None, attribution: str | None = None,
         engine: Engine | None = None) -> LoadSummary:
    """Load the base map file ``path`` as ``name`` (default: the file's name without its
    suffixes); a base map of that name is replaced, all at once or not at all.

    >>> load(Path("pennsylvania-latest.osm.pbf"))  # doctest: +SKIP
    LoadSummary(name='pennsylvania-latest', ...)
    """
    path = Path(path)
    frame = read_basemap(path)
    name = _name(name or path.name.split(".")[0])
    return store(frame.features, name=name, source=path.name,
                 attribution=attribution or frame.attribution,
                 rejected=dict(frame.rejected), engine=engine)


def store(features: gpd.GeoDataFrame, *, name: str, source: str,
          attribution: str | None = None, rejected: dict[str, int] | None = None,
          engine: Engine | None = None) -> LoadSummary:
    """Store ``features`` (layer, kind, name, min_zoom, geometry in EPSG:4326) as base map
    ``name``, replacing one of that name in the same transaction."""
    name = _name(name)
    counts = {layer: int(n) for layer, n in features["layer"].value_counts().items()}
    summary = LoadSummary(name, source, counts, rejected or {})
    names = features["name"].astype(object).where(features["name"].notna(), None)
    rows = zip(features["layer"], features["kind"].fillna(""), names,
               features["min_zoom"].astype(int), shapely.to_wkb(features.geometry.to_numpy()),
               strict=True)
    with (engine or get_engine()).begin() as conn:
        conn.execute(text(sql.DELETE_BASEMAP), {"name": name})
        conn.execute(text(sql.INSERT_BASEMAP), {
            "name": name, "source": source, "attribution": attribution,
            "features": json.dumps(counts)})
        conn.execute(text(sql.CREATE_STAGE))
        copy_rows(conn, sql.COPY_STAGE, rows)
        conn.execute(text(sql.INSERT_FEATURES), {"name": name})
        audit.record("basemap.load", name, {"source": source, "features": counts,
                                            "rejected": summary.rejected}, connection=conn)
    clear_cache()  # this process's tiles follow at once; others within seconds
    return summary


def basemaps(*, engine: Engine | None = None) -> pd.DataFrame:
    """The loaded base maps: name, source, attribution, loaded_at, features per layer."""
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(text(sql.BASEMAPS)).mappings().all()
    return pd.DataFrame(rows, columns=["name", "source", "attribution", "loaded_at",
                                       "features"])


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A base map needs a name (--name).")
    return name
