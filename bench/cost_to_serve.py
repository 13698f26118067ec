"""The cube's cost-to-serve family (issue 21): what it adds to a full cube build, and its
cells computed in DuckDB (as the build does) beside pandas on the same facts in the same
run.

Needs a database holding a demo world:

    gcrm demo --accounts 100000 --states DE
    .venv/bin/python bench/cost_to_serve.py [--repeat 3]

What each side computes, from the facts a full build reads (sales, cases, contacts, the
rates, each account's segment, status and regions):
  gcrm     each account's revenue and cost to serve per month (cases priced by type,
           contacts by channel: compute.COST_MONTHS), then cost to serve, case, return and
           contact cost, margin and accounts served per level x region x month, unsplit and
           by segment and by status (compute.cost_cells), in DuckDB, written to CSV as the
           build does before its COPY.
  pandas   the same: concat + merge of the rates + groupby per account and month, then one
           groupby per level and split.
Both are timed on facts already read. Beside them: the family's whole share of a build
(reading the contacts out of PostGIS, computing, writing cube_cost and account_margins
back, in a transaction rolled back) against a full ``gcrm cube build``, and a query of the
share of unprofitable customers per county over a year.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from harness import spread, summary_row, write_results  # noqa: E402

from gcrm import cube  # noqa: E402
from gcrm.cube import compute  # noqa: E402
from gcrm.db.engine import get_engine  # noqa: E402
from gcrm.ingest import bulk  # noqa: E402

cube_build = importlib.import_module("gcrm.cube.build")  # the module, not cube.build()

PARTS = ["cost_to_serve", "case_cost", "return_cost", "contact_cost", "margin"]


def load_facts(conn, tmp: Path) -> tuple[duckdb.DuckDBPyConnection, compute.Levels]:
    """Every fact a full build reads, in DuckDB, read the build's own way."""
    db = duckdb.connect(config={"threads": 2, "memory_limit": cube_build.DUCKDB_MEMORY})
    levels = cube_build._levels(conn, db)
    cube_build._extract(conn, db, tmp, None, levels)
    return db, levels


def gcrm_cells(db: duckdb.DuckDBPyConnection, levels: compute.Levels, tmp: Path) -> int:
    """The family as the build computes it: account months, then cells, to CSV."""
    db.execute("DROP TABLE IF EXISTS cost_months")
    db.execute(compute.COST_MONTHS)
    db.execute(f"COPY ({compute.cost_cells(levels)}) TO '{tmp / 'cube_cost.csv'}' "
               "(FORMAT csv, HEADER false)")
    db.execute(f"COPY ({compute.ACCOUNT_MARGINS}) TO '{tmp / 'account_margins.csv'}' "
               "(FORMAT csv, HEADER false)")
    return cube_build._count_lines(tmp / "cube_cost.csv")


def pandas_cells(f: dict[str, pd.DataFrame], levels: compute.Levels) -> tuple[int, dict]:
    """The same cells with pandas (floats, rounded to cents at the end)."""
    rates = f["rates"]
    default = rates[rates["item"] == "*"].set_index("kind")["rate"]
    case_rate = f["service"]["case_type"].map(
        rates[rates["kind"] == "case"].set_index("item")["rate"]).fillna(default["case"])
    contact_rate = f["contacts"]["channel"].map(
        rates[rates["kind"] == "contact"].set_index("item")["rate"]).fillna(default["contact"])
    rows = pd.concat([
        pd.DataFrame({"account_id": f["sales"]["account_id"], "month": f["sales"]["month"],
                      "revenue": f["sales"]["amount"], "case_cost": 0.0, "return_cost": 0.0,
                      "contact_cost": 0.0}),
        pd.DataFrame({"account_id": f["service"]["account_id"],
                      "month": f["service"]["month"], "revenue": 0.0, "case_cost": case_rate,
                      "return_cost": case_rate.where(f["service"]["case_type"] == "return", 0.0),
                      "contact_cost": 0.0}),
        pd.DataFrame({"account_id": f["contacts"]["account_id"],
                      "month": f["contacts"]["month"], "revenue": 0.0, "case_cost": 0.0,
                      "return_cost": 0.0, "contact_cost": contact_rate}),
    ], ignore_index=True)
    months = rows.groupby(["account_id", "month"], sort=False).sum().reset_index()
    months["cost_to_serve"] = months["case_cost"] + months["contact_cost"]
    months["margin"] = months["revenue"] - months["cost_to_serve"]
    months = months.merge(f["accounts"], on="account_id").merge(f["places"], on="account_id")
    cells, totals = 0, {}
    rules = {**{p: "sum" for p in PARTS}, "account_id": "count"}
    for i, (name, kind) in enumerate(levels):
        splits = [[]] + ([] if kind == "h3" else [["segment"], ["status"]])
        for split in splits:
            out = months.groupby([f"l{i}", "month", *split], sort=False).agg(rules)
            cells += len(out)
            if not split:
                totals[name] = round(out["margin"].sum(), 2)
    return cells, totals


def family_in_build(engine, tmp: Path) -> float:
    """Reading the contacts and the rates, computing and writing the family back, as a
    full build does (in a transaction rolled back, so the cube stays as it was). The sales,
    cases, accounts and places every family needs are read before the clock starts."""
    with engine.connect() as conn:
        transaction = conn.begin()
        db = duckdb.connect(config={"threads": 2, "memory_limit": cube_build.DUCKDB_MEMORY})
        levels = cube_build._levels(conn, db)
        for name in ("sales", "service"):
            cube_build._copy_out(conn, db, tmp, name,
                                 cube_build.sql.EXTRACT[name].format(where=""))
        for name in ("accounts", "assignments"):
            cube_build._copy_out(conn, db, tmp, name, cube_build.sql.EXTRACT[name])
        db.execute(f"CREATE TABLE places AS {compute.places(levels)}")
        started = time.perf_counter()
        cube_build._copy_out(conn, db, tmp, "contacts",
                             cube_build._cost_extract(conn, db, None))
        gcrm_cells(db, levels, tmp)
        for table in ("cube_cost", "account_margins"):
            conn.exec_driver_sql(f"TRUNCATE {table}")
            rows = cube_build._count_lines(tmp / f"{table}.csv")
            if bulk.worth_it(conn, table, rows):
                with bulk.indexes_built_after(conn, table):
                    cube_build._copy_in(conn, table, tmp / f"{table}.csv")
            else:
                cube_build._copy_in(conn, table, tmp / f"{table}.csv")
        elapsed = time.perf_counter() - started
        transaction.rollback()
        db.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = get_engine()
    with tempfile.TemporaryDirectory(prefix="bench-cost-") as folder:
        tmp = Path(folder)
        with engine.connect() as conn:
            db, levels = load_facts(conn, tmp)
        facts = {name: db.execute(f"SELECT * FROM {name}").df()
                 for name in ("sales", "service", "contacts", "accounts", "places")}
        facts["rates"] = db.execute("SELECT * FROM cost_rates").df()
        for frame in facts.values():
            for column in frame.columns:
                if str(frame[column].dtype).startswith(("decimal", "object")) and \
                        len(frame) and isinstance(frame[column].iloc[0], Decimal):
                    frame[column] = frame[column].astype("float64")
        facts["accounts"] = facts["accounts"].rename(columns={"id": "account_id"})[
            ["account_id", "segment", "status"]]
        sizes = {name: len(frame) for name, frame in facts.items()}

        duck, cells = [], 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            cells = gcrm_cells(db, levels, tmp)
            duck.append(time.perf_counter() - started)
        gcrm_totals = dict(db.execute(
            "SELECT level, sum(margin) FROM read_csv('" + str(tmp / "cube_cost.csv") +
            "', header = false) t(level, dim, member, region_id, month, c, cc, rc, kc, "
            "margin, n) WHERE dim = '*' GROUP BY level").fetchall())
        db.close()
        panda, peer_cells, totals = [], 0, {}
        for _ in range(args.repeat):
            started = time.perf_counter()
            peer_cells, totals = pandas_cells(facts, levels)
            panda.append(time.perf_counter() - started)
        agree = all(abs(float(gcrm_totals[k]) - totals[k]) < 0.01 for k in totals)

        family = [family_in_build(engine, tmp) for _ in range(args.repeat)]
        builds = []
        for _ in range(max(1, args.repeat - 1)):
            builds.append(cube.build(engine=engine).seconds)
        query = []
        for _ in range(max(5, args.repeat)):
            started = time.perf_counter()
            frame = cube.query(["unprofitable_share", "margin"], level="county",
                               period="2025", engine=engine)
            query.append(time.perf_counter() - started)

    summary = [
        summary_row("cost to serve: the family's cells (DuckDB, as the build) vs pandas",
                    spread(duck), peer_name="pandas groupby", peer=spread(panda),
                    note=f"{cells:,} cells from {sizes['sales']:,} sales, "
                         f"{sizes['service']:,} cases, {sizes['contacts']:,} contacts; "
                         f"margins agree: {agree}"),
        summary_row("cost to serve: its share of a full cube build (read contacts, "
                    "compute, write cube_cost and account_margins)", spread(family),
                    peer_name="full gcrm cube build", peer=spread(builds), peer_is_gcrm=True,
                    note="ratio = full build / the family's part"),
        summary_row("unprofitable_share and margin per county, one year (query)",
                    spread(query), note=f"{len(frame)} counties"),
    ]
    path = write_results("cost_to_serve", {
        "sizes": sizes, "cells": cells, "peer_cells": peer_cells, "margins_agree": agree,
        "duckdb_s": spread(duck), "pandas_s": spread(panda), "family_in_build_s":
        spread(family), "full_build_s": spread(builds), "query_s": spread(query),
        "summary": summary})
    for row in summary:
        print(row["measure"], row["gcrm"]["median"], row.get("peer") and
              row["peer"]["median"], row["ratio"], row["note"])
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
