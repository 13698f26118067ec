"""Hot spots at scale: Getis-Ord Gi* and Local Moran's I, 999 permutations, gcrm against
the notebook a GIS analyst would write, in the same run on the same regions.

    .venv/bin/python bench/hotspots.py [--cells 50000] [--permutations 999] [--repeat 3]
                                       [--only zip,county,h3]

Cases:
- ZIP areas (1,450): the demo world's cube (``GCRM_DATABASE_URL``, the suite's world),
  revenue of one year. gcrm's whole path: ``gcrm.stats.hotspots`` (cube read as the
  caller, outlines, queen weights with islands bridged, the local statistic, FDR, and the
  global Moran's I it also reports). The notebook: the same revenue per ZIP and outlines
  read with ``geopandas.read_postgis``, ``libpysal.weights.Queen.from_dataframe``,
  ``esda.G_Local(star=True)`` / ``esda.Moran_Local``.
- Counties (3,109, the contiguous US): real outlines (../shared/data/us/
  geojson-counties-fips.json, Alaska, Hawaii and Puerto Rico left out) with a synthetic
  measure (fixed seed); no cube holds them, so gcrm's path is the pure layer
  (``spatial.stats.region_weights`` queen + ``spatial.stats.hotspots``) on the same frame.
- H3 cells (``--cells``, default 50,000): real resolution-8 H3 cells (v4) around
  Philadelphia with a synthetic measure (a smooth field plus lognormal noise, fixed
  seed); the demo world's cube holds 5,875 h3_7 cells, not 50,000. gcrm: k-nearest (k=6)
  weights as ``gcrm.stats`` uses for H3 levels + ``spatial.stats.hotspots``; the notebook:
  ``Queen.from_dataframe`` + esda.

Time: median of ``--repeat`` runs of each whole path (weights built inside the timing).
Each run is a fresh process of this script (``--child``) that builds its data, then
times the path once. Peak memory: that process's peak resident memory (``ru_maxrss``,
MiB; Python, the libraries and the data included, the same for both), the most of the
repeats. Ratio = notebook / gcrm (> 1: gcrm faster).
Target (issue 20): 50,000 cells in <= 10 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import esda
import geopandas as gpd
import h3
import numpy as np
import shapely
from libpysal.weights import Queen
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
from harness import RESULTS, spread, summary_row, write_results  # noqa: E402

from gcrm.db.engine import database_url  # noqa: E402
from gcrm.stats import hotspots as gcrm_hotspots  # noqa: E402
from spatial.stats import hotspots as local_hotspots  # noqa: E402
from spatial.stats import region_weights  # noqa: E402

DATA = Path(__file__).parents[1].parent / "shared" / "data" / "us"
PERIOD = "2025"
PHILADELPHIA = (39.95, -75.16)
METHODS = {"gi": "Gi*", "lisa": "Local Moran"}
LABELS = {"zip": "ZIP areas (demo world cube, revenue 2025)",
          "county": "counties (real outlines, synthetic measure)",
          "h3": "H3 res-8 cells (real cells, synthetic measure)"}
PEER = "Queen.from_dataframe + esda"
ENGINE = create_engine(database_url())

ZIP_REVENUE = """
SELECT r.code, coalesce(sum(c.revenue), 0)::float8 AS revenue, r.geom AS geometry
FROM regions r
LEFT JOIN cube_sales c ON c.region_id = r.id AND c.level = 'zip' AND c.dim = '*'
     AND c.month >= '2025-01-01' AND c.month < '2026-01-01'
WHERE r.level = 'zip'
GROUP BY r.code, r.geom ORDER BY r.code
"""


# --- memory -------------------------------------------------------------------------------
def in_child(args, key: str, method: str, tool: str) -> tuple[float, float, dict]:
    """Run one path once in a fresh process of this script (``--child``): its seconds,
    the process's peak resident memory (MiB, ``ru_maxrss``: imports and the data included,
    the same for both tools) and the seconds of some of its parts (ZIP areas: the read,
    and gcrm's global Moran's I)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", key, method, tool, "--cells", str(args.cells),
         "--permutations", str(args.permutations)],
        capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"{key} {method} {tool} failed:\n{out.stderr[-2000:]}")
    seconds, mib, parts = json.loads(out.stdout.strip().splitlines()[-1])
    return seconds, mib, parts


def child(args) -> None:
    key, method, tool = args.child
    perms = args.permutations
    lattice = gpd.GeoDataFrame({"value": np.arange(25.0)}, geometry=[
        shapely.box(i % 5, i // 5, i % 5 + 1, i // 5 + 1) for i in range(25)])
    notebook(lattice, method, 99)  # esda compiles its permutation kernels (numba) once
    parts: dict[str, float] = {}
    if key == "zip":
        if tool == "gcrm":  # the parts' seconds, inside the path (a call's wrapper each)
            _timed(sys.modules["gcrm.cube"], "query", "cube_read", parts)
            _timed(sys.modules["gcrm.stats.hotspots"], "_global", "global_moran", parts)

        def work():
            if tool == "gcrm":
                return gcrm_hotspots("revenue", level="zip", period=PERIOD, method=method,
                                     permutations=perms, random_state=0, engine=ENGINE)[0]
            start = time.perf_counter()
            with ENGINE.connect() as conn:
                frame = gpd.read_postgis(text(ZIP_REVENUE), conn, geom_col="geometry")
            parts["read"] = time.perf_counter() - start
            return notebook(frame.rename(columns={"revenue": "value"}), method, perms)
    else:
        frame = counties() if key == "county" else cells(args.cells)
        kind = "queen" if key == "county" else "knn"

        def work():
            return (pure(frame, kind, method, perms) if tool == "gcrm"
                    else notebook(frame, method, perms))
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    print(json.dumps([seconds, round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                     / 1024), parts]))


def _timed(module, name: str, label: str, parts: dict) -> None:
    """``module.name`` adding its seconds to ``parts[label]`` (looked up at each call)."""
    inner = getattr(module, name)

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            parts[label] = parts.get(label, 0.0) + time.perf_counter() - start
    setattr(module, name, timed)


# --- the data -----------------------------------------------------------------------------
def counties() -> gpd.GeoDataFrame:
    frame = gpd.read_file(DATA / "geojson-counties-fips.json")
    frame = frame[~frame["STATE"].isin(["02", "15", "72"])].reset_index(drop=True)
    frame = frame.set_crs(4326, allow_override=True)
    return _synthetic(frame[["id", "geometry"]].rename(columns={"id": "code"}), seed=1)


def cells(n: int) -> gpd.GeoDataFrame:
    centre = h3.latlng_to_cell(*PHILADELPHIA, 8)
    ring = 1
    while 3 * ring * (ring + 1) + 1 < n:
        ring += 1
    codes = sorted(h3.grid_disk(centre, ring))
    lat = np.array([h3.cell_to_latlng(c)[0] for c in codes])
    lon = np.array([h3.cell_to_latlng(c)[1] for c in codes])
    keep = np.argsort((lat - PHILADELPHIA[0]) ** 2 + ((lon - PHILADELPHIA[1]) * 0.77) ** 2,
                      kind="stable")[:n]
    polys = [shapely.Polygon([(x, y) for y, x in h3.cell_to_boundary(codes[i])])
             for i in keep]
    frame = gpd.GeoDataFrame({"code": [codes[i] for i in keep]}, geometry=polys, crs=4326)
    return _synthetic(frame, seed=2)


def _synthetic(frame: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    """A clustered measure: a smooth field over the centroids plus lognormal noise."""
    rng = np.random.default_rng(seed)
    c = frame.geometry.representative_point()
    x, y = c.x.to_numpy(), c.y.to_numpy()
    x, y = (x - x.min()) / (np.ptp(x) or 1), (y - y.min()) / (np.ptp(y) or 1)
    field = np.sin(6 * x) + np.cos(5 * y) + 2 * np.exp(-((x - .6) ** 2 + (y - .4) ** 2) / .01)
    frame["value"] = np.round(1000 * np.exp(0.5 * field) * rng.lognormal(0, 0.4, len(x)), 2)
    return frame


# --- the paths ----------------------------------------------------------------------------
def notebook(frame: gpd.GeoDataFrame, method: str, permutations: int):
    w = Queen.from_dataframe(frame, use_index=False, silence_warnings=True)
    y = frame["value"].to_numpy(dtype=float)
    if method == "gi":
        return esda.G_Local(y, w, star=True, permutations=permutations, seed=0)
    return esda.Moran_Local(y, w, permutations=permutations, seed=0)


def pure(frame: gpd.GeoDataFrame, kind: str, method: str, permutations: int):
    w, _ = region_weights(frame.geometry, kind=kind)
    return local_hotspots(frame["value"].to_numpy(dtype=float), w, method=method,
                          permutations=permutations, random_state=0)


def measure(args, key, method, tool) -> tuple[list[float], float, dict]:
    runs = [in_child(args, key, method, tool) for _ in range(args.repeat)]
    parts = {label: [r[2][label] for r in runs] for label in runs[0][2]}
    return [r[0] for r in runs], max(r[1] for r in runs), parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=50_000)
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="zip,county,h3",
                        help="the cases to run, comma-separated (zip, county, h3)")
    parser.add_argument("--child", nargs=3, metavar=("CASE", "METHOD", "TOOL"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.child:
        child(args)
        return
    perms = args.permutations
    only = {case.strip() for case in args.only.split(",") if case.strip()}
    unknown = only - set(LABELS)
    if unknown:
        parser.error(f"--only takes {', '.join(LABELS)}; not {', '.join(sorted(unknown))}")
    with ENGINE.connect() as conn:
        zips = conn.execute(text("SELECT count(*) FROM regions WHERE level = 'zip'")).scalar()
    sizes = {"zip": lambda: zips, "county": lambda: len(counties()), "h3": lambda: args.cells}
    results: dict = {"permutations": perms, "repeat": args.repeat, "period": PERIOD,
                     "cases": []}
    for key in (k for k in LABELS if k in only):
        regions = sizes[key]()
        for method, name in METHODS.items():
            g_s, g_mib, g_parts = measure(args, key, method, "gcrm")
            p_s, p_mib, p_parts = measure(args, key, method, "notebook")
            g, p = statistics.median(g_s), statistics.median(p_s)
            print(f"{key} {name} ({regions:,} regions): gcrm {g:.2f} s {g_mib:,.0f} MiB, "
                  f"notebook {p:.2f} s {p_mib:,.0f} MiB, ratio {p / g:.2f}", flush=True)
            results["cases"].append({
                "case": key, "method": method, "regions": regions, "gcrm_s": g_s,
                "notebook_s": p_s, "gcrm_peak_mib": g_mib, "notebook_peak_mib": p_mib,
                **({"gcrm_parts_s": g_parts, "notebook_parts_s": p_parts} if key == "zip"
                   else {})})
    if only != set(LABELS):  # the other cases as the last run measured them
        results["cases"] = _with_last(results["cases"], perms)
    results["summary"] = [row for case in results["cases"] for row in _rows(case, perms)]
    print("wrote", write_results("hotspots", results))


def _with_last(cases: list[dict], perms: int) -> list[dict]:
    """``cases`` with the last run's other cases (same permutations), in case order."""
    path = RESULTS / "hotspots.json"
    last = json.loads(path.read_text()) if path.exists() else {}
    ran = {c["case"] for c in cases}
    kept = [c for c in last.get("cases", [])
            if c["case"] not in ran and last.get("permutations") == perms]
    order = list(LABELS)
    return sorted(kept + cases, key=lambda c: order.index(c["case"]))


def _rows(case: dict, perms: int) -> list[dict]:
    key, regions = case["case"], case["regions"]
    name = METHODS[case["method"]]
    g_s, p_s = case["gcrm_s"], case["notebook_s"]
    what = f"{name} {perms} permutations, {regions:,} {LABELS[key]}"
    path = ("gcrm.stats.hotspots: cube read, outlines, weights, statistic, FDR, "
            "global Moran" if key == "zip"
            else "spatial.stats region_weights + hotspots (no cube holds them)")
    target = ""
    if key == "h3":
        target = (f"; target <= 10 s at {regions:,} cells: "
                  + ("met" if statistics.median(g_s) <= 10 else "NOT met"))
    if key == "zip" and "gcrm_parts_s" in case:
        g_parts, p_parts = case["gcrm_parts_s"], case["notebook_parts_s"]

        def med(values):
            return f"{statistics.median(values):.3f} s"
        below = statistics.median(p_s) < statistics.median(g_s)
        target = ("; below 1.0x as gcrm does what the notebook skips (medians): "
                  if below else "; of it (medians): ")
        target += (f"it reads the cube as the caller (checks, month cells added up to the "
                   f"period) in {med(g_parts['cube_read'])} where the notebook's one SUM "
                   f"query as the owner takes {med(p_parts['read'])}, then the outlines of "
                   f"the caller's regions, and computes the global Moran's I ({perms} "
                   f"permutations, not in the notebook) in {med(g_parts['global_moran'])}")
    return [
        summary_row(f"{what}: time", spread(g_s), peer_name=PEER, peer=spread(p_s),
                    note=path + target),
        summary_row(f"{what}: peak memory", case["gcrm_peak_mib"], unit="MiB",
                    peer_name=PEER, peer=case["notebook_peak_mib"],
                    note="whole process (Python, libraries, data included), one per run"),
    ]


if __name__ == "__main__":
    main()
