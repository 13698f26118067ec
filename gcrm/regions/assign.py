"""Point-to-region assignment for accounts, sites and reps at every level (set-based SQL)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager

import pandas as pd
from sqlalchemy import Connection, Engine, text

from gcrm.db.engine import get_engine
from gcrm.engines import client_for
from gcrm.ingest import bulk
from gcrm.regions import sql

ANALYZE_ROWS = 1_000  # a pass writing this many assignments analyzes the table


def assign(
    entities: Iterable[str] = ("account", "site", "rep"),
    *,
    levels: Iterable[str] | None = None,
    incremental: bool = True,
    engine: Engine | None = None,
    connection: Connection | None = None,
    run_on: str | None = None,
    client=None,
    progress=None,
) -> dict[str, dict[str, int]]:
    """Assign points to their region at every level (or ``levels``).

    Incremental by default: accounts already assigned and not changed since keep
    their assignment; ``incremental=False`` redoes everything. Points on a shared
    edge go to one region; points outside every region are recorded with no region
    (see :func:`unassigned`). Returns ``{level: {"assigned": n, "outside": m}}``.

    ``run_on`` (dask-engine): ``"local"`` (PostGIS, the default) or ``"dask"`` (the
    scheduler of ``GCRM_DASK_SCHEDULER``, or ``client``; the default when that variable is
    set); the same answers either way (docs/scale.md). ``progress(stage, done, total)`` is
    called as Dask partitions finish.
    """
    with client_for(run_on, client) as client:
        level_pass = _assign_level
        if client is not None:
            from gcrm.regions.assign_dask import dask_level_pass

            level_pass = dask_level_pass(client, progress=progress)
        return _in_transaction(engine, connection, list(entities), levels, incremental,
                               level_pass)


def _in_transaction(engine, connection, entities, levels, incremental, level_pass) -> dict:
    if connection is not None:
        return _assign(connection, entities, levels, incremental, level_pass)
    with (engine or get_engine()).begin() as conn:
        return _assign(conn, entities, levels, incremental, level_pass)


def unassigned(level: str | None = None, *, engine: Engine | None = None) -> pd.DataFrame:
    """Accounts whose point lies in no region of ``level`` (or of any level)."""
    with (engine or get_engine()).connect() as conn:
        return pd.DataFrame(conn.execute(text(sql.UNASSIGNED), {"level": level}).mappings().all(),
                            columns=["entity", "entity_id", "level", "lon", "lat"])


def _assign(conn: Connection, entities, levels, incremental, level_pass) -> dict:
    unknown = set(entities) - set(sql.POINTS)
    if unknown:
        raise ValueError(f"Unknown entity {sorted(unknown)}; choose from {sorted(sql.POINTS)}.")
    all_levels = [r.name for r in conn.execute(text("SELECT name FROM region_levels"))]
    levels = all_levels if levels is None else list(levels)
    missing = set(levels) - set(all_levels)
    if missing:
        raise ValueError(f"Unknown level {sorted(missing)}; loaded levels: {sorted(all_levels)}.")
    counts: dict[str, dict[str, int]] = {level: {"assigned": 0, "outside": 0} for level in levels}
    for entity in entities:
        if entity == "account" and incremental:
            conn.execute(text(sql.FORGET_MOVED_ACCOUNTS))
        else:
            conn.execute(text(sql.FORGET_ENTITY), {"entity": entity, "levels": levels})
        for level in levels:
            written, outside = level_pass(conn, entity, level)
            counts[level]["outside"] += outside
            counts[level]["assigned"] += written - outside
    written = sum(c["assigned"] + c["outside"] for c in counts.values())
    if written >= ANALYZE_ROWS:
        # The planner's statistics of the assignments, now rather than when autovacuum gets
        # to them: every per-region query reads this table (the churn model's region
        # features took 8.8 s instead of 1.0 s on a just-built 3,000-account demo).
        conn.execute(text("ANALYZE region_assignments"))
    return counts


def _assign_level(conn: Connection, entity: str, level: str) -> tuple[int, int]:
    """Assign the pending points of one entity at one level: (rows written, outside)."""
    table, geom = sql.POINTS[entity]
    params = {"entity": entity, "level": level}
    conn.execute(text(sql.DROP_HITS))
    some_assigned = conn.execute(text(sql.ANY_ASSIGNED), params).scalar_one()
    hits = sql.HITS_PENDING if some_assigned else sql.HITS_ALL
    with _parallel_join(conn):
        conn.execute(text(hits.format(table=table, geom=geom)), params)
    write = text((sql.ASSIGN if some_assigned else sql.ASSIGN_ALL).format(table=table,
                                                                          geom=geom))
    if not some_assigned and bulk.worth_it(conn, "region_assignments", conn.execute(
            text(sql.POINT_ROWS.format(table=table, geom=geom))).scalar_one()):
        # the first pass into an empty table: its two indexes built once, afterwards
        with bulk.indexes_built_after(conn, "region_assignments"):
            row = conn.execute(write, params).one()
    else:
        row = conn.execute(write, params).one()
    return row.written, row.outside


# The region parts are a small table, so the planner would not split the join between
# workers on its own; these settings let it, for this statement only.
_PARALLEL = ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size")


@contextmanager
def _parallel_join(conn: Connection):
    get, put = text("SELECT current_setting(:name)"), text("SELECT set_config(:name, :value, true)")
    before = {name: conn.execute(get, {"name": name}).scalar_one() for name in _PARALLEL}
    for name in _PARALLEL:
        conn.execute(put, {"name": name, "value": "0"})
    try:
        yield
    finally:
        for name, value in before.items():
            conn.execute(put, {"name": name, "value": value})
