"""Point-to-region assignment on Dask: the same pass as gcrm.regions.assign's, with the
point-in-polygon work on a Dask cluster (docs/scale.md, "Engines and assignment on Dask").

The pending points are streamed out of PostGIS (COPY, in id order) in
partitions; the region parts of the level are broadcast to every worker once; each
worker runs :func:`spatial.assign.region_of_points` on its partitions; the answers come
back through COPY and are written by the same statement shape as the local path, in the
caller's transaction (a failure stores nothing).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Connection, text

from gcrm.engines import on_dask, to_every_worker
from gcrm.regions import sql
from spatial.assign import region_of_points

PARTITION_ROWS = 100_000

Progress = Callable[[str, int, int], None]


def dask_level_pass(client, *, partition_rows: int = PARTITION_ROWS,
                    progress: Progress | None = None):
    """A level pass for ``_assign`` that runs the point-in-polygon step on ``client``."""

    def assign_level(conn: Connection, entity: str, level: str) -> tuple[int, int]:
        table, geom = sql.POINTS[entity]
        params = {"entity": entity, "level": level}
        step = f"assigning {entity}s to {level} regions on Dask"
        stage = f"{entity} {level}"
        with on_dask(step):
            parts = to_every_worker(client, _parts(conn, level))
            # Each task carries its chunk (not scattered): the scheduler keeps it until the
            # task is done, so a task whose worker died runs again on another.
            futures = [
                client.submit(region_of_points, chunk, parts)
                for chunk in _pending(conn, table, geom, params, partition_rows)]
            answers = _gather(client, futures, stage, progress)
        conn.execute(text(sql.DROP_DASK_HITS))
        conn.execute(text(sql.DASK_HITS))
        _copy_hits(conn, answers)
        row = conn.execute(text(sql.DASK_ASSIGN), params).one()
        return row.written, row.outside

    return assign_level


def _parts(conn: Connection, level: str) -> gpd.GeoDataFrame:
    rows = conn.execute(text(sql.DASK_PARTS), {"level": level}).all()
    return gpd.GeoDataFrame(
        {"region_id": [r.region_id for r in rows], "rank": [r.rank for r in rows]},
        geometry=shapely.from_wkb([bytes(r.wkb) for r in rows]), crs=4326)


def _pending(conn: Connection, table: str, geom: str, params: dict, rows: int):
    """The pending points in id order, about ``rows`` at a time (streamed by COPY)."""
    import psycopg

    cursor = psycopg.ClientCursor(conn.connection.driver_connection)
    lines, blocks = 0, []
    with cursor, cursor.copy(sql.DASK_PENDING.format(table=table, geom=geom), params) as copy:
        for block in copy:
            block = bytes(block)
            blocks.append(block)
            lines += block.count(b"\n")
            if lines >= rows:
                data = b"".join(blocks)
                cut = data.rindex(b"\n") + 1
                yield _frame(data[:cut])
                blocks, lines = [data[cut:]], data[cut:].count(b"\n")
    data = b"".join(blocks)
    if data:
        yield _frame(data)


def _frame(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), names=["id", "lon", "lat"],
                       dtype={"id": "int64", "lon": "float64", "lat": "float64"})


def _gather(client, futures: list, stage: str, progress: Progress | None) -> pd.DataFrame:
    from distributed import as_completed

    frames = []
    if progress:
        progress(stage, 0, len(futures))
    for done, future in enumerate(as_completed(futures), start=1):
        frames.append(future.result())
        if progress:
            progress(stage, done, len(futures))
    if not frames:
        return pd.DataFrame({"id": pd.Series(dtype="int64"),
                             "region_id": pd.Series(dtype="Int64")})
    return pd.concat(frames, ignore_index=True)


def _copy_hits(conn: Connection, answers: pd.DataFrame) -> None:
    if answers.empty:
        return
    buffer = io.StringIO()
    answers[["id", "region_id"]].to_csv(buffer, header=False, index=False)
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(sql.COPY_DASK_HITS) as copy:
        copy.write(buffer.getvalue())
