"""Territory design on real US counties against PySAL spopt, in the same run.

    .venv/bin/python bench/territory_design.py [--states 36,42,...|all] [--k 10,20]
                                               [--workload population|zips] [--repeat 3]

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
Each design runs ``--repeat`` times: its row holds the median time and the first run's
figures, with every run's time, imbalance and mean Polsby-Popper in lists (gcrm and
RegionKMeansHeuristic are seeded, MaxPHeuristic is not: its figures and its time vary).
MaxPHeuristic stops repeating after a run longer than a minute (on every county one run
takes minutes: it runs once). The payload's "summary" compares gcrm with each peer on
runtime, max imbalance and mean Polsby-Popper.
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
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from harness import spread, summary_row, write_results  # noqa: E402

from spatial import territory  # noqa: E402

DATA = Path(__file__).parents[1].parent / "shared" / "data" / "us"
EAST = "09,10,11,23,24,25,33,34,36,42,44,50,51,54"  # New England to Virginia: 435 counties
SLOW_S = 60.0  # after a MaxPHeuristic run longer than this, no more repeats


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


def repeated(solve, repeat: int, once_after: float | None = None) -> list[tuple]:
    """(labels, seconds) of ``repeat`` runs of ``solve``; one only if it took longer
    than ``once_after`` seconds."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        labels = solve()
        runs.append((labels, time.perf_counter() - start))
        if once_after is not None and runs[-1][1] > once_after:
            break
    return runs


def measure(name: str, runs: list[tuple], gdf, graph) -> dict:
    summaries = []
    for labels, _ in runs:
        _, labels = np.unique(np.asarray(labels), return_inverse=True)  # spopt counts from 1
        _, summary = territory.plan_metrics(labels, gdf[["accounts"]],
                                            geometries=graph.geometries,
                                            neighbours=graph.neighbours)
        summaries.append(summary)
    seconds = statistics.median(t for _, t in runs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB
    row = {"design": name, "seconds": round(seconds, 3), "peak_rss_mib": round(peak), **{
        key: round(value, 4) if isinstance(value, float) else value
        for key, value in summaries[0].items()},
        "seconds_runs": [round(t, 3) for _, t in runs],
        "max_imbalance_runs": [round(m["max_imbalance"], 4) for m in summaries],
        "mean_polsby_popper_runs": [round(m["mean_polsby_popper"], 4) for m in summaries]}
    print(f"  {name:32s} {seconds:8.2f} s  territories {row['territories']:3d}  "
          f"max imbalance {row['max_imbalance']:7.1%}  Polsby-Popper mean "
          f"{row['mean_polsby_popper']:.3f} min {row['min_polsby_popper']:.3f}  "
          f"contiguous {row['contiguous']}  peak {peak:,.0f} MiB")
    return row


def summary_rows(k: int, gcrm: dict, peers: list[tuple], size: str) -> list[dict]:
    """gcrm against each peer on runtime, max imbalance (a fraction, shown in %: 0.05 is
    5%) and mean Polsby-Popper."""
    measures = (("runtime", "seconds_runs", "s", False),
                ("max imbalance", "max_imbalance_runs", "%", False),
                ("mean Polsby-Popper", "mean_polsby_popper_runs", "", True))
    rows = []
    for measure_name, key, unit, higher in measures:
        for peer, note in peers or [(None, "")]:
            rows.append(summary_row(
                f"territory design {measure_name} (K={k})", spread(gcrm[key]), unit=unit,
                higher_is_better=higher, peer_name=peer and peer["design"],
                peer=peer and spread(peer[key]),
                note=f"{size}" + (f"; {note}" if note else "")))
    return rows


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--states", default=EAST)
    parser.add_argument("--k", default="10,20")
    parser.add_argument("--peers", default="kmeans,maxp")
    parser.add_argument("--workload", default="population", choices=["population", "zips"])
    parser.add_argument("--repeat", type=int, default=3)
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
                     "repeat": args.repeat, "runs": []}
    summary: list[dict] = []
    for k in (int(v) for v in args.k.split(",")):
        print(f"K = {k} (the largest county holds {largest * k:.0%} of a territory's "
              "target)")

        def gcrm(k: int = k):
            return territory.TerritoryDesign(k, tolerance=0.05, random_state=0).solve(
                graph.neighbours, gdf[["accounts"]].to_numpy(), graph.centroids).labels_

        def kmeans(k: int = k):
            model = RegionKMeansHeuristic(gdf[["accounts"]].to_numpy(), k, weights)
            model.solve()
            return model.labels_

        def maxp(k: int = k):
            model = MaxPHeuristic(gdf.assign(x=graph.centroids[:, 0] / 1e3,
                                             y=graph.centroids[:, 1] / 1e3),
                                  weights, ["x", "y"], "accounts",
                                  0.9 * gdf["accounts"].sum() / k, top_n=2,
                                  max_iterations_construction=20)
            model.solve()
            return model.labels_

        row = measure("gcrm (METIS + moves)", repeated(gcrm, args.repeat), gdf, graph)
        results["runs"].append({"k": k, **row})
        peers = []
        if "kmeans" in args.peers:
            peer = measure("spopt RegionKMeansHeuristic", repeated(kmeans, args.repeat),
                           gdf, graph)
            results["runs"].append({"k": k, **peer})
            peers.append((peer, "no balance constraint"))
        if "maxp" in args.peers:
            peer = measure("spopt MaxPHeuristic (>= 90%)",
                           repeated(maxp, args.repeat, once_after=SLOW_S), gdf, graph)
            results["runs"].append({"k": k, **peer})
            note = (f"regions of at least 90% of the target ({peer['territories']} made in "
                    "the first run); unseeded, its figures vary between runs")
            done = peer["seconds_runs"]
            if len(done) < args.repeat:
                note += (f"; ran {len(done)} of {args.repeat} times (a run took "
                         f"{done[-1]:.0f} s: no more repeats after a run over {SLOW_S:.0f} s)")
            peers.append((peer, note))
        summary.extend(summary_rows(k, row, peers, f"{len(gdf):,} counties, {args.workload}"))
    results["summary"] = summary
    name = "territory_design" + ("" if args.states == EAST and args.workload == "population"
                                 else f"_{'us' if args.states == 'all' else 'states'}"
                                      f"_{args.workload}")
    print(f"results: {write_results(name, results)}")


if __name__ == "__main__":
    main()
