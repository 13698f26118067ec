"""The demo's geography: real ZIP centroids (from the offline ``zipcodes`` package) grown
into contiguous ZIP areas (Voronoi), dissolved into counties and states.

These are approximate areas, not official boundaries; load Census TIGER or your
country's boundaries with ``gcrm regions load`` for real work.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.crs import equal_area_crs
from spatial.tessellate import points_outline, voronoi_areas


def zip_points(states: list[str]) -> gpd.GeoDataFrame:
    """Active standard ZIP codes of ``states`` with their centroid, city and county."""
    import zipcodes

    rows = [z for z in zipcodes.list_all()
            if z["state"] in states and z["active"] and z["zip_code_type"] == "STANDARD"
            and z["lat"] and z["long"]]
    if not rows:
        raise ValueError(f"No ZIP codes for states {states}; use USPS codes such as PA or OH.")
    frame = pd.DataFrame(rows)[["zip_code", "city", "county", "state", "lat", "long"]]
    frame = frame.drop_duplicates("zip_code").sort_values("zip_code").reset_index(drop=True)
    frame = frame.drop_duplicates(["lat", "long"]).reset_index(drop=True)  # Voronoi needs
    return gpd.GeoDataFrame(
        frame.drop(columns=["lat", "long"]),
        geometry=gpd.points_from_xy(frame["long"].astype(float), frame["lat"].astype(float)),
        crs=4326,
    )


def build_geography(states: list[str], rng: np.random.Generator) -> dict[str, gpd.GeoDataFrame]:
    """ZIP areas with population and households, and counties and states dissolved from them."""
    points = zip_points(states)
    areas = voronoi_areas(points, points_outline(points))
    km2 = areas.to_crs(equal_area_crs(areas)).area / 1e6
    density = (1.0 / np.maximum(km2, 0.5)) ** 0.75 * rng.lognormal(0.0, 0.35, len(areas))
    population = np.round(density / density.sum() * 4_200 * len(areas)).astype(int) + 50
    areas["population"] = population
    areas["households"] = np.round(population / rng.uniform(2.2, 2.8, len(areas))).astype(int)
    areas["county_code"] = [f"{s}-{_slug(c)}" for s, c in zip(areas["state"], areas["county"],
                                                             strict=True)]
    zips = areas.rename(columns={"zip_code": "code"})
    zips["name"] = zips["code"] + " " + zips["city"]
    counties = zips.dissolve(by="county_code", aggfunc={
        "county": "first", "state": "first", "population": "sum", "households": "sum"},
    ).reset_index().rename(columns={"county_code": "code", "county": "name"})
    state_rows = zips.dissolve(by="state", aggfunc={"population": "sum", "households": "sum"})
    state_rows = state_rows.reset_index().rename(columns={"state": "code"})
    state_rows["name"] = state_rows["code"]
    zips["km2"] = km2.round(3).to_numpy()
    return {"state": state_rows, "county": counties, "zip": zips}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", text.upper().replace(" COUNTY", "")).strip("_")
