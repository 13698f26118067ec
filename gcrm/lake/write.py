"""``gcrm lake write``: the facts out of PostGIS into the lake, streamed.

The months' rows come out of PostGIS in one COPY (CSV) per table and go through Arrow's
streaming CSV reader, block by block, each row to its month's Parquet file (buffered up to
a row group per month): memory stays bounded whatever the number of rows. A month is
written beside its old partition and swapped in, so re-writing a month replaces that
month only. Accounts are re-written whole, as GeoParquet partitioned by their H3 cell at a
coarse resolution. The manifest goes away while the write runs and is written last: a
half-written lake has no manifest."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import h3
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import shapely
from sqlalchemy import text
from sqlalchemy.engine import Engine

from gcrm.db.engine import operator_engine
from gcrm.errors import InvalidInput
from gcrm.lake import layout

Progress = Callable[[str, int, int], None]
BLOCK = 8 << 20  # bytes of CSV per batch: the memory a write holds, whatever the rows

# One pass over the months asked for (a range the date index serves; a month at a time would
# read the heap once per month, as the facts are stored in load order), each row with its
# month, routed to its month's file.
MONTH_SQL = {
    "sales": """
        SELECT account_id, order_date, amount, quantity, product_category, channel,
               to_char(order_date, 'YYYY-MM')
        FROM sales WHERE order_date >= DATE '{first}' AND order_date < DATE '{next}'""",
    "service_cases": """
        SELECT account_id, opened_at AT TIME ZONE 'UTC', closed_at AT TIME ZONE 'UTC',
               case_type, channel, status, satisfaction,
               to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM')
        FROM service_cases
        WHERE opened_at >= TIMESTAMP '{first}' AT TIME ZONE 'UTC'
          AND opened_at < TIMESTAMP '{next}' AT TIME ZONE 'UTC'""",
}
COUNT_SQL = "SELECT count(*) FROM ({query}) q"
ROW_GROUP = 128_000  # rows buffered per month before they go to its file ...
BUFFERED = 1_000_000  # ... and at most this many in all (the largest month's go first)
SPAN_SQL = """
SELECT min(m), max(m) FROM (
    SELECT min(order_date) AS m FROM sales UNION ALL SELECT max(order_date) FROM sales
    UNION ALL SELECT min((opened_at AT TIME ZONE 'UTC')::date) FROM service_cases
    UNION ALL SELECT max((opened_at AT TIME ZONE 'UTC')::date) FROM service_cases) s"""
# The point as an analyst sees it (~1 km grid, as in the masked views), nothing personal.
ACCOUNTS_SQL = """
SELECT id, kind, status, segment, customer_since, churned_at, erased_at IS NOT NULL,
       ST_X(g), ST_Y(g)
FROM (SELECT *, ST_SnapToGrid(geom, 0.01) AS g FROM accounts) a"""
GEO = {"version": "1.1.0", "primary_column": "geometry",
       "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"]}}}


@dataclass
class WriteResult:
    root: Path
    months: list[str]  # the months (re)written
    rows: dict[str, int] = field(default_factory=dict)  # rows written per table
    bytes: int = 0  # the lake's size on disk after the write


def write(root: str | Path, *, first: str | None = None, last: str | None = None,
          engine: Engine | None = None, progress: Progress | None = None) -> WriteResult:
    """Write the lake at ``root`` from PostGIS: the months ``first``..``last`` (YYYY-MM;
    default: every month with a fact) of sales and service cases, and all accounts."""
    root = Path(root)
    report = progress or (lambda stage, done, total: None)
    engine = engine or operator_engine()
    result = WriteResult(root, [])
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        span = conn.execute(text(SPAN_SQL)).one()
        months = _months(first, last, span)  # bad input: refused before anything changes
        result.months = [f"{m:%Y-%m}" for m in months]
        root.mkdir(parents=True, exist_ok=True)
        layout.remove_manifest(root)
        raw = conn.connection.driver_connection
        for table in MONTH_SQL:
            stage = table.replace("_", " ")
            query = MONTH_SQL[table].format(first=months[0].isoformat(),
                                            next=_next(months[-1]).isoformat()) \
                if months else None
            total = conn.execute(text(COUNT_SQL.format(query=query))).scalar_one() \
                if months else 0
            result.rows[table] = _write_months(raw, root, table, months, query,
                                               lambda done, s=stage, t=total: report(s, done, t))
        total = conn.execute(text("SELECT count(*) FROM accounts")).scalar_one()
        result.rows["accounts"] = _write_accounts(
            raw, root, lambda done: report("accounts", done, total))
    layout.write_manifest(root, manifest_of(root))
    result.bytes = sum(p.stat().st_size for p in root.rglob("*.parquet"))
    return result


def _months(first: str | None, last: str | None, span) -> list[dt.date]:
    def parse(value: str, option: str) -> dt.date:
        try:
            return dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise InvalidInput(f"{option} {value!r}: write a month as YYYY-MM, "
                               "e.g. 2025-03.") from None
    low = parse(first, "--from") if first else (span[0].replace(day=1) if span[0] else None)
    high = parse(last, "--to") if last else (span[1].replace(day=1) if span[1] else None)
    if low is None or high is None:
        return []
    if low > high:
        raise InvalidInput(f"--from {low:%Y-%m} is after --to {high:%Y-%m}.")
    months = []
    while low <= high:
        months.append(low)
        low = _next(low)
    return months


def _next(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


class _CopyStream(io.RawIOBase):
    """A COPY TO STDOUT as a file Arrow's CSV reader can read block by block."""

    def __init__(self, copy) -> None:
        self._blocks = iter(copy)
        self._view = memoryview(b"")

    def readable(self) -> bool:
        return True

    def empty(self) -> bool:
        return not self._fill()

    def _fill(self) -> bool:
        while not len(self._view):
            try:
                self._view = memoryview(bytes(next(self._blocks)))
            except StopIteration:
                return False
        return True

    def readinto(self, buffer) -> int:
        if not self._fill():
            return 0
        n = min(len(buffer), len(self._view))
        buffer[:n] = self._view[:n]
        self._view = self._view[n:]
        return n


def _batches(raw, query: str, types: dict[str, pa.DataType]) -> Iterator[pa.Table]:
    """The query's rows as Arrow tables of at most one CSV block each, typed as ``types``."""
    # Arrow's CSV reader parses zone-less timestamps; they are UTC and cast after.
    parse = {c: (pa.timestamp("us") if pa.types.is_timestamp(t) else t)
             for c, t in types.items()}
    with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
        stream = _CopyStream(copy)
        if stream.empty():
            return
        reader = pacsv.open_csv(
            io.BufferedReader(stream, BLOCK),
            read_options=pacsv.ReadOptions(column_names=list(types), block_size=BLOCK),
            convert_options=pacsv.ConvertOptions(
                column_types=parse, strings_can_be_null=True, quoted_strings_can_be_null=False,
                true_values=["t"], false_values=["f"]))
        target = pa.schema(list(types.items()))
        for batch in reader:
            yield pa.Table.from_batches([batch]).cast(target)


def _write_months(raw, root: Path, table: str, months: list[dt.date], query: str | None,
                  report: Callable[[int], None]) -> int:
    """The months of one table, each into a fresh partition, then each swapped in for its
    old one (a month with no row left loses its partition)."""
    columns, key = layout.TABLES[table]
    names = [f"{m:%Y-%m}" for m in months]
    fresh = {n: root / table / f".{key}={n}.writing" for n in names}
    writers: dict[str, pq.ParquetWriter] = {}
    buffers: dict[str, list[pa.Table]] = {n: [] for n in names}
    buffered = dict.fromkeys(names, 0)
    rows = 0

    def flush(name: str) -> None:
        if name not in writers:
            shutil.rmtree(fresh[name], ignore_errors=True)
            fresh[name].mkdir(parents=True)
            writers[name] = pq.ParquetWriter(fresh[name] / "part-0.parquet",
                                             layout.schema(table))
        writers[name].write_table(pa.concat_tables(buffers[name]))
        buffers[name], buffered[name] = [], 0

    try:
        for batch in _batches(raw, query, {**columns, key: pa.string()}) if query else ():
            month = batch[key]
            batch = batch.drop_columns([key])
            for name in pc.unique(month).to_pylist():
                part = batch.filter(pc.equal(month, name))
                buffers[name].append(part)
                buffered[name] += part.num_rows
                if buffered[name] >= ROW_GROUP:
                    flush(name)
            while sum(buffered.values()) > BUFFERED:
                flush(max(buffered, key=buffered.get))
            rows += batch.num_rows
            report(rows)
        for name in names:
            if buffered[name]:
                flush(name)
    finally:
        for writer in writers.values():
            writer.close()
    for name in names:
        final = root / table / f"{key}={name}"
        if name in writers:
            _swap(fresh[name], final)
        else:
            shutil.rmtree(final, ignore_errors=True)
    return rows


def _swap(fresh: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(fresh, final)
    shutil.rmtree(old, ignore_errors=True)


def _write_accounts(raw, root: Path, report: Callable[[int], None]) -> int:
    """All accounts, GeoParquet, one file per coarse H3 cell (``h3=none``: no point)."""
    columns = dict(layout.TABLES["accounts"][0])
    del columns["geometry"]
    read = {**columns, "x": pa.float64(), "y": pa.float64()}
    fresh, final = root / ".accounts.writing", root / "accounts"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    target = layout.schema("accounts").with_metadata({"geo": json.dumps(GEO)})
    writers: dict[str, pq.ParquetWriter] = {}
    rows = 0
    try:
        for batch in _batches(raw, ACCOUNTS_SQL, read):
            x = batch["x"].to_numpy(zero_copy_only=False)
            y = batch["y"].to_numpy(zero_copy_only=False)
            points = shapely.points(x, y)  # NaN coordinates: no point
            cells = [h3.latlng_to_cell(lat, lon, layout.H3_RESOLUTION)
                     if lat == lat and lon == lon else "none"
                     for lat, lon in zip(y, x, strict=True)]
            wkb = pa.array(shapely.to_wkb(points), type=pa.binary())
            wkb = pc.if_else(pc.is_nan(batch["x"]).fill_null(True),
                                     pa.scalar(None, pa.binary()), wkb)
            table = batch.drop_columns(["x", "y"]).append_column("geometry", wkb)
            table = table.replace_schema_metadata(target.metadata)
            cell_column = pa.array(cells)
            for cell in pc.unique(cell_column).to_pylist():
                if cell not in writers:
                    (fresh / f"h3={cell}").mkdir()
                    writers[cell] = pq.ParquetWriter(fresh / f"h3={cell}" / "part-0.parquet",
                                                     target)
                writers[cell].write_table(table.filter(pc.equal(cell_column, cell)))
            rows += batch.num_rows
            report(rows)
    finally:
        for writer in writers.values():
            writer.close()
    _swap(fresh, final)
    return rows


def manifest_of(root: Path) -> dict:
    """What is on disk now: tables, columns and types, partitions with their files and rows."""
    tables = {}
    for table, (columns, key) in layout.TABLES.items():
        partitions = {}
        for folder in sorted((root / table).glob(f"{key}=*")):
            files = sorted(folder.glob("*.parquet"))
            partitions[folder.name.split("=", 1)[1]] = {
                "rows": sum(pq.read_metadata(f).num_rows for f in files),
                "files": [f.relative_to(root).as_posix() for f in files]}
        tables[table] = {"partition_key": key, "partitions": partitions,
                         "columns": {c: layout.type_name(t) for c, t in columns.items()}}
    months = sorted({m for t in ("sales", "service_cases") for m in tables[t]["partitions"]})
    return {"schema_version": layout.SCHEMA_VERSION, "written_by": "gcrm lake write",
            "written_at": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            "months": {"from": months[0] if months else None,
                       "to": months[-1] if months else None},
            "h3_resolution": layout.H3_RESOLUTION, "tables": tables}
