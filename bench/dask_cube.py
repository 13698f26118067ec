"""The cube's full build on Dask vs on this machine, same run, same database, each ending
with the same cube tables (checked by a checksum of every cube table after every build).

- gcrm local: ``cube.build(run_on="local")`` (DuckDB in this process, the default path);
- gcrm Dask: ``cube.build(run_on="dask")`` on a ``LocalCluster`` of 2 worker processes x 1
  thread started once beforehand (its start is reported on its own line): the monthly
  families' cells on the workers, the rest as before.

Builds the cube of the database ``GCRM_DATABASE_URL`` names (a demo world; it rewrites
its cube tables with the same cells).

    GCRM_DATABASE_URL=... .venv/bin/python bench/dask_cube.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
from harness import local_cluster, spread, summary_row, write_and_print  # noqa: E402

from gcrm import cube  # noqa: E402
from gcrm.cube.build import COLUMNS  # noqa: E402
from gcrm.db.engine import database_url  # noqa: E402


def checksum(engine) -> str:
    digest = hashlib.md5()
    with engine.connect() as conn:
        for table, columns in COLUMNS.items():
            digest.update(conn.execute(text(
                f"SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
                f"FROM (SELECT {columns} FROM {table}) t")).scalar_one().encode())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = create_engine(database_url())
    with engine.connect() as conn:
        accounts = conn.execute(text("SELECT count(*) FROM accounts")).scalar_one()
        sales = conn.execute(text("SELECT count(*) FROM sales")).scalar_one()

    client, cluster, cluster_start = local_cluster()

    runs: dict[str, list[float]] = {"local": [], "dask": []}
    steps: dict[str, list[dict]] = {"local": [], "dask": []}
    prints: set[str] = set()
    sides = {"local": lambda: cube.build(engine=engine, run_on="local"),
             "dask": lambda: cube.build(engine=engine, run_on="dask", client=client)}
    try:
        for _ in range(args.repeat):
            for name, run in sides.items():
                t0 = time.perf_counter()
                result = run()
                runs[name].append(time.perf_counter() - t0)
                steps[name].append(result.steps)
                prints.add(checksum(engine))
    finally:
        client.close()
        cluster.close()
    engine.dispose()
    if len(prints) != 1:
        raise SystemExit(f"The local and Dask builds stored different cubes: {prints}")
    med = {k: float(np.median(v)) for k, v in runs.items()}
    size = f"{accounts:,} accounts, {sales:,} sales"
    payload = {
        "accounts": accounts, "sales": sales, "repeat": args.repeat,
        "cluster": "LocalCluster, 2 worker processes x 1 thread, on this machine",
        "cluster_start_s": round(cluster_start, 2),
        "local_s": round(med["local"], 2), "dask_s": round(med["dask"], 2),
        "ratio_dask_over_local": round(med["dask"] / med["local"], 2),
        "steps_local": steps["local"][-1], "steps_dask": steps["dask"][-1],
        "same_cube": True,
        "summary": [
            summary_row("full cube build on Dask (LocalCluster 2x1)", spread(runs["dask"]),
                        peer_name="gcrm on this machine (DuckDB, the default path)",
                        peer=spread(runs["local"]), peer_is_gcrm=True,
                        note=f"{size}; same cube stored; cluster start "
                             f"{cluster_start:.1f} s not included"),
        ],
    }
    write_and_print("dask_cube", payload)


if __name__ == "__main__":
    main()
