"""The cube's monthly cells on Dask (docs/scale.md, "The cube on Dask").

Every cell of the monthly families (sales, service, risk, cost to serve and the accounts'
margins) belongs to one month, so the facts are split by month: each Dask task gets the
facts of a few whole months, and the small shared tables (accounts, their places, the
levels and the cost rates) go to every worker once. A worker runs the same
gcrm.cube.compute SQL in its own in-process DuckDB (:func:`cells_of_months`) and sends
back the cells as the CSV gcrm.cube.build copies into PostGIS. A month is never split
between two tasks, so every sum is the one the local build computes: nothing is added up
again across tasks, and the cells are the same, to the cent.

Built from a lake (``--lake``), a task gets the paths of its months' sales and cases
files instead of their rows, and its worker reads them: the facts never pass through the
machine that runs ``gcrm cube build``.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from gcrm.cube import compute, lake_facts
from gcrm.engines import on_dask, to_every_worker

# The families whose cells are per month, and the facts they read (all carry a month).
MONTHLY = ("cube_sales", "cube_service", "cube_risk", "cube_cost", "account_margins")
FACTS = ("sales", "service", "risk", "contacts")
SHARED = {"accounts": "SELECT id, segment, status FROM accounts",
          "places": "SELECT * FROM places", "levels": "SELECT * FROM levels",
          "cost_rates": "SELECT * FROM cost_rates"}
TASKS_PER_WORKER = 4
WORKER_MEMORY = "2GB"  # a task's DuckDB spills to disk beyond this (bench/scale.py: 100M facts)
STEP = "building the cube's monthly cells on Dask"

Progress = Callable[[str, int, int], None]


def monthly_queries(levels: compute.Levels) -> dict[str, str]:
    """The monthly families' cells, as the local build computes them."""
    return {"cube_sales": compute.sales_cells(levels),
            "cube_service": compute.service_cells(levels),
            "cube_risk": compute.risk_cells(levels),
            "cube_cost": compute.cost_cells(levels),
            "account_margins": compute.ACCOUNT_MARGINS}


def cells_of_months(facts: dict, shared: dict, levels: compute.Levels) -> dict[str, bytes]:
    """On a worker: the monthly families' cells of the months in ``facts`` (Arrow tables
    ``sales``, ``service``, ``risk``, ``contacts``), with ``shared`` (``accounts``,
    ``places``, ``levels``, ``cost_rates``), as CSV per cube table. ``sales`` and
    ``service`` may instead be lists of lake Parquet paths, read here."""
    spill = tempfile.mkdtemp(prefix="gcrm-cube-spill-")
    db = duckdb.connect(config={"threads": 1, "memory_limit": WORKER_MEMORY,
                                "temp_directory": spill})
    try:
        db.execute("SET enable_progress_bar = false")
        paths = {name: value for name, value in facts.items() if isinstance(value, list)}
        for name, table in {**shared, **facts}.items():
            if name not in paths:
                db.register(name, table)
        if paths:
            lake_facts.refuse_misplaced(db, paths)
            lake_facts.attach(db, paths, materialize=False)
        db.execute(compute.COST_MONTHS)
        out = {}
        with tempfile.TemporaryDirectory(prefix="gcrm-cube-cells-") as tmp:
            for table, query in monthly_queries(levels).items():
                path = Path(tmp) / f"{table}.csv"
                db.execute(f"COPY ({query}) TO '{path}' (FORMAT csv, HEADER false)")
                out[table] = path.read_bytes()
        return out
    finally:
        db.close()
        shutil.rmtree(spill, ignore_errors=True)


def monthly_cells(client, db: duckdb.DuckDBPyConnection, levels: compute.Levels, tmp: Path,
                  progress: Progress | None = None,
                  lake: dict[str, list[str]] | None = None) -> dict[str, Path]:
    """Compute the monthly families' cells of the facts in ``db`` (the local build's DuckDB)
    on ``client``'s workers, a few whole months per task; write each table's cells to a CSV
    file in ``tmp`` (as the local build does) and return the files. ``lake``: the sales'
    and cases' Parquet paths, which the workers read instead of ``db``'s rows."""
    local = [name for name in FACTS if lake is None or name not in lake]
    found = {m for (m,) in db.execute(
        " UNION ".join(f"SELECT month FROM {name}" for name in local)).fetchall()}
    if lake is not None:
        found |= {_month(path) for paths in lake.values() for path in paths}
    months = sorted(found)
    files = {table: tmp / f"{table}.csv" for table in MONTHLY}
    outs = {table: path.open("wb") for table, path in files.items()}
    try:
        if months:
            _run_tasks(client, db, levels, months, outs, progress, lake)
    finally:
        for out in outs.values():
            out.close()
    return files


def _month(path: str) -> dt.date:
    """The month of a lake file, from its folder (``.../month=YYYY-MM/part-0.parquet``)."""
    return dt.date.fromisoformat(Path(path).parent.name.split("=", 1)[1] + "-01")


def _facts(db, group: list[dt.date], lake: dict[str, list[str]] | None) -> dict:
    """A task's facts: the rows of ``group``'s months, or for lake tables their paths."""
    facts = {}
    for name in FACTS:
        if lake is not None and name in lake:
            facts[name] = [p for p in lake[name] if _month(p) in group]
        else:
            facts[name] = db.sql(f"SELECT * FROM {name} WHERE month IN "
                                 "(SELECT unnest(?::DATE[]))", params=[group]).to_arrow_table()
    return facts


def _run_tasks(client, db, levels, months, outs, progress, lake=None) -> None:
    from distributed import as_completed

    workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
    per_task = math.ceil(len(months) / (TASKS_PER_WORKER * workers))
    groups = [months[i:i + per_task] for i in range(0, len(months), per_task)]
    with on_dask(STEP):
        shared = to_every_worker(client, {name: db.sql(query).to_arrow_table()
                                          for name, query in SHARED.items()})
        # Each task carries its own facts (not scattered): the scheduler holds them until
        # the task is done, so a task whose worker died runs again on another.
        futures = [client.submit(cells_of_months, _facts(db, group, lake), shared, levels,
                                 pure=False) for group in groups]
        if progress:
            progress("cube cells", 0, len(futures))
        for done, future in enumerate(as_completed(futures), start=1):
            for table, data in future.result().items():
                outs[table].write(data)
            if progress:
                progress("cube cells", done, len(futures))
