"""Trade-area methods on real places, each against a plain peer in the same run:
the sparse Huff model (spatial.tradearea.huff) vs a dense NumPy Huff, and customer-derived
areas (spatial.tradearea.customer_areas) vs a per-site GeoPandas loop.

    .venv/bin/python bench/tradearea_methods.py [--cells 100000] [--customers 1000000]
                                                [--repeat 3]

Sites: the 100 distinct Starbucks locations nearest downtown Denver (real, 2017:
../shared/data/us/starbucks_us_locations_2017.csv; the source rounds coordinates to
0.01 degree, so stores sharing a rounded point were kept once). Attractiveness is
synthetic, fixed seed: 2 for a company-owned store, 1 for a licensed one (inside a
grocery store, hotel, airport), times a lognormal factor (sigma 0.3, seed 0).
Cells: the ``--cells`` H3 cells (v4, resolution 10, ~0.015 km2) nearest downtown, a disc
of about 21 km holding every site. Demand: the real population of each ZIP code
(../shared/data/us/us_zipcodes_simplemaps.csv, ACS) shared equally among the cells whose
nearest ZIP centroid it is.
Customers: ``--customers`` synthetic ones, fixed seed, drawn around the real ZIP
centroids in proportion to their population (normal scatter with a standard deviation of
half the radius of a circle of the ZIP's area, population / density, kept in 0.3-3 km),
each sent to a site drawn from the Huff model (decay 2, the 10 nearest sites).

(a) huff(k=None) vs a dense NumPy Huff over the full cells x sites matrix (haversine
distances): runtime, ratio, largest difference in a probability and in a market share.
(b) huff(k=10) vs the dense NumPy formula restricted to each cell's 10 nearest sites
(argpartition on the full distance matrix): the same model, same figures; and how far
the k=10 shares are from the all-sites shares (the truncation, honestly reported).
(c) customer_areas (60% and 80%) vs the per-site GeoPandas loop a notebook would write
(groupby site, to_crs to a site-centred projection, distance, sort, cumulative share,
concave hull, buffer, back to EPSG:4326, within): runtime, ratio, agreement.
Timings are medians of ``--repeat`` runs (the GeoPandas loop, deterministic and slow,
runs once); the payload's "summary" holds them with min and max. Peak memory is the
process's resident peak (ru_maxrss) after each part. Targets (the issue): Huff <= 5 s
with the same shares to 1e-6; customer-derived areas for 100 sites <= 10 s.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).parent))
from harness import spread, summary_row, write_results  # noqa: E402

from spatial import tradearea  # noqa: E402

DATA = Path(__file__).parents[1].parent / "shared" / "data" / "us"
DOWNTOWN_DENVER = (-104.99, 39.74)
R_KM = 6371.0088
DECAY = 2.0
SHARES = (0.6, 0.8)


# --- the data -----------------------------------------------------------------------------
def stores(n: int = 100) -> pd.DataFrame:
    """The n distinct Starbucks locations nearest downtown Denver, with attractiveness."""
    raw = pd.read_csv(DATA / "starbucks_us_locations_2017.csv")
    raw = raw.drop_duplicates(["Longitude", "Latitude"])
    km = haversine_km(raw["Longitude"].to_numpy(), raw["Latitude"].to_numpy(),
                      *DOWNTOWN_DENVER)
    near = raw.assign(km=km).nsmallest(n, "km").reset_index(drop=True)
    factor = np.random.default_rng(0).lognormal(0.0, 0.3, len(near))
    base = np.where(near["Ownership Type"] == "Company Owned", 2.0, 1.0)
    return pd.DataFrame({"site": near["Store Number"], "name": near["Store Name"],
                         "lon": near["Longitude"], "lat": near["Latitude"],
                         "attractiveness": base * factor, "km": near["km"]})


def cells(n: int) -> pd.DataFrame:
    """The n resolution-10 H3 cells nearest downtown Denver (their centres)."""
    centre = h3.latlng_to_cell(DOWNTOWN_DENVER[1], DOWNTOWN_DENVER[0], 10)
    ring = 1
    while 3 * ring * (ring + 1) + 1 < n:
        ring += 1
    codes = np.array(sorted(h3.grid_disk(centre, ring)))
    lat, lon = np.array([h3.cell_to_latlng(c) for c in codes]).T
    keep = np.argsort(haversine_km(lon, lat, *DOWNTOWN_DENVER), kind="stable")[:n]
    return pd.DataFrame({"cell": codes[keep], "lon": lon[keep], "lat": lat[keep]})


def zips_near(grid: pd.DataFrame) -> pd.DataFrame:
    zips = pd.read_csv(DATA / "us_zipcodes_simplemaps.csv", dtype={"zip": str})
    margin = 0.05
    inside = (zips["lng"].between(grid["lon"].min() - margin, grid["lon"].max() + margin)
              & zips["lat"].between(grid["lat"].min() - margin, grid["lat"].max() + margin)
              & (zips["population"] > 0))
    return zips[inside].reset_index(drop=True)


def demand(grid: pd.DataFrame, zips: pd.DataFrame) -> np.ndarray:
    """Each ZIP's population shared equally among the cells nearest its centroid."""
    _, nearest = cKDTree(unit(zips["lng"], zips["lat"])).query(unit(grid["lon"], grid["lat"]))
    per_zip = np.bincount(nearest, minlength=len(zips))
    return zips["population"].to_numpy(float)[nearest] / per_zip[nearest]


def customers(n: int, zips: pd.DataFrame, sites: pd.DataFrame) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(1)
    people = zips["population"].to_numpy(float)
    per_zip = rng.multinomial(n, people / people.sum())
    radius_km = np.sqrt(people / zips["density"].clip(lower=1).to_numpy() / np.pi)
    sd_km = np.clip(radius_km / 2, 0.3, 3.0)
    at = np.repeat(np.arange(len(zips)), per_zip)
    lat0, lon0 = zips["lat"].to_numpy()[at], zips["lng"].to_numpy()[at]
    dy, dx = rng.normal(0, 1, (2, n)) * sd_km[at]
    lat = lat0 + np.degrees(dy / R_KM)
    lon = lon0 + np.degrees(dx / (R_KM * np.cos(np.radians(lat0))))
    model = tradearea.huff(lon, lat, sites["lon"], sites["lat"], sites["attractiveness"],
                           decay=DECAY, k=10)
    chosen = _draw(model, rng)
    return gpd.GeoDataFrame({"site": sites["site"].to_numpy()[chosen]},
                            geometry=gpd.points_from_xy(lon, lat), crs=4326)


def _draw(model, rng) -> np.ndarray:
    """One site per cell of ``model``, drawn with its Huff probabilities (k per cell)."""
    k = len(model.cell) // model.n_cells
    p = model.probability.reshape(model.n_cells, k)
    u = rng.uniform(0, 1, (model.n_cells, 1))
    pick = np.minimum((np.cumsum(p, axis=1) < u).sum(axis=1), k - 1)
    return model.site.reshape(model.n_cells, k)[np.arange(model.n_cells), pick]


# --- the peers ----------------------------------------------------------------------------
def haversine_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = (np.radians(v) for v in (lon1, lat1, lon2, lat2))
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * R_KM * np.arcsin(np.sqrt(h))


def unit(lon, lat) -> np.ndarray:
    lon, lat = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def dense_huff(grid, sites, k: int | None = None) -> np.ndarray:
    """The textbook Huff over the full cells x sites matrix; with k, each cell's row keeps
    only its k nearest sites (the same model as huff(k=k))."""
    d = haversine_km(grid["lon"].to_numpy()[:, None], grid["lat"].to_numpy()[:, None],
                     sites["lon"].to_numpy()[None], sites["lat"].to_numpy()[None])
    a = sites["attractiveness"].to_numpy()
    if k is None:
        w = a[None] * np.maximum(d, 0.1) ** -DECAY
        return w / w.sum(axis=1, keepdims=True)
    near = np.argpartition(d, k - 1, axis=1)[:, :k]
    w = a[near] * np.maximum(np.take_along_axis(d, near, axis=1), 0.1) ** -DECAY
    p = np.zeros_like(d)
    np.put_along_axis(p, near, w / w.sum(axis=1, keepdims=True), axis=1)
    return p


def naive_areas(sites: pd.DataFrame, buyers: gpd.GeoDataFrame) -> pd.DataFrame:
    """Customer-derived areas the way a notebook does it: one site at a time in GeoPandas."""
    rows = []
    for site, group in buyers.groupby("site", sort=False):
        home = sites.set_index("site").loc[site]
        crs = CRS.from_proj4(f"+proj=aeqd +lat_0={home['lat']} +lon_0={home['lon']} "
                             "+ellps=WGS84 +units=m")
        local = group.to_crs(crs)
        distance = local.distance(shapely.Point(0, 0)).sort_values(kind="stable")
        share = np.arange(1, len(distance) + 1) / len(distance)
        for p in SHARES:
            taken = distance.index[: int(np.searchsorted(share, p * (1 - 1e-12))) + 1]
            points = list(local.geometry.loc[taken]) + [shapely.Point(0, 0)]
            hull = shapely.concave_hull(shapely.MultiPoint(points), ratio=0.3)
            hull = hull.buffer(50, quad_segs=8)
            polygon = gpd.GeoSeries([hull], crs=crs).to_crs(4326).iloc[0]
            inside = group.within(polygon)
            rows.append({"site": site, "share": p, "held_share": inside.mean(),
                         "radius_km": distance.loc[taken[-1]] / 1000})
    return pd.DataFrame(rows)


# --- running ------------------------------------------------------------------------------
def timed(repeat: int, work, runs: list | None = None):
    """The median time of ``repeat`` runs and the last result; every time into ``runs``."""
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - start)
    if runs is not None:
        runs.extend(seconds)
    return statistics.median(seconds), result


def peak_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def as_matrix(result) -> np.ndarray:
    return result.matrix()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    sites, grid = stores(), cells(args.cells)
    zips = zips_near(grid)
    people = demand(grid, zips)
    reach = haversine_km(grid["lon"], grid["lat"], *DOWNTOWN_DENVER).max()
    print(f"{len(sites)} Starbucks sites within {sites['km'].max():.1f} km of downtown Denver; "
          f"{len(grid):,} H3 cells out to {reach:.1f} km; {len(zips)} ZIPs, "
          f"{people.sum():,.0f} people")
    lon, lat = grid["lon"].to_numpy(), grid["lat"].to_numpy()
    s_lon, s_lat, attract = (sites[c].to_numpy() for c in ("lon", "lat", "attractiveness"))
    results: dict = {"sites": len(sites), "cells": len(grid), "customers": args.customers,
                     "repeat": args.repeat, "decay": DECAY, "people": round(people.sum())}
    table = []
    runs: dict[str, list[float]] = {}  # every timing, for the summary

    # (a) every site
    sparse_s, full = timed(args.repeat, lambda: tradearea.huff(lon, lat, s_lon, s_lat, attract,
                                                               decay=DECAY, k=None),
                           runs.setdefault("huff_all", []))
    dense_s, dense = timed(args.repeat, lambda: dense_huff(grid, sites),
                           runs.setdefault("dense_all", []))
    shares_full = tradearea.market_shares(full, people)["share"].to_numpy()
    dense_shares = people @ dense / people.sum()
    results["huff_all_sites"] = {
        "gcrm_s": round(sparse_s, 3), "dense_numpy_s": round(dense_s, 3),
        "ratio_dense_over_gcrm": round(dense_s / sparse_s, 2),
        "max_abs_probability_diff": float(np.abs(as_matrix(full) - dense).max()),
        "max_abs_share_diff": float(np.abs(shares_full - dense_shares).max()),
        "peak_rss_mib": peak_mib()}
    table.append(("(a) Huff, all 100 sites", results["huff_all_sites"]))
    del dense

    # (b) the 10 nearest sites
    sparse_s, near = timed(args.repeat, lambda: tradearea.huff(lon, lat, s_lon, s_lat, attract,
                                                               decay=DECAY, k=10),
                           runs.setdefault("huff_10", []))
    dense_s, dense = timed(args.repeat, lambda: dense_huff(grid, sites, k=10),
                           runs.setdefault("dense_10", []))
    shares_near = tradearea.market_shares(near, people)["share"].to_numpy()
    full_matrix = as_matrix(full)
    outside = 1 - np.bincount(near.cell, weights=full_matrix[near.cell, near.site],
                              minlength=len(grid))
    results["huff_10_nearest"] = {
        "gcrm_s": round(sparse_s, 3), "dense_numpy_s": round(dense_s, 3),
        "ratio_dense_over_gcrm": round(dense_s / sparse_s, 2),
        "max_abs_probability_diff": float(np.abs(as_matrix(near) - dense).max()),
        "max_abs_share_diff": float(np.abs(shares_near - people @ dense / people.sum()).max()),
        "peak_rss_mib": peak_mib(),
        "truncation": {
            "max_abs_share_diff_vs_all_sites": round(float(np.abs(shares_near
                                                                  - shares_full).max()), 5),
            "share_moved_vs_all_sites": round(float(np.abs(shares_near
                                                           - shares_full).sum() / 2), 5),
            "mean_probability_beyond_10_nearest": round(float(outside.mean()), 5),
            "max_probability_beyond_10_nearest": round(float(outside.max()), 5)}}
    table.append(("(b) Huff, 10 nearest sites", results["huff_10_nearest"]))
    del dense, full_matrix

    # (c) customer-derived areas
    start = time.perf_counter()
    buyers = customers(args.customers, zips, sites)
    made_s = time.perf_counter() - start
    points = gpd.GeoDataFrame({"site": sites["site"]},
                              geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs=4326)
    gcrm_s, areas = timed(args.repeat, lambda: tradearea.customer_areas(points, buyers, SHARES),
                          runs.setdefault("areas", []))
    naive_s, naive = timed(1, lambda: naive_areas(sites, buyers),
                           runs.setdefault("naive_areas", []))
    both = areas.merge(naive, on=["site", "share"], suffixes=("", "_naive"))
    results["customer_areas"] = {
        "customers_made_s": round(made_s, 2), "sites_with_customers": int(areas["site"].nunique()),
        "gcrm_s": round(gcrm_s, 3), "geopandas_per_site_s": round(naive_s, 3),
        "ratio_geopandas_over_gcrm": round(naive_s / gcrm_s, 2),
        "max_abs_radius_km_diff": float((both["radius_km"] - both["radius_km_naive"]).abs().max()),
        "max_abs_held_share_diff": float((both["held_share"]
                                          - both["held_share_naive"]).abs().max()),
        "held_share_60": [round(float(v), 3) for v in
                          areas.loc[areas["share"] == 0.6, "held_share"].describe()[
                              ["min", "50%", "max"]]],
        "held_share_80": [round(float(v), 3) for v in
                          areas.loc[areas["share"] == 0.8, "held_share"].describe()[
                              ["min", "50%", "max"]]],
        "peak_rss_mib": peak_mib()}
    table.append(("(c) customer-derived areas", results["customer_areas"]))

    print(f"\n{'part':30s} {'gcrm s':>8s} {'peer s':>8s} {'peer/gcrm':>9s} "
          f"{'max |dP|':>10s} {'max |d share|':>13s} {'peak MiB':>9s}")
    for name, row in table:
        peer = row.get("dense_numpy_s", row.get("geopandas_per_site_s"))
        ratio = row.get("ratio_dense_over_gcrm", row.get("ratio_geopandas_over_gcrm"))
        dp = row.get("max_abs_probability_diff", row.get("max_abs_held_share_diff"))
        ds = row.get("max_abs_share_diff", row.get("max_abs_radius_km_diff"))
        print(f"{name:30s} {row['gcrm_s']:8.3f} {peer:8.3f} {ratio:9.2f} {dp:10.2e} "
              f"{ds:13.2e} {row['peak_rss_mib']:9,d}")
    print("(c): the last two columns are the largest differences in held share and in "
          "radius (km) between the two")
    trunc = results["huff_10_nearest"]["truncation"]
    print(f"truncation (k=10 vs all sites): largest share difference "
          f"{trunc['max_abs_share_diff_vs_all_sites']:.4%}, share moved "
          f"{trunc['share_moved_vs_all_sites']:.4%}, probability beyond the 10 nearest: mean "
          f"{trunc['mean_probability_beyond_10_nearest']:.2%}, max "
          f"{trunc['max_probability_beyond_10_nearest']:.2%}")
    c = results["customer_areas"]
    print(f"held share of the 60% areas (min/median/max): {c['held_share_60']}, of the 80% "
          f"areas: {c['held_share_80']}")
    size = f"{len(sites)} sites, {len(grid):,} cells"
    all_sites, nearest = results["huff_all_sites"], results["huff_10_nearest"]
    results["summary"] = [
        summary_row("Huff, all sites", spread(runs["huff_all"]),
                    peer_name="dense NumPy Huff", peer=spread(runs["dense_all"]),
                    note=f"{size}; largest probability difference "
                         f"{all_sites['max_abs_probability_diff']:.1e}"),
        summary_row("Huff, 10 nearest sites", spread(runs["huff_10"]),
                    peer_name="dense NumPy Huff restricted to the 10 nearest",
                    peer=spread(runs["dense_10"]),
                    note=f"{size}; largest probability difference "
                         f"{nearest['max_abs_probability_diff']:.1e}; against all sites the "
                         f"largest share moves {trunc['max_abs_share_diff_vs_all_sites']:.2%}"),
        summary_row("customer-derived areas (60% and 80%)", spread(runs["areas"]),
                    peer_name="per-site GeoPandas loop", peer=spread(runs["naive_areas"]),
                    note=f"{c['sites_with_customers']} sites, {args.customers:,} customers; "
                         "the loop runs once (deterministic, the slowest part); largest held "
                         f"share difference {c['max_abs_held_share_diff']:.1e}"),
    ]
    print(f"results: {write_results('tradearea_methods', results)}")


if __name__ == "__main__":
    main()
