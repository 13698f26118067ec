"""Load a boundary file as one level of a region hierarchy."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Engine, text

from gcrm.db.copy import copy_frame, copy_rows
from gcrm.db.engine import get_engine
from gcrm.errors import GcrmError
from gcrm.regions import sql


@dataclass
class RegionLoad:
    level: str
    loaded: int
    parents_found: str  # "field", "spatial" or "none"
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (code, reason)


def load_regions(
    path: str | Path | gpd.GeoDataFrame,
    *,
    level: str,
    code_field: str,
    name_field: str | None = None,
    parent_level: str | None = None,
    parent_field: str | None = None,
    population_field: str | None = None,
    households_field: str | None = None,
    crs=None,
    kind: str = "boundary",
    engine: Engine | None = None,
) -> RegionLoad:
    """Load the polygons of ``path`` as regions of ``level``.

    Geometries are repaired (ST_MakeValid) and reprojected to EPSG:4326. With
    ``parent_level`` the hierarchy is recorded: by ``parent_field`` when given,
    otherwise spatially (the parent holding most of the child's area).
    ``code_field`` may be ``id`` for a GeoJSON feature id. ``path`` may also be a
    GeoDataFrame (as the H3 grid and the demo pass).
    """
    if isinstance(path, gpd.GeoDataFrame):
        gdf, source = path.to_crs(4326), f"{kind} (generated)"
    else:
        gdf, source = _read(path, crs), Path(path).name
    _require(gdf, [code_field, name_field, parent_field, population_field, households_field])
    if parent_field and not parent_level:
        raise GcrmError("--parent-field needs --parent-level (the level the parent codes name).")
    codes = gdf[code_field].astype(str).str.strip()
    rejected = [(c, "the code appears more than once") for c in codes[codes.duplicated()]]
    rejected += [(str(c), "geometry is empty") for c in codes[gdf.geometry.is_empty
                                                                | gdf.geometry.isna()]]
    keep = ~codes.duplicated() & ~(gdf.geometry.is_empty | gdf.geometry.isna())
    stage = pd.DataFrame({
        "code": codes,
        "name": gdf[name_field].astype(str) if name_field else None,
        "parent_code": gdf[parent_field].astype(str).str.strip() if parent_field else None,
        "population": _integers(gdf, population_field),
        "households": _integers(gdf, households_field),
        "wkb": shapely.to_wkb(gdf.geometry.values),
    })[keep]

    engine = engine or get_engine()
    params = {"level": level, "parent_level": parent_level}
    with engine.begin() as conn:
        conn.execute(text(sql.CREATE_STAGE))
        copy_frame(conn, sql.COPY_STAGE, stage)
        rejected += [(r.code, "no polygon left after repairing the geometry")
                     for r in conn.execute(text(sql.EMPTY_AFTER_REPAIR))]
        if parent_field:
            rejected += [(r.code, f"parent {r.parent_code} is not a region of {parent_level}")
                         for r in conn.execute(text(sql.UNKNOWN_PARENTS), params)]
        loaded = conn.execute(text(sql.UPSERT), params).rowcount
        if parent_level and not parent_field:
            conn.execute(text(sql.SPATIAL_PARENTS), params)
            conn.execute(text(sql.NEAREST_PARENTS), params)
        conn.execute(text(sql.UPSERT_LEVEL),
                     {**params, "kind": kind, "source": source})
        for statement in sql.REBUILD_PARTS.split(";"):
            if statement.strip():
                conn.execute(text(statement), params)
        conn.execute(text(sql.FORGET_LEVEL_ASSIGNMENTS), params)
    found = "field" if parent_field else ("spatial" if parent_level else "none")
    return RegionLoad(level, loaded, found, rejected)


def load_context(path: str | Path, *, level: str, code_field: str,
                 engine: Engine | None = None) -> dict:
    """Attach every numeric column of ``path`` to the regions of ``level`` (JSONB context).

    Returns ``{"matched": n, "unknown_codes": [...], "attributes": [...]}``.
    """
    frame = _read_table(path)
    _require(frame, [code_field])
    codes = frame[code_field].astype(str).str.strip()
    numeric = frame.drop(columns=[code_field]).apply(pd.to_numeric, errors="coerce")
    numeric = numeric.loc[:, numeric.notna().any()]
    if numeric.empty:
        raise GcrmError(f"{Path(path).name} has no numeric columns to attach besides {code_field}.")
    records = [json.dumps({k: v for k, v in row.items() if pd.notna(v)})
               for row in numeric.to_dict(orient="records")]
    engine = engine or get_engine()
    with engine.begin() as conn:
        conn.execute(text(sql.CONTEXT_STAGE))
        copy_rows(conn, "COPY stage_context (code, attrs) FROM STDIN",
                  zip(codes, records, strict=True))
        matched = {r.code for r in conn.execute(text(sql.CONTEXT_MERGE), {"level": level})}
    return {"matched": len(matched), "unknown_codes": sorted(set(codes) - matched),
            "attributes": list(numeric.columns)}


def _read(path, crs) -> gpd.GeoDataFrame:
    try:
        gdf = gpd.read_file(path, engine="pyogrio", fid_as_index=False)
    except Exception as exc:
        raise GcrmError(f"{Path(path).name} cannot be read as a boundary file: {exc}") from None
    if "id" not in gdf.columns:
        ids = _feature_ids(path)
        if ids is not None and len(ids) == len(gdf):
            gdf["id"] = ids
    if crs is not None:
        gdf = gdf.set_crs(crs, allow_override=True)
    elif gdf.crs is None:
        gdf = gdf.set_crs(4326)
    return gdf.to_crs(4326)


def _feature_ids(path) -> list | None:
    """GeoJSON feature ids (GDAL does not always expose them as a column)."""
    if Path(path).suffix.lower() not in (".json", ".geojson"):
        return None
    features = json.loads(Path(path).read_text()).get("features", [])
    ids = [f.get("id") for f in features]
    return ids if any(i is not None for i in ids) else None


def _read_table(path) -> pd.DataFrame:
    from gcrm.ingest.readers import read_table

    return read_table(path).frame.drop(columns=["_geometry_type", "lon", "lat"], errors="ignore")


def _require(frame: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c and c not in frame.columns]
    if missing:
        raise GcrmError(
            f"No column {', '.join(repr(c) for c in missing)} in the file. "
            f"Columns: {', '.join(str(c) for c in frame.columns if c != 'geometry')}."
        )


def _integers(frame: pd.DataFrame, column: str | None):
    if not column:
        return None
    return pd.to_numeric(frame[column], errors="coerce").round().astype("Int64")
