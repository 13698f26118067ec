"""Point-to-region assignment: gcrm (PostGIS, with the write back) vs GeoPandas sjoin.

1,000,000 accounts against the 3,221 real US counties (../shared/data) -- or, without
the shared data, an H3 grid of similar size -- in the same run on the same data.

    .venv/bin/python bench/assign_vs_sjoin.py [--points 1000000] [--repeat 3]

Both sides start from the same database and end with the same rows in region_assignments;
GeoPandas also has to read the points out first, which is reported on its own line.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from harness import scratch_engine, spread, summary_row, write_results  # noqa: E402

from gcrm import regions  # noqa: E402

COUNTIES = Path(__file__).resolve().parents[2] / "shared/data/us/geojson-counties-fips.json"


def boundaries() -> gpd.GeoDataFrame:
    if COUNTIES.exists():
        gdf = gpd.read_file(COUNTIES)
        gdf["code"] = gdf["id"].astype(str)
        return gdf[["code", "geometry"]]
    from spatial.tessellate import h3_hierarchy

    rng = np.random.default_rng(0)
    cells = h3_hierarchy(rng.uniform(-125, -66, 50_000), rng.uniform(24, 50, 50_000), [4])[4]
    return cells[["code", "geometry"]]


def empty_assignments(engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("TRUNCATE region_assignments"))
        conn.execute(text("VACUUM ANALYZE region_assignments"))


def geopandas_side(engine, polygons, region_ids, runs) -> gpd.GeoDataFrame:
    """Read the points out, sjoin them, write the same rows back; times into ``runs``."""
    # The fastest read we know: plain coordinates (read_postgis parsing WKB took ~6 s).
    t0 = time.perf_counter()
    ids = pd.read_sql(text("SELECT id, ST_X(geom) lon, ST_Y(geom) lat FROM accounts"), engine)
    points = gpd.GeoDataFrame(ids[["id"]], geometry=gpd.points_from_xy(ids.lon, ids.lat),
                              crs=4326)
    runs["read"].append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    joined = gpd.sjoin(points, polygons, predicate="intersects", how="left")
    joined = joined[~joined.index.duplicated()]  # points on an edge: keep one region
    runs["sjoin"].append(time.perf_counter() - t0)
    # The same write back gcrm does: one row per point into region_assignments (COPY).
    t0 = time.perf_counter()
    out = pd.DataFrame({"entity": "account", "entity_id": joined["id"].to_numpy(),
                        "level": "county",
                        "region_id": joined["code"].map(region_ids).astype("Int64").values})
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        buffer = io.StringIO()
        out.to_csv(buffer, index=False, header=False)
        with raw.cursor() as cur, cur.copy(
            "COPY region_assignments (entity, entity_id, level, region_id) "
            "FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            copy.write(buffer.getvalue())
    runs["write"].append(time.perf_counter() - t0)
    return joined


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(42)
    engine = scratch_engine("gcrm_bench_assign")
    polygons = boundaries()
    regions.load_regions(polygons, level="county", code_field="code", engine=engine)

    lon = rng.uniform(-125, -66, args.points)
    lat = rng.uniform(24, 50, args.points)
    frame = pd.DataFrame({"source": "bench", "external_id": np.arange(args.points).astype(str),
                          "name": "x", "lon": lon, "lat": lat})
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        conn.execute(text("CREATE TEMP TABLE pts (source text, external_id text, name text, "
                          "lon float8, lat float8) ON COMMIT DROP"))
        with raw.cursor() as cur, cur.copy("COPY pts FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(frame.to_csv(index=False, header=False))
        conn.execute(text("INSERT INTO accounts (source, external_id, name, geom) SELECT source, "
                          "external_id, name, ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM pts"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE accounts"))

    region_ids = pd.read_sql(text("SELECT code, id FROM regions WHERE level = 'county'"),
                             engine).set_index("code")["id"]
    runs: dict[str, list[float]] = {k: [] for k in ("gcrm", "read", "sjoin", "write")}
    for _ in range(args.repeat):
        empty_assignments(engine)
        t0 = time.perf_counter()
        counts = regions.assign(["account"], levels=["county"], incremental=False,
                                engine=engine)
        runs["gcrm"].append(time.perf_counter() - t0)
        empty_assignments(engine)
        joined = geopandas_side(engine, polygons, region_ids, runs)
        if int(joined["code"].notna().sum()) != counts["county"]["assigned"]:
            raise SystemExit("gcrm and GeoPandas disagree on how many points are inside")

    med = {k: statistics.median(v) for k, v in runs.items()}
    gp_join_write = med["sjoin"] + med["write"]
    gp_total = med["read"] + gp_join_write
    payload = {
        "points": args.points, "regions": len(polygons), "repeat": args.repeat,
        "gcrm_assign_with_write_s": round(med["gcrm"], 2),
        "gcrm_min_max_s": [round(min(runs["gcrm"]), 2), round(max(runs["gcrm"]), 2)],
        "geopandas_read_points_s": round(med["read"], 2),
        "geopandas_sjoin_s": round(med["sjoin"], 2),
        "geopandas_write_back_s": round(med["write"], 2),
        "geopandas_sjoin_and_write_s": round(gp_join_write, 2),
        "geopandas_total_s": round(gp_total, 2),
        "ratio_sjoin_and_write_over_gcrm": round(gp_join_write / med["gcrm"], 2),
        "ratio_total_over_gcrm": round(gp_total / med["gcrm"], 2),
        "inside": counts["county"]["assigned"], "outside": counts["county"]["outside"],
    }
    join_write = [s + w for s, w in zip(runs["sjoin"], runs["write"], strict=True)]
    total = [r + jw for r, jw in zip(runs["read"], join_write, strict=True)]
    size = f"{args.points:,} points, {len(polygons):,} regions"
    payload["summary"] = [
        summary_row("point-to-region assignment with write back", spread(runs["gcrm"]),
                    peer_name="GeoPandas sjoin + the same write back",
                    peer=spread(join_write), note=f"{size}; the points already in memory"),
        summary_row("point-to-region assignment with write back (points read out first)",
                    spread(runs["gcrm"]),
                    peer_name="GeoPandas read from PostGIS + sjoin + write back",
                    peer=spread(total), note=f"{size}; the peer reads the points out first"),
    ]
    out = write_results("assign_vs_sjoin", payload)
    for key, value in payload.items():
        if key != "summary":
            print(f"{key:>34}: {value}")
    print(f"written to {out}")
    engine.dispose()


if __name__ == "__main__":
    main()
