"""Point-to-region assignment on Dask vs PostGIS vs one process of GeoPandas vs a
spatially partitioned dask-geopandas join, same run, same data, each ending with the same
rows in region_assignments.

The ZIP areas of the demo world named by ``GCRM_DATABASE_URL`` (e.g. a DE demo) are
copied into a scratch database with ``--points`` random accounts (98% inside the areas,
2% anywhere in their bounding box, some of those outside every area). Then, per repeat,
a full assignment of that level:

- gcrm local: ``regions.assign(run_on="local")`` (PostGIS, the default path);
- gcrm Dask: ``regions.assign(run_on="dask")`` on a ``LocalCluster`` of 2 worker
  processes x 1 thread started once beforehand (its start is reported on its own line);
- GeoPandas: read the points out (the same COPY), ``spatial.assign.region_of_points`` (the workers'
  function) in this one process, the same COPY + INSERT write back;
- dask-geopandas: the same read, ``dask_geopandas.sjoin`` of Hilbert-sorted, spatially
  partitioned points and parts on the same cluster, the same write back (the design gcrm
  measured against broadcasting the parts; ``pip install -e '.[bench]'``).

    GCRM_DATABASE_URL=... .venv/bin/python bench/dask_assign.py [--points 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
from harness import local_cluster, scratch_engine, spread, summary_row, write_and_print  # noqa: E402

from gcrm import regions  # noqa: E402
from gcrm.db.engine import database_url  # noqa: E402
from gcrm.regions import sql  # noqa: E402
from gcrm.regions.assign_dask import _pending  # noqa: E402
from spatial.assign import region_of_points  # noqa: E402

LEVEL = "zip"
ROWS = ("SELECT entity, entity_id, level, region_id FROM region_assignments "
        "ORDER BY entity, entity_id, level")


def setup(points: int):
    world = create_engine(database_url())
    zips = regions.frame(LEVEL, engine=world)
    world.dispose()
    if zips.empty:
        raise SystemExit(f"The world database has no {LEVEL} regions: build a demo first.")
    engine = scratch_engine("gcrm_bench_dask_assign")
    regions.load_regions(zips[["code", "geometry"]], level=LEVEL, code_field="code",
                         engine=engine)
    # 98% of the points inside the areas (where the join works), 2% anywhere in their box.
    rng = np.random.default_rng(42)
    inside = points - points // 50
    sample = gpd.GeoSeries([zips.union_all()], crs=4326).sample_points(inside, rng=rng)
    sample = shapely.get_parts(sample.iloc[0])
    x0, y0, x1, y1 = zips.total_bounds
    lon = np.concatenate([shapely.get_x(sample), rng.uniform(x0, x1, points - inside)])
    lat = np.concatenate([shapely.get_y(sample), rng.uniform(y0, y1, points - inside)])
    order = rng.permutation(points)
    frame = pd.DataFrame({"source": "bench", "external_id": np.arange(points).astype(str),
                          "name": "x", "lon": lon[order], "lat": lat[order]})
    with engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE pts (source text, external_id text, name text, "
                          "lon float8, lat float8) ON COMMIT DROP"))
        with conn.connection.driver_connection.cursor() as cur, cur.copy(
                "COPY pts FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(frame.to_csv(index=False, header=False))
        conn.execute(text("INSERT INTO accounts (source, external_id, name, geom) SELECT source, "
                          "external_id, name, ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM pts"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE accounts"))
    return engine, len(zips)


def fingerprint(engine) -> str:
    with engine.connect() as conn:
        rows = conn.execute(text(ROWS)).all()
    return hashlib.md5(repr(rows).encode()).hexdigest()


def geopandas_side(engine) -> None:
    """Read the pending points, the workers' function in this process, the same write."""
    with engine.begin() as conn:
        points, parts = _read(conn)
        _write(conn, region_of_points(points, parts))


def dask_geopandas_side(engine, client) -> None:
    """The issue's first design: a spatially partitioned join with dask-geopandas. Points
    and parts sorted by Hilbert distance here (dask-geopandas's ``spatial_shuffle`` of the
    points took 144 s for 1M points on this machine), spatial partitions calculated, then
    ``dask_geopandas.sjoin`` joins only the partition pairs whose envelopes meet; the first
    region by code rank per point, as the workers' function does; the same write."""
    import dask_geopandas

    with engine.begin() as conn:
        points, parts = _read(conn)
        located = gpd.GeoDataFrame({"id": points["id"].to_numpy()}, crs=4326,
                                   geometry=gpd.points_from_xy(points["lon"], points["lat"]))
        located = located.iloc[np.argsort(located.hilbert_distance().to_numpy(),
                                          kind="stable")]
        parts = parts.iloc[np.argsort(parts.hilbert_distance(
            total_bounds=located.total_bounds).to_numpy(), kind="stable")]
        left = dask_geopandas.from_geopandas(located, npartitions=len(points) // 100_000 + 1,
                                             sort=False)
        right = dask_geopandas.from_geopandas(parts, npartitions=4, sort=False)
        left.calculate_spatial_partitions()
        right.calculate_spatial_partitions()
        hits = dask_geopandas.sjoin(left, right[["region_id", "rank", "geometry"]],
                                    predicate="intersects")[["id", "region_id", "rank"]]
        hits = client.compute(hits).result()
        first = (hits.sort_values(["id", "rank"], kind="stable")
                 .drop_duplicates("id")[["id", "region_id"]])
        answers = pd.DataFrame({"id": points["id"].to_numpy()}).merge(first, on="id",
                                                                      how="left")
        answers["region_id"] = answers["region_id"].astype("Int64")
        _write(conn, answers)


def _read(conn) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Forget the level's assignments; the pending points and the level's parts."""
    conn.execute(text(sql.FORGET_ENTITY), {"entity": "account", "levels": [LEVEL]})
    table, geom = sql.POINTS["account"]
    params = {"entity": "account", "level": LEVEL}
    points = pd.concat(list(_pending(conn, table, geom, params, 10**9)))
    parts = conn.execute(text(sql.DASK_PARTS), {"level": LEVEL}).all()
    frame = gpd.GeoDataFrame({"region_id": [r.region_id for r in parts],
                              "rank": [r.rank for r in parts]},
                             geometry=shapely.from_wkb([bytes(r.wkb) for r in parts]),
                             crs=4326)
    return points, frame


def _write(conn, answers: pd.DataFrame) -> None:
    """The answers back by the Dask path's COPY and INSERT."""
    conn.execute(text(sql.DROP_DASK_HITS))
    conn.execute(text(sql.DASK_HITS))
    buffer = io.StringIO()
    answers[["id", "region_id"]].to_csv(buffer, header=False, index=False)
    with conn.connection.driver_connection.cursor() as cur, cur.copy(
            sql.COPY_DASK_HITS) as copy:
        copy.write(buffer.getvalue())
    conn.execute(text(sql.DASK_ASSIGN), {"entity": "account", "level": LEVEL})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine, n_regions = setup(args.points)

    client, cluster, cluster_start = local_cluster()

    runs: dict[str, list[float]] = {"local": [], "dask": [], "geopandas": [],
                                    "dask_geopandas": []}
    prints: dict[str, set[str]] = {k: set() for k in runs}
    sides = {
        "local": lambda: regions.assign(["account"], levels=[LEVEL], incremental=False,
                                        engine=engine, run_on="local"),
        "dask": lambda: regions.assign(["account"], levels=[LEVEL], incremental=False,
                                       engine=engine, run_on="dask", client=client),
        "geopandas": lambda: geopandas_side(engine),
        "dask_geopandas": lambda: dask_geopandas_side(engine, client),
    }
    try:
        for _ in range(args.repeat):
            for name, run in sides.items():
                t0 = time.perf_counter()
                run()
                runs[name].append(time.perf_counter() - t0)
                prints[name].add(fingerprint(engine))
    finally:
        client.close()
        cluster.close()
    every = set().union(*prints.values())
    if len(every) != 1:
        raise SystemExit(f"The four sides disagree on the stored assignments: {prints}")

    with engine.connect() as conn:
        outside = conn.execute(text("SELECT count(*) FROM region_assignments "
                                    "WHERE region_id IS NULL")).scalar_one()
    engine.dispose()
    med = {k: float(np.median(v)) for k, v in runs.items()}
    size = f"{args.points:,} points, {n_regions:,} {LEVEL} regions"
    payload = {
        "points": args.points, "regions": n_regions, "outside": outside, "repeat": args.repeat,
        "cluster": "LocalCluster, 2 worker processes x 1 thread, on this machine",
        "cluster_start_s": round(cluster_start, 2),
        "postgis_s": round(med["local"], 2), "dask_s": round(med["dask"], 2),
        "geopandas_one_process_s": round(med["geopandas"], 2),
        "dask_geopandas_spatial_s": round(med["dask_geopandas"], 2),
        "ratio_dask_over_postgis": round(med["dask"] / med["local"], 2),
        "ratio_dask_over_geopandas": round(med["dask"] / med["geopandas"], 2),
        "same_rows": True,
        "summary": [
            summary_row("assignment on Dask (LocalCluster 2x1) with write back",
                        spread(runs["dask"]), peer_name="gcrm on PostGIS (the default path)",
                        peer=spread(runs["local"]), peer_is_gcrm=True,
                        note=f"{size}; same rows stored; cluster start "
                             f"{cluster_start:.1f} s not included"),
            summary_row("assignment on Dask (LocalCluster 2x1) with write back",
                        spread(runs["dask"]),
                        peer_name="GeoPandas sjoin in one process + the same write back",
                        peer=spread(runs["geopandas"]),
                        note=f"{size}; same rows stored"),
            summary_row("assignment on Dask (LocalCluster 2x1) with write back",
                        spread(runs["dask"]),
                        peer_name="dask-geopandas sjoin with spatial partitions (Hilbert)",
                        peer=spread(runs["dask_geopandas"]),
                        note=f"{size}; same rows stored; gcrm broadcasts the parts"),
        ],
    }
    write_and_print("dask_assign", payload)


if __name__ == "__main__":
    main()
