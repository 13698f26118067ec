"""Visit routes on the real Los Altos roads (OpenStreetMap, ../shared/data/roads): days of
100 and 400 stops shared by several reps, as ``gcrm visits plan`` solves them, against the
same solver searching for 60 s; and the drive-time matrix against networkx.

    .venv/bin/python bench/visit_routes.py [--repeat 3] [--long 60]

Stops and homes: road junctions of the network's main part drawn with a fixed seed,
moved 40 m off the road (each joins the roads as an address would). Every stop takes 20
minutes and may be visited 08:30-17:30; a rep makes at most 12 visits: 10 reps for 100
stops, 40 reps for 400, so every stop fits and both runs plan the same visits.

(a) Matrix: ``spatial.routing.road_matrix`` (scipy Dijkstra from each stop's junction,
metres along the fastest route by pointer jumping) against networkx's
``single_source_dijkstra`` from each junction on the same directed graph (its build
counted), for 400 stops plus 40 homes; the largest difference in seconds is reported.
(b) Plan: gcrm's plan within its default search (``spatial.routing.search_seconds``: 8 s
from about 90 visits), wall time including the matrix, against OR-Tools with the same
model searching ``--long`` seconds (run once: it is the yardstick of quality, not of
speed). Figures: visits planned, drive minutes and km, and gcrm's drive against the long
run's (the issue: within 5%).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).parent))
from harness import spread, summary_row, write_and_print  # noqa: E402

from spatial import routing  # noqa: E402
from spatial.tradearea import drive_network  # noqa: E402

ROADS = Path(__file__).parents[2] / "shared" / "data" / "roads" / "los_altos_ca_osm_roads.geojson"
H = 3600


def places(nodes, edges, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` junctions of the main part, 40 m off the road."""
    xy = shapely.get_coordinates(nodes.geometry.to_numpy())
    sample = np.random.default_rng(seed).choice(len(xy), 3 * count, replace=False)
    joined = routing.road_matrix(nodes, edges, xy[sample, 0], xy[sample, 1]).snap_m < 1e-6
    chosen = xy[sample[joined][:count]] + [0.00045, 0.0]
    return chosen[:, 0], chosen[:, 1]


def networkx_graph(edges) -> nx.DiGraph:
    """The peer's directed graph: each way each road piece may be driven, the fastest of
    parallel pieces."""
    graph = nx.DiGraph()
    for e in edges.itertuples():
        for a, b, s in ((e.source, e.target, e.seconds), (e.target, e.source,
                                                            e.reverse_seconds)):
            if np.isfinite(s) and (not graph.has_edge(a, b) or graph[a][b]["s"] > s):
                graph.add_edge(a, b, s=s)
    return graph


def plan(visits, days, matrix, seconds: float | None):
    planner = routing.VisitPlanner(visits, days, matrix.seconds, matrix.metres,
                                   time_limit_s=seconds).solve()
    served = sum(len(r.stops) for r in planner.routes_)
    drive = sum(r.drive_seconds for r in planner.routes_)
    km = sum(r.drive_metres for r in planner.routes_) / 1000
    return served, drive, km


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--long", type=float, default=60.0)
    args = parser.parse_args()
    if not ROADS.exists():
        sys.exit(f"the Los Altos roads are not here ({ROADS})")
    nodes, edges = drive_network(gpd.read_file(ROADS))
    results: dict = {"network": {"nodes": len(nodes), "edges": len(edges)},
                     "long_search_seconds": args.long}
    summary = []

    # (a) the matrix for 400 stops and 40 homes
    lon, lat = places(nodes, edges, 440, seed=1)
    ours, theirs = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        matrix = routing.road_matrix(nodes, edges, lon, lat)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        graph = networkx_graph(edges)
        targets = matrix.junction  # the same junctions and access legs as gcrm's
        seconds = np.zeros((len(lon), len(lon)))
        for i, a in enumerate(targets):
            reach = nx.single_source_dijkstra_path_length(graph, a, weight="s")
            seconds[i] = [reach[b] for b in targets]
        seconds += (matrix.snap_m[:, None] + matrix.snap_m[None, :]) / (20 / 3.6)
        np.fill_diagonal(seconds, 0)
        theirs.append(time.perf_counter() - start)
    differs = float(np.abs(matrix.seconds - seconds).max())
    results["matrix_440"] = {"gcrm": spread(ours), "networkx": spread(theirs),
                             "largest_difference_s": differs}
    print(f"matrix 440 places: gcrm {statistics.median(ours):.2f} s, networkx "
          f"{statistics.median(theirs):.2f} s, largest difference {differs:.2e} s")
    summary.append(summary_row(
        "visit routes: drive-time matrix, 400 stops + 40 homes on the Los Altos roads",
        spread(ours), peer_name="networkx Dijkstra from each stop", peer=spread(theirs),
        note=f"{len(nodes):,} junctions, {len(edges):,} road pieces; same seconds to "
             f"{differs:.0e}"))

    # (b) days of 100 and 400 stops
    for stops, reps in ((100, 10), (400, 40)):
        lon, lat = places(nodes, edges, stops + reps, seed=stops)
        visits = [routing.Visit(i, 8 * H + 1800, 17 * H + 1800, 20 * 60) for i in range(stops)]
        days = [routing.RepDay(r, 8 * H + 1800, 17 * H + 1800, 12) for r in range(reps)]
        walls, drives = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            matrix = routing.road_matrix(nodes, edges, lon, lat)
            served, drive, km = plan(visits, days, matrix, None)  # gcrm's default
            walls.append(time.perf_counter() - start)
            drives.append((served, drive, km))
        long_served, long_drive, long_km = plan(visits, days, matrix, args.long)
        served, drive, km = sorted(drives, key=lambda d: d[1])[len(drives) // 2]
        gap = drive / long_drive - 1
        results[f"day_{stops}"] = {
            "reps": reps, "wall": spread(walls), "served": served,
            "drive_minutes": drive / 60, "drive_km": km, "long_served": long_served,
            "long_drive_minutes": long_drive / 60, "long_drive_km": long_km,
            "drive_over_long": gap}
        print(f"{stops} stops, {reps} reps: {statistics.median(walls):.1f} s, {served} "
              f"planned, {drive / 60:,.0f} min {km:,.1f} km; {args.long:.0f} s search: "
              f"{long_served} planned, {long_drive / 60:,.0f} min {long_km:,.1f} km "
              f"({gap:+.1%})")
        summary.append(summary_row(
            f"visit routes: {stops}-stop day, {reps} reps, matrix + plan", spread(walls),
            note=f"target <= 10 s (searching {routing.search_seconds(stops):g} s); {served} "
                 f"of {stops} planned, {drive / 60:,.0f} drive minutes"))
        summary.append(summary_row(
            f"visit routes: {stops}-stop day, drive minutes against a {args.long:.0f} s "
            "search", drive / 60, unit="minutes", peer_name=f"OR-Tools searching "
            f"{args.long:.0f} s", peer=long_drive / 60,
            note=f"target: within 5% ({gap:+.1%}); {long_served} planned by the long "
                 "search"))
    results["summary"] = summary
    print(f"results: {write_and_print('visit_routes', results)}")


if __name__ == "__main__":
    main()
