"""``make bench-scale`` (issue 22; not part of ``make test`` or ``make bench``): the cube
and point-to-region assignment at 10M, 30M and 100M order lines (1M, 3M and 10M accounts),
on a Dask LocalCluster of this machine against the single-machine path, in the same run.

The world grows by whole copies of the 1M-account demo world (``make bench`` builds it):
copy k of every account gets id + k x OFFSET, the same place, segment and dates, and its
regions; its sales and cases are the world's own, with the account id shifted the same way.
So 3 copies hold 3M accounts and ~30M sales, 10 copies 10M and ~100M. The facts are
written as the lake (Parquet by month, gcrm.lake's layout); both sides build the cube from
it (``cube.build(lake=...)``), the accounts, regions and cells in PostGIS:

- single machine: ``cube.build(run_on="local", lake=...)`` (DuckDB in one process);
- Dask: ``cube.build(run_on="dask", lake=...)`` on a LocalCluster of 2 worker processes x 1
  thread; each task's worker reads its months' files itself.

Each side runs in its own process, so its peak resident memory is its own; the Dask side
also reports each worker's peak. After each build the stored cube is fingerprinted (count
and sum of row hashes per table): the two sides must store the same cube. Assignment:
``regions.assign`` of every account to the county level, PostGIS vs Dask, same check.
Throughput is facts (sales + cases) per second per core, to carry to a larger cluster.

    .venv/bin/python bench/scale.py [--copies 1,3,10] [--folder .gcrm/bench-scale]
                                    [--no-assign]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import create_engine, make_url, text

sys.path.insert(0, str(Path(__file__).parent))
from harness import summary_row, write_results  # noqa: E402

from gcrm.db.engine import database_url  # noqa: E402

BASE = "gcrm_bench_world_1000000"
SCALE = "gcrm_bench_scale"
FOLDER = Path(__file__).parents[1] / ".gcrm" / "bench-scale"
CORES = 2
LEVEL = "county"

CLONE_ACCOUNTS = """
INSERT INTO accounts (id, source, external_id, name, kind, status, segment, geom,
                      geocode_precision, customer_since, churned_at)
SELECT id + :shift, source, external_id || '~' || :copy, 'Scale copy ' || :copy, kind,
       status, segment, geom, geocode_precision, customer_since, churned_at
FROM accounts WHERE id <= :base_max"""
CLONE_PLACES = """
INSERT INTO region_assignments (entity, entity_id, level, region_id)
SELECT entity, entity_id + :shift, level, region_id FROM region_assignments
WHERE entity = 'account' AND entity_id <= :base_max"""
FINGERPRINT = ("SELECT count(*), coalesce(sum(hashtext(t::text)::bigint), 0) "
               "FROM (SELECT {columns} FROM {table}) t")
PLACES = {"region_assignments": "entity, entity_id, level, region_id"}  # not assigned_at


def server_url(database: str) -> str:
    return make_url(database_url()).set(database=database).render_as_string(
        hide_password=False)


def scale_database() -> str:
    """The scale world's URL: a copy of the 1M world (made once, then grown in place)."""
    server = create_engine(server_url("postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        names = set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
        if BASE not in names:  # the 1M world of make bench, built as it builds it
            from suite import world

            if world(1_000_000, False)[0] is None:
                raise SystemExit(f"Could not build {BASE}: see bench/results/logs.")
        if SCALE not in names:
            print(f"copying {BASE} to {SCALE} ...", flush=True)
            conn.execute(text(f'CREATE DATABASE "{SCALE}" TEMPLATE "{BASE}"'))
    server.dispose()
    return server_url(SCALE)


def base_max(engine) -> int:
    """The highest account id of the 1M world (copies start above it)."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT max(id) FROM accounts WHERE external_id NOT LIKE "
                                 "'%~%'")).scalar_one()


def grow(engine, copies: int, top: int, offset: int) -> None:
    """Copies 1..copies-1 of every account and its regions (those already made are kept)."""
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM accounts WHERE id > :top"),
                            {"top": offset}).scalar_one()
        base = conn.execute(text("SELECT count(*) FROM accounts WHERE id <= :top"),
                            {"top": top}).scalar_one()
    made = have // base
    for copy in range(made + 1, copies):
        t0 = time.perf_counter()
        with engine.begin() as conn:
            params = {"shift": copy * offset, "copy": copy, "base_max": top}
            conn.execute(text(CLONE_ACCOUNTS), params)
            conn.execute(text(CLONE_PLACES), params)
        print(f"  accounts: copy {copy} made in {time.perf_counter() - t0:.0f} s", flush=True)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE accounts"))
        conn.execute(text("ANALYZE region_assignments"))


def base_lake(folder: Path) -> Path:
    """The 1M world's lake, written once (gcrm lake write)."""
    from gcrm import lake
    from gcrm.lake import layout

    root = folder / "x1"
    if not (root / layout.MANIFEST).exists():
        print("writing the 1M world's lake ...", flush=True)
        lake.write(root, engine=create_engine(server_url(BASE)))
    return root


def copied_lake(base: Path, folder: Path, copies: int, offset: int) -> Path:
    """A lake of ``copies`` copies of the base's sales and cases, account ids shifted."""
    from gcrm.lake import layout
    from gcrm.lake.write import manifest_of

    if copies == 1:
        return base
    root = folder / f"x{copies}"
    if (root / layout.MANIFEST).exists():
        return root
    t0 = time.perf_counter()
    for table in ("sales", "service_cases"):
        for source in sorted((base / table).glob("month=*/*.parquet")):
            target = root / table / source.parent.name / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            rows = pq.read_table(source)
            with pq.ParquetWriter(target, rows.schema) as writer:
                for copy in range(copies):
                    shifted = pc.add(rows["account_id"], copy * offset)
                    writer.write_table(rows.set_column(0, "account_id", shifted))
    layout.write_manifest(root, manifest_of(root))
    print(f"  lake x{copies} written in {time.perf_counter() - t0:.0f} s", flush=True)
    return root


def fingerprint(engine, tables: dict[str, str]) -> dict[str, list[int]]:
    """Per table (name -> columns compared): its rows and the sum of their hashes."""
    with engine.connect() as conn:
        return {t: list(conn.execute(text(FINGERPRINT.format(table=t, columns=c))).one())
                for t, c in tables.items()}


# ---- one side, in its own process ----

def side(kind: str, url: str, lake: str) -> dict:
    """Run one build or assignment in this process and return its figures."""
    os.environ["GCRM_DATABASE_URL"] = url
    from gcrm import cube, regions

    engine = create_engine(url)
    client = cluster = None
    if kind.endswith("dask"):
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None, memory_limit="10GiB")
        client = Client(cluster)
    run_on = "dask" if client else "local"
    t0 = time.perf_counter()
    if kind.startswith("cube"):
        result = cube.build(engine=engine, run_on=run_on, client=client, lake=lake)
        out = {"seconds": time.perf_counter() - t0, "steps": result.steps,
               "source_rows": result.source_rows, "note": result.note}
    else:
        result = regions.assign(["account"], levels=[LEVEL], incremental=False,
                                engine=engine, run_on=run_on, client=client)
        out = {"seconds": time.perf_counter() - t0}
    if client is not None:
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        out["worker_peak_mib"] = sorted(round(v / 1024) for v in peaks.values())
        client.close()
        cluster.close()
    out["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def run_side(kind: str, url: str, lake: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--side", kind, "--url", url,
                           "--lake", str(lake)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", default="1,3,10")
    parser.add_argument("--folder", type=Path, default=FOLDER)
    parser.add_argument("--no-assign", action="store_true")
    parser.add_argument("--side")
    parser.add_argument("--url")
    parser.add_argument("--lake")
    args = parser.parse_args()
    if args.side:
        print(json.dumps(side(args.side, args.url, args.lake)))
        return

    from gcrm.cube.build import COLUMNS

    url = scale_database()
    engine = create_engine(url)
    top = base_max(engine)
    offset = 10 ** len(str(top))
    base = base_lake(args.folder)
    rows = []
    for copies in sorted(int(c) for c in args.copies.split(",")):
        print(f"{copies} cop{'y' if copies == 1 else 'ies'} of the 1M world:", flush=True)
        grow(engine, copies, top, offset)
        lake = copied_lake(base, args.folder, copies, offset)
        row: dict = {"copies": copies}
        for kind in ("cube_local", "cube_dask"):
            row[kind] = run_side(kind, url, lake)
            row[kind]["cube"] = fingerprint(engine, COLUMNS)
            print(f"  {kind}: {row[kind]['seconds']:.0f} s, peak "
                  f"{row[kind]['peak_mib']:,} MiB"
                  + (f", workers {row[kind].get('worker_peak_mib')} MiB"
                     if "worker_peak_mib" in row[kind] else ""), flush=True)
        if row["cube_local"]["cube"] != row["cube_dask"]["cube"]:
            raise SystemExit(f"x{copies}: the two builds stored different cubes")
        facts = sum(row["cube_local"]["source_rows"][t] for t in ("sales", "service_cases"))
        with engine.connect() as conn:
            row["accounts"] = conn.execute(text("SELECT count(*) FROM accounts")).scalar_one()
        row["sales"] = row["cube_local"]["source_rows"]["sales"]
        row["facts"] = facts
        for kind in ("cube_local", "cube_dask"):
            row[kind]["facts_per_s_per_core"] = round(facts / row[kind]["seconds"] / CORES)
            del row[kind]["cube"]
        if not args.no_assign:
            prints = []
            for kind in ("assign_local", "assign_dask"):
                row[kind] = run_side(kind, url, lake)
                prints.append(fingerprint(engine, PLACES))
                print(f"  {kind}: {row[kind]['seconds']:.0f} s", flush=True)
            if prints[0] != prints[1]:
                raise SystemExit(f"x{copies}: the two assignments stored different rows")
        rows.append(row)
    engine.dispose()

    summary = []
    for row in rows:
        size = f"{row['accounts']:,} accounts, {row['sales']:,} sales ({row['facts']:,} facts)"
        summary.append(summary_row(
            f"cube build from the lake, {row['sales'] / 1e6:.0f}M sales, Dask 2x1",
            row["cube_dask"]["seconds"],
            peer_name="gcrm on this machine (DuckDB, one process)",
            peer=row["cube_local"]["seconds"],
            peer_is_gcrm=True, note=f"{size}; same cube stored"))
    payload = {"cluster": "LocalCluster, 2 worker processes x 1 thread",
               "rows": rows, "summary": summary}
    out = write_results("scale", payload)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
