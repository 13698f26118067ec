"""Territory design on real US counties against PySAL spopt, in the same run.

    .venv/bin/python bench/territory_design.py [--states 36,42,...|all] [--k 10,20]
                                               [--workload population|zips]

Areas: the real 2010 county outlines (../shared/data/us/geojson-counties-fips.json).
Workload ``population``: "accounts", the population of the real ZIP centroids in each
county / 100 (../shared/data/us/us_zipcodes_simplemaps.csv); ``zips``: the number of real
ZIP codes in each county (service points, spread more evenly: no county is a whole
territory). Every design sees the same rook adjacency (islands bridged to their nearest
county). Reported per design: runtime, peak resident memory of the process after it
(designs run in order), largest deviation from the equal target (max imbalance),
Polsby-Popper compactness (mean and minimum), contiguity, territories made. Peers:
spopt's RegionKMeansHeuristic (K contiguous regions, no balance constraint) and
MaxPHeuristic (as many regions as possible, each holding at least 90% of the target: its
way of asking for balance). Needs spopt (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from harness import write_results  # noqa: E402

from spatial import territory  # noqa: E402

DATA = Path(__file__).parents[1].parent / "shared" / "data" / "us"
EAST = "09,10,11,23,24,25,33,34,36,42,44,50,51,54"  # New England to Virginia: 435 counties


def counties(states: str, workload: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(DATA / "geojson-counties-fips.json")
    gdf = gdf[~gdf["STATE"].isin(["02", "15", "72"])]  # the contiguous states
    if states != "all":
        gdf = gdf[gdf["STATE"].isin(states.split(","))]
    gdf = gdf.reset_index(drop=True)
    zips = pd.read_csv(DATA / "us_zipcodes_simplemaps.csv", dtype={"zip": str})
    points = gpd.GeoDataFrame(zips, geometry=gpd.points_from_xy(zips["lng"], zips["lat"]),
                              crs=4326)
    joined = gpd.sjoin(points, gdf[["geometry"]], predicate="within")
    if workload == "zips":
        gdf["accounts"] = joined.groupby("index_right").size().reindex(gdf.index).fillna(0)
    else:
        people = joined.groupby("index_right")["population"].sum()
        gdf["accounts"] = (people / 100).reindex(gdf.index).fillna(0).round()
    return gdf


def measure(name: str, labels, gdf, graph, seconds: float) -> dict:
    _, labels = np.unique(np.asarray(labels), return_inverse=True)  # spopt counts from 1
    _, summary = territory.plan_metrics(labels, gdf[["accounts"]],
                                        geometries=graph.geometries,
                                        neighbours=graph.neighbours)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB
    row = {"design": name, "seconds": round(seconds, 3), "peak_rss_mib": round(peak), **{
        key: round(value, 4) if isinstance(value, float) else value
        for key, value in summary.items()}}
    print(f"  {name:32s} {seconds:8.2f} s  territories {row['territories']:3d}  "
          f"max imbalance {row['max_imbalance']:7.1%}  Polsby-Popper mean "
          f"{row['mean_polsby_popper']:.3f} min {row['min_polsby_popper']:.3f}  "
          f"contiguous {row['contiguous']}  peak {peak:,.0f} MiB")
    return row


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--states", default=EAST)
    parser.add_argument("--k", default="10,20")
    parser.add_argument("--peers", default="kmeans,maxp")
    parser.add_argument("--workload", default="population", choices=["population", "zips"])
    args = parser.parse_args()
    from libpysal.weights import W
    from spopt.region import MaxPHeuristic, RegionKMeansHeuristic

    gdf = counties(args.states, args.workload)
    start = time.perf_counter()
    graph = territory.area_graph(gdf)
    graph_s = time.perf_counter() - start
    weights = W({i: [int(j) for j in n] for i, n in enumerate(graph.neighbours)},
                silence_warnings=True)
    largest = gdf["accounts"].max() / gdf["accounts"].sum()
    print(f"{len(gdf):,} counties, {gdf['accounts'].sum():,.0f} accounts, adjacency "
          f"{graph_s:.2f} s ({len(graph.bridges)} islands bridged)")
    results: dict = {"areas": len(gdf), "states": args.states, "workload": args.workload,
                     "runs": []}
    for k in (int(v) for v in args.k.split(",")):
        print(f"K = {k} (the largest county holds {largest * k:.0%} of a territory's "
              "target)")
        start = time.perf_counter()
        plan = territory.TerritoryDesign(k, tolerance=0.05, random_state=0).solve(
            graph.neighbours, gdf[["accounts"]].to_numpy(), graph.centroids)
        row = measure("gcrm (METIS + moves)", plan.labels_, gdf, graph,
                      time.perf_counter() - start)
        results["runs"].append({"k": k, **row})
        if "kmeans" in args.peers:
            start = time.perf_counter()
            model = RegionKMeansHeuristic(gdf[["accounts"]].to_numpy(), k, weights)
            model.solve()
            results["runs"].append({"k": k, **measure(
                "spopt RegionKMeansHeuristic", model.labels_, gdf, graph,
                time.perf_counter() - start)})
        if "maxp" in args.peers:
            start = time.perf_counter()
            model = MaxPHeuristic(gdf.assign(x=graph.centroids[:, 0] / 1e3,
                                             y=graph.centroids[:, 1] / 1e3),
                                  weights, ["x", "y"], "accounts",
                                  0.9 * gdf["accounts"].sum() / k, top_n=2,
                                  max_iterations_construction=20)
            model.solve()
            results["runs"].append({"k": k, **measure(
                "spopt MaxPHeuristic (>= 90%)", model.labels_, gdf, graph,
                time.perf_counter() - start)})
    name = "territory_design" + ("" if args.states == EAST and args.workload == "population"
                                 else f"_{'us' if args.states == 'all' else 'states'}"
                                      f"_{args.workload}")
    print(f"results: {write_results(name, results)}")


if __name__ == "__main__":
    main()
