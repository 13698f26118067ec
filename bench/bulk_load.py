"""Bulk load: gcrm's account load (read, map columns, validate every row, COPY, upsert,
record the run) against GeoPandas ``to_postgis`` of the same file (read, points, insert; no
validation), rows per second, in the same run on the same file.

    .venv/bin/python bench/bulk_load.py [--rows 1000000] [--repeat 3]

The file is a CSV of synthetic accounts with coordinates (so no geocoding), written once
with a fixed seed. Each run starts from empty tables in a scratch database.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from harness import scratch_engine, spread, summary_row, write_results  # noqa: E402

from gcrm.ingest.load import load_file  # noqa: E402


def accounts_file(rows: int, folder: Path) -> Path:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "id": [f"A{i:08d}" for i in range(rows)],
        "name": [f"Customer {i}" for i in range(rows)],
        "email": [f"c{i}@example.org" for i in range(rows)],
        "street": [f"{n} Main Street" for n in rng.integers(1, 9999, rows)],
        "city": rng.choice(["Pittsburgh", "Erie", "Allentown", "Reading", "Scranton"], rows),
        "postcode": rng.integers(15000, 19600, rows).astype(str),
        "lat": rng.uniform(39.8, 42.2, rows).round(6),
        "lon": rng.uniform(-80.4, -75.0, rows).round(6),
        "status": rng.choice(["customer", "prospect", "churned"], rows, p=[0.5, 0.4, 0.1]),
        "segment": rng.choice(["consumer", "premium", "small business"], rows),
    })
    path = folder / "accounts.csv"
    frame.to_csv(path, index=False)
    return path


def gcrm_load(engine, path: Path) -> float:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE accounts, load_runs RESTART IDENTITY CASCADE"))
    start = time.perf_counter()
    result = load_file("accounts", path, source="bench", geocode=False, engine=engine)
    seconds = time.perf_counter() - start
    assert result.summary.inserted > 0, result.summary
    return seconds


def geopandas_load(engine, path: Path) -> float:
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS accounts_geopandas"))
    start = time.perf_counter()
    frame = pd.read_csv(path, dtype={"postcode": str})
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
                           crs=4326)
    gdf.to_postgis("accounts_geopandas", engine, if_exists="append", index=False,
                   chunksize=100_000)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = scratch_engine("gcrm_bench_bulk_load")
    with tempfile.TemporaryDirectory() as folder:
        path = accounts_file(args.rows, Path(folder))
        ours, theirs = [], []
        for run in range(args.repeat):
            ours.append(gcrm_load(engine, path))
            theirs.append(geopandas_load(engine, path))
            print(f"run {run + 1}: gcrm {ours[-1]:.2f} s ({args.rows / ours[-1]:,.0f} rows/s), "
                  f"GeoPandas to_postgis {theirs[-1]:.2f} s "
                  f"({args.rows / theirs[-1]:,.0f} rows/s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rates_ours = spread([args.rows / s for s in ours])
    rates_theirs = spread([args.rows / s for s in theirs])
    results = {
        "rows": args.rows, "gcrm_seconds": spread(ours), "geopandas_seconds": spread(theirs),
        "peak_rss_mib": round(peak),
        "summary": [summary_row(
            f"bulk load, {args.rows:,} accounts (read, validate, COPY, upsert)", rates_ours,
            peer_name="GeoPandas to_postgis (no validation)", peer=rates_theirs,
            unit="rows/s", higher_is_better=True)],
    }
    print(f"gcrm {rates_ours['median']:,.0f} rows/s, GeoPandas {rates_theirs['median']:,.0f} "
          f"rows/s; peak {peak:,.0f} MiB")
    print(f"results: {write_results('bulk_load', results)}")
    engine.dispose()


if __name__ == "__main__":
    main()
