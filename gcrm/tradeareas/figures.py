"""What trade areas hold, read back: the stored builds and areas with their figures, pairs
of sites that overlap (cannibalisation), and penetration by region with the white space
(regions with many households and few customers)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, text

from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.tradeareas import sql

FIGURES = ("area_km2", "customers", "prospects", "lapsed", "households", "penetration",
           "revenue_inside", "site_revenue", "captured", "share", "shared_customers",
           "overlap_share", "overlapping_sites", "expected_demand", "huff_share")


def builds(*, engine: Engine | None = None) -> pd.DataFrame:
    """Every build: name, method, trade areas, sites, parameters, who made it, when."""
    with (engine or get_engine()).connect() as conn:
        result = conn.execute(text(sql.BUILDS))
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


def areas(name: str, *, sites: Sequence[str] | None = None,
          engine: Engine | None = None) -> gpd.GeoDataFrame:
    """The trade areas of build ``name`` (optionally of some sites): id, site, site_name,
    band, method, one column per figure, geometry (EPSG:4326)."""
    with (engine or get_engine()).connect() as conn:
        build = _build(conn, name)
        rows = conn.execute(text(sql.AREAS), {"build_id": build.id,
                                              "codes": list(sites) if sites else None})
        frame = pd.DataFrame(rows.mappings().all(),
                             columns=["id", "site", "site_name", "band", "method", "figures",
                                      "wkb"])
    figures = pd.DataFrame(list(frame.pop("figures")), index=frame.index)
    for column in FIGURES:
        frame[column] = figures.get(column)
    geometry = shapely.from_wkb([bytes(g) for g in frame.pop("wkb")]) if len(frame) else []
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)


def overlaps(name: str, *, engine: Engine | None = None) -> pd.DataFrame:
    """Pairs of sites whose trade areas (same band) overlap: overlap in km², as a share of
    the first site's area, and customers inside both, largest first."""
    with (engine or get_engine()).connect() as conn:
        build = _build(conn, name)
        result = conn.execute(text(sql.OVERLAPS), {"build_id": build.id})
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


def penetration(level: str | None = None, *, build: str | None = None,
                white_space_top: float = 0.1,
                engine: Engine | None = None) -> gpd.GeoDataFrame:
    """Customers per household (or person) in each region of ``level`` (default: the
    finest level with households), the gap to the overall penetration (customers the region
    would add at the average rate), whether a trade area of ``build`` covers it, and
    ``white_space``: the regions in the top ``white_space_top`` share by gap."""
    with (engine or get_engine()).connect() as conn:
        level = level or conn.execute(text(sql.POTENTIAL_LEVEL)).scalar_one_or_none()
        if level is None or not conn.execute(text(sql.LEVEL_EXISTS),
                                             {"level": level}).scalar_one():
            levels = ", ".join(conn.execute(text(sql.LEVELS)).scalars()) or "none loaded"
            raise InvalidInput(f"No region level {level!r} with households or population; "
                               f"choose from {levels}.")
        build_id = _build(conn, build).id if build else None
        frame = pd.DataFrame(conn.execute(text(sql.PENETRATION), {
            "level": level, "build_id": build_id}).mappings().all(),
            columns=["code", "name", "potential", "customers", "penetration", "gap",
                     "in_trade_area", "wkb"])
    geometry = shapely.from_wkb([bytes(g) for g in frame.pop("wkb")]) if len(frame) else []
    frame = gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)
    positive = frame["gap"] > 0
    cut = frame.loc[positive, "gap"].quantile(1 - white_space_top) if positive.any() else 0
    frame["white_space"] = positive & (frame["gap"] >= cut)
    frame.attrs["level"] = level
    return frame


def site_points(*, engine: Engine | None = None) -> pd.DataFrame:
    """Every site: code, name, kind, attractiveness, lon, lat."""
    with (engine or get_engine()).connect() as conn:
        return pd.DataFrame(conn.execute(text(sql.SITE_POINTS)).mappings().all(),
                            columns=["site", "name", "kind", "attractiveness", "lon", "lat"])


def _build(conn: Connection, name: str):
    row = conn.execute(text(sql.BUILD), {"name": name}).first()
    if row is None:
        known = ", ".join(r.name for r in conn.execute(text(sql.BUILDS))) or "none yet"
        raise InvalidInput(f"No trade areas {name!r}; there are: {known}.")
    return row
