"""`gcrm cube build [--incremental]`: facts out of PostGIS, grouping sets in DuckDB, cells
back into the cube tables, all in one transaction with a record of the build.

Full: every month, region level and split. Incremental: only the months whose sales or
cases changed since the last build (kept by triggers in ``cube_dirty_months``); when
accounts, their regions or the region levels changed, or a changed month lies before the
months the cube covers, an incremental build says why and does a full one. Months after
the last one extend the cube.

``--lake FOLDER`` (a full build): the sales and service cases are read from the lake
(gcrm.cube.lake_facts) instead of PostGIS; everything else as above.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from sqlalchemy import Connection, Engine, text

from gcrm import costs
from gcrm.cube import compute, lake_facts, sql
from gcrm.db.engine import get_engine
from gcrm.engines import choose_engine, client_for
from gcrm.errors import InvalidInput
from gcrm.ingest import bulk
from gcrm.regions.grid import FINE_LEVELS

Progress = Callable[[str], None]
# Changes to these mean a full build (marked by triggers, migration 0007).
WHOLE = {"accounts": "accounts", "assignments": "region assignments",
         "regions": "regions", "cost_rates": "cost-to-serve rates"}
DUCKDB_MEMORY = "3GB"  # DuckDB spills to disk beyond this; the whole build stays under 8 GiB

COLUMNS = {
    "cube_sales": "level, dim, member, region_id, month, revenue, orders, quantity, buyers",
    "cube_service": "level, dim, member, region_id, month, cases, complaints, rated, "
                    "satisfaction_sum, case_accounts",
    "cube_customers": "level, dim, member, region_id, month, customers_start, customers_end, "
                      "new_customers, churned_customers",
    "cube_accounts": "level, dim, member, region_id, accounts, customers_now, prospects",
    "region_visibility": "scope_id, region_id",
    "cube_places": "account_id, segment, status, region_ids",
    "cube_cost": "level, dim, member, region_id, month, cost_to_serve, case_cost, "
                 "return_cost, contact_cost, margin, served_accounts",
    "account_margins": "account_id, month, revenue, cost_to_serve",
    "cube_risk": "level, dim, member, region_id, month, high_risk_customers, "
                 "revenue_at_risk, scored_customers",
}
TYPES = {
    "accounts": {"id": "BIGINT", "segment": "VARCHAR", "status": "VARCHAR",
                 "customer_since": "DATE", "churned_at": "DATE"},
    "assignments": {"account_id": "BIGINT", "level": "VARCHAR", "region_id": "BIGINT"},
    "sales": {"account_id": "BIGINT", "month": "DATE", "amount": "DECIMAL(14,2)",
              "quantity": "BIGINT", "category": "VARCHAR", "channel": "VARCHAR"},
    "service": {"account_id": "BIGINT", "month": "DATE", "complaint": "BOOLEAN",
                "satisfaction": "INTEGER", "case_type": "VARCHAR"},
    "places_read": {"account_id": "BIGINT", "segment": "VARCHAR", "status": "VARCHAR",
                    "region_ids": "VARCHAR"},
    "contacts": {"account_id": "BIGINT", "month": "DATE", "channel": "VARCHAR"},
    "risk": {"account_id": "BIGINT", "month": "DATE", "high": "BOOLEAN",
             "revenue": "DECIMAL(14,2)"},
}


@dataclass
class BuildResult:
    kind: str  # full | incremental
    seconds: float
    months: list[dt.date] | None  # rebuilt months; None: all
    cells: dict[str, int] = field(default_factory=dict)
    source_rows: dict[str, int] = field(default_factory=dict)
    note: str | None = None
    steps: dict[str, float] = field(default_factory=dict)  # wall seconds per step


def build(*, incremental: bool = False, engine: Engine | None = None,
          progress: Progress | None = None, run_on: str | None = None, client=None,
          task_progress=None, lake: str | Path | None = None) -> BuildResult:
    """Build the cube (``incremental``: only what changed since the last build).

    ``lake``: a full build whose sales and service cases are read from that lake folder
    (``gcrm lake write``), every file checked against its manifest first.

    ``run_on`` (dask-cube): ``"local"`` (DuckDB on this machine, the default) or ``"dask"``
    (the monthly families' cells on the scheduler of ``GCRM_DASK_SCHEDULER``, or
    ``client``; the default when that variable is set): the same cells either way
    (docs/scale.md). ``task_progress(stage, done, total)`` is called as Dask tasks finish.
    """
    choose_engine(run_on)  # an unknown engine is refused before anything is read
    facts = None
    if lake is not None:
        if incremental:
            raise InvalidInput("An incremental build reads the months PostGIS marked as "
                               "changed; a lake keeps no such record. Build in full from "
                               "the lake (leave out --incremental).")
        facts = _LakeFacts(lake, lake_facts.files(lake), lake_facts.rows(lake))
    with client_for(run_on, client) as client:  # None: on this machine
        return _build(incremental, engine, progress, client, task_progress, facts)


@dataclass
class _LakeFacts:
    root: str | Path
    paths: dict[str, list[str]]  # per cube fact table, checked against the manifest
    rows: dict[str, int]


def _build(incremental, engine, progress, client, task_progress, facts=None) -> BuildResult:
    say = progress or (lambda message: None)
    started = time.perf_counter()
    with (engine or get_engine()).begin() as conn:
        plan = _plan(conn, incremental)
        build_id = conn.execute(text(sql.START_BUILD), {"kind": plan.kind}).scalar_one()
        with tempfile.TemporaryDirectory(prefix="gcrm-cube-") as tmp:
            result = _run(conn, plan, Path(tmp), say, client, task_progress, facts)
        result.seconds = round(time.perf_counter() - started, 2)
        conn.execute(text(sql.FINISH_BUILD), {
            "id": build_id, "months": result.months, "first_month": plan.first,
            "last_month": plan.last, "source_rows": json.dumps(result.source_rows),
            "cells": json.dumps(result.cells), "note": result.note})
    return result


@dataclass
class _Plan:
    kind: str
    months: list[dt.date] | None = None  # None: all
    first: dt.date | None = None
    last: dt.date | None = None
    note: str | None = None
    dirty: dict[str, list[dt.date]] = field(default_factory=dict)


def _plan(conn: Connection, incremental: bool) -> _Plan:
    """Full or incremental, and why."""
    if not incremental:
        return _Plan("full")
    last = conn.execute(text(sql.LAST_BUILD)).mappings().first()
    if last is None:
        return _Plan("full", note="no earlier build: built in full")
    dirty: dict[str, list[dt.date]] = {}
    for family, month in conn.execute(text(sql.DIRTY)):
        dirty.setdefault(family, []).append(month)
    changed = sorted(f for f in dirty if f in WHOLE)
    if changed:
        what = ", ".join(WHOLE[f] for f in changed)
        return _Plan("full", note=f"{what} changed since the last build: built in full")
    if any(m is None for ms in dirty.values() for m in ms):
        return _Plan("full", note="facts were emptied (TRUNCATE): built in full")
    months = sorted({m for ms in dirty.values() for m in ms})
    before = [m for m in months if m < last["first_month"]]
    if before:
        return _Plan("full", note=f"facts before the cube's first month ({before[0]:%Y-%m}): "
                                  "built in full")
    # Months after the last one extend the cube: accounts did not change, so nobody was won
    # or lost in them, and each region's customers carry over from the last month.
    return _Plan("incremental", months=months, first=last["first_month"],
                 last=max([last["last_month"], *months]), dirty=dirty)


def _run(conn: Connection, plan: _Plan, tmp: Path, say: Progress, client=None,
         task_progress=None, facts: _LakeFacts | None = None) -> BuildResult:
    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name] = round(now - clock, 2)
        clock = now

    result = BuildResult(plan.kind, 0.0, plan.months, note=plan.note, steps=steps)
    result.source_rows = dict(conn.execute(text(sql.SOURCE_ROWS)).mappings().one())
    if facts is not None:
        result.source_rows.update(facts.rows)
    if plan.kind == "incremental" and not plan.months:
        result.note = "nothing changed since the last build"
        return result
    db = duckdb.connect(config={"threads": 2, "memory_limit": DUCKDB_MEMORY,
                                "temp_directory": str(tmp / "spill")})
    db.execute("SET enable_progress_bar = false")
    say("Reading the facts out of PostGIS" if facts is None
        else f"Reading the facts: sales and cases from the lake {facts.root}, the rest "
             "out of PostGIS")
    levels = _levels(conn, db)
    _extract(conn, db, tmp, plan.months, levels, facts, materialize=client is None)
    if facts is not None:
        result.note = _unknown_accounts(db, facts) or result.note
    step("read facts")
    if plan.kind == "full":
        plan.first, plan.last = db.execute(compute.MONTH_RANGE).fetchone()
    say("Computing the cells (DuckDB)" if client is None
        else "Computing the cells (DuckDB; the monthly ones on Dask)")
    if client is None:  # on Dask, each task makes its months' cost_months
        db.execute(compute.COST_MONTHS)
    tables = {"cube_sales": compute.sales_cells(levels),
              "cube_service": compute.service_cells(levels),
              "cube_risk": compute.risk_cells(levels)}
    if plan.kind == "full":
        if plan.first is not None:
            tables["cube_customers"] = compute.customer_cells(plan.first, plan.last)
        tables["cube_accounts"] = compute.ACCOUNT_CELLS
        tables["region_visibility"] = compute.VISIBILITY
        tables["cube_places"] = compute.places_out(levels)
    tables["cube_cost"] = compute.cost_cells(levels)
    tables["account_margins"] = compute.ACCOUNT_MARGINS
    files = {}
    if client is not None:  # the monthly families' cells come from the workers
        from gcrm.cube.build_dask import monthly_cells

        files = monthly_cells(client, db, levels, tmp, task_progress,
                              lake=facts.paths if facts is not None else None)
    for table, query in tables.items():
        if table in files:
            continue
        files[table] = tmp / f"{table}.csv"
        db.execute(f"COPY ({query}) TO '{files[table]}' (FORMAT csv, HEADER false)")
    fact_months = {m for (m,) in db.execute(compute.FACT_MONTHS).fetchall()}
    db.close()
    step("compute cells")
    say("Writing the cube tables")
    for table in tables:
        if plan.kind == "full":
            conn.execute(text(f"TRUNCATE {table}"))
        else:
            conn.execute(text(sql.DELETE_MONTHS.format(table=table)), {"months": plan.months})
        rows = _count_lines(files[table])
        if bulk.worth_it(conn, table, rows):
            with bulk.indexes_built_after(conn, table):
                _copy_in(conn, table, files[table])
        else:
            _copy_in(conn, table, files[table])
        result.cells[table] = rows
    for statement in sql.RISK_ZEROS:
        zeros = conn.execute(text(statement)).rowcount
    result.cells["cube_risk"] += zeros
    if plan.kind == "incremental":
        result.cells["cube_customers"] = _customer_months(conn, plan.months, fact_months)
    if plan.kind == "full":
        conn.execute(text(sql.CLEAR_ALL_DIRTY))
    else:
        for family, months in plan.dirty.items():
            conn.execute(text(sql.CLEAR_DIRTY), {"family": family, "months": months})
    step("write cells")
    return result


def _customer_months(conn: Connection, months: list[dt.date], fact_months: set) -> int:
    """Keep cube_customers to the months facts need after an incremental build of
    ``months`` (see compute.customer_cells): a month that gained its first fact gets the
    customers carried from the month before it that has a row (the accounts did not change,
    or the build would be a full one); a month left with no fact and nobody won or lost in
    it loses its rows. Returns the rows written."""
    held = dict(conn.execute(text(sql.CUSTOMER_MONTHS), {"months": months}).all())
    needed = {m for m in months if m in fact_months or held.get(m)}
    gone = [m for m in months if m in held and m not in needed]
    if gone:
        conn.execute(text(sql.DELETE_MONTHS.format(table="cube_customers")), {"months": gone})
    written = 0
    for month in sorted(m for m in needed if m not in held):
        written += conn.execute(text(sql.CARRY_CUSTOMERS), {"month": month}).rowcount
    return written


def _levels(conn: Connection, db: duckdb.DuckDBPyConnection) -> compute.Levels:
    """The cube's region levels, in a fixed order (fine H3 levels are personal data)."""
    levels = [(name, kind) for name, kind in conn.execute(text(sql.LEVELS))
              if not re.match(FINE_LEVELS, name)]
    db.execute("CREATE TABLE levels (name VARCHAR, kind VARCHAR)")
    if levels:
        db.executemany("INSERT INTO levels VALUES (?, ?)", levels)
    return levels


def _extract(conn: Connection, db: duckdb.DuckDBPyConnection, tmp: Path,
             months: list[dt.date] | None, levels: compute.Levels,
             facts: _LakeFacts | None = None, *, materialize: bool = True) -> None:
    """COPY the inputs out of PostGIS as CSV and into DuckDB. A full build reads every
    fact, account and assignment; an incremental one only the changed months' facts and,
    from cube_places, the accounts they belong to. With ``facts`` from a lake, sales and
    cases are its files instead (tables, or views when ``materialize`` is false: on Dask
    the workers read them)."""
    queries = {} if facts is not None else {  # the lake's facts are attached below
        name: sql.EXTRACT[name].format(where="") for name in ("sales", "service")}
    if not months:
        queries["accounts"] = sql.EXTRACT["accounts"]
        queries["assignments"] = sql.EXTRACT["assignments"]
    else:
        where = {name: sql.EXTRACT_WHERE[name].format(ranges=" OR ".join(
            sql.MONTH_RANGE_ON[name].format(first=m.isoformat(), next=_next_month(m))
            for m in months)) for name in ("sales", "service")}
        queries = {name: sql.EXTRACT[name].format(where=where[name])
                   for name in ("sales", "service")}
        conn.execute(text(sql.INVOLVED.format(sales_where=where["sales"],
                                              service_where=where["service"])))
        contacts = _contacts_where(months)
        conn.execute(text(sql.INVOLVED_CONTACTS.format(where=contacts)))
        queries["places_read"] = sql.INVOLVED_PLACES
    queries["risk"] = _risk_extract(conn, months)
    for name, query in queries.items():
        _copy_out(conn, db, tmp, name, query)
    _copy_out(conn, db, tmp, "contacts", _cost_extract(conn, db, months))
    if months:
        accounts, places = compute.places_in(levels)
        db.execute(f"CREATE TABLE accounts AS {accounts}")
        db.execute(f"CREATE TABLE places AS {places}")
    else:
        db.execute(f"CREATE TABLE places AS {compute.places(levels)}")
    if facts is not None:  # after the accounts: only theirs are read
        lake_facts.attach(db, facts.paths, materialize=materialize)


def _unknown_accounts(db: duckdb.DuckDBPyConnection, facts: _LakeFacts) -> str | None:
    """Say how many lake facts name an account PostGIS does not hold (no cell has them)."""
    found = lake_facts.unknown(db, facts.paths)
    sales, cases = found["sales"], found["service_cases"]
    if not sales and not cases:
        return None
    return (f"{sales:,} sales and {cases:,} service cases in the lake name an account "
            "this database does not hold; they are in no cell. Load those accounts, or "
            "write the lake again from this database with gcrm lake write")


def _risk_extract(conn: Connection, months: list[dt.date] | None) -> str:
    """The churn scores to read (an incremental build: of its months only, their accounts
    added to those it reads from cube_places)."""
    if not months:
        return sql.EXTRACT_RISK.format(where="")
    where = sql.RISK_MONTHS_WHERE.format(months=",".join(m.isoformat() for m in months))
    conn.execute(text(sql.INVOLVED_RISK.format(where=where)))
    return sql.EXTRACT_RISK.format(where=where)


def _copy_out(conn: Connection, db: duckdb.DuckDBPyConnection, tmp: Path, name: str,
              query: str) -> None:
    """One query's rows, COPY-ed out of PostGIS as CSV, as DuckDB table ``name``."""
    path = tmp / f"{name}.csv"
    raw = conn.connection.driver_connection
    copy_out = f"COPY ({query}) TO STDOUT (FORMAT csv)"
    with raw.cursor() as cursor, path.open("wb") as out, cursor.copy(copy_out) as copy:
        for block in copy:
            out.write(block)
    if path.stat().st_size == 0:  # e.g. no case in the changed months
        db.execute(f"CREATE TABLE {name} ("
                   + ", ".join(f"{c} {t}" for c, t in TYPES[name].items()) + ")")
        return
    columns = ", ".join(f"'{c}': '{t}'" for c, t in TYPES[name].items())
    db.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header = false, "
               f"columns = {{{columns}}})")


def _next_month(month: dt.date) -> str:
    """The first day after ``month``, as PostgreSQL reads it (past 9999-12: Python's
    dates end there, PostgreSQL's do not)."""
    index = month.year * 12 + month.month  # the next month, counted from year 0
    return f"{index // 12:04d}-{index % 12 + 1:02d}-01"


def _copy_in(conn: Connection, table: str, path: Path) -> None:
    raw = conn.connection.driver_connection
    copy_in = sql.COPY_IN.format(table=table, columns=COLUMNS[table])
    with raw.cursor() as cursor, path.open("rb") as source, cursor.copy(copy_in) as copy:
        while chunk := source.read(1 << 20):
            copy.write(chunk)


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def _cost_extract(conn: Connection, db: duckdb.DuckDBPyConnection,
                  months: list[dt.date] | None) -> str:
    """The rates into DuckDB (``cost_rates``), and the contacts to read (an incremental
    build: of its months only; _extract adds their accounts to those it reads)."""
    db.execute("CREATE TABLE cost_rates (kind VARCHAR, item VARCHAR, rate DECIMAL(12,2))")
    db.executemany("INSERT INTO cost_rates VALUES (?, ?, ?)", costs.effective(conn))
    return sql.EXTRACT_CONTACTS.format(where=_contacts_where(months) if months else "")


def _contacts_where(months: list[dt.date]) -> str:
    """The contacts of ``months``, as ranges the date index serves."""
    return "WHERE " + " OR ".join(sql.CONTACT_MONTH_RANGE.format(
        first=m.isoformat(), next=_next_month(m)) for m in months)
