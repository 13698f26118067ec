"""The regional cube: full build, incremental build after one new month, and a slice query,
side by side with pandas (one groupby per grouping set) and DuckDB (GROUP BY CUBE) on the
same facts in the same run.

Needs a database holding the demo world (the benchmark size: 1,000,000 accounts, about
10,000,000 sales):

    gcrm demo --accounts 1000000
    .venv/bin/python bench/cube_build.py [--repeat 3]

What each side computes:
  gcrm            reads the facts out of PostGIS, computes every level x month x one split
                  (segment, status, category, channel) with revenue, orders, quantity and
                  distinct buyers, plus the service and customer cells, and writes them back.
  pandas          the same sales grouping sets, one groupby each, on facts already in memory.
  DuckDB CUBE     GROUP BY level, region, month, CUBE(segment, status, category, channel) on
                  the same facts in memory: every combination of the four splits (more
                  cells than gcrm keeps), no writing back.
The peers are timed on facts already read; reading them out of PostGIS is its own line.
Each measurement runs ``--repeat`` times (the slice query at least 20), except DuckDB's
CUBE, which takes minutes and runs once; the payload's "summary" holds one row per
comparison with median, min and max.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import duckdb
import pandas as pd
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from harness import spread, summary_row, write_results  # noqa: E402

from gcrm import cube  # noqa: E402
from gcrm.cube.build import DUCKDB_MEMORY  # noqa: E402
from gcrm.db.engine import get_engine  # noqa: E402

SPLITS = ("segment", "status", "category", "channel")
FACTS = """
SELECT s.account_id, date_trunc('month', s.order_date)::date AS month, s.amount::float8 AS amount,
       s.quantity, coalesce(s.product_category, '(none)') AS category,
       coalesce(s.channel, '(none)') AS channel, coalesce(a.segment, '(none)') AS segment,
       a.status
FROM sales s JOIN accounts a ON a.id = s.account_id
"""
PLACES = """
SELECT ra.entity_id AS account_id, ra.level, ra.region_id FROM region_assignments ra
JOIN region_levels l ON l.name = ra.level
WHERE ra.entity = 'account' AND ra.region_id IS NOT NULL AND ra.level !~ '^h3_([89]|1[0-5])$'
"""


def timed(fn, repeat: int) -> tuple[float, float, float, object, list[float]]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times), out, times


def read_facts(engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The facts out of PostGIS the fast way (COPY to CSV, read with pyarrow), as any
    careful notebook would: pd.read_sql of 10M rows takes minutes."""
    frames = []
    with engine.connect() as conn, tempfile.TemporaryDirectory() as tmp:
        raw = conn.connection.driver_connection
        for name, query in (("sales", FACTS), ("places", PLACES)):
            path = Path(tmp) / f"{name}.csv"
            with raw.cursor() as cursor, path.open("wb") as out, cursor.copy(
                    f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER true)") as copy:
                for block in copy:
                    out.write(block)
            frames.append(pd.read_csv(path, engine="pyarrow"))
    sales, places = frames
    sales["month"] = pd.to_datetime(sales["month"])
    for column in ("category", "channel", "segment", "status", "level"):
        for frame in (sales, places):
            if column in frame:
                frame[column] = frame[column].astype("category")
    return sales, places


def pandas_grouping_sets(sales: pd.DataFrame, places: pd.DataFrame) -> int:
    """One groupby per grouping set: level x region x month, alone and with each split."""
    cells = 0
    for _level, where in places.groupby("level", observed=True):
        joined = sales.merge(where[["account_id", "region_id"]], on="account_id")
        for split in (None, *SPLITS):
            keys = ["region_id", "month", *([split] if split else [])]
            out = joined.groupby(keys, observed=True).agg(
                revenue=("amount", "sum"), orders=("amount", "size"),
                quantity=("quantity", "sum"), buyers=("account_id", "nunique"))
            cells += len(out)
    return cells


def duckdb_cube(sales: pd.DataFrame, places: pd.DataFrame) -> int:
    # The same memory budget as gcrm's own DuckDB step; beyond it DuckDB spills to disk
    # (unbounded, it took 17 GB of this 24 GB machine).
    with tempfile.TemporaryDirectory(prefix="bench-cube-") as spill:
        db = duckdb.connect(config={"threads": 2, "memory_limit": DUCKDB_MEMORY,
                                    "temp_directory": spill})
        return _cube_cells(db, sales, places)


def _cube_cells(db, sales: pd.DataFrame, places: pd.DataFrame) -> int:
    db.register("sales", sales)
    db.register("places", places)
    n = db.execute("""
        SELECT count(*) FROM (
            SELECT p.level, p.region_id, s.month, s.segment, s.status, s.category, s.channel,
                   sum(s.amount), count(*), sum(s.quantity), count(DISTINCT s.account_id)
            FROM sales s JOIN places p USING (account_id)
            GROUP BY p.level, p.region_id, s.month, CUBE (s.segment, s.status, s.category,
                                                          s.channel))""").fetchone()[0]
    db.close()
    return n


def slice_peers(sales: pd.DataFrame, places: pd.DataFrame, state_region: int):
    """One state's revenue by county x month, computed from the raw facts."""
    counties = places[places["level"] == "county"][["account_id", "region_id"]]
    in_state = set(places.loc[(places["level"] == "state")
                              & (places["region_id"] == state_region), "account_id"])

    def with_pandas():
        rows = sales[sales["account_id"].isin(in_state)].merge(counties, on="account_id")
        return rows.groupby(["region_id", "month"], observed=True)["amount"].sum()

    db = duckdb.connect(config={"threads": 2})
    db.register("sales", sales)
    db.register("places", places)

    def with_duckdb():
        return db.execute("""
            SELECT c.region_id, s.month, sum(s.amount) FROM sales s
            JOIN places c ON c.account_id = s.account_id AND c.level = 'county'
            JOIN places t ON t.account_id = s.account_id AND t.level = 'state'
                         AND t.region_id = ? GROUP BY ALL""", [state_region]).fetchall()

    return with_pandas, with_duckdb, db


def add_one_month(engine) -> tuple[dt.date, int]:
    """A new month of sales after the last: the last month's orders again, a month later."""
    with engine.begin() as conn:
        last = conn.execute(text("SELECT date_trunc('month', max(order_date))::date "
                                 "FROM sales")).scalar()
        rows = conn.execute(text("""
            INSERT INTO sales (source, external_id, account_id, site_id, order_date, amount,
                               quantity, product_category, channel)
            SELECT 'bench-next-month', external_id, account_id, site_id,
                   (order_date + interval '1 month')::date, amount, quantity,
                   product_category, channel
            FROM sales WHERE order_date >= :last AND source <> 'bench-next-month'"""),
            {"last": last}).rowcount
    return (last + dt.timedelta(days=32)).replace(day=1), rows


def remove_added_month(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sales WHERE source = 'bench-next-month'"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = get_engine()
    results: dict = {"repeat": args.repeat}
    remove_added_month(engine)  # left by an interrupted run
    with engine.connect() as conn:
        results["sales_rows"] = conn.execute(text("SELECT count(*) FROM sales")).scalar()
        results["accounts"] = conn.execute(text("SELECT count(*) FROM accounts")).scalar()
        state = conn.execute(text("SELECT id, code FROM regions WHERE level = 'state' "
                                  "ORDER BY id LIMIT 1")).one()
    print(f"{results['accounts']:,} accounts, {results['sales_rows']:,} sales; "
          f"median of {args.repeat}")

    median, low, high, built, full_times = timed(lambda: cube.build(engine=engine),
                                                 args.repeat)
    results["gcrm_full_build"] = {"median": median, "min": low, "max": high,
                                  "steps": built.steps, "cells": built.cells}
    print(f"gcrm full build            {median:6.1f} s  (min {low:.1f}, max {high:.1f}) "
          f"steps {built.steps}")

    month, added = add_one_month(engine)
    incremental_times = []
    for _ in range(args.repeat):
        with engine.begin() as conn:  # the same new month, marked changed again each time
            conn.execute(text("INSERT INTO cube_dirty_months VALUES ('sales', :m) "
                              "ON CONFLICT DO NOTHING"), {"m": month})
        start = time.perf_counter()
        incremental = cube.build(incremental=True, engine=engine)
        incremental_times.append(time.perf_counter() - start)
        assert incremental.kind == "incremental", incremental.note
    inc = statistics.median(incremental_times)
    results["gcrm_incremental_build"] = {
        "median": inc, "min": min(incremental_times), "max": max(incremental_times),
        "new_month": str(month), "new_rows": added, "share_of_full": inc / median}
    print(f"gcrm incremental (+{added:,} sales in {month:%Y-%m}) {inc:6.2f} s  "
          f"= {inc / median:.1%} of the full build")

    remove_added_month(engine)
    cube.build(engine=engine)  # the cube as the data is, for the slice and the peers
    q = lambda: cube.query(["revenue"], level="county", by=["month"],  # noqa: E731
                           where={"state": state.code}, engine=engine)
    q()  # warm
    qm, ql, qh, frame, slice_times = timed(q, max(args.repeat, 20))
    results["gcrm_slice_query"] = {"median": qm, "min": ql, "max": qh, "rows": len(frame)}
    print(f"gcrm slice query (state {state.code}, county x month, {len(frame):,} rows) "
          f"{qm * 1000:6.1f} ms")

    start = time.perf_counter()
    tracemalloc.start()
    sales, places = read_facts(engine)
    results["peers_read_facts"] = time.perf_counter() - start
    print(f"peers: read facts out of PostGIS {results['peers_read_facts']:6.1f} s "
          f"({len(sales):,} rows)")
    pm, pl, ph, pcells, pandas_times = timed(lambda: pandas_grouping_sets(sales, places),
                                             args.repeat)
    results["pandas_grouping_sets"] = {"median": pm, "min": pl, "max": ph, "cells": pcells,
                                       "gcrm_full_over_pandas": median / pm}
    print(f"pandas groupby per grouping set {pm:6.1f} s ({pcells:,} sales cells); "
          f"gcrm full / pandas = {median / pm:.2f}")
    dm, dl, dh, dcells, duckdb_times = timed(lambda: duckdb_cube(sales, places),
                                             1)  # minutes: once
    results["duckdb_cube"] = {"median": dm, "min": dl, "max": dh, "cells": dcells,
                              "gcrm_full_over_duckdb": median / dm}
    print(f"DuckDB GROUP BY CUBE           {dm:6.1f} s ({dcells:,} cells); "
          f"gcrm full / DuckDB = {median / dm:.2f}")
    with_pandas, with_duckdb, db = slice_peers(sales, places, state.id)
    sm, _, _, _, slice_pandas_times = timed(with_pandas, args.repeat)
    sd, _, _, _, slice_duckdb_times = timed(with_duckdb, args.repeat)
    db.close()
    results["slice_from_facts"] = {"pandas": sm, "duckdb": sd,
                                   "pandas_over_gcrm": sm / qm, "duckdb_over_gcrm": sd / qm}
    print(f"slice from the raw facts: pandas {sm * 1000:.0f} ms, DuckDB {sd * 1000:.0f} ms "
          f"(gcrm {sm / qm:.0f}x and {sd / qm:.0f}x faster)")
    results["peers_peak_python_memory_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    results["process_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process {results['process_peak_rss_mb']:,.0f} MB")

    facts = (f"{results['sales_rows']:,} sales, {results['accounts']:,} accounts; the peer "
             f"on facts in memory (reading them out: {results['peers_read_facts']:.1f} s, "
             "not counted)")
    full = spread(full_times)
    results["summary"] = [
        summary_row("cube full build", full, peer_name="pandas groupby per grouping set",
                    peer=spread(pandas_times),
                    note=f"gcrm reads, computes and writes back; {facts}"),
        summary_row("cube full build", full, peer_name="DuckDB GROUP BY CUBE",
                    peer=spread(duckdb_times),
                    note=f"DuckDB runs once (minutes at full size) and computes every "
                         f"combination of the splits ({dcells:,} cells), no write back; "
                         f"{facts}"),
        summary_row("cube incremental build (one new month)", spread(incremental_times),
                    peer_name="gcrm full build", peer=full, peer_is_gcrm=True,
                    note=f"+{added:,} sales in {month:%Y-%m}; the peers have no incremental "
                         "build (they recompute everything): the ratio is full / incremental"),
        summary_row("cube slice query (a state's counties x month)", spread(slice_times),
                    peer_name="pandas from the raw facts", peer=spread(slice_pandas_times),
                    note=f"{len(frame):,} rows; {facts}"),
        summary_row("cube slice query (a state's counties x month)", spread(slice_times),
                    peer_name="DuckDB from the raw facts", peer=spread(slice_duckdb_times),
                    note=f"{len(frame):,} rows; {facts}"),
    ]

    print(f"results: {write_results('cube_build', results)}")


if __name__ == "__main__":
    main()
