"""Batch geocoding: parse and normalise in Python, match set-based in PostGIS, cache by address.

One round trip per batch of addresses, never one per address. Identical
normalised addresses are matched once; addresses already in ``geocode_cache``
are not matched again. On Dask the parsing runs on the workers; the matching stays here
(docs/scale.md).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterator

import pandas as pd
from sqlalchemy import Connection, text

from gcrm.db.copy import copy_frame, copy_rows
from gcrm.engines import client_for, on_dask
from gcrm.geocoding import sql
from spatial.geocoding import parse_addresses

BATCH = 50_000
AHEAD = 4  # batches parsed on Dask ahead of the matching (bounded memory)
MIN_SIMILARITY = 0.5
RESULT_COLUMNS = ["lon", "lat", "precision", "score", "matched"]
PARSED_COLUMNS = ["key", "number", "number_int", "street", "unit", "city", "region",
                  "postcode"]
Progress = Callable[[str, int, int], None]


def parse_batch(part: pd.DataFrame) -> pd.DataFrame:
    """The addresses of ``part`` (columns street, unit, city, region, postcode; missing
    ones empty) parsed and normalised: one row per address, :data:`PARSED_COLUMNS`
    (``key`` equal for equal addresses). What a Dask worker runs per batch: a frame
    travels back far faster than a list of objects."""
    streets, parts = _arguments(part)
    parsed = parse_addresses(streets, **parts)
    return pd.DataFrame({
        "key": [a.key for a in parsed], "number": [a.number for a in parsed],
        "number_int": pd.array([a.number_int for a in parsed], dtype="Int64"),
        "street": [a.street for a in parsed], "unit": [a.unit for a in parsed],
        "city": [a.city for a in parsed], "region": [a.region for a in parsed],
        "postcode": [a.postcode for a in parsed]}, columns=PARSED_COLUMNS)


def geocode_parsed(conn: Connection, parsed: pd.DataFrame, *,
                   use_cache: bool = True) -> pd.DataFrame:
    """Geocode parsed addresses (:func:`parse_batch`); one result row per input, in input
    order.

    Columns: lon, lat, precision (rooftop, interpolated, postcode, city, none),
    score (0..1), matched (the reference address, postcode or place it matched).
    """
    keys = parsed["key"].tolist()
    unique = parsed.drop_duplicates("key")
    found: dict[str, tuple] = {}
    if use_cache and len(unique):
        for row in conn.execute(text(sql.CACHE_LOOKUP), {"keys": unique["key"].tolist()}):
            found[row.address_key] = (row.lon, row.lat, row.precision, row.score, row.matched)
    todo = unique[~unique["key"].isin(found)]
    if len(todo):
        found.update(_match(conn, todo))
    return pd.DataFrame([found[k] for k in keys], columns=RESULT_COLUMNS)


def geocode_records(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    use_cache: bool = True,
    progress: Progress | None = None,
    run_on: str | None = None,
    client=None,
) -> pd.DataFrame:
    """Geocode a frame with columns street (number + street), unit, city, region, postcode.

    Missing columns count as empty. Returns the result columns, aligned to ``frame``.

    ``run_on``: ``"local"`` (this process, the default) or ``"dask"`` (the batches parsed
    on the workers of ``GCRM_DASK_SCHEDULER``'s scheduler, or ``client``'s, a few ahead of
    the matching, which stays set-based in PostGIS; the default when that variable is
    set): the same answers either way (docs/scale.md).
    """
    report = progress or (lambda stage, done, total: None)
    results = []
    total, done = len(frame), 0
    with client_for(run_on, client) as client:
        for parsed in _parsed_batches(frame, client):
            results.append(geocode_parsed(conn, parsed, use_cache=use_cache))
            done += len(parsed)
            report("geocode", done, total)
    if not results:
        return pd.DataFrame(columns=RESULT_COLUMNS, index=frame.index)
    out = pd.concat(results, ignore_index=True)
    out.index = frame.index
    return out


def geocode_accounts(
    conn: Connection,
    *,
    where: dict | None = None,
    everything: bool = False,
    retry: bool = True,
    use_cache: bool = True,
    progress: Progress | None = None,
    run_on: str | None = None,
    client=None,
) -> dict[str, int]:
    """Geocode accounts that have no point (or, with ``everything``, all not ``provided``).

    ``where={"source": S}`` limits to one source. ``retry=False`` skips accounts
    that an earlier run could not place. Returns counts by precision. ``run_on`` and
    ``client``: as :func:`geocode_records`.
    """
    source = (where or {}).get("source")
    query = sql.ACCOUNTS_TO_REGEOCODE if everything else sql.ACCOUNTS_TO_GEOCODE
    accounts = pd.DataFrame(
        conn.execute(text(query), {"source": source, "retry": retry}).mappings().all(),
        columns=["id", "street", "unit", "city", "region", "postcode"],
    )
    if accounts.empty:
        return {}
    results = geocode_records(conn, accounts, use_cache=use_cache, progress=progress,
                              run_on=run_on, client=client)
    results["id"] = accounts["id"]
    conn.execute(text("DROP TABLE IF EXISTS gc_out"))
    conn.execute(text(sql.CREATE_OUTPUT))
    copy_frame(conn, "COPY gc_out (id, lon, lat, precision, score) FROM STDIN",
               results[["id", "lon", "lat", "precision", "score"]])
    conn.execute(text(sql.UPDATE_ACCOUNTS))
    return dict(Counter(results["precision"]).most_common())


def _match(conn: Connection, addresses: pd.DataFrame) -> dict[str, tuple]:
    conn.execute(text("DROP TABLE IF EXISTS gc_in"))
    conn.execute(text(sql.CREATE_INPUT))
    rows = addresses[PARSED_COLUMNS].astype(object)
    copy_rows(conn, sql.COPY_INPUT, (
        (kid, *row) for kid, row in enumerate(
            rows.where(rows.notna(), None).itertuples(index=False, name=None))))
    keys = addresses["key"].tolist()
    conn.execute(text("ANALYZE gc_in"))
    for _, statement in sql.CASCADE:
        conn.execute(text(statement), {"min_similarity": MIN_SIMILARITY})
    conn.execute(text(sql.CACHE_STORE))
    out = {}
    for row in conn.execute(text(sql.RESULTS)):
        out[keys[row.kid]] = (row.lon, row.lat, row.precision, row.score, row.matched)
    return out


def _parsed_batches(frame: pd.DataFrame, client) -> Iterator[pd.DataFrame]:
    """Each batch of ``BATCH`` rows, parsed: here, or on Dask's workers (at most ``AHEAD``
    batches ahead of the caller; each task carries its addresses, so a task whose worker
    died runs again on another)."""
    batches = [frame.iloc[start : start + BATCH] for start in range(0, len(frame), BATCH)]
    if client is None:
        for part in batches:
            yield parse_batch(part)
        return
    with on_dask("parsing addresses on Dask"):
        ahead: deque = deque()
        for part in batches:
            ahead.append(client.submit(parse_batch, part))
            if len(ahead) > AHEAD:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def _arguments(part: pd.DataFrame) -> tuple[list[str | None], dict]:
    """parse_addresses's arguments for ``part``: the streets, and the other parts by name."""
    return _column(part, "street"), {
        "units": _column(part, "unit"), "cities": _column(part, "city"),
        "regions": _column(part, "region"), "postcodes": _column(part, "postcode")}


def _column(frame: pd.DataFrame, name: str) -> list[str | None]:
    if name not in frame.columns:
        return [None] * len(frame)
    return frame[name].where(frame[name].notna(), None).tolist()
