"""Which region part holds each point: the pure function a Dask worker runs per partition
of points (the same rule as PostGIS's assignment in gcrm.regions)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd


def region_of_points(points: pd.DataFrame, parts: gpd.GeoDataFrame) -> pd.DataFrame:
    """``points`` (``id``, ``lon``, ``lat`` in EPSG:4326) x ``parts`` (``region_id``,
    ``rank``, polygon geometry in EPSG:4326) -> one row per point: ``id``, ``region_id``.

    A point hits a part when they intersect (so a point on a boundary hits it, as
    PostGIS's ST_Intersects); on a shared edge or corner the region with the smallest
    ``rank`` wins (the position of its code as the database sorts codes, so the same
    region as ``ORDER BY code``); a point in no part gets no region (``<NA>``).
    """
    located = gpd.GeoDataFrame(
        {"id": points["id"].to_numpy()},
        geometry=gpd.points_from_xy(points["lon"], points["lat"]), crs=parts.crs or 4326)
    hits = gpd.sjoin(located, parts[["region_id", "rank", "geometry"]], how="inner",
                     predicate="intersects")
    first = (hits.sort_values(["id", "rank"], kind="stable")
             .drop_duplicates("id")[["id", "region_id"]])
    out = pd.DataFrame({"id": points["id"].to_numpy()}).merge(first, on="id", how="left")
    out["region_id"] = out["region_id"].astype("Int64")
    return out
