"""Churn risk in the cube at scale: keeping a scoring's month (what ``gcrm model churn
score`` ends with: every scored customer's risk, band and revenue over the 365 days
before, copied into account_risk_months) and the cube's risk family (COPY out of the
month's scores, DuckDB cells of every level x month x segment, COPY back into
cube_risk), beside pandas computing the same cells from the same rows in memory, in the
same run.

Needs the demo world (``GCRM_DATABASE_URL``, the suite's world: 1M accounts, 10M sales)
with a scored churn model (bench/churn_model.py scores it):

    .venv/bin/python bench/risk_cube.py [--repeat 3]

Everything runs in one transaction that is rolled back at the end: the world is left as
it was (no scoring month kept, no cube cells, nothing marked for the next build).
What is timed:
  keep month   DELETE + COPY of the latest model's scores (risk, band and the revenue
               of the year before, in memory as scoring has them) into
               account_risk_months (what re-scoring a month adds).
  risk family  what a cube build adds for it: COPY the month's scores out of PostGIS,
               DuckDB cells (risk_cells), COPY the cells into cube_risk. The accounts and
               their regions are read once by every build for all families: read here
               first, not timed.
  cells alone  the DuckDB query of the cells, its rows in memory (the like-for-like peer
               of pandas).
  pandas       the same cells from the same rows already in memory (scores, accounts,
               each account's region at every level): one groupby per level and split.
The cells of both sides are compared (same count, same sums at every level).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from harness import spread, summary_row, write_results  # noqa: E402

from gcrm.cube import compute  # noqa: E402
from gcrm.cube import sql as cube_sql  # noqa: E402
from gcrm.db.engine import get_engine  # noqa: E402
from gcrm.models import churn_score  # noqa: E402
from gcrm.models.churn_train import data_span  # noqa: E402

PEER = "pandas groupby per level and split"
build = importlib.import_module("gcrm.cube.build")  # the module (gcrm.cube.build is also
# the name of its function in gcrm.cube)


SCORES = """
SELECT r.account_id, r.risk, r.band, coalesce(s.revenue, 0)::float8 AS revenue
FROM account_risk r
LEFT JOIN (SELECT account_id, sum(amount) AS revenue FROM sales
           WHERE order_date > CAST(:as_of AS date) - 365
             AND order_date <= CAST(:as_of AS date)
           GROUP BY account_id) s ON s.account_id = r.account_id
WHERE r.model_id = :model_id ORDER BY r.account_id
"""


def keep_month(conn, model_id: int, as_of, scores: pd.DataFrame) -> float:
    """What scoring adds: the scores (already in memory) kept as the month's."""
    started = time.perf_counter()
    churn_score.keep_month(conn, as_of.replace(day=1), model_id,
                           scores["account_id"].to_numpy(), scores["risk"].to_numpy(),
                           scores["band"].to_numpy(), scores["revenue"].to_numpy())
    return time.perf_counter() - started


def risk_family(conn, db, tmp: Path, levels) -> tuple[float, float, int]:
    """The risk family's share of a cube build: (seconds in all, seconds of the DuckDB
    cells alone, cells written)."""
    db.execute("DROP TABLE IF EXISTS risk")
    started = time.perf_counter()
    build._copy_out(conn, db, tmp, "risk", cube_sql.EXTRACT_RISK.format(where=""))
    out = tmp / "cube_risk.csv"
    cells_started = time.perf_counter()
    db.execute(f"COPY ({compute.risk_cells(levels)}) TO '{out}' (FORMAT csv, HEADER false)")
    cells_seconds = time.perf_counter() - cells_started
    conn.execute(text("TRUNCATE cube_risk"))
    build._copy_in(conn, "cube_risk", out)
    seconds = time.perf_counter() - started
    return seconds, cells_seconds, build._count_lines(out)


def pandas_cells(scores: pd.DataFrame, accounts: pd.DataFrame, places: pd.DataFrame,
                 levels) -> pd.DataFrame:
    """The risk cells as a notebook computes them: join, then one groupby per level (the
    region total) and per level and segment (boundary levels)."""
    rows = scores.merge(accounts, left_on="account_id", right_on="id").merge(
        places, on="account_id")
    rows["high_n"] = rows["high"].astype("int64")
    rows["at_risk"] = rows["revenue"].where(rows["high"], 0.0)
    out = []
    for i, (name, kind) in enumerate(levels):
        keys = [[f"l{i}", "month"]] + ([[f"l{i}", "month", "segment"]] if kind != "h3" else [])
        for group in keys:
            cells = rows.groupby(group, sort=False).agg(
                scored_customers=("account_id", "size"),
                high_risk_customers=("high_n", "sum"),
                revenue_at_risk=("at_risk", "sum")).reset_index()
            cells = cells.rename(columns={f"l{i}": "region_id"})
            cells["level"] = name
            out.append(cells)
    return pd.concat(out, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = get_engine()
    keep, family, alone, peer = [], [], [], []
    with engine.connect() as conn, tempfile.TemporaryDirectory(prefix="gcrm-risk-") as tmp:
        transaction = conn.begin()
        try:
            model_id = conn.execute(text("SELECT max(model_id) FROM account_risk")).scalar()
            if model_id is None:
                sys.exit("No churn scores in this database: run bench/churn_model.py "
                         "(or gcrm model churn train and score) first.")
            _, as_of = data_span(conn)
            rows = conn.execute(text(SCORES), {"as_of": as_of, "model_id": model_id}).all()
            kept = pd.DataFrame(rows, columns=["account_id", "risk", "band", "revenue"])
            for _ in range(args.repeat):
                keep.append(keep_month(conn, model_id, as_of, kept))
            scored = conn.execute(text(
                "SELECT count(*) FROM account_risk_months WHERE month = :m"),
                {"m": as_of.replace(day=1)}).scalar_one()
            db = duckdb.connect(config={"threads": 2, "memory_limit": build.DUCKDB_MEMORY,
                                        "temp_directory": str(Path(tmp) / "spill")})
            db.execute("SET enable_progress_bar = false")
            levels = build._levels(conn, db)
            for name in ("accounts", "assignments"):  # read once per build, for all families
                build._copy_out(conn, db, Path(tmp), name, cube_sql.EXTRACT[name])
            db.execute(f"CREATE TABLE places AS {compute.places(levels)}")
            for _ in range(args.repeat):
                seconds, cells_seconds, cells = risk_family(conn, db, Path(tmp), levels)
                family.append(seconds)
                alone.append(cells_seconds)
            scores = db.execute("SELECT account_id, month, high, revenue::DOUBLE AS revenue "
                                "FROM risk").df()
            accounts = db.execute("SELECT id, segment FROM accounts").df()
            places = db.execute("SELECT * FROM places").df()
            db.close()
            for _ in range(args.repeat):
                started = time.perf_counter()
                theirs = pandas_cells(scores, accounts, places, levels)
                peer.append(time.perf_counter() - started)
            ours = pd.DataFrame(conn.execute(text(
                "SELECT level, sum(scored_customers) AS scored, "
                "sum(high_risk_customers) AS high, sum(revenue_at_risk)::float8 AS at_risk "
                "FROM cube_risk WHERE dim = '*' GROUP BY level")).all(),
                columns=["level", "scored", "high", "at_risk"]).set_index("level")
        finally:
            transaction.rollback()
    totals = theirs[theirs["segment"].isna()].groupby("level").agg(
        scored=("scored_customers", "sum"), high=("high_risk_customers", "sum"),
        at_risk=("revenue_at_risk", "sum"))
    same = all(int(totals.loc[level, "scored"]) == int(ours.loc[level, "scored"])
               and int(totals.loc[level, "high"]) == int(ours.loc[level, "high"])
               and abs(totals.loc[level, "at_risk"] - ours.loc[level, "at_risk"]) < 1.0
               for level in ours.index)
    assert same and len(theirs) == cells, (totals, ours, len(theirs), cells)
    rows = [
        summary_row(f"keep a scoring's month for the cube ({scored:,} customers: risk, band, "
                    "revenue of the year before)", spread(keep),
                    note="added to gcrm model churn score"),
        summary_row(f"cube risk family: read the scores, {cells:,} cells, write them",
                    spread(family), peer_name=PEER, peer=spread(peer),
                    note="pandas on rows already in memory, nothing read or written"),
        summary_row(f"cube risk family: the {cells:,} cells alone (DuckDB, rows in memory)",
                    spread(alone), peer_name=PEER, peer=spread(peer)),
    ]
    payload = {"customers": scored, "cells": cells, "levels": [n for n, _ in levels],
               "keep_month_s": spread(keep), "risk_family_s": spread(family),
               "duckdb_cells_s": spread(alone),
               "pandas_s": spread(peer), "summary": rows}
    path = write_results("risk_cube", payload)
    print(f"keep month {statistics.median(keep):.2f} s; risk family "
          f"{statistics.median(family):.2f} s (cells alone {statistics.median(alone):.2f} s)"
          f" vs pandas {statistics.median(peer):.2f} s "
          f"({cells:,} cells, {scored:,} customers); {path}")


if __name__ == "__main__":
    main()
