"""Load one file into one entity: read, map, validate, stage with COPY, upsert, geocode.

The whole file is written in one transaction: an interrupted load leaves
nothing half-written, and running it again completes it. Loads are keyed by
``(source, external_id)``, so the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Connection, Engine, insert, text, update

from gcrm import vocab
from gcrm.db.engine import get_engine
from gcrm.db.models import LoadReject, LoadRun
from gcrm.errors import InvalidInput
from gcrm.ingest import bulk, sql
from gcrm.ingest.columns import resolve_columns
from gcrm.ingest.entities import entity as get_entity
from gcrm.ingest.readers import LINE, read_chunks
from gcrm.ingest.validate import canonical_value, default_date_range, validate_rows

COPY_CHUNK = 200_000
ANALYZE_ROWS = 1_000  # a load changing this many rows, and 10% of the table, analyzes it
POINT_ENTITY = {"accounts": "account", "sites": "site", "reps": "rep"}
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class LoadSummary:
    entity: str
    source: str
    file: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    geocoded: dict[str, int] = field(default_factory=dict)
    run_id: int | None = None
    new_values: dict[str, list[str]] = field(default_factory=dict)  # list -> values recorded
    routed: dict[str, int] = field(default_factory=dict)  # rule or queue -> new items given

    def as_frame(self) -> pd.DataFrame:
        rows = {k: getattr(self, k) for k in
                ("read", "inserted", "updated", "unchanged", "rejected")}
        rows.update({f"geocoded {k}": v for k, v in self.geocoded.items()})
        rows.update({f"routed: {k}": v for k, v in self.routed.items()})
        return pd.DataFrame({"count": rows}).rename_axis("what").reset_index()


@dataclass
class LoadResult:
    summary: LoadSummary
    rejects: pd.DataFrame  # the original columns plus `line` and `reason`


def load_file(
    entity: str,
    path: str | Path,
    *,
    source: str | None = None,
    ref_source: str | None = None,
    column_map: dict[str, str] | None = None,
    value_map: dict[str, dict[str, str]] | None = None,
    crs: str | int | None = None,
    rejects_path: str | Path | None = None,
    date_range: tuple[dt.date, dt.date] | None = None,
    geocode: bool = True,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> LoadResult:
    """Load ``path`` into ``entity`` (accounts, sales, cases, interactions, reps, sites).

    Parameters
    ----------
    source : name of the system the file comes from; default the file name without suffix.
    ref_source : source of the accounts/reps/sites the rows refer to; default ``source``.
    column_map : ``{file column: field}`` overriding the recognised column names.
    value_map : ``{field: {file value: value}}``: the file's words for the values of a
        field that takes a list's (``{"case_type": {"feedback": "review"}}``); see
        ``gcrm.ingest.columns.parse_values``. Values new to an open list of the company's
        (gcrm.vocab) are recorded in it; a closed list refuses them, row by row.
    crs : CRS of the coordinates when the file does not say (or to override it).
    rejects_path : where to write rejected rows as CSV (original row, line, reason).
    date_range : earliest and latest date a row may carry; default GCRM_DATE_MIN (1900-01-01)
        to GCRM_DATE_MAX (a year from today). Rows dated outside are rejected.
    geocode : geocode accounts that arrive without coordinates.

    Examples
    --------
    >>> result = load_file("accounts", "customers.csv", source="crm")  # doctest: +SKIP
    >>> result.summary.inserted, len(result.rejects)  # doctest: +SKIP
    (9000, 1000)
    """
    spec = get_entity(entity)
    path = Path(path)
    source = source or path.stem
    ref_source = ref_source or source
    engine = engine or get_engine()
    report = progress or (lambda stage, done, total: None)

    dates = date_range or default_date_range()
    if dates[0] > dates[1]:
        raise InvalidInput(f"The date range {dates[0]}..{dates[1]} is empty: its first day is "
                           "after its last (see GCRM_DATE_MIN, GCRM_DATE_MAX).")
    chunks = read_chunks(path, crs=crs)
    first = next(chunks)
    mapping = resolve_columns(
        [c for c in first.frame.columns if c != "_geometry_type"], spec, column_map
    )
    listed = [f for f in spec.fields if f.name in mapping and f.vocabulary]
    with engine.connect() as conn:
        lists = vocab.lists([f.vocabulary for f in listed], connection=conn)
    _check_targets(spec, mapping, value_map or {}, lists)
    fields = [f for f in spec.fields if f.name in mapping]
    summary = LoadSummary(entity, source, path.name)

    with engine.begin() as conn:
        conn.execute(text(sql.create_stage(fields)))
        # A piece of the file at a time: read, validate, COPY; only rejected rows are kept.
        # One COPY for the whole file, written from a thread: PostgreSQL stores a piece
        # while the next is read and validated here.
        found, originals, staged = [], [], 0
        columns, pending = list(first.frame.columns), [first]
        del first  # held by nothing once read: memory stays one piece of the file
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(
                sql.copy_stage(fields), writer=QueuedLibpqWriter(cursor)) as copy:
            for table in itertools.chain(_drain(pending), chunks):
                good, reasons = validate_rows(table.frame, spec, mapping, crs=crs,
                                              vocab=lists, value_map=value_map,
                                              date_range=dates, duplicates=False)
                found += [reasons, _broken(table.broken)]
                originals.append(table.frame.loc[reasons.index])
                summary.read += len(table.frame) + len(table.broken)
                _copy(copy, good, fields, report, before=staged)
                staged += len(good)
                del table, good
        report("copy", staged, staged)
        if staged >= ANALYZE_ROWS:
            conn.execute(text(f"ANALYZE {sql.STAGE}"))  # temp tables get no autovacuum
        params = {"source": source, "ref_source": ref_source}
        if conn.execute(text(sql.ERASED_SOURCES), params).scalar_one():
            for statement in sql.erased_ids(spec, fields):
                conn.execute(text(statement), params)
        for rejects in (_duplicate_rejects, _reference_rejects):
            why, rows = rejects(conn, fields, mapping, ref_source)
            found.append(why)
            originals.append(rows)
            staged -= len(why)
        reasons = pd.concat([r for r in found if len(r)] or [pd.Series(dtype=object)])
        reasons = reasons.sort_index()
        frame = _originals(originals, columns)
        for f in listed:
            new = vocab.record_loaded(conn, f.vocabulary, stage=sql.STAGE, column=f.name,
                                      source=source)
            if new:
                summary.new_values[f.vocabulary] = new
        report("upsert", 0, 1)
        fresh = not conn.execute(text(sql.has_source(spec.table)), params).scalar_one()
        in_bulk = bulk.worth_it(conn, spec.table, staged)
        update_rows, insert_rows = sql.upsert(spec, fields, fresh=fresh, bulk=in_bulk)
        if update_rows is not None:
            summary.updated = conn.execute(text(update_rows), params).rowcount
        rows_before = conn.execute(text(sql.ESTIMATED_ROWS), {"table": spec.table}).scalar()
        if in_bulk:
            with bulk.indexes_built_after(conn, spec.table):  # analyzes the table
                summary.inserted = conn.execute(text(insert_rows), params).rowcount
        else:
            summary.inserted = conn.execute(text(insert_rows), params).rowcount
            if _many(summary.inserted + summary.updated, rows_before):
                conn.execute(text(f"ANALYZE {spec.table}"))
        report("upsert", 1, 1)
        if spec.table == "interactions":
            from gcrm.privacy.encryption import encrypt_notes

            encrypt_notes(conn)  # only when a key is configured
        summary.rejected = len(reasons)
        summary.unchanged = (summary.read - summary.rejected - summary.inserted
                             - summary.updated)
        if spec.geocodes and geocode:
            from gcrm.geocoding.batch import geocode_accounts

            summary.geocoded = geocode_accounts(
                conn, where={"source": source}, progress=report
            )
        if spec.point:
            from gcrm.regions.assign import assign

            assign([POINT_ENTITY[spec.name]], connection=conn)  # incremental, every level
        if spec.table in ("service_cases", "accounts"):
            from gcrm.routing import route_in

            kind = "case" if spec.table == "service_cases" else "lead"
            routed = route_in(conn, (kind,))  # new cases or leads get an owner, or the queue
            summary.routed = {**routed.by_rule, **{
                f"{routed.queue} queue ({kind}s)": n for kind, n in routed.queued.items()}}
        frame, reasons = _without_erased_people(conn, spec, mapping, frame, reasons,
                                                source, ref_source)
        summary.run_id = _record_run(conn, summary, frame, reasons)

    rejects = _rejects_frame(frame, reasons)
    if rejects_path is not None:
        rejects.to_csv(rejects_path, index=False)
    return LoadResult(summary, rejects)


def _check_targets(spec, mapping: dict[str, str], value_map: dict[str, dict[str, str]],
                   lists) -> None:
    """A --value for a field the file lacks, or onto a value a closed list lacks, is
    refused before anything loads (every row it maps would be refused)."""
    for name, pairs in value_map.items():
        if name not in mapping:
            raise InvalidInput(f"--value {name}:...: this {spec.name} file has no {name} "
                               f"column (name it with --map COLUMN={name}).")
        field_ = spec.field(name)
        listed = lists.get(field_.vocabulary) if field_.vocabulary else None
        if listed is None or not listed.closed:
            continue
        known = {canonical_value(v) for v in listed.values}
        for source, target in pairs.items():
            if canonical_value(target) not in known:
                raise InvalidInput(
                    f"--value {name}:{source}={target}: '{target}' is not in the company's "
                    f"{listed.vocabulary.noun}, a closed list ({listed.quoted()}); an admin "
                    f"adds it with `gcrm vocab add {listed.vocabulary.name} {target}` or "
                    f"opens the list with `gcrm vocab open {listed.vocabulary.name}`.")


def _copy(copy, good: pd.DataFrame, fields, report: Progress, before: int = 0) -> None:
    """Write the validated rows to the staging table's open COPY, in CSV chunks (empty =
    NULL); ``before`` rows of the file are staged already (the progress counts on from
    there)."""
    names = [f.name for f in fields]
    total = before + len(good)
    for start in range(0, len(good), COPY_CHUNK):
        copy.write(_csv(good.iloc[start : start + COPY_CHUNK][names]))
        report("copy", min(before + start + COPY_CHUNK, total), total)


def _csv(chunk: pd.DataFrame) -> bytes:
    """The line number, then the fields, as CSV PostgreSQL reads (empty = NULL): written
    by Arrow (several times faster than pandas), by pandas for what Arrow cannot type."""
    try:
        table = pa.Table.from_pandas(chunk, preserve_index=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return chunk.to_csv(header=False, index=True, lineterminator="\n").encode()
    table = table.select([table.column_names[-1], *chunk.columns])  # the index first
    out = pa.BufferOutputStream()
    pa_csv.write_csv(table, out, pa_csv.WriteOptions(include_header=False))
    return out.getvalue().to_pybytes()


def _drain(items: list):
    while items:
        yield items.pop()


def _many(changed: int, rows_before: float | None) -> bool:
    """A load changed enough rows that the planner's statistics of the table are stale:
    ANALYZE it then, not when autovacuum gets to it (a re-run of an unchanged 2M-row load
    took 240 s before statistics, 15.7 s after)."""
    return changed >= ANALYZE_ROWS and changed >= 0.1 * max(rows_before or 0, 0)


def _duplicate_rejects(conn: Connection, fields, mapping: dict[str, str],
                       _ref_source: str) -> tuple[pd.Series, pd.DataFrame]:
    """Staged rows whose external_id comes again on a later line: the later row wins (found
    in the staging table, so a file streamed in pieces finds them across pieces too)."""
    rows = conn.execute(text(sql.REPEATED_IDS)).all()
    if not rows:
        return pd.Series(dtype=object), pd.DataFrame()
    why = pd.Series([f"external_id '{r.external_id}' appears again on line {r.last}; that "
                     "later row is loaded instead" for r in rows],
                    index=[r.line for r in rows], dtype=object)
    return why, _unstage(conn, fields, mapping, why.index)


def _reference_rejects(conn: Connection, fields, mapping: dict[str, str],
                       ref_source: str) -> tuple[pd.Series, pd.DataFrame]:
    query = sql.unresolved_references(fields)
    if query is None:
        return pd.Series(dtype=object), pd.DataFrame()
    rows = conn.execute(text(query), {"ref_source": ref_source}).all()
    if not rows:
        return pd.Series(dtype=object), pd.DataFrame()
    missing = pd.Series([r.reason for r in rows], index=[r.line for r in rows], dtype=object)
    missing = missing.groupby(level=0).agg("; ".join)
    return missing, _unstage(conn, fields, mapping, missing.index)


def _unstage(conn: Connection, fields, mapping: dict[str, str], lines) -> pd.DataFrame:
    """Take ``lines`` out of the staging table; their values as the file's columns (the
    rejects file shows them: the file's own text is no longer held once staged)."""
    lines = [int(i) for i in lines]
    rows = conn.execute(text(sql.stage_rows_as_text(fields)), {"lines": lines}).all()
    conn.execute(text(sql.delete_stage_lines()), {"lines": lines})
    columns = [mapping[f.name] for f in fields]
    frame = pd.DataFrame([r[1:] for r in rows], columns=columns,
                         index=pd.Index([r[0] for r in rows], name=LINE), dtype=object)
    return frame.fillna("")


def _originals(pieces: list[pd.DataFrame], columns) -> pd.DataFrame:
    """The rejected rows' cells, in the file's column order, one row per line."""
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return pd.DataFrame(columns=list(columns), index=pd.Index([], name=LINE), dtype=object)
    frame = pd.concat(pieces).reindex(columns=list(columns)).astype(object)
    return frame[~frame.index.duplicated(keep="first")].sort_index()


def _without_erased_people(conn: Connection, spec, mapping: dict[str, str],
                           frame: pd.DataFrame, reasons: pd.Series, source: str,
                           ref_source: str) -> tuple[pd.DataFrame, pd.Series]:
    """Rejected rows about an erased person are not kept (in load_rejects or the rejects
    file): only their line and reason, so the erasure holds whatever a reload brings."""
    field = "external_id" if spec.table == "accounts" else "account"
    column = mapping.get(field) if field in spec.field_names else None
    if column is None or not len(reasons):
        return frame, reasons
    ids = frame.reindex(reasons.index)[column].dropna().astype(str).str.strip()
    erased = set(conn.execute(text(sql.ERASED_AMONG), {
        "source": source if spec.table == "accounts" else ref_source,
        "ids": sorted(set(ids))}).scalars())
    lines = ids.index[ids.isin(erased)]
    if len(lines) == 0:
        return frame, reasons
    frame = frame.copy()
    frame.loc[lines, [c for c in frame.columns if c != "_geometry_type"]] = None
    reasons = reasons.copy()
    reasons.loc[lines] = reasons.loc[lines] + " (row not kept: it is about an erased person)"
    return frame, reasons


def _broken(broken: list[tuple[int, str]]) -> pd.Series:
    return pd.Series({line: reason for line, reason in broken}, dtype=object)


def _rejects_frame(frame: pd.DataFrame, reasons: pd.Series) -> pd.DataFrame:
    rows = frame.reindex(reasons.index).drop(columns=["_geometry_type"], errors="ignore")
    rows = rows.fillna("")
    rows.insert(0, "reason", reasons.values)
    rows.insert(0, "line", reasons.index)
    return rows.reset_index(drop=True)


def _record_run(conn: Connection, summary: LoadSummary, frame, reasons: pd.Series) -> int:
    run_id = conn.execute(
        insert(LoadRun).values(
            entity=summary.entity, source=summary.source, file_name=summary.file,
            read=summary.read, inserted=summary.inserted, updated=summary.updated,
            unchanged=summary.unchanged, rejected=summary.rejected, geocoded=summary.geocoded,
        ).returning(LoadRun.id)
    ).scalar_one()
    if len(reasons):
        originals = frame.reindex(reasons.index).drop(columns=["_geometry_type"], errors="ignore")
        originals = originals.map(  # jsonb holds no NUL
            lambda v: v.replace("\x00", "\\x00") if isinstance(v, str) else v).astype(object)
        reasons = reasons.str.replace("\x00", "\\x00", regex=False)
        records = json.loads(originals.fillna("").to_json(orient="records"))
        conn.execute(
            insert(LoadReject),
            [
                {"run_id": run_id, "line": int(line), "reason": reason, "row": record}
                for (line, reason), record in zip(reasons.items(), records, strict=True)
            ],
        )
    finished = {"finished_at": text("clock_timestamp()")}  # now() is the transaction start
    conn.execute(update(LoadRun).where(LoadRun.id == run_id).values(**finished))
    return run_id


__all__ = ["LINE", "LoadResult", "LoadSummary", "load_file"]
