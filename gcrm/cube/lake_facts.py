"""A full cube build's sales and service cases read from the lake (``gcrm cube build
--lake FOLDER``) instead of PostGIS; accounts, regions, churn scores and contacts still come
from PostGIS, the system of record.

Every file is checked against the lake's manifest first (gcrm.lake.read.checked_files):
a partition with the wrong schema is refused by name before anything changes. On this
machine DuckDB reads the files into its tables; on Dask each task gets the paths of its
months' files and its worker reads them itself (docs/scale.md: the folder must be readable
at the same path on every worker)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from gcrm.cube import compute
from gcrm.lake import layout
from gcrm.lake.layout import LakeError
from gcrm.lake.read import checked_files

TABLES = {"sales": "sales", "service": "service_cases"}  # the cube's name -> the lake's


def files(root: str | Path) -> dict[str, list[str]]:
    """The checked Parquet paths of the facts, per cube fact table."""
    return {name: [str(p) for p in checked_files(root, table)]
            for name, table in TABLES.items()}


def rows(root: str | Path) -> dict[str, int]:
    """The lake's sales and service cases, as the manifest counts them."""
    tables = layout.read_manifest(Path(root)).get("tables", {})
    return {table: sum(p["rows"] for p in tables.get(table, {}).get("partitions", {}).values())
            for table in ("sales", "service_cases")}


def attach(db: duckdb.DuckDBPyConnection, paths: dict[str, list[str]], *,
           materialize: bool) -> None:
    """DuckDB tables (``materialize``) or views ``sales`` and ``service`` over ``paths``."""
    kind = "TABLE" if materialize else "VIEW"
    for name in TABLES:
        query = (compute.LAKE_FACTS[name].format(files=_list(paths[name]))
                 if paths.get(name) else compute.LAKE_NONE[name])
        db.execute(f"CREATE {kind} {name} AS {query}")


def unknown(db: duckdb.DuckDBPyConnection, paths: dict[str, list[str]]) -> dict[str, int]:
    """Per lake table, its rows whose account is not in ``db``'s ``accounts``."""
    return {TABLES[name]: db.execute(compute.LAKE_UNKNOWN.format(files=_list(listed)))
            .fetchone()[0] if listed else 0 for name, listed in paths.items()}


def refuse_misplaced(db: duckdb.DuckDBPyConnection, paths: dict[str, list[str]]) -> None:
    """A LakeError naming the first file that holds a row of another month than its
    folder's (the Dask build gives each month to one task, so such a row would be counted
    in the wrong month or twice)."""
    for name, listed in paths.items():
        if not listed:
            continue
        found = db.execute(compute.LAKE_MISPLACED[name].format(files=_list(listed))).fetchone()
        if found:
            raise LakeError(f"{found[0]}: holds {TABLES[name]} of {found[1]}, outside its "
                            "folder's month. Write the lake again (gcrm lake write), or move "
                            "those rows to their month's folder.")


def _list(paths: list[str]) -> str:
    """A DuckDB list literal of ``paths``."""
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"
